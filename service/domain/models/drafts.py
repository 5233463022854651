"""An institution's unsent report for a plan and period, typed into the dashboard's report
page (DESIGN section 14): at most one per plan and period, seen only by the institution."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from service.clock import utcnow
from service.domain.models.columns import UTCDateTime
from service.extensions import db


class FollowUpDraft(db.Model):
    """The unique key on plan and period is what keeps two saves at once from making two
    drafts: the loser of an insert race updates the winner's row instead."""

    __tablename__ = "followup_draft"
    __table_args__ = (UniqueConstraint("plan_id", "period"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("plan.id", ondelete="CASCADE"))
    period: Mapped[str] = mapped_column(String(20))
    #: ``[{"goal": "M1", "status": "on_track", "value": "35,5", "progress": "50",
    #: "comment": "…"}]`` as typed (not yet validated), in the plan's goal order
    goals: Mapped[list[dict[str, str]]] = mapped_column(JSON, default=list)
    saved_by: Mapped[str] = mapped_column(String(320))
    saved_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

"""The department's answer to a follow-up (DESIGN section 14): acknowledged or returned,
an overall comment and a comment per goal. A follow-up keeps every review it got; the
latest is its answer (a second review replaces the first, and both are audited)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from service.clock import utcnow
from service.domain.models.columns import UTCDateTime
from service.extensions import db

ACKNOWLEDGED, RETURNED = "acknowledged", "returned"
DECISIONS = (ACKNOWLEDGED, RETURNED)


class FollowUpReview(db.Model):
    __tablename__ = "followup_review"

    id: Mapped[int] = mapped_column(primary_key=True)
    followup_id: Mapped[int] = mapped_column(
        ForeignKey("followup.id", ondelete="CASCADE"), index=True)
    decision: Mapped[str] = mapped_column(String(20))  # acknowledged | returned
    comment: Mapped[str | None] = mapped_column(Text)
    #: ``[{"goal": "M1", "comment": "…"}]``, in the follow-up's goal order
    goals: Mapped[list[dict[str, str]]] = mapped_column(JSON, default=list)
    reviewed_by: Mapped[str] = mapped_column(String(320))
    reviewed_by_email: Mapped[str | None] = mapped_column(String(320))
    reviewed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    def to_dict(self) -> dict[str, object]:
        return {"decision": self.decision, "comment": self.comment,
                "goals": [dict(g) for g in self.goals or []], "by": self.reviewed_by,
                "at": self.reviewed_at}

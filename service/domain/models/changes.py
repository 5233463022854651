"""Change requests (DESIGN section 13): a proposed change to a goal of an approved plan (its
fields, its withdrawal, or a new goal), with a reason, approved or rejected by the
department. A department's direct edit of an approved plan's goal is kept the same way, as a
change that was approved when it was made."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from service.clock import utcnow
from service.domain.models.columns import UTCDateTime
from service.domain.models.plans import Goal, Plan
from service.extensions import db

PENDING, APPROVED, REJECTED = "pending", "approved", "rejected"
STATUSES = (PENDING, APPROVED, REJECTED)
#: what a request asks for: changed fields, the goal's withdrawal, a new goal
CHANGE, WITHDRAW, NEW_GOAL = "change", "withdraw", "new_goal"


class ChangeRequest(db.Model):
    __tablename__ = "change_request"

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("plan.id", ondelete="CASCADE"), index=True)
    goal_id: Mapped[int | None] = mapped_column(
        ForeignKey("goal.id", ondelete="CASCADE"), index=True)
    #: the goal's code as it was asked (a new goal's own, once it is added)
    goal_code: Mapped[str | None] = mapped_column(String(20))
    kind: Mapped[str] = mapped_column(String(20))  # change | withdraw | new_goal
    #: the partial PATCH body (``change``), ``{"withdraw": true}``, or the new goal's body
    changes: Mapped[dict[str, Any]] = mapped_column(JSON)
    reason: Mapped[str | None] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(20), default=PENDING, index=True)
    #: made by the department directly on the goal (approved as it was made)
    direct: Mapped[bool] = mapped_column(default=False)
    requested_by: Mapped[str] = mapped_column(String(320))
    requested_by_email: Mapped[str | None] = mapped_column(String(320))
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    decided_by: Mapped[str | None] = mapped_column(String(320))
    decided_by_email: Mapped[str | None] = mapped_column(String(320))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    comment: Mapped[str | None] = mapped_column(Text)
    #: what the goal was and became, only what changed (set when the change is applied)
    before: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    after: Mapped[dict[str, Any] | None] = mapped_column(JSON)

    plan: Mapped[Plan] = relationship()
    goal: Mapped[Goal | None] = relationship()

    @property
    def plan_reference(self) -> str:
        return self.plan.reference

    @property
    def decision(self) -> dict[str, Any] | None:
        if self.decided_at is None:
            return None
        return {"by": self.decided_by, "at": self.decided_at, "comment": self.comment}

"""Follow-up reports: one per plan and period (a later one supersedes, both kept), a row
per goal, and the findings the report got when it was received."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from service.clock import utcnow
from service.domain.models.columns import UTCDateTime
from service.domain.models.plans import Plan
from service.domain.models.reviews import FollowUpReview
from service.extensions import db

#: a plan's current report for a period: accepted, and superseded by none
CURRENT = "status = 'accepted' AND superseded_by_id IS NULL"


class FollowUp(db.Model):
    """At most one report is current per plan and period, and at most one comes from each
    inbound message: the database holds both (``uq_followup_current`` and the unique
    ``inbound_message_id``), so no race of two writers makes a second."""

    __tablename__ = "followup"
    __table_args__ = (
        Index("uq_followup_current", "plan_id", "period", unique=True,
              sqlite_where=text(CURRENT), postgresql_where=text(CURRENT)),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("plan.id", ondelete="CASCADE"), index=True)
    period: Mapped[str] = mapped_column(String(20), index=True)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    channel: Mapped[str] = mapped_column(String(10))  # email | api | web | upload
    submitted_by: Mapped[str | None] = mapped_column(String(320))
    #: the mail it came in (InboundMessage.id; that row points back through followup_id)
    inbound_message_id: Mapped[int | None] = mapped_column(index=True, unique=True)
    status: Mapped[str] = mapped_column(String(10), index=True)  # accepted | rejected
    superseded_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("followup.id", ondelete="SET NULL")
    )

    plan: Mapped[Plan] = relationship()
    #: the accepted report that replaced this one (set together with a new report, which has
    #: no id until the flush)
    superseded_by: Mapped[FollowUp | None] = relationship(remote_side=[id])
    goals: Mapped[list[FollowUpGoal]] = relationship(
        back_populates="followup", cascade="all, delete-orphan", order_by="FollowUpGoal.id"
    )
    findings: Mapped[list[FollowUpFinding]] = relationship(
        back_populates="followup", cascade="all, delete-orphan", order_by="FollowUpFinding.id"
    )
    #: the department's answers, oldest first; the latest is the one that counts
    reviews: Mapped[list[FollowUpReview]] = relationship(
        cascade="all, delete-orphan", order_by="FollowUpReview.id"
    )

    @property
    def current(self) -> bool:
        return self.status == "accepted" and self.superseded_by_id is None

    @property
    def review(self) -> FollowUpReview | None:
        """The department's answer (the latest review), or None."""
        return self.reviews[-1] if self.reviews else None


class FollowUpGoal(db.Model):
    """A goal's line in a report; the raw text is kept next to the parsed value."""

    __tablename__ = "followup_goal"

    id: Mapped[int] = mapped_column(primary_key=True)
    followup_id: Mapped[int] = mapped_column(
        ForeignKey("followup.id", ondelete="CASCADE"), index=True
    )
    goal_id: Mapped[int | None] = mapped_column(
        ForeignKey("goal.id", ondelete="SET NULL"), index=True
    )
    goal_code: Mapped[str] = mapped_column(String(40))
    status: Mapped[str | None] = mapped_column(String(30))
    status_raw: Mapped[str | None] = mapped_column(String(200))
    value: Mapped[float | None]
    value_raw: Mapped[str | None] = mapped_column(String(200))
    progress: Mapped[float | None]
    progress_raw: Mapped[str | None] = mapped_column(String(200))
    comment: Mapped[str | None] = mapped_column(Text)
    row: Mapped[int | None]
    #: the status worked out from the indicator or milestones when the report came
    #: (DESIGN section 12), the value expected then, and the Danish sentence that explains it
    computed_status: Mapped[str | None] = mapped_column(String(30))
    expected_value: Mapped[float | None]
    computed_basis: Mapped[str | None] = mapped_column(Text)

    followup: Mapped[FollowUp] = relationship(back_populates="goals")


class FollowUpFinding(db.Model):
    """A finding a follow-up got when it was received (kept as it was then)."""

    __tablename__ = "followup_finding"

    id: Mapped[int] = mapped_column(primary_key=True)
    followup_id: Mapped[int] = mapped_column(
        ForeignKey("followup.id", ondelete="CASCADE"), index=True
    )
    plugin: Mapped[str | None] = mapped_column(String(100))
    rule: Mapped[str] = mapped_column(String(100))
    severity: Mapped[str] = mapped_column(String(10))
    goal: Mapped[str | None] = mapped_column(String(40))
    message: Mapped[str] = mapped_column(Text)

    followup: Mapped[FollowUp] = relationship(back_populates="findings")

    def to_dict(self) -> dict[str, str | None]:
        return {"rule": self.rule, "severity": self.severity, "goal": self.goal,
                "plugin": self.plugin, "message": self.message}

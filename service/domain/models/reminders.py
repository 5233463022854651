"""Reminders mailed to institutions about a follow-up report: at most one per plan, period
and kind (``upcoming`` before the due date, ``overdue`` after it)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from service.domain.models._types import UTCDateTime, utcnow
from service.domain.models.plans import Plan
from service.extensions import db


class Reminder(db.Model):
    """A reminder that was handed to the SMTP server (a failed send leaves no row)."""

    __tablename__ = "reminder"
    __table_args__ = (UniqueConstraint("plan_id", "period", "kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("plan.id", ondelete="CASCADE"))
    period: Mapped[str] = mapped_column(String(20))
    kind: Mapped[str] = mapped_column(String(10))  # upcoming | overdue
    sent_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    #: the addresses the reminder went to
    recipients: Mapped[list[str]] = mapped_column(JSON, default=list)

    plan: Mapped[Plan] = relationship()

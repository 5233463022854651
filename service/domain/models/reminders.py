"""Reminders mailed to institutions about a follow-up report: at most one per plan, period
and kind (``upcoming`` before the due date, ``overdue`` after it)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from service.clock import utcnow
from service.domain.models.columns import UTCDateTime
from service.domain.models.plans import Plan
from service.extensions import db


class Reminder(db.Model):
    """A reminder that was handed to the SMTP server (``sent``), or that a run has claimed
    and is sending (``sending``, since ``sent_at``). The unique key is the claim: a run
    commits its row before the mail goes, so a concurrent run cannot insert another; a failed
    send deletes the row, and a claim left by a run that died is taken over after a while."""

    __tablename__ = "reminder"
    __table_args__ = (UniqueConstraint("plan_id", "period", "kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("plan.id", ondelete="CASCADE"))
    period: Mapped[str] = mapped_column(String(20))
    kind: Mapped[str] = mapped_column(String(10))  # upcoming | overdue
    state: Mapped[str] = mapped_column(String(10), default="sent", server_default="sent")
    #: when it was sent (``sent``) or claimed (``sending``)
    sent_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    #: the addresses the reminder went to
    recipients: Mapped[list[str]] = mapped_column(JSON, default=list)

    plan: Mapped[Plan] = relationship()

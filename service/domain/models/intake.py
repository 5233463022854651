"""Inbound mail: every message the poller sees, stored raw before anything else."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, ForeignKey, Index, LargeBinary, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, deferred, mapped_column, relationship

from service.clock import utcnow
from service.domain.models.columns import UTCDateTime
from service.domain.models.followups import FollowUp
from service.domain.models.outbound import OutboundMessage
from service.domain.models.plans import Plan
from service.domain.models.tenancy import Institution
from service.extensions import db


class InboundMessage(db.Model):
    """States: received → accepted | rejected | quarantined | ignored (DESIGN section 7);
    a person may then discard a quarantined one: ``discarded``, final (``discard_*``).

    ``(mailbox, uidvalidity, uid)`` names the mail on the server; ``sha256`` of the raw bytes
    recognises the same mail under another UID. ``raw`` is loaded only when asked for.

    Who may see it is decided by the pipeline and stored with it (``service.domain.scoping``):
    ``ministry_id`` is the ministry it belongs to, that of the plan it names when that plan
    exists, else that of its registered sender; ``institution_id`` the institution that may
    see it too. None: administrators only (unknown or unauthenticated sender, ignored mail,
    a mail not yet processed).
    """

    __tablename__ = "inbound_message"
    __table_args__ = (
        UniqueConstraint("mailbox", "uidvalidity", "uid"),
        Index("ix_inbound_message_state_received", "state", "received_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    mailbox: Mapped[str] = mapped_column(String(300))
    uidvalidity: Mapped[int | None] = mapped_column(BigInteger)
    uid: Mapped[int | None] = mapped_column(BigInteger)
    sha256: Mapped[str | None] = mapped_column(String(64), index=True)
    size: Mapped[int] = mapped_column(BigInteger, default=0)
    raw: Mapped[bytes | None] = deferred(mapped_column(LargeBinary))
    message_id: Mapped[str | None] = mapped_column(String(998))
    sender: Mapped[str | None] = mapped_column(String(320), index=True)
    subject: Mapped[str | None] = mapped_column(Text)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    processed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    state: Mapped[str] = mapped_column(String(20), default="received", index=True)
    reason: Mapped[str | None] = mapped_column(String(40))
    detail: Mapped[str | None] = mapped_column(Text)
    attempts: Mapped[int] = mapped_column(default=0)
    moved: Mapped[bool] = mapped_column(default=False)
    #: the ministry the message belongs to (None: administrators only)
    ministry_id: Mapped[int | None] = mapped_column(
        ForeignKey("ministry.id", ondelete="SET NULL"), index=True
    )
    #: the institution it is attributed to: its plan's, or its registered sender's when it
    #: names no plan that exists (None: no institution sees it)
    institution_id: Mapped[int | None] = mapped_column(
        ForeignKey("institution.id", ondelete="SET NULL"), index=True
    )
    plan_id: Mapped[int | None] = mapped_column(
        ForeignKey("plan.id", ondelete="SET NULL"), index=True
    )
    followup_id: Mapped[int | None] = mapped_column(
        ForeignKey("followup.id", ondelete="SET NULL")
    )
    #: receipts: none (quarantined/ignored) | pending | sent | failed (retried next run)
    receipt_state: Mapped[str] = mapped_column(String(10), default="none", index=True)
    receipt_attempts: Mapped[int] = mapped_column(default=0)
    receipt_error: Mapped[str | None] = mapped_column(Text)
    #: a discarded message: the reason given, who discarded it (name and e-mail) and when
    discard_reason: Mapped[str | None] = mapped_column(Text)
    discarded_by: Mapped[str | None] = mapped_column(String(200))
    discarded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    institution: Mapped[Institution | None] = relationship()
    plan: Mapped[Plan | None] = relationship()
    followup: Mapped[FollowUp | None] = relationship(foreign_keys=[followup_id])
    #: the mail sent in answer (receipts, answers), as stored when it was queued
    receipts: Mapped[list[OutboundMessage]] = relationship(
        order_by=OutboundMessage.id, viewonly=True)


class IntakeRun(db.Model):
    """One poll of one mailbox: when, and how it went (for `mrp intake status`)."""

    __tablename__ = "intake_run"

    id: Mapped[int] = mapped_column(primary_key=True)
    mailbox: Mapped[str] = mapped_column(String(300), index=True)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    ok: Mapped[bool] = mapped_column(default=False)
    fetched: Mapped[int] = mapped_column(default=0)
    error: Mapped[str | None] = mapped_column(Text)

"""Outbound mail: everything the service sends (DESIGN section 11), stored before it is sent."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from service.clock import utcnow
from service.domain.models.columns import UTCDateTime
from service.extensions import db

#: the kinds of outbound mail
RECEIPT, QUARANTINE_ANSWER, REMINDER, REVIEW_ANSWER = (
    "receipt", "quarantine_answer", "reminder", "review_answer")
KINDS = (RECEIPT, QUARANTINE_ANSWER, REMINDER, REVIEW_ANSWER)


class OutboundMessage(db.Model):
    """One mail the service sends: composed once and committed before it is handed to the
    SMTP server, sent at most once, and kept with its text.

    ``key`` is unique: ``receipt:<message id>`` (one receipt of each kind per inbound
    message), ``reminder:<plan id>:<period>:<upcoming|overdue>`` (one reminder per plan,
    period and kind). A sender claims a row by setting ``claimed_at`` in a conditional
    update (only when it is not sent and not claimed by a live run), so two senders never
    both send it; ``sent_at`` is set when the server took it. A row not sent (the server
    unreachable, say) is sent by a later run."""

    __tablename__ = "outbound_message"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(200), unique=True)
    kind: Mapped[str] = mapped_column(String(20), index=True)
    #: the recipients, as the To header holds them
    to: Mapped[str] = mapped_column("to_address", Text)
    subject: Mapped[str] = mapped_column(Text)
    text: Mapped[str] = mapped_column(Text)
    #: threading: our Message-ID, and In-Reply-To / References of a reply
    message_id: Mapped[str | None] = mapped_column(String(998))
    in_reply_to: Mapped[str | None] = mapped_column(String(998))
    references: Mapped[str | None] = mapped_column(Text)
    inbound_message_id: Mapped[int | None] = mapped_column(
        ForeignKey("inbound_message.id", ondelete="CASCADE"), index=True)
    plan_id: Mapped[int | None] = mapped_column(
        ForeignKey("plan.id", ondelete="CASCADE"), index=True)
    period: Mapped[str | None] = mapped_column(String(20))
    queued_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    attempts: Mapped[int] = mapped_column(default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
    #: addresses the server refused while it took the mail for the others
    refused_recipients: Mapped[list[str]] = mapped_column(JSON, default=list)

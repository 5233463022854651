"""Receipts and answers: a Danish reply for every accepted or rejected mail, and for a
quarantined mail from a registered address that says what was missing (DESIGN section 11).

Each reply is composed once, from what the intake read, and stored as an
:class:`OutboundMessage` committed before it is handed to the SMTP server; the stored text is
what is sent, and what the API and the dashboard show. A reply is sent at most once: a run
claims its row with a conditional update (not sent, not claimed by a live run) and marks it
sent in the commit right after the server took it; only a crash between the two could send
it twice. A reply that was not taken stays queued (``last_error`` says why) and is sent by a
later run. ``InboundMessage.receipt_state`` follows the row (pending, sent, failed)."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from email.parser import BytesHeaderParser
from email.policy import compat32
from typing import Protocol

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from service.domain.locking import mailbox_lock
from service.domain.models import FollowUp, InboundMessage, OutboundMessage
from service.domain.models.outbound import QUARANTINE_ANSWER, RECEIPT
from service.extensions import db
from service.mail.answers import compose_answer
from service.mail.queue import claim, record_failed, record_sent, release, stored_reply
from service.mail.receipts import (
    OriginalMail,
    ReceiptFinding,
    ReceiptRow,
    Reply,
    compose_receipt,
    reply_message,
)
from service.mail.smtp import Connection, SmtpError, SmtpSettings, SmtpUnavailable

log = logging.getLogger("mrp.intake")

#: the advisory lock the poller that sends receipts holds
RECEIPTS_LOCK = "mrp:receipts"


class ReceiptOptions(Protocol):
    """What sending receipts needs of the intake's options."""

    mail_from: str
    receipt_attempts: int
    intake_address: str
    contact: str


def _original(msg: InboundMessage, references: str | None) -> OriginalMail:
    if references is None:  # a receipt left from an earlier run: only the headers are read
        headers = BytesHeaderParser(policy=compat32).parsebytes(msg.raw or b"")
        references = str(headers.get("References") or "")
    return OriginalMail(sender=msg.sender or "", subject=msg.subject or "",
                        message_id=msg.message_id, references=references or None)


def _receipt_for(msg: InboundMessage, opts: ReceiptOptions, references: str | None) -> Reply:
    """The reply to ``msg``, threaded under its Message-ID and ``references`` (the mail's
    References as the intake read them; None: read from the stored mail's headers)."""
    original = _original(msg, references)
    if msg.state == "quarantined":
        return compose_answer(original=original, mail_from=opts.mail_from,
                              reason=msg.reason or "", intake_address=opts.intake_address,
                              contact=opts.contact)
    followup = db.session.scalar(
        select(FollowUp)
        .where(FollowUp.id == msg.followup_id)
        .options(selectinload(FollowUp.goals), selectinload(FollowUp.findings),
                 selectinload(FollowUp.plan))
    )
    rows = [ReceiptRow(goal=g.goal_code, status=g.status, value=g.value if g.value is not None
                       else g.value_raw, progress=g.progress, comment=g.comment,
                       status_raw=g.status_raw)
            for g in (followup.goals if followup else [])]
    findings = [ReceiptFinding(rule=f.rule, severity=f.severity, message=f.message, goal=f.goal)
                for f in (followup.findings if followup else [])]
    return compose_receipt(
        original=original,
        mail_from=opts.mail_from,
        accepted=msg.state == "accepted",
        plan=followup.plan.reference if followup else None,
        period=followup.period if followup else None,
        rows=rows,
        findings=findings,
        intake_address=opts.intake_address,
        contact=opts.contact,
    )


def _kind(msg: InboundMessage) -> str:
    return QUARANTINE_ANSWER if msg.state == "quarantined" else RECEIPT


def queued_reply(msg: InboundMessage, opts: ReceiptOptions,
                 references: str | None = None) -> OutboundMessage:
    """The stored reply to ``msg``: the one already queued, else composed now and committed
    (the unique key lets one of two concurrent runs store it; the other reads it)."""
    kind = _kind(msg)
    key = f"{kind}:{msg.id}"
    row = db.session.scalar(select(OutboundMessage).where(OutboundMessage.key == key))
    if row is not None:
        return row
    reply = _receipt_for(msg, opts, references)
    row = OutboundMessage(
        key=key, kind=kind, to=reply.to, subject=reply.subject, text=reply.text,
        message_id=reply.message_id, in_reply_to=reply.in_reply_to,
        references=reply.references, inbound_message_id=msg.id,
        plan_id=msg.plan_id, attempts=0, refused_recipients=[],
    )
    db.session.add(row)
    try:
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        row = db.session.scalars(select(OutboundMessage).where(OutboundMessage.key == key)).one()
    return row


def send_pending(smtp: SmtpSettings, opts: ReceiptOptions, limit: int = 500,
                 references: Mapping[int, str] | None = None) -> dict[str, int]:
    """Send the receipts and answers that are due; returns counts of sent, failed and
    waiting. ``references``: message id → the References of mails read in this run.

    A reply the server refuses counts an attempt (at most ``opts.receipt_attempts``). When
    the server cannot take mail at all (unreachable, login or token refused), the reply
    counts no attempt and the run stops: every reply not sent waits for the next run, so
    an outage of any length loses none, and the server is not asked again per reply.

    On PostgreSQL one poller at a time sends (an advisory lock), and on any database a reply
    is claimed before it is sent: two pollers never send the same reply."""
    with mailbox_lock(RECEIPTS_LOCK) as held:
        if not held:  # another poller is sending them
            log.info("receipts are being sent by another poller")
            return {"sent": 0, "failed": 0, "waiting": 0}
        return _send_pending(smtp, opts, limit, references or {})


def _send_pending(smtp: SmtpSettings, opts: ReceiptOptions, limit: int,
                  references: Mapping[int, str]) -> dict[str, int]:
    """The replies due, over one SMTP session (opened for the first that is sent)."""
    with Connection(smtp) as connection:
        return _send_over(connection, opts, limit, references)


def _send_over(connection: Connection, opts: ReceiptOptions, limit: int,
               references: Mapping[int, str]) -> dict[str, int]:
    counts = {"sent": 0, "failed": 0, "waiting": 0}
    pending = list(db.session.scalars(
        select(InboundMessage)
        .where(InboundMessage.receipt_state.in_(("pending", "failed")),
               InboundMessage.receipt_attempts < opts.receipt_attempts,
               InboundMessage.sender.is_not(None))
        .order_by(InboundMessage.id)
        .limit(limit)
    ))
    # stored before anything is sent: composed from what this run read
    queued: list[tuple[InboundMessage, OutboundMessage | None, str | None]] = []
    for msg in pending:
        try:
            queued.append((msg, queued_reply(msg, opts, references.get(msg.id)), None))
        except ValueError as error:  # no usable address: counts an attempt
            db.session.rollback()
            queued.append((msg, None, str(error)))
    for index, (msg, row, problem) in enumerate(queued):
        if row is None:
            msg.receipt_attempts += 1
            msg.receipt_state, msg.receipt_error = "failed", problem
            counts["failed"] += 1
            log.warning("receipt for message %s not sent (%s)", msg.id, problem)
            db.session.commit()
            continue
        if row.sent_at is not None or not claim(row):  # sent, or another run sends it
            if row.sent_at is not None:
                msg.receipt_state, msg.receipt_error = "sent", None
                db.session.commit()
            continue
        try:
            refused = connection.send(reply_message(stored_reply(row), opts.mail_from))
        except SmtpUnavailable as error:
            release(row, str(error))
            for waiting, _row, _problem in queued[index:]:  # each waits, and says why
                waiting.receipt_state, waiting.receipt_error = "failed", str(error)[:2000]
            db.session.commit()
            counts["waiting"] = len(queued) - index
            log.warning("receipts not sent (%s); %d retried next run", error,
                        counts["waiting"])
            break
        except (SmtpError, OSError, ValueError) as error:  # ValueError: no usable address
            record_failed(row, str(error))
            msg.receipt_attempts += 1
            msg.receipt_state, msg.receipt_error = "failed", str(error)[:2000]
            counts["failed"] += 1
            log.warning("receipt for message %s not sent (%s); retried next run", msg.id, error)
        else:
            record_sent(row, refused)
            msg.receipt_attempts += 1
            msg.receipt_state, msg.receipt_error = "sent", None
            counts["sent"] += 1
            log.info("%s for message %s sent to %s", row.kind, msg.id, msg.sender)
            if refused:  # taken for the others: not sent again
                log.warning("receipt for message %s: the server refused %s", msg.id,
                            ", ".join(refused))
        db.session.commit()
    return counts

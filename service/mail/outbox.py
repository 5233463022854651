"""Receipts and answers: a Danish reply for every accepted or rejected mail, and for a
quarantined mail from a registered address that says what was missing (DESIGN section 11).

Each reply is composed once, from what the intake read (the References its mail was read
with, the follow-up it made), and stored as an :class:`OutboundMessage` committed before it
is handed to the SMTP server; the stored text is what is sent, and what the API and the
dashboard show. Replies go in batches of ``SEND_BATCH`` over one SMTP session: a batch's
replies are composed and stored in one commit, claimed in one conditional update (not sent,
not claimed by a live run), sent, and the outcome of each recorded in one commit after the
last of the batch was taken. A reply is sent at most once: only a crash between the server
taking a batch's replies and that commit could send them again (their claims expire after
``CLAIM_EXPIRES``). A reply that was not taken stays queued (``last_error`` says why) and
is sent by a later run. ``InboundMessage.receipt_state`` follows the row (pending, sent, failed)."""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from email.parser import BytesHeaderParser
from email.policy import compat32
from typing import Protocol

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from service.chunks import chunks
from service.clock import utcnow
from service.domain.common import savepoint
from service.domain.locking import mailbox_lock
from service.domain.models import FollowUp, InboundMessage, OutboundMessage
from service.domain.models.outbound import QUARANTINE_ANSWER, RECEIPT
from service.domain.rows import insert_rows, new_row
from service.extensions import db
from service.mail.answers import compose_answer
from service.mail.delivery import Delivered, Due, deliver
from service.mail.queue import (
    claim_many,
    record,
    stored_reply,
)
from service.mail.receipts import (
    OriginalMail,
    ReceiptFinding,
    ReceiptRow,
    Reply,
    compose_receipt,
)
from service.mail.smtp import Connection, SmtpSettings

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


def _receipt_for(msg: InboundMessage, opts: ReceiptOptions, references: str | None,
                 followup: FollowUp | None = None) -> Reply:
    """The reply to ``msg``, threaded under its Message-ID and ``references`` (the mail's
    References as the intake read them; None: read from the stored mail's headers), from its
    follow-up (``followup``: loaded by the caller with its goals, findings and plan; else
    looked up here)."""
    original = _original(msg, references)
    if msg.state == "quarantined":
        return compose_answer(original=original, mail_from=opts.mail_from,
                              reason=msg.reason or "", intake_address=opts.intake_address,
                              contact=opts.contact)
    if followup is None and msg.followup_id is not None:
        followup = _followups([msg.followup_id]).get(msg.followup_id)
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


def _followups(ids: list[int]) -> dict[int, FollowUp]:
    """The follow-ups with what a receipt says of them, in one query for a batch."""
    if not ids:
        return {}
    return {f.id: f for f in db.session.scalars(
        select(FollowUp)
        .where(FollowUp.id.in_(ids))
        .options(selectinload(FollowUp.goals), selectinload(FollowUp.findings),
                 selectinload(FollowUp.plan))
    )}


def _kind(msg: InboundMessage) -> str:
    return QUARANTINE_ANSWER if msg.state == "quarantined" else RECEIPT


def _new_row(msg: InboundMessage, key: str, reply: Reply) -> OutboundMessage:
    return new_row(
        OutboundMessage, key=key, kind=_kind(msg), to=reply.to, subject=reply.subject,
        text=reply.text, message_id=reply.message_id, in_reply_to=reply.in_reply_to,
        references=reply.references, inbound_message_id=msg.id, plan_id=msg.plan_id,
        attempts=0, refused_recipients=[],
    )


def queued_reply(msg: InboundMessage, opts: ReceiptOptions,
                 references: str | None = None) -> OutboundMessage:
    """The stored reply to ``msg``: the one already queued, else composed now and committed
    (the unique key lets one of two concurrent runs store it; the other reads it)."""
    key = f"{_kind(msg)}:{msg.id}"
    row = db.session.scalar(select(OutboundMessage).where(OutboundMessage.key == key))
    if row is not None:
        return row
    row = _new_row(msg, key, _receipt_for(msg, opts, references))
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
    waiting. ``references``: message id → the References of mails read in this run; each of
    those that is due is sent, and at most ``limit`` others (left from earlier runs).

    A reply the server refuses counts an attempt (at most ``opts.receipt_attempts``). When
    the server cannot take mail at all (unreachable, login or token refused), the reply
    counts no attempt and the run stops: every reply not sent waits for the next run, so
    an outage of any length loses none, and the server is not asked again per reply.

    On PostgreSQL one poller at a time sends these (an advisory lock; a poll's own receipts
    go with it, ``queue_decided``), and on any database a reply is claimed before it is
    sent: two pollers never send the same reply."""
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


#: replies composed, claimed and recorded together: one commit of each per batch
SEND_BATCH = 100


def _send_over(connection: Connection, opts: ReceiptOptions, limit: int,
               references: Mapping[int, str]) -> dict[str, int]:
    counts = {"sent": 0, "failed": 0, "waiting": 0}
    due = (select(InboundMessage.id)
           .where(InboundMessage.receipt_state.in_(("pending", "failed")),
                  InboundMessage.receipt_attempts < opts.receipt_attempts,
                  InboundMessage.sender.is_not(None))
           .order_by(InboundMessage.id))
    own = sorted(references)
    ids = [i for chunk in chunks(own, 500)
           for i in db.session.scalars(due.where(InboundMessage.id.in_(chunk)))]
    left = due.where(InboundMessage.id.not_in(own)) if own else due
    ids = sorted(ids + list(db.session.scalars(left.limit(limit))))
    for start in range(0, len(ids), SEND_BATCH):
        due = _queue_batch(ids[start:start + SEND_BATCH], opts, references)
        outage = _send_batch(connection, due, opts, counts)
        if outage is not None:
            rest = ids[start + SEND_BATCH:]
            if rest:  # each waits, and says why
                db.session.execute(
                    update(InboundMessage).where(InboundMessage.id.in_(rest))
                    .values(receipt_state="failed", receipt_error=outage[:2000])
                    .execution_options(synchronize_session=False))
                db.session.commit()
            counts["waiting"] += len(rest)
            log.warning("receipts not sent (%s); %d retried next run", outage,
                        counts["waiting"])
            break
    return counts


def _queue_batch(ids: list[int], opts: ReceiptOptions,
                 references: Mapping[int, str]) -> list[Due]:
    """The stored replies to a batch of messages: those queued before, and the others
    composed now (their follow-ups read in one query) and stored in one commit, before
    anything is sent. When a concurrent run stored one of them first, each is stored alone
    (``queued_reply``)."""
    msgs = list(db.session.scalars(
        select(InboundMessage).where(InboundMessage.id.in_(ids)).order_by(InboundMessage.id)))
    keys = {msg.id: f"{_kind(msg)}:{msg.id}" for msg in msgs}
    rows = {row.key: row for row in db.session.scalars(
        select(OutboundMessage).where(OutboundMessage.key.in_(list(keys.values()))))}
    followups = _followups([msg.followup_id for msg in msgs
                            if keys[msg.id] not in rows and msg.followup_id is not None])
    problems: dict[int, str] = {}
    added = False
    for msg in msgs:
        if keys[msg.id] in rows:
            continue
        try:
            reply = _receipt_for(msg, opts, references.get(msg.id),
                                 followups.get(msg.followup_id or 0))
        except ValueError as error:  # no usable address: counts an attempt
            problems[msg.id] = str(error)
            continue
        rows[keys[msg.id]] = _new_row(msg, keys[msg.id], reply)
        db.session.add(rows[keys[msg.id]])
        added = True
    try:
        if added:
            db.session.flush()
    except IntegrityError:
        db.session.rollback()
        return _queue_alone(ids, opts, references)
    due = [_due(msg, rows.get(keys[msg.id]), problems.get(msg.id)) for msg in msgs]
    db.session.commit()
    return due


def _queue_alone(ids: list[int], opts: ReceiptOptions,
                 references: Mapping[int, str]) -> list[Due]:
    due = []
    for msg in db.session.scalars(
            select(InboundMessage).where(InboundMessage.id.in_(ids))
            .order_by(InboundMessage.id)).all():
        try:
            row: OutboundMessage | None = queued_reply(msg, opts, references.get(msg.id))
            problem = None
        except ValueError as error:
            db.session.rollback()
            row, problem = None, str(error)
        due.append(_due(msg, row, problem))
    return due


def _due(msg: InboundMessage, row: OutboundMessage | None, problem: str | None) -> Due:
    due = Due(msg_id=msg.id, attempts=msg.receipt_attempts, sender=msg.sender,
              problem=problem)
    if row is not None:
        due.row_id, due.row_attempts, due.kind = row.id, row.attempts, row.kind
        due.reply, due.sent = stored_reply(row), row.sent_at is not None
    return due


def _send_batch(connection: Connection, due: list[Due], opts: ReceiptOptions,
                counts: dict[str, int]) -> str | None:
    """Claim the batch's replies (one conditional update), send them over ``connection``,
    and record every outcome in one commit. Returns why the server cannot take mail now
    (the batch's replies not sent then wait for the next run), else None."""
    claimed = claim_many([d.row_id for d in due if d.row_id is not None and not d.sent])
    for d in due:
        d.claimed = d.row_id in claimed
    done = deliver(connection, due, opts.mail_from)
    record_delivered([done], counts)
    return done.outage


def record_delivered(batches: list[Delivered], counts: dict[str, int] | None = None) -> None:
    """Record what handing batches of replies to the server did, in one commit, and add
    their counts to ``counts``."""
    if not batches:
        return
    for done in batches:
        record(OutboundMessage, done.replies)
        record(InboundMessage, done.messages)
        if counts is not None:
            for key, value in done.counts.items():
                counts[key] = counts.get(key, 0) + value
    db.session.commit()


def queue_decided(msgs: Sequence[InboundMessage], opts: ReceiptOptions,
                  references: Mapping[int, str]) -> list[Due]:
    """The replies to messages just decided in the session's transaction, composed from what
    the session holds (their follow-ups, as recorded, and ``references``: message id → the
    References its mail was read with), inserted claimed for this run; the caller
    commits them with the messages' states and hands them to a :class:`Courier`. Nothing is
    read from the database for them. When the database refuses them (a reply of the same
    key stored before), nothing of them is kept and [] returned: a later ``send_pending``
    composes and sends them as it would any left from an earlier run (as it does a reply
    that could not be composed here for a fault of ours: logged, left pending)."""
    now = utcnow()
    pending: list[tuple[InboundMessage, OutboundMessage | None, str | None]] = []
    try:
        with savepoint():
            for msg in msgs:
                try:
                    reply = _receipt_for(msg, opts, references.get(msg.id, ""), msg.followup)
                except ValueError as error:  # no usable address: counts an attempt
                    pending.append((msg, None, str(error)))
                    continue
                except Exception:  # a fault of ours: left pending, never holding the intake
                    log.exception("the reply to message %s could not be composed", msg.id)
                    continue
                row = _new_row(msg, f"{_kind(msg)}:{msg.id}", reply)
                row.claimed_at = now
                pending.append((msg, row, None))
            # one INSERT for the batch, the rows never in the session (service.domain.rows)
            insert_rows(OutboundMessage,
                        [row for _msg, row, _problem in pending if row is not None])
    except IntegrityError:
        log.info("replies to %d messages were stored before; sent after the poll", len(msgs))
        return []
    due = [_due(msg, row, problem) for msg, row, problem in pending]
    for d in due:
        d.claimed = d.row_id is not None
    return due

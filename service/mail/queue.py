"""The stored outbound mail (:class:`OutboundMessage`): claiming a row before it is sent, so
that two senders never send it both, and recording how the send went."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta
from email.message import EmailMessage

from sqlalchemy import or_, select, update
from sqlalchemy.exc import IntegrityError

from service.clock import utcnow
from service.domain.models import OutboundMessage
from service.domain.models.outbound import REMINDER
from service.domain.reminders import DueReminder
from service.extensions import db
from service.mail.receipts import Reply

#: a claim this old is a run's that died while sending: another run takes it over
CLAIM_EXPIRES = timedelta(hours=1)


def claim(row: OutboundMessage) -> bool:
    """Claim ``row`` for this run, committed before the mail goes: a conditional update that
    only one of two concurrent runs gets (not sent, not claimed by a live run)."""
    now = utcnow()
    taken = db.session.execute(
        update(OutboundMessage)
        .where(OutboundMessage.id == row.id, OutboundMessage.sent_at.is_(None),
               or_(OutboundMessage.claimed_at.is_(None),
                   OutboundMessage.claimed_at < now - CLAIM_EXPIRES))
        .values(claimed_at=now)
        .execution_options(synchronize_session=False)
    )
    db.session.commit()
    return taken.rowcount == 1  # type: ignore[attr-defined]


def claim_many(ids: Sequence[int]) -> set[int]:
    """Claim the rows ``ids`` for this run at once (as :func:`claim`, one conditional update
    committed before any of them goes): the ids this run got."""
    if not ids:
        return set()
    now = utcnow()
    taken = db.session.execute(
        update(OutboundMessage)
        .where(OutboundMessage.id.in_(list(ids)), OutboundMessage.sent_at.is_(None),
               or_(OutboundMessage.claimed_at.is_(None),
                   OutboundMessage.claimed_at < now - CLAIM_EXPIRES))
        .values(claimed_at=now)
        .returning(OutboundMessage.id)
        .execution_options(synchronize_session=False)
    )
    claimed = set(taken.scalars())
    db.session.commit()
    return claimed


def release_values(row_id: int, error: str) -> dict[str, object]:
    """:func:`release` as the values of a batch's update (``record``)."""
    return {"id": row_id, "claimed_at": None, "last_error": error[:2000]}


def failed_values(row_id: int, attempts: int, error: str) -> dict[str, object]:
    """:func:`record_failed` for a row that had ``attempts``, as a batch's update values."""
    return {"id": row_id, "attempts": attempts + 1, "claimed_at": None,
            "last_error": error[:2000]}


def sent_values(row_id: int, attempts: int, refused: Sequence[str] = ()) -> dict[str, object]:
    """:func:`record_sent` for a row that had ``attempts``, as a batch's update values."""
    return {"id": row_id, "attempts": attempts + 1, "sent_at": utcnow(), "last_error": None,
            "refused_recipients": list(refused)}


def record(model: type, values: list[dict[str, object]]) -> None:
    """A batch's outcomes, each a dict of the row's ``id`` and its new values, in as few
    statements as they have shapes (the caller commits)."""
    shapes: dict[tuple[str, ...], list[dict[str, object]]] = {}
    for one in values:
        shapes.setdefault(tuple(sorted(one)), []).append(one)
    for rows in shapes.values():
        db.session.execute(update(model), rows)


def release(row: OutboundMessage, error: str) -> None:
    """The server could not take mail now: the row waits for the next run (the caller
    commits). Not the message's fault: no attempt is counted against it."""
    row.claimed_at, row.last_error = None, error[:2000]


def record_failed(row: OutboundMessage, error: str) -> None:
    """The server refused this mail: an attempt, and the next run tries again."""
    row.attempts += 1
    row.claimed_at, row.last_error = None, error[:2000]


def record_sent(row: OutboundMessage, refused: Sequence[str] = ()) -> None:
    """The server took the mail (and refused ``refused``, to whom it is not sent again)."""
    row.attempts += 1
    row.sent_at, row.last_error = utcnow(), None
    row.refused_recipients = list(refused)


def stored_reply(row: OutboundMessage) -> Reply:
    """The reply as stored, to be sent exactly as it was composed."""
    return Reply(to=row.to, subject=row.subject, text=row.text,
                 message_id=row.message_id or "", in_reply_to=row.in_reply_to,
                 references=row.references)


def queued_reminder(item: DueReminder, message: EmailMessage) -> tuple[OutboundMessage, bool]:
    """The stored reminder for ``item`` (one per plan, period and kind), and whether it was
    stored now from ``message`` (False: a run before stored it, and its text is sent)."""
    key = f"{REMINDER}:{item.plan_id}:{item.period}:{item.kind}"
    row = db.session.scalar(select(OutboundMessage).where(OutboundMessage.key == key))
    if row is not None:
        return row, False
    body = message.get_body(("plain",))
    row = OutboundMessage(
        key=key, kind=REMINDER, to=str(message["To"]), subject=str(message["Subject"]),
        text=body.get_content() if body is not None else "",  # type: ignore[attr-defined]
        message_id=str(message["Message-ID"]), plan_id=item.plan_id,
        period=str(item.period), attempts=0, refused_recipients=[],
    )
    db.session.add(row)
    try:
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        return db.session.scalars(select(OutboundMessage).where(
            OutboundMessage.key == key)).one(), False
    return row, True

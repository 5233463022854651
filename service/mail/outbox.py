"""Receipts: a Danish reply for every accepted or rejected mail, sent after the state is
committed; a failed send is retried on the next run and never blocks the intake.

A receipt is marked sent in the commit right after the server took it, so a later run never
sends it again; only a crash between the two could. A receipt that was not taken stays
``pending`` or ``failed`` and is sent by a later run."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from email.parser import BytesHeaderParser
from email.policy import compat32
from typing import Protocol

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from service.domain.locking import mailbox_lock
from service.domain.models import FollowUp, InboundMessage
from service.extensions import db
from service.mail.receipts import OriginalMail, ReceiptFinding, ReceiptRow, build_receipt
from service.mail.smtp import SmtpError, SmtpSettings, SmtpUnavailable, send

log = logging.getLogger("mrp.intake")

#: the advisory lock the poller that sends receipts holds
RECEIPTS_LOCK = "mrp:receipts"


class ReceiptOptions(Protocol):
    """What sending receipts needs of the intake's options."""

    mail_from: str
    receipt_attempts: int


def _receipt_for(msg: InboundMessage, opts: ReceiptOptions, references: str | None):
    """The receipt to ``msg``, threaded under its Message-ID and ``references`` (the mail's
    References as the intake read them; None: read from the stored mail's headers)."""
    if references is None:  # a receipt left from an earlier run: only the headers are read
        headers = BytesHeaderParser(policy=compat32).parsebytes(msg.raw or b"")
        references = str(headers.get("References") or "")
    followup = db.session.scalar(
        select(FollowUp)
        .where(FollowUp.id == msg.followup_id)
        .options(selectinload(FollowUp.goals), selectinload(FollowUp.findings),
                 selectinload(FollowUp.plan))
    )
    rows = [ReceiptRow(goal=g.goal_code, status=g.status, value=g.value if g.value is not None
                       else g.value_raw, progress=g.progress, comment=g.comment)
            for g in (followup.goals if followup else [])]
    findings = [ReceiptFinding(rule=f.rule, severity=f.severity, message=f.message, goal=f.goal)
                for f in (followup.findings if followup else [])]
    return build_receipt(
        original=OriginalMail(
            sender=msg.sender or "",
            subject=msg.subject or "",
            message_id=msg.message_id,
            references=references or None,
        ),
        mail_from=opts.mail_from,
        accepted=msg.state == "accepted",
        plan=followup.plan.reference if followup else None,
        period=followup.period if followup else None,
        rows=rows,
        findings=findings,
    )


def send_pending(smtp: SmtpSettings, opts: ReceiptOptions, limit: int = 500,
                 references: Mapping[int, str] | None = None) -> dict[str, int]:
    """Send the receipts that are due; returns counts of sent, failed and waiting.
    ``references``: message id → the References of mails read in this run.

    A receipt the server refuses counts an attempt (at most ``opts.receipt_attempts``). When
    the server cannot take mail at all (unreachable, login or token refused), the receipt
    counts no attempt and the run stops: every receipt not sent waits for the next run, so
    an outage of any length loses none, and the server is not asked again per receipt.

    On PostgreSQL one poller at a time sends (an advisory lock): two pollers never send the
    same receipt."""
    with mailbox_lock(RECEIPTS_LOCK) as held:
        if not held:  # another poller is sending them
            log.info("receipts are being sent by another poller")
            return {"sent": 0, "failed": 0, "waiting": 0}
        return _send_pending(smtp, opts, limit, references or {})


def _send_pending(smtp: SmtpSettings, opts: ReceiptOptions, limit: int,
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
    for index, msg in enumerate(pending):
        try:
            refused = send(smtp, _receipt_for(msg, opts, references.get(msg.id)))
        except SmtpUnavailable as error:
            for waiting in pending[index:]:  # each waits, and says why
                waiting.receipt_state, waiting.receipt_error = "failed", str(error)[:2000]
            db.session.commit()
            counts["waiting"] = len(pending) - index
            log.warning("receipts not sent (%s); %d retried next run", error,
                        counts["waiting"])
            break
        except (SmtpError, OSError, ValueError) as error:  # ValueError: no usable address
            msg.receipt_attempts += 1
            msg.receipt_state, msg.receipt_error = "failed", str(error)[:2000]
            counts["failed"] += 1
            log.warning("receipt for message %s not sent (%s); retried next run", msg.id, error)
        else:
            msg.receipt_attempts += 1
            msg.receipt_state, msg.receipt_error = "sent", None
            counts["sent"] += 1
            log.info("receipt for message %s sent to %s", msg.id, msg.sender)
            if refused:  # taken for the others: not sent again
                log.warning("receipt for message %s: the server refused %s", msg.id,
                            ", ".join(refused))
        db.session.commit()
    return counts

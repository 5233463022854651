"""The intake as the CLI drives it: poll every mailbox and send receipts; and reprocessing a
stored message, which the app factory hands to the API and the dashboard
(``service.domain.inbound.reprocessor``). The status is ``service.domain.inbound.status``."""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from typing import Any

from flask import current_app
from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError

from service.domain.common import locked
from service.domain.errors import Conflict, NotFound
from service.domain.models import InboundMessage
from service.extensions import db
from service.intake import settings as intake_settings
from service.intake.pipeline import process
from service.intake.poller import PollResult, poll_mailbox
from service.intake.pool import shared_pool
from service.mail.delivery import Courier
from service.mail.outbox import record_delivered, send_pending
from service.mail.review_answers import send_review_answers
from service.mail.settings import smtp

log = logging.getLogger("mrp.intake")

#: receipts left from earlier runs (the server was down) that a run sends besides its own
RECEIPTS_LEFT = 500


def poll_once() -> list[PollResult]:
    """One pass over every configured mailbox, then the receipts and the department's
    review answers that are due. The receipts to the run's own mails go while it runs (a
    :class:`Courier` sends each batch's while the next is taken in); those left from
    earlier runs after it."""
    config = current_app.config
    opts = intake_settings.options(config)
    pool = shared_pool(opts.workers)
    if pool is not None:
        pool.warm()
    courier = _courier(config, opts.mail_from)
    counts: dict[str, int] = {}
    try:
        results = [poll_mailbox(mb, opts, courier) for mb in intake_settings.mailboxes(config)]
    finally:  # what was sent is recorded, however the poll ended
        if pool is not None:
            pool.settle()
        if courier is not None:
            delivered = courier.close()
            _send("receipts", lambda: record_delivered(delivered, counts))
    if counts.get("waiting"):
        log.warning("receipts not sent (%s); %d retried next run",
                    courier.outage if courier is not None else "", counts["waiting"])
    if courier is None or courier.outage is None:
        # receipts to mails of this run not handed to the courier answer the References
        # their mails were read with; they go now, with up to RECEIPTS_LEFT left from
        # earlier runs
        references = {msg_id: refs for result in results
                      for msg_id, refs in result.references.items()}
        _send("receipts",
              lambda: send_pending(smtp(config), opts, RECEIPTS_LEFT, references=references))
    # the department's answers to follow-ups, stored when they were written
    _send("review answers", lambda: send_review_answers(smtp(config), config["MAIL_FROM"]))
    return results


def _courier(config: Mapping[str, Any], mail_from: str) -> Courier | None:
    """The courier of the run's receipts; None when the SMTP settings are not usable (then
    ``send_pending`` says why, and the receipts wait)."""
    try:
        return Courier(smtp(config), mail_from)
    except ValueError:
        return None


def _send(what: str, send: Callable[[], object]) -> None:
    """Send the stored mail that is due; a failure never blocks the intake, and the mail
    waits for the next run. The database being down is said in one line (each mailbox has
    said it already), anything else with its traceback."""
    try:
        send()
    except SQLAlchemyError as error:
        db.session.rollback()
        log.error("%s not sent (database: %s); retried next run", what,
                  type(getattr(error, "orig", None) or error).__name__)
    except Exception:
        db.session.rollback()
        log.exception("sending %s failed; retried next run", what)


def reprocess(msg: InboundMessage) -> InboundMessage:
    """Run a stored message through the pipeline again (after a sender was registered, say)
    without asking the IMAP server. A message that already produced a follow-up keeps it.

    One reprocessing of a message at a time: its row is locked, and its state read again,
    before anything is decided, so of ten at once the first makes the follow-up and the
    others wait for it, then find the message accepted (409). The unique follow-up per
    message holds in the database as well."""
    if locked(select(InboundMessage).where(InboundMessage.id == msg.id)) is None:
        raise NotFound("Beskeden findes ikke.")
    if msg.state in {"accepted", "rejected"} and msg.followup_id is not None:
        raise Conflict(
            "Beskeden har allerede givet en opfølgning; send rapporten igen i stedet.",
            field="state",
        )
    if msg.state == "discarded":
        raise Conflict("Beskeden er kasseret og kan ikke genbehandles.", field="state")
    if msg.raw is None:
        raise Conflict("Beskeden blev ikke hentet (for stor) og kan ikke genbehandles.",
                       field="state")
    msg.state = "received"
    msg.reason = msg.detail = None
    process(msg, intake_settings.options(current_app.config))
    return msg

"""The intake as the CLI drives it: poll every mailbox and send receipts; and reprocessing a
stored message, which the app factory hands to the API and the dashboard
(``service.domain.inbound.reprocessor``). The status is ``service.domain.inbound.status``."""

from __future__ import annotations

import logging
from collections.abc import Callable

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
from service.mail.outbox import send_pending
from service.mail.review_answers import send_review_answers
from service.mail.settings import smtp

log = logging.getLogger("mrp.intake")

#: receipts left from earlier runs (the server was down) that a run sends besides its own
RECEIPTS_LEFT = 500


def poll_once() -> list[PollResult]:
    """One pass over every configured mailbox, then the receipts and the department's
    review answers that are due."""
    config = current_app.config
    opts = intake_settings.options(config)
    results = [poll_mailbox(mb, opts) for mb in intake_settings.mailboxes(config)]
    # the receipts to mails of this run answer the References their mails were read with;
    # every one of them goes now, with up to RECEIPTS_LEFT left from earlier runs
    references = {msg_id: refs for result in results for msg_id, refs in result.references.items()}
    _send("receipts",
          lambda: send_pending(smtp(config), opts, RECEIPTS_LEFT, references=references))
    # the department's answers to follow-ups, stored when they were written
    _send("review answers", lambda: send_review_answers(smtp(config), config["MAIL_FROM"]))
    return results


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

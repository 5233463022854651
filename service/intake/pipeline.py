"""From a stored raw mail to a state: parse, classify, attribute, validate, store.

Everything after the raw bytes are stored happens here, in one transaction per message; the
message's state is committed before the mail leaves the intake folder (see ``poller``).
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError

from service.domain.followups import record_followup
from service.domain.models import InboundMessage, Institution, Plan, ReportingAddress
from service.domain.models._types import utcnow
from service.domain.plugins import manager, ministry_plugins
from service.domain.vocabulary import parse_period
from service.extensions import db
from service.intake.authresults import dmarc_passes
from service.intake.classify import classify, is_from_us
from service.intake.message import InboundMail, parse_message
from service.intake.reports import accepting_parser, parse_attachment
from service.intake.settings import IntakeOptions
from service.intake.subject import parse_subject
from service.plugins.reports import ParsedReport, ReportError

log = logging.getLogger("mrp.intake")

FINAL_STATES = frozenset({"accepted", "rejected", "quarantined", "ignored"})
#: which folder a final state moves the mail to
FOLDER_OF_STATE = {
    "accepted": "processed",
    "rejected": "processed",
    "quarantined": "quarantine",
    "ignored": "ignored",
}


def sha256(raw: bytes) -> str:
    return hashlib.sha256(raw).hexdigest()


@dataclass(frozen=True)
class Outcome:
    state: str
    reason: str | None = None
    detail: str | None = None


def _institutions_of(sender: str) -> list[Institution]:
    return list(
        db.session.scalars(
            select(Institution)
            .join(ReportingAddress)
            .where(ReportingAddress.address == sender.lower())
        )
    )


#: attachments that look like a report in a format we do not read: the sender gets a hint
UNREADABLE_SUFFIXES = (".xls", ".xlsm", ".xlsb", ".ods", ".numbers", ".doc", ".docx", ".pdf",
                       ".zip")


def _read_report(
    mail: InboundMail, institutions: list[Institution]
) -> tuple[ParsedReport | None, Outcome | None]:
    """The first attachment a parser accepts and reads. Files no parser accepts (a logo, a
    signature) are passed over; a report in a format we do not read is named."""
    parsers = manager().report_parsers(ministry_plugins(institutions[0].ministry))
    errors: list[ReportError] = []
    for attachment in mail.attachments:
        name, ctype = attachment.filename or "", attachment.content_type or ""
        accepted = accepting_parser(parsers, name, ctype, attachment.data[:4096]) is not None
        if not accepted and not name.lower().endswith(UNREADABLE_SUFFIXES):
            continue
        try:
            return parse_attachment(parsers, name, ctype, attachment.data), None
        except ReportError as error:
            errors.append(error)
    if errors:
        first = errors[0]
        reason = "too_large" if first.reason in {"too_large", "zip_bomb"} else "unreadable_report"
        return None, Outcome("quarantined", reason, str(first))
    return None, Outcome("quarantined", "no_report", "Mailen har ingen læsbar rapport vedhæftet.")


def _attribute(msg: InboundMessage, mail: InboundMail, opts: IntakeOptions) -> Outcome:
    kind = classify(mail)
    if is_from_us(mail, [opts.mail_from]):
        return Outcome("ignored", "own_address")
    if kind is not None:
        return Outcome("ignored", kind)
    if not mail.sender:
        return Outcome("quarantined", "unknown_sender", "Mailen har ingen læsbar afsender.")
    if opts.require_dmarc and not dmarc_passes(mail, opts.authserv_id):
        return Outcome("quarantined", "not_authenticated",
                       f"Ingen dmarc=pass fra {opts.authserv_id} i Authentication-Results.")
    institutions = _institutions_of(mail.sender)
    if not institutions:
        return Outcome("quarantined", "unknown_sender",
                       f"{mail.sender} er ikke registreret som indberetningsadresse.")
    msg.institution_id = institutions[0].id  # the sender's; the plan's replaces it below
    if mail.oversized:
        big = mail.oversized[0]
        return Outcome("quarantined", "too_large",
                       f"Bilaget {big.filename} er for stort ({big.size} bytes).")
    report, problem = _read_report(mail, institutions)
    if report is None:
        assert problem is not None
        return problem
    subject = parse_subject(mail.subject)
    reference = (report.plan or subject.plan or "").strip().upper()
    plan = db.session.scalar(select(Plan).where(Plan.reference == reference)) if reference \
        else None
    if plan is None:
        return Outcome("quarantined", "unknown_plan",
                       f"Planen {reference or '(ingen)'} findes ikke." )
    msg.plan_id = plan.id
    if plan.institution_id not in {i.id for i in institutions}:
        return Outcome("quarantined", "sender_not_authorized",
                       f"{mail.sender} må ikke indberette for {plan.reference}.")
    msg.institution_id = plan.institution_id
    period = report.period or subject.period
    parsed = parse_period(period) if period else None
    followup = record_followup(
        plan,
        period=str(parsed) if parsed else (period or ""),
        rows=report.rows,
        channel="email",
        submitted_by=mail.sender,
        received_at=msg.received_at,
        inbound_message_id=msg.id,
    )
    msg.followup_id = followup.id
    return Outcome(followup.status)


def process(msg: InboundMessage, opts: IntakeOptions) -> Outcome:
    """Decide a stored message's state and commit it with its follow-up (if any). On a
    database error the transaction is rolled back, the error raised, and the message stays
    ``received`` for the next run; any other error quarantines this message alone."""
    try:
        outcome = _decide(msg, opts)
    except SQLAlchemyError:
        db.session.rollback()
        raise
    except Exception as error:  # one bad message never stops the others
        db.session.rollback()
        log.exception("message %s could not be processed", msg.id)
        outcome = Outcome("quarantined", "unreadable_report", f"Intern fejl: {error!r}")
    msg.attempts += 1
    msg.state = outcome.state
    msg.reason = outcome.reason
    msg.detail = outcome.detail
    msg.processed_at = utcnow()
    msg.receipt_state = "pending" if outcome.state in {"accepted", "rejected"} else "none"
    db.session.commit()
    log.info(
        "message %s from %s (%r): %s%s", msg.id, msg.sender, msg.subject, outcome.state,
        f" ({outcome.reason})" if outcome.reason else "",
    )
    return outcome


def _decide(msg: InboundMessage, opts: IntakeOptions) -> Outcome:
    mail = parse_message(msg.raw or b"", max_attachment_bytes=opts.max_attachment_bytes)
    msg.message_id = (mail.message_id or "")[:998] or None
    msg.sender = (mail.sender or "")[:320] or None
    msg.subject = mail.subject
    if msg.size > opts.max_message_bytes:
        return Outcome(
            "quarantined", "too_large",
            f"Mailen er {msg.size} bytes; grænsen er {opts.max_message_bytes}.",
        )
    return _attribute(msg, mail, opts)

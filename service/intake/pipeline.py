"""From a stored raw mail to a state: parse, classify, attribute, validate, store.

Everything after the raw bytes are stored happens here, in savepoints of the caller's
transaction (``decide``), so a message that fails is undone alone: the poller commits the
outcomes of a fetched batch together, ``process`` commits one message alone. Either way a
message's state is committed before the mail leaves the intake folder (see ``poller``).
"""

from __future__ import annotations

import dataclasses
import hashlib
import logging
import weakref
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any, TypeVar

from sqlalchemy import select
from sqlalchemy.exc import InterfaceError, OperationalError
from sqlalchemy.orm import joinedload, selectinload

from service.chunks import chunks
from service.clock import utcnow
from service.domain import inbound
from service.domain.common import savepoint
from service.domain.followups import record_followup
from service.domain.models import (
    FollowUp,
    Goal,
    InboundMessage,
    Institution,
    Ministry,
    Plan,
    ReportingAddress,
)
from service.domain.plugins import manager, ministry_plugins
from service.extensions import db
from service.intake import failures
from service.intake.authresults import dmarc_passes
from service.intake.classify import classify, is_from_us
from service.intake.message import InboundMail, parse_message
from service.intake.reports import accepting_parser, parse_attachment
from service.intake.settings import IntakeOptions
from service.intake.subject import parse_subject
from service.plugins.manager import MinistryPlugins
from service.plugins.reports import ParsedReport, ReportError
from service.vocabulary import parse_period

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


T = TypeVar("T")


def _nul_free(value: T) -> T:
    """Text as PostgreSQL can store it: a NUL character (``=00`` in a subject, ``\\u0000`` in
    JSON) would fail the commit, and with it the mailbox, on every run."""
    return value.replace("\x00", "") if isinstance(value, str) else value  # type: ignore[return-value]


def _report_nul_free(report: ParsedReport) -> ParsedReport:
    rows = tuple(
        dataclasses.replace(row, **{f: _nul_free(getattr(row, f))
                                    for f in ("goal", "status", "value", "progress", "comment")})
        for row in report.rows
    )
    return dataclasses.replace(report, rows=rows, plan=_nul_free(report.plan),
                               period=_nul_free(report.period))


@dataclass
class _RunCache:
    """What one poll run looks up once rather than once per mail: a sender's institutions
    (institution ids, their ministry ids) and a ministry's plugin configuration."""

    senders: dict[str, tuple[tuple[int, ...], tuple[int, ...]]] = field(default_factory=dict)
    ministries: dict[int, MinistryPlugins] = field(default_factory=dict)


_RUN: ContextVar[_RunCache | None] = ContextVar("mrp_intake_run", default=None)


@contextmanager
def run_cache() -> Iterator[None]:
    """Within this block (one poll of one mailbox, a few seconds), the sender → institutions
    lookup and each ministry's plugin configuration are read once."""
    token = _RUN.set(_RunCache())
    try:
        yield
    finally:
        _RUN.reset(token)


def _plans(references: set[str]) -> dict[str, Plan | None]:
    """The plans reports name (``None`` for a reference that names none), with everything
    validation reads loaded, in one query for a whole batch of mails (the ministry's plugin
    configuration comes from ``_ministry_plugins``). Joined rather than select-in: one
    statement instead of four; the rows are one per goal × indicator × milestone, a few dozen
    for a plan of at most a handful of goals."""
    found: dict[str, Plan | None] = dict.fromkeys(references)
    wanted = sorted(references)
    for chunk in chunks(wanted, 200):
        for plan in db.session.scalars(
            select(Plan)
            .where(Plan.reference.in_(chunk))
            .options(
                joinedload(Plan.institution).joinedload(Institution.ministry),
                joinedload(Plan.goals).joinedload(Goal.indicators),
                joinedload(Plan.goals).joinedload(Goal.milestones),
            )
        ).unique():
            found[plan.reference] = plan
    return found


def _institutions_of(sender: str) -> tuple[tuple[int, ...], tuple[int, ...]]:
    """The ids of the institutions ``sender`` reports for, and the ids of their ministries
    (in the same order)."""
    address = sender.lower()
    cache = _RUN.get()
    if cache is not None and address in cache.senders:
        return cache.senders[address]
    rows = db.session.execute(
        select(Institution.id, Institution.ministry_id)
        .join(ReportingAddress)
        .where(ReportingAddress.address == address)
    ).all()
    found = (tuple(r.id for r in rows), tuple(r.ministry_id for r in rows))
    if cache is not None:
        cache.senders[address] = found
    return found


def _ministry_plugins(ministry_id: int) -> MinistryPlugins:
    cache = _RUN.get()
    if cache is not None and ministry_id in cache.ministries:
        return cache.ministries[ministry_id]
    ministry = db.session.scalar(
        select(Ministry).where(Ministry.id == ministry_id).options(selectinload(Ministry.plugins))
    )
    assert ministry is not None
    plugins = ministry_plugins(ministry)
    if cache is not None:
        cache.ministries[ministry_id] = plugins
    return plugins


#: attachments that look like a report in a format we do not read: the sender gets a hint
UNREADABLE_SUFFIXES = (".xls", ".xlsm", ".xlsb", ".ods", ".numbers", ".doc", ".docx", ".pdf",
                       ".zip")


#: manager → (ministry, enabled plugins) → its report parsers
_PARSERS: weakref.WeakKeyDictionary[object, dict[tuple[str, frozenset[str]], list[Any]]] = (
    weakref.WeakKeyDictionary())


def _parsers(mp: MinistryPlugins) -> list[Any]:
    """The ministry's report parsers, asked of the plugins once per enablement rather than
    once per mail (each ask is a round through the plugin runner's threads; parsers keep no
    state between reports)."""
    plugins = manager()
    known = _PARSERS.setdefault(plugins, {})
    key = (mp.ministry, mp.enabled)
    if key not in known:
        known[key] = plugins.report_parsers(mp)
    return known[key]


def _read_report(
    mail: InboundMail, ministry_id: int
) -> tuple[ParsedReport | None, Outcome | None]:
    """The first attachment a parser accepts and reads. Files no parser accepts (a logo, a
    signature) are passed over; a report in a format we do not read is named."""
    parsers = _parsers(_ministry_plugins(ministry_id))
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


@dataclass
class _Reading:
    """What one stored mail says, read before the database is asked about its plan. What it
    learns about the message (sender, who it belongs to, plan, follow-up) goes into
    ``found``, for ``_settle``: nothing is written to the message before, so it is flushed
    once, with its follow-up. ``stage`` is how far it got, for a failure's explanation."""

    found: dict[str, Any] = field(default_factory=inbound.unattributed)  # afresh if reprocessed
    outcome: Outcome | None = None  # decided without a plan (ignored, quarantined)
    report: ParsedReport | None = None
    reference: str = ""
    period: str | None = None
    institutions: tuple[int, ...] = ()
    stage: str = "mail"


def _read(msg: InboundMessage, opts: IntakeOptions, reading: _Reading) -> None:
    """Fill in ``reading`` from the stored mail; what it learned stays there if it raises."""
    found = reading.found
    mail = parse_message(msg.raw or b"", max_attachment_bytes=opts.max_attachment_bytes)
    found["message_id"] = _nul_free(mail.message_id or "")[:998] or None
    found["sender"] = _nul_free(mail.sender or "")[:320] or None
    found["subject"] = _nul_free(mail.subject)
    reading.stage = "sender"
    if msg.size > opts.max_message_bytes:
        reading.outcome = Outcome(
            "quarantined", "too_large",
            f"Mailen er {msg.size} bytes; grænsen er {opts.max_message_bytes}.",
        )
    else:
        reading.outcome = _attribute(mail, opts, reading)
    reading.stage = "store"


def _attribute(mail: InboundMail, opts: IntakeOptions, reading: _Reading) -> Outcome | None:
    """Everything that decides a mail before its plan is looked up; None when it goes on."""
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
    institutions, ministries = _institutions_of(mail.sender)
    if not institutions:
        return Outcome("quarantined", "unknown_sender",
                       f"{mail.sender} er ikke registreret som indberetningsadresse.")
    # the sender's; a plan the mail names replaces it in ``_record``
    reading.found.update(inbound.owner_by_sender(institutions, ministries))
    reading.institutions = institutions
    reading.stage = "report"
    if mail.oversized:
        big = mail.oversized[0]
        return Outcome("quarantined", "too_large",
                       f"Bilaget {big.filename} er for stort ({big.size} bytes).")
    report, problem = _read_report(mail, ministries[0])
    if report is None:
        assert problem is not None
        return problem
    report = _report_nul_free(report)
    reading.report = report
    reading.reference, reading.period = report.plan or "", report.period
    if not (reading.reference and reading.period):  # the subject names what the report does not
        subject = parse_subject(mail.subject)
        reading.reference = reading.reference or subject.plan or ""
        reading.period = reading.period or subject.period
    reading.reference = reading.reference.strip().upper()
    if not reading.reference:
        return Outcome("quarantined", "unknown_plan", "Planen (ingen) findes ikke.")
    return None


def _period(reading: _Reading) -> str:
    parsed = parse_period(reading.period) if reading.period else None
    return str(parsed) if parsed else (reading.period or "").strip()


def _current(plans: dict[str, Plan | None]) -> dict[int, list[FollowUp]]:
    """Plan id → its accepted follow-ups that nothing supersedes, for a batch's plans."""
    ids = sorted({plan.id for plan in plans.values() if plan is not None})
    found: dict[int, list[FollowUp]] = {plan_id: [] for plan_id in ids}
    for chunk in chunks(ids, 500):
        for followup in db.session.scalars(
            select(FollowUp).where(
                FollowUp.plan_id.in_(chunk), FollowUp.status == "accepted",
                FollowUp.superseded_by_id.is_(None),
            )
        ):
            found[followup.plan_id].append(followup)
    return found


def _record(msg: InboundMessage, reading: _Reading, plan: Plan | None,
            found: dict[str, Any], current: dict[int, list[FollowUp]] | None = None) -> Outcome:
    """The follow-up of a mail that names ``plan``, added to the session (not flushed)."""
    report = reading.report
    assert report is not None
    reading.stage = "record"
    if plan is None:  # the sender's, as it was
        return Outcome("quarantined", "unknown_plan",
                       f"Planen {reading.reference} findes ikke.")
    owner, authorized = inbound.owner_by_plan(plan, reading.institutions)
    found.update(owner)
    if not authorized:
        return Outcome("quarantined", "sender_not_authorized",
                       f"{found['sender']} må ikke indberette for {plan.reference}.")
    followup = record_followup(
        plan,
        period=_period(reading),
        rows=report.rows,
        channel="email",
        submitted_by=found["sender"],
        received_at=msg.received_at,
        inbound_message_id=msg.id,
        plugins=_ministry_plugins(plan.institution.ministry_id),
        current=current.get(plan.id, []) if current is not None else None,
    )
    found["followup"] = followup  # its id comes with the flush
    return Outcome(followup.status)


def _failed(msg: InboundMessage, error: Exception, reading: _Reading) -> Outcome:
    """The outcome of a message whose reading or recording raised (not the database being
    unavailable): quarantined, with what was learned before kept in ``reading`` (and the
    headers read plainly when the mail could not be parsed) and a Danish explanation."""
    if not all(reading.found.get(k) for k in ("sender", "subject", "message_id")):
        for key, value in failures.headers_of(msg.raw or b"").items():
            reading.found[key] = reading.found.get(key) or value
    log.error("message %s could not be processed (%s)", msg.id, reading.stage, exc_info=error)
    return Outcome("quarantined", *failures.explain(error, reading.stage))


def decide(msgs: list[InboundMessage], opts: IntakeOptions) -> list[Outcome]:
    """Decide the states of stored messages and record them, with their follow-ups, in the
    session's transaction; the caller commits. Every mail is read first (parsed, its sender
    and report looked at), then the plans they name are loaded in one query, then the
    messages' follow-ups and states are recorded: all of them in one savepoint and one flush
    when that goes through, else each message in a savepoint of its own.

    When the database is unavailable (connection, lock, serialisation) the error is raised:
    the caller rolls back and the messages stay ``received`` for the next run. Any other
    error, including data of a message the database refuses, undoes that message's savepoint
    alone and quarantines it (else it would stop every run at the same message), keeping
    what was learned of it before: its sender, subject and Message-ID, and who it belongs
    to as far as that was decided."""
    readings: list[_Reading] = []
    for msg in msgs:
        reading = _Reading()
        try:
            # a lookup the database refuses must not spoil the transaction; reading takes no
            # write lock (``savepoint`` would, on SQLite), so parsing never holds one
            with db.session.begin_nested():
                _read(msg, opts, reading)
        except (OperationalError, InterfaceError):  # the database itself: retried next run
            raise
        except Exception as error:  # one bad message never stops the others
            reading.outcome = _failed(msg, error, reading)
        readings.append(reading)
    going_on = [r for r in readings if r.outcome is None]
    plans = _plans({r.reference for r in going_on}) if going_on else {}
    if len(msgs) > 1 and len({(r.reference, _period(r)) for r in going_on}) == len(going_on):
        together = _record_together(msgs, readings, plans)
        if together is not None:
            return together
    return [_record_alone(msg, reading, plans)
            for msg, reading in zip(msgs, readings, strict=True)]


def _record_together(msgs: list[InboundMessage], readings: list[_Reading],
                     plans: dict[str, Plan | None]) -> list[Outcome] | None:
    """Every message's follow-up and state in one savepoint, flushed once: a flush costs
    the ORM about as much per report as the rest of recording it, and one for the batch costs
    little more than one for a single report. None when anything fails (the database
    refuses a row, a report breaks something): the savepoint is undone and nothing of it is
    kept, and the caller records the messages one savepoint each, so the one that fails is
    quarantined alone. Only for reports on distinct plans and periods: one that supersedes
    another of the same batch must find it flushed."""
    outcomes: list[Outcome] = []
    try:
        with savepoint(), db.session.no_autoflush:
            current = _current(plans)  # one query for the batch, not one per report
            for msg, reading in zip(msgs, readings, strict=True):
                found = dict(reading.found)
                outcome = reading.outcome or _record(msg, reading, plans[reading.reference],
                                                     found, current)
                _settle(msg, outcome, found)
                outcomes.append(outcome)
            db.session.flush()
    except (OperationalError, InterfaceError):  # the database itself: retried next run
        raise
    except Exception as error:
        log.info("a batch of %d messages is recorded one by one: %s", len(msgs),
                 type(error).__name__)
        return None
    return outcomes


def _record_alone(msg: InboundMessage, reading: _Reading,
                  plans: dict[str, Plan | None]) -> Outcome:
    """One message's follow-up and state in a savepoint of its own. When that fails, the
    message is quarantined with what was known of it before (``_failed``); when even that
    is refused (its own headers, say), it is stored without them."""
    found = dict(reading.found)
    try:
        with savepoint():
            outcome = reading.outcome or _record(msg, reading, plans[reading.reference],
                                                 found)
            _settle(msg, outcome, found)
        return outcome
    except (OperationalError, InterfaceError):
        raise
    except Exception as error:
        outcome = _failed(msg, error, reading)
    found = dict(reading.found)  # without a follow-up the savepoint took back
    plan = plans.get(reading.reference) if reading.outcome is None else None
    if plan is not None:  # it failed recording the plan's follow-up: it is the plan's
        found.update(inbound.owner_by_plan(plan, reading.institutions)[0])
    owner = {key: found.get(key) for key in inbound.unattributed()}
    headless = {**owner, "sender": None, "subject": None, "message_id": None}
    # last, nobody's and blank: what fails there is the database's own, and is raised
    attempts = (("its headers", found), ("its attribution", headless),
                ("nothing", inbound.unattributed()))
    for refused, attempt in attempts:
        try:
            with savepoint():
                _settle(msg, outcome, attempt)
            return outcome
        except (OperationalError, InterfaceError):
            raise
        except Exception:
            if attempt is attempts[-1][1]:
                raise
            log.error("message %s: the database refused %s", msg.id, refused, exc_info=True)
    return outcome


def _settle(msg: InboundMessage, outcome: Outcome, found: dict[str, Any]) -> None:
    """Write what was decided to the message, all at once: one UPDATE, flushed with the
    follow-up (a change made earlier would be flushed before it and again here)."""
    for name, value in found.items():
        setattr(msg, name, value)
    msg.attempts += 1
    msg.state = outcome.state
    msg.reason = outcome.reason
    msg.detail = _nul_free(outcome.detail)
    msg.processed_at = utcnow()
    msg.receipt_state = "pending" if outcome.state in {"accepted", "rejected"} else "none"


def log_outcome(msg_id: int, sender: str | None, subject: str | None,
                outcome: Outcome) -> None:
    log.info(
        "message %s from %s (%r): %s%s", msg_id, sender, subject, outcome.state,
        f" ({outcome.reason})" if outcome.reason else "",
    )


def process(msg: InboundMessage, opts: IntakeOptions) -> Outcome:
    """Decide one stored message's state (see ``decide``) and commit it on its own; when the
    database is unavailable, roll back and raise."""
    try:
        [outcome] = decide([msg], opts)
        # read before the commit expires them (else each is a query afterwards)
        seen = (msg.id, msg.sender, msg.subject)
        db.session.commit()
    except (OperationalError, InterfaceError):
        db.session.rollback()
        raise
    log_outcome(*seen, outcome)
    return outcome

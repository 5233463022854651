"""From a stored raw mail to a state: parse, classify, attribute, validate, store.

Everything after the raw bytes are stored happens here, in savepoints of the caller's
transaction (``decide``), so a message that fails is undone alone: the poller commits the
outcomes of a fetched batch together, ``process`` commits one message alone. Either way a
message's state is committed before the mail leaves the intake folder (see ``poller``).
What a mail says travels from stage to stage as the typed values of
:mod:`service.intake.stages`; the stages before the plan are :mod:`service.intake.attribution`,
the lookups done once per run or batch :mod:`service.intake.lookups`.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable, Sequence

from sqlalchemy.exc import InterfaceError, OperationalError

from service.domain import inbound
from service.domain.common import savepoint
from service.domain.followup_rows import insert_followups, link_superseded
from service.domain.followups import (
    Checked,
    Report,
    check_reports,
    current_after,
    record_followup,
)
from service.domain.ids import next_ids
from service.domain.models import FollowUp, InboundMessage, Plan
from service.extensions import db
from service.intake import failures
from service.intake.attribution import attribute
from service.intake.lookups import (
    current_followups,
    plans_named,
    plugins_of,
    run_cache,
    sender_of,
    status_thresholds_of,
)
from service.intake.parse import ParsedMail, parse_each
from service.intake.pool import ParsePool
from service.intake.settings import IntakeOptions
from service.intake.settlement import Settled, write_settled
from service.intake.settlement import settle as _settle
from service.intake.stages import (
    Decision,
    MailFacts,
    Outcome,
    Reading,
    Settlement,
)
from service.intake.subject import parse_subject

__all__ = ["FINAL_STATES", "FOLDER_OF_STATE", "Decision", "Outcome", "decide", "log_outcome",
           "process", "run_cache", "sha256"]

log = logging.getLogger("mrp.intake")

#: ``discarded``: a quarantined mail a person set aside (``inbound.discard_message``); it
#: stays in the quarantine folder and is never decided again
FINAL_STATES = frozenset({"accepted", "rejected", "quarantined", "ignored", "discarded"})
#: which folder a final state moves the mail to
FOLDER_OF_STATE = {
    "accepted": "processed",
    "rejected": "processed",
    "quarantined": "quarantine",
    "discarded": "quarantine",
    "ignored": "ignored",
}


def sha256(raw: bytes) -> str:
    return hashlib.sha256(raw).hexdigest()


def _read(msg: InboundMessage, opts: IntakeOptions, reading: Reading,
          parsed: ParsedMail | Exception) -> None:
    """Fill in ``reading`` from the stored mail as the parsing stage read it (``parsed``;
    the error it raised, raised here); what it learned stays there if it raises."""
    if isinstance(parsed, Exception):
        raise parsed
    mail = parsed.mail
    if mail is None:  # not read at all: over its time, or its worker died
        assert parsed.failure is not None
        reading.facts = failures.headers_of(msg.raw or b"")
        if reading.facts.sender:
            sender = sender_of(reading.facts.sender)
            reading.sender = sender if sender.institutions else None
        reading.outcome = Outcome("quarantined", *parsed.failure)
        return
    reading.facts = MailFacts.of(mail)
    reading.stage = "sender"
    if msg.size > opts.max_message_bytes:
        reading.outcome = Outcome(
            "quarantined", "too_large",
            f"Mailen er {msg.size} bytes; grænsen er {opts.max_message_bytes}.",
        )
    else:
        reading.outcome = attribute(mail, opts, reading, parsed)
        if reading.outcome is not None and reading.outcome.reason == "unknown_sender":
            reading.named = _owner_by_subject(mail.subject)
    reading.stage = "store"


def _owner_by_subject(subject: str | None) -> inbound.Owner | None:
    """The owner of a mail from an address registered nowhere, by the plan its subject
    names (``inbound.owner_by_named_plan``); None when it names none that exists. Only the
    subject is read: the attachments of a sender nobody registered are not opened."""
    reference = (parse_subject(subject).plan or "").strip().upper()
    if not reference:
        return None
    with db.session.begin_nested():  # a refusal spoils nothing else (``decide``)
        plan = plans_named({reference})[reference]
        return inbound.owner_by_named_plan(plan) if plan is not None else None


def _report(msg: InboundMessage, reading: Reading, plan: Plan | None) -> Report | None:
    """The report of a mail that names ``plan``, as ``record_followup`` will record it;
    None when it will not (no such plan, or the sender may not report for it)."""
    attribution = reading.attribution
    assert attribution is not None
    if plan is None or not inbound.owner_by_plan(plan, reading.institutions)[1]:
        return None
    ministry = plan.institution.ministry_id
    return Report(plan, attribution.period_name, attribution.report.rows, "email",
                  reading.facts.sender, msg.received_at, plugins_of(ministry),
                  status_thresholds_of(ministry))


def _record(msg: InboundMessage, reading: Reading, plan: Plan | None,
            current: dict[int, list[FollowUp]] | None = None,
            checked: Checked | None = None,
            links: list[tuple[FollowUp, FollowUp]] | None = None,
            add: bool = True) -> tuple[Outcome, Settlement]:
    """The follow-up of a mail that names ``plan``, added to the session (not flushed;
    ``add=False``: not added, for the caller to insert); ``checked``: its report as the
    batch's :func:`check_reports` checked it; ``links``: the batch's reports superseded,
    linked after its insert (``record_followup``)."""
    attribution = reading.attribution
    assert attribution is not None
    reading.stage = "record"
    if plan is None:  # the sender's, as it was
        return (Outcome("quarantined", "unknown_plan",
                        f"Planen {attribution.reference} findes ikke."), reading.settlement)
    owner, authorized = inbound.owner_by_plan(plan, reading.institutions)
    if not authorized:
        return (Outcome("quarantined", "sender_not_authorized",
                        f"{reading.facts.sender} må ikke indberette for {plan.reference}."),
                Settlement(reading.facts, owner))
    followup = record_followup(
        plan,
        period=attribution.period_name,
        rows=attribution.report.rows,
        channel="email",
        submitted_by=reading.facts.sender,
        received_at=msg.received_at,
        inbound_message_id=msg.id,
        # checked with its batch already: what it was checked with is not looked up again
        plugins=plugins_of(plan.institution.ministry_id) if checked is None else None,
        thresholds=status_thresholds_of(plan.institution.ministry_id)
        if checked is None else None,
        current=current.get(plan.id, []) if current is not None else None,
        checked=checked,
        links=links,
        add=add,
    )
    # its id: given by the batch (``_record_together``), else with the flush
    return Outcome(followup.status), Settlement(reading.facts, owner, followup)


def _failed(msg: InboundMessage, error: Exception, reading: Reading) -> Outcome:
    """The outcome of a message whose reading or recording raised (not the database being
    unavailable): quarantined, with what was learned before kept in ``reading`` (and the
    headers read plainly when the mail could not be parsed) and a Danish explanation."""
    if not reading.facts.complete:
        facts = reading.facts.filled_from(failures.headers_of(msg.raw or b""))
        if reading.stage == "mail":  # never parsed: what the headers do not say stays
            facts = facts.filled_from(
                MailFacts(sender=msg.sender, subject=msg.subject, message_id=msg.message_id))
        reading.facts = facts
    log.error("message %s could not be processed (%s)", msg.id, reading.stage, exc_info=error)
    return Outcome("quarantined", *failures.explain(error, reading.stage))


def _plan_and_period(reading: Reading) -> tuple[str, str]:
    assert reading.attribution is not None
    return reading.attribution.reference, reading.attribution.period_name


def _plan_of(reading: Reading, plans: dict[str, Plan | None]) -> Plan | None:
    """The plan a mail that went on to its plan names (None: none such exists)."""
    assert reading.attribution is not None
    return plans[reading.attribution.reference]


def decide(msgs: list[InboundMessage], opts: IntakeOptions,
           pool: ParsePool | None = None,
           parsed: Sequence[ParsedMail | Exception] | None = None) -> list[Decision]:
    """Decide the states of stored messages and record them, with their follow-ups, in the
    session's transaction; the caller commits. Every mail is parsed first (in ``pool``'s
    worker processes, else here: :mod:`service.intake.parse`), then read (its sender and
    report looked at), then the plans they name are loaded in one query, then the
    messages' follow-ups and states are recorded: all of them in one savepoint and one flush
    when that goes through (when several report on the same plan and period, each
    supersedes the one before in the order of the batch, flushed before it), else each
    message in a savepoint of its own.

    When the database is unavailable (connection, lock, serialisation) the error is raised:
    the caller rolls back and the messages stay ``received`` for the next run. Any other
    error, including data of a message the database refuses, undoes that message's savepoint
    alone and quarantines it (else it would stop every run at the same message), keeping
    what was learned of it before: its sender, subject and Message-ID, and who it belongs
    to as far as that was decided.

    ``parsed``: the messages as the parsing stage read them already (the poller has the
    pool parse a batch while it records the one before), in their order."""
    if parsed is None:
        raws = [msg.raw or b"" for msg in msgs]
        settings = opts.parse_settings
        parsed = pool.parse(raws, settings) if pool is not None else parse_each(raws, settings)
    left: list[ParsedMail | Exception | None] = [*parsed]
    del parsed
    readings: list[Reading] = []
    for index, msg in enumerate(msgs):
        one, left[index] = left[index], None  # read once: its attachments can go after
        assert one is not None
        reading = Reading()
        try:
            # what reading asks the database goes in a savepoint of its own (``lookups``), so
            # a refusal spoils nothing; and those take no write lock (``savepoint`` would, on
            # SQLite). A savepoint around every mail cost more than the rest of its reading.
            _read(msg, opts, reading, one)
        except (OperationalError, InterfaceError):  # the database itself: retried next run
            raise
        except Exception as error:  # one bad message never stops the others
            reading.outcome = _failed(msg, error, reading)
        readings.append(reading)
    going_on = [r for r in readings if r.outcome is None]
    plans = plans_named({_plan_and_period(r)[0] for r in going_on}) if going_on else {}
    outcomes: list[Outcome] | None = None
    if len(msgs) > 1:
        outcomes = _record_together(msgs, readings, plans)
    if outcomes is None:
        outcomes = [_record_alone(msg, reading, plans)
                    for msg, reading in zip(msgs, readings, strict=True)]
    return [Decision(outcome, reading.facts)
            for outcome, reading in zip(outcomes, readings, strict=True)]


def _record_together(msgs: list[InboundMessage], readings: list[Reading],
                     plans: dict[str, Plan | None]) -> list[Outcome] | None:
    """Every message's follow-up and state in one savepoint: the reports are checked by
    the plugins together (``check_reports``: one hand-over to their thread, not one per
    report), the follow-ups inserted with one statement per table outside the unit of work
    (``insert_followups``: added to the session, they cost the ORM about as much per report
    as everything else done with the mail), and the messages' states with one UPDATE
    (``write_settled``).
    None when anything fails (the database refuses a row, a report breaks something): the
    savepoint is undone and nothing of it is kept, and the caller records the messages one
    savepoint each, so the one that fails is quarantined alone. Reports of the batch on the
    same plan and period supersede one another as if they had come one by one: each finds
    the one before it among the plan's current follow-ups (``current_after``), which is
    inserted superseded by itself and pointed to its successor afterwards
    (``link_superseded``); their ids, given before (``next_ids``), keep the order they came
    in."""
    outcomes: list[Outcome] = []
    undo: Callable[[], None] | None = None
    try:
        with savepoint(), db.session.no_autoflush:
            current = current_followups(plans)  # one query for the batch, not one per report
            checked = _check_together(msgs, readings, plans)
            # one follow-up for each report checked, its id given now (a report superseded
            # within the batch is pointed to its successor by id)
            ids = iter(next_ids(FollowUp, len(checked)))
            links: list[tuple[FollowUp, FollowUp]] = []
            recorded: list[FollowUp] = []
            settled: list[Settled] = []
            for index, (msg, reading) in enumerate(zip(msgs, readings, strict=True)):
                outcome, settlement = (
                    (reading.outcome, reading.settlement) if reading.outcome is not None
                    else _record(msg, reading, _plan_of(reading, plans), current,
                                 checked.get(index), links, add=False))
                if settlement.followup is not None:
                    settlement.followup.id = next(ids)
                    current_after(current[settlement.followup.plan_id], settlement.followup)
                    recorded.append(settlement.followup)
                _settle(msg, outcome, settlement, into=settled)
                outcomes.append(outcome)
            insert_followups(recorded)
            link_superseded(links)
            undo = write_settled(settled)
            db.session.flush()
    except (OperationalError, InterfaceError):  # the database itself: retried next run
        if undo is not None:
            undo()
        raise
    except Exception as error:
        if undo is not None:  # the savepoint took the messages' states back
            undo()
        log.info("a batch of %d messages is recorded one by one: %s", len(msgs),
                 type(error).__name__)
        return None
    return outcomes


def _check_together(msgs: list[InboundMessage], readings: list[Reading],
                    plans: dict[str, Plan | None]) -> dict[int, Checked]:
    """The reports of the batch that will be recorded, checked together (one call to the
    plugins for the batch), by their place in it."""
    reports: dict[int, Report] = {}
    for index, (msg, reading) in enumerate(zip(msgs, readings, strict=True)):
        if reading.outcome is None:
            report = _report(msg, reading, _plan_of(reading, plans))
            if report is not None:
                reports[index] = report
    return dict(zip(reports, check_reports(list(reports.values())), strict=True))


def _record_alone(msg: InboundMessage, reading: Reading,
                  plans: dict[str, Plan | None]) -> Outcome:
    """One message's follow-up and state in a savepoint of its own. When that fails, the
    message is quarantined with what was known of it before (``_failed``); when even that
    is refused (its own headers, say), it is stored without them."""
    try:
        with savepoint():
            outcome, settlement = (
                (reading.outcome, reading.settlement) if reading.outcome is not None
                else _record(msg, reading, _plan_of(reading, plans)))
            _settle(msg, outcome, settlement)
        return outcome
    except (OperationalError, InterfaceError):
        raise
    except Exception as error:
        plan = _plan_of(reading, plans) if reading.outcome is None else None
        outcome = _failed(msg, error, reading)
    owner = reading.owner  # without a follow-up the savepoint took back
    if plan is not None:  # it failed recording the plan's follow-up: it is the plan's
        owner = inbound.owner_by_plan(plan, reading.institutions)[0]
    # last, nobody's and blank: what fails there is the database's own, and is raised
    attempts = (("its headers", Settlement(reading.facts, owner)),
                ("its attribution", Settlement(MailFacts(), owner)),
                ("nothing", Settlement(None, inbound.unattributed())))
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
        [decision] = decide([msg], opts)
        # read before the commit expires them (else each is a query afterwards)
        seen = (msg.id, msg.sender, msg.subject)
        db.session.commit()
    except (OperationalError, InterfaceError):
        db.session.rollback()
        raise
    log_outcome(*seen, decision.outcome)
    return decision.outcome

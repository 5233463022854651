"""Reminders of follow-up reports, mailed to the institutions' reporting addresses.

For every approved plan, the periods whose report is expected now are the last period of
the plan's cadence that has ended and the one running today (each only if it is one of the
plan's). For each, with the due date from :func:`service.domain.overview.due_date`:

* ``upcoming`` — no accepted report yet, and the due date is at most
  ``REMINDER_DAYS_BEFORE`` days away;
* ``overdue`` — the due date has passed without an accepted report.

The mail is in Danish, names plan, period and due date, explains how to reply, and carries
the follow-up template filled in for the plan and period. A reminder is sent at most once
per plan, period and kind: the :class:`Reminder` row is inserted and committed as
``sending`` (claiming the unique key) before the mail is handed to the SMTP server, and
marked ``sent`` after, so a concurrent run finds the claim and skips, and no database lock is
held while the mail server answers. A failed send deletes the claim and the next run tries
again. A run that dies between claim and mark leaves the claim, which a run takes over
after ``CLAIM_EXPIRES``: that one reminder may go twice, never zero times.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from email import policy
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid

from flask import current_app
from sqlalchemy import delete, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from service.domain.followups import current_followup
from service.domain.models import FollowUp, Goal, Institution, Plan, Reminder
from service.domain.models._types import utcnow
from service.domain.overview import due_date
from service.domain.templates import followup_template
from service.extensions import db
from service.vocabulary import Period, PlanStatus

log = logging.getLogger(__name__)

UPCOMING, OVERDUE = "upcoming", "overdue"
SENDING, SENT = "sending", "sent"
#: a claim this old is a run's that died while sending: another run takes it over (a send
#: takes at most a few SMTP timeouts)
CLAIM_EXPIRES = timedelta(hours=1)
KINDS = (UPCOMING, OVERDUE)
XLSX = ("application", "vnd.openxmlformats-officedocument.spreadsheetml.sheet")
_KIND_OF_CADENCE = {"quarterly": "Q", "half-yearly": "H", "yearly": "Y"}
_MONTHS = ("januar", "februar", "marts", "april", "maj", "juni", "juli", "august",
           "september", "oktober", "november", "december")
_WEEKDAYS = ("mandag", "tirsdag", "onsdag", "torsdag", "fredag", "lørdag", "søndag")


@dataclass(frozen=True)
class DueReminder:
    """A reminder that should go out: the plan, period, kind, due date and addresses."""

    plan_id: int
    plan: str
    period: Period
    kind: str
    due: date
    recipients: tuple[str, ...]
    rejected: int = 0  # rejected reports received for the period


@dataclass
class Outcome:
    plan: str
    period: str
    kind: str
    state: str  # sent | failed | skipped | planned (dry run)
    recipients: list[str] = field(default_factory=list)
    detail: str | None = None
    #: addresses the mail server refused while it took the reminder for the others
    refused: list[str] = field(default_factory=list)


# -- periods and words ----------------------------------------------------------------------


def period_at(day: date, cadence: str | None) -> Period:
    """The period of ``cadence`` that ``day`` falls in."""
    kind = _KIND_OF_CADENCE.get(cadence or "half-yearly", "H")
    if kind == "Y":
        return Period(day.year, "Y", 1)
    months = 6 if kind == "H" else 3
    return Period(day.year, kind, (day.month - 1) // months + 1)


def previous_period(period: Period) -> Period:
    if period.number > 1:
        return Period(period.year, period.kind, period.number - 1)
    last = {"Y": 1, "H": 2, "Q": 4}[period.kind]
    return Period(period.year - 1, period.kind, last)


def expected_periods(plan: Plan, today: date) -> list[Period]:
    """The plan's periods whose report is expected around ``today``: the last one ended
    and the one running."""
    running = period_at(today, plan.followup_cadence)
    candidates = [previous_period(running), running]
    return [p for p in candidates
            if p.fits(plan.followup_cadence, plan.period_start, plan.period_end)]


def reminder_kind(due: date, today: date, days_before: int, reported: bool) -> str | None:
    if reported:
        return None
    if today > due:
        return OVERDUE
    if (due - today).days <= days_before:
        return UPCOMING
    return None


def period_words(period: Period) -> str:
    """``1. halvår 2026``, ``3. kvartal 2026``, ``hele 2026``."""
    if period.kind == "H":
        return f"{period.number}. halvår {period.year}"
    if period.kind == "Q":
        return f"{period.number}. kvartal {period.year}"
    return f"hele {period.year}"


def date_words(day: date, weekday: bool = False) -> str:
    """``30. juli 2026`` (``torsdag den 30. juli 2026``)."""
    text = f"{day.day}. {_MONTHS[day.month - 1]} {day.year}"
    return f"{_WEEKDAYS[day.weekday()]} den {text}" if weekday else text


# -- finding what is due --------------------------------------------------------------------


def find_due(today: date, days_before: int | None = None) -> list[DueReminder]:
    """Reminders that should go out ``today`` and have not been sent."""
    if days_before is None:
        days_before = int(current_app.config["REMINDER_DAYS_BEFORE"])
    plans = db.session.scalars(
        select(Plan).where(Plan.status == PlanStatus.APPROVED.value)
        .options(selectinload(Plan.institution).selectinload(Institution.addresses))
        .order_by(Plan.reference)
    )
    stale = utcnow() - CLAIM_EXPIRES
    sent = {(r.plan_id, r.period, r.kind) for r in db.session.scalars(select(Reminder))
            if r.state == SENT or r.sent_at >= stale}  # a claim a run left behind is due
    due_list = []
    for plan in plans:
        for period in expected_periods(plan, today):
            due = due_date(period)
            kind = reminder_kind(due, today, days_before,
                                 current_followup(plan, str(period)) is not None)
            if kind is None or (plan.id, str(period), kind) in sent:
                continue
            rejected = db.session.scalar(
                select(func.count(FollowUp.id)).where(
                    FollowUp.plan_id == plan.id, FollowUp.period == str(period),
                    FollowUp.status == "rejected")
            ) or 0
            due_list.append(DueReminder(
                plan_id=plan.id, plan=plan.reference, period=period, kind=kind, due=due,
                recipients=tuple(plan.institution.reporting_addresses), rejected=rejected,
            ))
    return due_list


# -- the mail -------------------------------------------------------------------------------


def reminder_subject(plan: str, period: Period, kind: str, due: date) -> str:
    if kind == OVERDUE:
        return f"Rykker: opfølgning [{plan}] {period} – fristen var {date_words(due)}"
    return f"Påmindelse: opfølgning [{plan}] {period} – frist {date_words(due)}"


def reminder_text(
    *, plan: Plan, period: Period, kind: str, due: date, filename: str,
    recipients: Sequence[str], reply_to: str, rejected: int = 0,
) -> str:
    when = period_words(period) + (f" ({period})" if period.kind != "Y" else "")
    what = (f'opfølgningen på mål- og resultatplanen "{plan.title}" ({plan.reference}) '
            f"for {when}")
    if kind == OVERDUE:
        opening = [
            f"Vi har endnu ikke modtaget {what}.",
            "",
            f"Fristen var {date_words(due, weekday=True)}. Send venligst opfølgningen "
            "hurtigst muligt.",
        ]
    else:
        opening = [
            f"Dette er en påmindelse om {what}.",
            "",
            f"Fristen er {date_words(due, weekday=True)}.",
        ]
    if rejected:
        opening += [
            "",
            "Vi har modtaget en opfølgning for perioden, men den blev afvist. Kvitteringen "
            "for den forklarer hvorfor. Send en rettet opfølgning.",
        ]
    return "\n".join([
        f"Til {plan.institution.name}",
        "",
        *opening,
        "",
        "Sådan svarer I:",
        f"1. Åbn det vedhæftede skema ({filename}). Planreference og periode er udfyldt.",
        "2. Udfyld status, målt værdi, fremdrift og eventuel kommentar for hvert mål. "
        "Status vælges på listen (fx På rette spor, Udfordret, Opfyldt).",
        f"3. Send skemaet som svar på denne mail (til {reply_to}) fra en af institutionens "
        f"registrerede adresser: {', '.join(recipients)}. Behold [{plan.reference}] og "
        f"{period} i emnefeltet.",
        "",
        "I får en kvittering, når opfølgningen er modtaget og kontrolleret.",
        "",
        "Venlig hilsen",
        "Mål- og resultatplaner (mrp)",
        "",
        "Denne mail er sendt automatisk.",
        "",
    ])


def build_reminder(
    *, plan: Plan, item: DueReminder, filename: str, attachment: bytes, mail_from: str,
    reply_to: str = "", now: datetime | None = None,
) -> EmailMessage:
    message = EmailMessage(policy=policy.SMTP)
    message["From"] = mail_from
    message["To"] = ", ".join(item.recipients)
    if reply_to:
        message["Reply-To"] = reply_to
    message["Subject"] = reminder_subject(plan.reference, item.period, item.kind, item.due)
    message["Date"] = format_datetime(now or datetime.now(UTC))
    message["Message-ID"] = make_msgid(domain=mail_from.rpartition("@")[2] or "localhost")
    message["Auto-Submitted"] = "auto-generated"
    message["X-Auto-Response-Suppress"] = "All"
    message.set_content(
        reminder_text(plan=plan, period=item.period, kind=item.kind, due=item.due,
                      filename=filename, recipients=item.recipients,
                      reply_to=reply_to or mail_from, rejected=item.rejected),
        charset="utf-8", cte="quoted-printable",
    )
    message.add_attachment(attachment, maintype=XLSX[0], subtype=XLSX[1], filename=filename)
    message["Content-Language"] = "da"  # after the body: set_content drops Content-* headers
    return message


# -- sending --------------------------------------------------------------------------------


def _claim(item: DueReminder) -> Reminder | None:
    """Claim ``item`` for this run, committed before the mail goes: the unique key lets
    one run in, and the database is not held while the mail server takes its time. A claim
    older than ``CLAIM_EXPIRES`` (a run that died while sending) is taken over, by one run.
    None when another run has it."""
    reminder = Reminder(plan_id=item.plan_id, period=str(item.period), kind=item.kind,
                        state=SENDING, sent_at=utcnow(), recipients=list(item.recipients))
    db.session.add(reminder)
    try:
        db.session.commit()
        return reminder
    except IntegrityError:
        db.session.rollback()
    now = utcnow()
    taken = db.session.execute(
        update(Reminder)
        .where(Reminder.plan_id == item.plan_id, Reminder.period == str(item.period),
               Reminder.kind == item.kind, Reminder.state == SENDING,
               Reminder.sent_at < now - CLAIM_EXPIRES)
        .values(sent_at=now, recipients=list(item.recipients))
        .execution_options(synchronize_session=False)
    )
    db.session.commit()
    if taken.rowcount != 1:  # type: ignore[attr-defined]
        return None
    return db.session.scalar(select(Reminder).where(
        Reminder.plan_id == item.plan_id, Reminder.period == str(item.period),
        Reminder.kind == item.kind))


def _release(reminder: Reminder) -> None:
    """The send failed: the claim goes, and the next run tries again."""
    db.session.rollback()
    db.session.execute(delete(Reminder).where(Reminder.id == reminder.id,
                                              Reminder.state == SENDING))
    db.session.commit()


def send_reminders(today: date | None = None, *, dry_run: bool = False) -> list[Outcome]:
    """Send every due reminder once. One failure never stops the others; a failed send is
    not recorded, so the next run tries again."""
    from service.intake.settings import smtp
    from service.intake.smtp import send

    config = current_app.config
    today = today or date.today()
    settings = smtp(config)
    mail_from, reply_to = config["MAIL_FROM"], config.get("REMINDER_REPLY_TO") or ""
    outcomes = []
    for item in find_due(today):
        outcome = Outcome(item.plan, str(item.period), item.kind, "planned",
                          list(item.recipients))
        outcomes.append(outcome)
        if not item.recipients:
            outcome.state = "skipped"
            outcome.detail = "the institution has no reporting addresses"
            continue
        if dry_run:
            continue
        try:
            plan = db.session.scalar(
                select(Plan).where(Plan.id == item.plan_id).options(
                    selectinload(Plan.institution),
                    selectinload(Plan.goals).selectinload(Goal.indicators))
            )
            if plan is None:
                raise LookupError(f"plan {item.plan} is gone")
            filename, data = followup_template(plan, str(item.period))
            message = build_reminder(plan=plan, item=item, filename=filename, attachment=data,
                                     mail_from=mail_from, reply_to=reply_to)
            reminder = _claim(item)
        except Exception as exc:
            db.session.rollback()
            log.exception("reminder for %s %s not prepared", item.plan, item.period)
            outcome.state, outcome.detail = "failed", str(exc) or type(exc).__name__
            continue
        if reminder is None:
            outcome.state, outcome.detail = "skipped", "already sent by another run"
            continue
        try:
            refused = send(settings, message)
        except Exception as exc:
            log.warning("reminder for %s %s not sent: %s", item.plan, item.period, exc)
            outcome.state, outcome.detail = "failed", str(exc) or type(exc).__name__
            try:
                _release(reminder)
            except Exception:  # the claim stays, and expires
                db.session.rollback()
                log.exception("claim of the reminder for %s %s not released", item.plan,
                              item.period)
            continue
        if refused:  # taken for the other addresses: recorded, so not repeated to them
            reminder.recipients = [r for r in item.recipients if r not in refused]
            outcome.recipients, outcome.refused = list(reminder.recipients), refused
            log.warning("reminder for %s %s: the server refused %s", item.plan, item.period,
                        ", ".join(refused))
        try:
            reminder.state, reminder.sent_at = SENT, utcnow()
            db.session.commit()
        except Exception as exc:
            db.session.rollback()
            log.exception("reminder for %s %s sent but not recorded", item.plan, item.period)
            outcome.state = "failed"
            outcome.detail = f"sent, but not recorded (may be sent again): {exc}"
            continue
        outcome.state = "sent"
    return outcomes

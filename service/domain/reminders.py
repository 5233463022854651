"""Reminders of follow-up reports: which are due, and the record of those sent (the mail is
written and sent by :mod:`service.mail.reminders`).

For every approved plan, the periods whose report is expected now are the last period of
the plan's cadence that has ended and the one running today (each only if it is one of the
plan's). For each, with the due date from :func:`service.domain.overview.due_date`:

* ``upcoming`` — no accepted report yet, and the due date is at most
  ``REMINDER_DAYS_BEFORE`` days away;
* ``overdue`` — the due date has passed without an accepted report.

And for the department, for every approved plan and period whose latest report (accepted or
rejected, not superseded) it has not reviewed:

* ``review`` — ``REVIEW_REMINDER_DAYS`` days have passed since the report came; the mail
  goes to the department's people of the plan's ministry (the active users with the role
  ``department``), with the link to the report on the plan's page.

A reminder is sent at most once
per plan, period and kind: the :class:`Reminder` row is inserted and committed as
``sending`` (claiming the unique key) before the mail is handed to the SMTP server, and
marked ``sent`` after, so a concurrent run finds the claim and skips, and no database lock is
held while the mail server answers. A failed send deletes the claim and the next run tries
again. A run that dies between claim and mark leaves the claim, which a run takes over
after ``CLAIM_EXPIRES``: that one reminder may go twice, never zero times.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from flask import current_app
from sqlalchemy import delete, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from service.clock import utcnow
from service.domain.followups import current_followup
from service.domain.models import FollowUp, Institution, Plan, Reminder, User
from service.domain.overview import due_date
from service.extensions import db
from service.vocabulary import CADENCE_KINDS, Period, PlanStatus, Role, parse_period

UPCOMING, OVERDUE, REVIEW = "upcoming", "overdue", "review"
SENDING, SENT = "sending", "sent"
#: a claim this old is a run's that died while sending: another run takes it over (a send
#: takes at most a few SMTP timeouts)
CLAIM_EXPIRES = timedelta(hours=1)
KINDS = (UPCOMING, OVERDUE, REVIEW)


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
    #: a ``review`` reminder: the report waiting for the department, and when it came
    followup_id: int | None = None
    received: date | None = None


# -- periods ----------------------------------------------------------------------------


def period_at(day: date, cadence: str | None) -> Period:
    """The period of ``cadence`` that ``day`` falls in."""
    kind = CADENCE_KINDS.get(cadence or "half-yearly", "H")
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


# -- finding what is due --------------------------------------------------------------------


def find_due(today: date, days_before: int | None = None,
             review_days: int | None = None) -> list[DueReminder]:
    """Reminders that should go out ``today`` and have not been sent: to the institutions,
    then to the departments (``review``)."""
    if days_before is None:
        days_before = int(current_app.config["REMINDER_DAYS_BEFORE"])
    if review_days is None:
        review_days = int(current_app.config["REVIEW_REMINDER_DAYS"])
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
    return due_list + _due_reviews(today, review_days, sent)


def department_addresses(ministry_id: int) -> list[str]:
    """The addresses of the department's people of a ministry: its active users with the
    role ``department`` (a ministry keeps no address of its own)."""
    return list(db.session.scalars(
        select(User.email)
        .where(User.role == Role.DEPARTMENT.value, User.ministry_id == ministry_id,
               User.active.is_(True))
        .order_by(User.email)))


def _due_reviews(today: date, days: int,
                 sent: set[tuple[int, str, str]]) -> list[DueReminder]:
    """``review`` reminders: each approved plan's period whose latest report, not
    superseded, has no review ``days`` days after it came."""
    rows = db.session.scalars(
        select(FollowUp).join(Plan, Plan.id == FollowUp.plan_id)
        .where(Plan.status == PlanStatus.APPROVED.value, FollowUp.superseded_by_id.is_(None))
        .options(selectinload(FollowUp.reviews),
                 selectinload(FollowUp.plan).selectinload(Plan.institution))
        .order_by(FollowUp.received_at, FollowUp.id)
    )
    latest: dict[tuple[int, str], FollowUp] = {}
    for followup in rows:  # by time: the last one seen is the period's latest
        latest[(followup.plan_id, followup.period)] = followup
    addresses: dict[int, list[str]] = {}
    due_list = []
    for (plan_id, period_code), followup in sorted(
            latest.items(), key=lambda item: (item[1].plan.reference, item[0][1])):
        received = followup.received_at.date()
        if followup.reviews or today < received + timedelta(days=days):
            continue
        if (plan_id, period_code, REVIEW) in sent:
            continue
        period = parse_period(period_code)
        if period is None:
            continue
        ministry = followup.plan.institution.ministry_id
        if ministry not in addresses:
            addresses[ministry] = department_addresses(ministry)
        due_list.append(DueReminder(
            plan_id=plan_id, plan=followup.plan.reference, period=period, kind=REVIEW,
            due=received + timedelta(days=days), recipients=tuple(addresses[ministry]),
            followup_id=followup.id, received=received,
        ))
    return due_list


# -- claiming and recording ------------------------------------------------------------


def claim(item: DueReminder) -> Reminder | None:
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


def release(reminder: Reminder) -> None:
    """The send failed: the claim goes, and the next run tries again."""
    db.session.rollback()
    db.session.execute(delete(Reminder).where(Reminder.id == reminder.id,
                                              Reminder.state == SENDING))
    db.session.commit()


def record_sent(reminder: Reminder, recipients: Sequence[str] | None = None) -> None:
    """The mail server took the reminder: the claim becomes ``sent``, committed. With
    ``recipients``, those it took (it refused the others, to whom it is not sent again)."""
    if recipients is not None:
        reminder.recipients = list(recipients)
    reminder.state, reminder.sent_at = SENT, utcnow()
    db.session.commit()

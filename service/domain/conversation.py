"""A plan's conversation per period (DESIGN section 14): the reports the institution sent for
the period, the department's answers to them and the reports sent again, in the order they
happened.

Every report counts, the superseded and the rejected ones too: the first of a period is the
``report``, each later one a ``resubmission``. Each review of a report (a report answered
twice has two) is a ``review`` with its decision, comments, who and when. The steps are
ordered by time; a review never comes before the report it answers, whatever the report's
time says (a mailed report carries the sender's clock).

Who sees it: whoever sees the plan (:func:`service.domain.plans.get_plan`; another
institution's or ministry's plan: 404)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from service.domain.errors import Invalid
from service.domain.models import FollowUp, Plan
from service.extensions import db
from service.vocabulary import natural_key, parse_period

REPORT, RESUBMISSION, REVIEW = "report", "resubmission", "review"
KINDS = (REPORT, RESUBMISSION, REVIEW)


@dataclass(frozen=True)
class Step:
    """One step of a conversation: a report (``report``/``resubmission``) or a review."""

    kind: str
    at: datetime
    followup_id: int
    #: a report: ``accepted``, ``rejected`` or ``superseded``; its channel and sender
    status: str | None = None
    channel: str | None = None
    submitted_by: str | None = None
    #: a review: ``acknowledged`` or ``returned``, the comments, who and whether it is the
    #: report's answer now (the latest review of it)
    decision: str | None = None
    comment: str | None = None
    goals: tuple[dict[str, str], ...] = ()
    by: str | None = None
    by_email: str | None = None
    latest: bool = False


@dataclass(frozen=True)
class PeriodConversation:
    period: str
    steps: tuple[Step, ...] = field(default_factory=tuple)


def _report_state(followup: FollowUp) -> str:
    if followup.status == "accepted" and followup.superseded_by_id is not None:
        return "superseded"
    return followup.status


def steps_of(followups: Iterable[FollowUp]) -> list[Step]:
    """The steps of one period's follow-ups (with their reviews loaded), in order."""
    reports = sorted(followups, key=lambda f: (f.received_at, f.id))
    ordered: list[tuple[tuple[datetime, int, int, int], Step]] = []
    for index, followup in enumerate(reports):
        ordered.append(((followup.received_at, 0, index, 0), Step(
            kind=REPORT if index == 0 else RESUBMISSION, at=followup.received_at,
            followup_id=followup.id, status=_report_state(followup),
            channel=followup.channel, submitted_by=followup.submitted_by)))
        for number, review in enumerate(followup.reviews):
            at = max(review.reviewed_at, followup.received_at)  # after its report
            ordered.append(((at, 1, index, number), Step(
                kind=REVIEW, at=review.reviewed_at, followup_id=followup.id,
                decision=review.decision, comment=review.comment,
                goals=tuple(dict(g) for g in review.goals or []), by=review.reviewed_by,
                by_email=review.reviewed_by_email,
                latest=number == len(followup.reviews) - 1)))
    ordered.sort(key=lambda item: item[0])
    return [step for _key, step in ordered]


def _period_code(period: str | None) -> str | None:
    if period is None or not period.strip():
        return None
    parsed = parse_period(period)
    if parsed is None:
        raise Invalid("Ukendt periode; skriv fx 2026-H1, 2026-Q3 eller 2026.", field="period")
    return str(parsed)


def conversation(plan: Plan, period: str | None = None) -> list[PeriodConversation]:
    """The plan's conversation for ``period`` (a code or words; an unknown one: Invalid
    naming ``period``), or for every period with a report, periods in order. A period
    without a report has no conversation (an empty list for it)."""
    return [item for _plan, item in for_plans([plan], period)]


def for_plans(plans: Sequence[Plan], period: str | None = None
              ) -> list[tuple[Plan, PeriodConversation]]:
    """The conversations of several plans (an export), plan by plan in the given order,
    in one query."""
    code = _period_code(period)
    if not plans:
        return []
    stmt = (select(FollowUp).where(FollowUp.plan_id.in_([p.id for p in plans]))
            .options(selectinload(FollowUp.reviews)))
    if code is not None:
        stmt = stmt.where(FollowUp.period == code)
    by_plan: dict[int, dict[str, list[FollowUp]]] = {}
    for followup in db.session.scalars(stmt):
        by_plan.setdefault(followup.plan_id, {}).setdefault(followup.period, []).append(
            followup)
    found = []
    for plan in plans:
        periods = by_plan.get(plan.id, {})
        found += [(plan, PeriodConversation(p, tuple(steps_of(periods[p]))))
                  for p in sorted(periods, key=_period_order)]
    return found


def _period_order(code: str) -> tuple[object, ...]:
    parsed = parse_period(code)
    if parsed is None:  # a report for a period that no longer parses: last, by its text
        return (1, natural_key(code))
    return (0, parsed.year, parsed.kind, parsed.number)

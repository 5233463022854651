"""The department's overview: per plan and goal, the status reported for a period, whether
the report is received, late or missing, and the open findings. Read by the API and the
dashboard alike."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from flask import current_app
from sqlalchemy import Select, func, select
from sqlalchemy.orm import selectinload

from service.domain import scoping
from service.domain.actors import Actor
from service.domain.errors import Invalid
from service.domain.models import FollowUp, FollowUpGoal, Goal, Institution, Ministry, Plan
from service.domain.plans import PlanFilters, plan_query
from service.domain.validation import validate_plan
from service.extensions import db
from service.plugins.builtin.followup import status_disagrees
from service.vocabulary import PERIOD_YEARS, Period, PlanStatus, parse_period

REPORT_STATES = ("received", "late", "missing", "due", "not_applicable")


@dataclass(frozen=True)
class OverviewFilters:
    period: str
    ministry: str | None = None
    institution: str | None = None
    task_type: str | None = None
    goal_type: str | None = None
    status: str | None = None
    #: only goals whose reported status is two or more steps more optimistic than the
    #: computed one (the rule ``followup.status-disagrees``)
    disagrees: bool = False


def due_date(period: Period) -> date:
    """The last day a report for ``period`` is on time: its end plus the grace period."""
    return period.end + timedelta(days=int(current_app.config.get("FOLLOWUP_GRACE_DAYS", 30)))


def _report_state(plan: Plan, period: Period, current: FollowUp | None, today: date) -> str:
    if not period.fits(plan.followup_cadence, plan.period_start, plan.period_end):
        return "not_applicable"
    due = due_date(period)
    if current is not None:
        received = current.received_at.date()
        return "received" if received <= due else "late"
    return "missing" if today > due else "due"


def _goal_row(goal: Goal, row: Any) -> dict[str, Any]:
    return {
        "id": goal.id,
        "goal": goal.code,
        "title": goal.title,
        "task_type": goal.task_type,
        "goal_type": goal.goal_type,
        "state": goal.status,
        "status": row.status if row else None,
        "value": row.value if row else None,
        "progress": row.progress if row else None,
        "comment": row.comment if row else None,
        "computed_status": row.computed_status if row else None,
        "expected_value": row.expected_value if row else None,
        "computed_basis": row.computed_basis if row else None,
        "disagrees": bool(row) and status_disagrees(row.status, row.computed_status),
    }


def plans_in_overview(actor: Actor, filters: OverviewFilters, period: Period) -> Select[Any]:
    """The approved (or closed) plans in scope that cover ``period``'s year."""
    stmt = scoping.plans(actor, select(Plan)).where(
        Plan.status.in_((PlanStatus.APPROVED.value, PlanStatus.CLOSED.value)),
        Plan.period_start <= period.year, Plan.period_end >= period.year,
    )
    if filters.ministry or filters.institution:
        stmt = stmt.join(Plan.institution)
    if filters.ministry:
        stmt = stmt.join(Institution.ministry).where(Ministry.code == filters.ministry.upper())
    if filters.institution:
        stmt = stmt.where(Institution.code == filters.institution.upper())
    return stmt


def overview(actor: Actor, filters: OverviewFilters, today: date | None = None) -> dict[str, Any]:
    period = parse_period(filters.period)
    if period is None:
        raise Invalid(
            "Ukendt periode; skriv fx 2026-H1, 2026-Q3 eller 2026 (årstal "
            f"{PERIOD_YEARS.start}–{PERIOD_YEARS.stop - 1}).", field="period",
        )
    today = today or date.today()
    stmt = plans_in_overview(actor, filters, period)
    stmt = stmt.options(
        selectinload(Plan.institution).selectinload(Institution.ministry)
        .selectinload(Ministry.plugins),
        selectinload(Plan.goals).selectinload(Goal.indicators),
        selectinload(Plan.goals).selectinload(Goal.milestones),
    ).order_by(Plan.reference)
    plans = list(db.session.scalars(stmt))
    current: dict[int, FollowUp] = {}
    rejected: Counter[int] = Counter()
    awaiting = 0  # current reports, accepted or rejected, the department has not reviewed
    if plans:
        for followup in db.session.scalars(
            select(FollowUp)
            .where(FollowUp.plan_id.in_([p.id for p in plans]), FollowUp.period == str(period),
                   FollowUp.superseded_by_id.is_(None))
            .options(selectinload(FollowUp.goals), selectinload(FollowUp.findings),
                     selectinload(FollowUp.reviews))
        ):
            awaiting += not followup.reviews
            if followup.status == "accepted":
                current[followup.plan_id] = followup
            else:
                rejected[followup.plan_id] += 1

    totals: Counter[str] = Counter()
    reports: Counter[str] = Counter()
    items = []
    for plan in plans:
        followup = current.get(plan.id)
        rows = {r.goal_id: r for r in (followup.goals if followup else [])}
        goals = [
            _goal_row(g, rows.get(g.id)) for g in plan.goals
            if (not filters.task_type or g.task_type == filters.task_type)
            and (not filters.goal_type or g.goal_type == filters.goal_type)
        ]
        if filters.status:
            goals = [g for g in goals if g["status"] == filters.status]
        if filters.disagrees:
            goals = [g for g in goals if g["disagrees"]]
        if (filters.status or filters.disagrees) and not goals:
            continue
        counts = Counter(g["status"] or "unreported" for g in goals if g["state"] == "active")
        findings = Counter(f.severity for f in validate_plan(plan))
        if followup:
            findings.update(f.severity for f in followup.findings)
        state = _report_state(plan, period, followup, today)
        totals.update(counts)
        reports[state] += 1
        items.append({
            "id": plan.id,
            "plan": plan.reference,
            "title": plan.title,
            "institution": plan.institution.code,
            "institution_name": plan.institution.name,
            "ministry": plan.institution.ministry.code,
            "report": {
                "state": state,
                "due": due_date(period).isoformat(),
                "followup": followup.id if followup else None,
                "received_at": followup.received_at.isoformat() if followup else None,
                "rejected": rejected.get(plan.id, 0),
            },
            "counts": dict(counts),
            "findings": {"error": findings.get("error", 0),
                         "warning": findings.get("warning", 0)},
            "goals": goals,
        })
    return {
        "period": str(period),
        "due": due_date(period).isoformat(),
        "drafts": draft_count(actor, filters),
        "awaiting_review": awaiting,
        "counts": dict(totals),
        "reports": {s: reports.get(s, 0) for s in REPORT_STATES},
        "plans": items,
    }


def draft_count(actor: Actor, filters: OverviewFilters) -> int:
    """How many plans in scope are drafts awaiting approval, whatever their years: by the
    ministry and institution filters only (a draft has no reports nor statuses yet)."""
    stmt = plan_query(actor, PlanFilters(ministry=filters.ministry,
                                         institution=filters.institution,
                                         status=PlanStatus.DRAFT.value))
    return int(db.session.scalar(
        select(func.count()).select_from(stmt.with_only_columns(Plan.id).subquery())) or 0)


def status_counts(actor: Actor, filters: OverviewFilters, period: Period) -> dict[str, int]:
    """``overview(actor, filters)["counts"]`` for ``period`` without what the counts do not
    need (validating every plan, loading every report's findings): three queries, however
    many plans. Kept equal to the overview's counts by the tests (tests/web)."""
    stmt = plans_in_overview(actor, filters, period).with_only_columns(Plan.id)
    plan_ids = list(db.session.scalars(stmt))
    if not plan_ids:
        return {}
    goals = select(Goal.id, Goal.status).where(Goal.plan_id.in_(plan_ids))
    if filters.task_type:
        goals = goals.where(Goal.task_type == filters.task_type)
    if filters.goal_type:
        goals = goals.where(Goal.goal_type == filters.goal_type)
    reported = {goal_id: (status, computed) for goal_id, status, computed in db.session.execute(
        select(FollowUpGoal.goal_id, FollowUpGoal.status, FollowUpGoal.computed_status)
        .join(FollowUp, FollowUp.id == FollowUpGoal.followup_id)
        .where(FollowUp.plan_id.in_(plan_ids), FollowUp.period == str(period),
               FollowUp.status == "accepted", FollowUp.superseded_by_id.is_(None),
               FollowUpGoal.goal_id.is_not(None))
        .order_by(FollowUpGoal.id)
    )}
    counts: Counter[str] = Counter()
    for goal_id, state in db.session.execute(goals):
        status, computed = reported.get(goal_id, (None, None))
        if filters.status and status != filters.status:
            continue
        if filters.disagrees and not status_disagrees(status, computed):
            continue
        if state == "active":
            counts[status or "unreported"] += 1
    return dict(counts)


def goal_history(goal: Goal) -> list[dict[str, Any]]:
    """The goal's reported status across periods, from the current report of each."""
    rows = []
    for followup in db.session.scalars(
        select(FollowUp)
        .where(FollowUp.plan_id == goal.plan_id, FollowUp.status == "accepted",
               FollowUp.superseded_by_id.is_(None))
        .options(selectinload(FollowUp.goals))
    ):
        for row in followup.goals:
            if row.goal_id == goal.id:
                rows.append({
                    "period": followup.period, "status": row.status, "value": row.value,
                    "progress": row.progress, "comment": row.comment,
                    "computed_status": row.computed_status,
                    "expected_value": row.expected_value,
                    "computed_basis": row.computed_basis,
                    "followup": followup.id, "received_at": followup.received_at,
                })
    rows.sort(key=lambda r: p.end if (p := parse_period(r["period"])) else date.min)
    return rows


__all__ = ["draft_count", "goal_history", "overview", "plans_in_overview", "status_counts"]

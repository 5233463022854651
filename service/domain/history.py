"""A goal's indicator history: its measured values period by period with the indicator's
baseline, target and expected path, across the plans that follow each other.

A goal continues the goal of an earlier plan of the same institution that it names as its
``previous_goal`` (when its code changed), or else the goal with the same code in the
latest earlier plan of the institution that has one, unless another goal of the plan names
that one explicitly. The chain runs back from plan to plan as far as it goes.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.orm import selectinload

from service.domain import audit
from service.domain.actors import Actor
from service.domain.errors import Invalid
from service.domain.models import FollowUp, FollowUpGoal, Goal, Indicator, Plan
from service.domain.overview import goal_history
from service.domain.status import expected_path, measured_indicator
from service.extensions import db
from service.vocabulary import parse_period, period_text

#: how far back a chain is followed, at most (a plan a year: a long career of plans)
MAX_CHAIN = 50


def check_previous_goal(plan: Plan, goal: Goal | None, previous_id: int | None) -> int | None:
    """``previous_id`` when it may be the predecessor of ``goal`` (None: a new goal) in
    ``plan``: a goal of an earlier plan (starting in an earlier year) of the same
    institution. Else :class:`Invalid` naming ``previous_goal``; a goal of another
    institution reads as one that does not exist."""
    if previous_id is None:
        return None
    previous = db.session.get(Goal, previous_id)
    if previous is None or previous.plan.institution_id != plan.institution_id:
        raise Invalid(f"Der er intet mål med id {previous_id} i institutionens planer.",
                      field="previous_goal")
    if goal is not None and previous.id == goal.id:
        raise Invalid("Et mål kan ikke fortsætte sig selv.", field="previous_goal")
    if previous.plan.period_start >= plan.period_start:
        raise Invalid(
            f"Målet {previous.code} i {previous.plan.reference} hører ikke til en tidligere "
            f"plan: den begynder {previous.plan.period_start}, denne plan "
            f"{plan.period_start}.", field="previous_goal")
    return previous.id


def release(actor: Actor, goal_ids: list[int]) -> None:
    """Before the goals ``goal_ids`` are deleted: the goals that name one of them as their
    previous goal name none any more (each change audited on its plan)."""
    if not goal_ids:
        return
    for successor in db.session.scalars(
        select(Goal).where(Goal.previous_goal_id.in_(goal_ids), Goal.id.not_in(goal_ids))
    ):
        before = audit.goal_snapshot(successor)
        successor.previous_goal_id = None
        audit.record(
            actor, plan=successor.plan, entity="goal", entity_id=successor.id,
            action="update", before=before, after=audit.goal_snapshot(successor),
            reason="Målet, det fortsatte, er slettet.",
        )
    db.session.execute(update(Goal).where(Goal.previous_goal_id.in_(goal_ids))
                       .values(previous_goal_id=None))
    db.session.flush()


def predecessor(goal: Goal) -> Goal | None:
    """The goal ``goal`` continues: the one it names, else the same code's in the latest
    earlier plan of its institution (not one another goal of its plan names)."""
    if goal.previous_goal_id is not None:
        named = db.session.get(Goal, goal.previous_goal_id)
        if named is not None:
            return named
    plan = goal.plan
    claimed = select(Goal.previous_goal_id).where(
        Goal.plan_id == plan.id, Goal.id != goal.id, Goal.previous_goal_id.is_not(None))
    return db.session.scalar(
        select(Goal).join(Goal.plan)
        .where(Plan.institution_id == plan.institution_id,
               Plan.period_start < plan.period_start,
               func.lower(Goal.code) == goal.code.lower(),
               Goal.id.not_in(claimed))
        .order_by(Plan.period_start.desc(), Plan.id.desc())
        .limit(1)
    )


def goal_chain(goal: Goal) -> list[Goal]:
    """``goal`` and the goals it continues, the earliest first."""
    chain = [goal]
    seen = {goal.id}
    while len(chain) < MAX_CHAIN:
        before = predecessor(chain[-1])
        if before is None or before.id in seen:
            break
        chain.append(before)
        seen.add(before.id)
    return list(reversed(chain))


def _period_key(period: str) -> date:
    parsed = parse_period(period)
    return parsed.end if parsed else date.min


def indicator_values(chain: list[Goal]) -> list[dict[str, Any]]:
    """The measured values of the goals in ``chain`` from the current accepted report of
    each period, ordered by period (and, for two plans reporting the same period, by plan)."""
    order = {g.id: i for i, g in enumerate(chain)}
    goals = {g.id: g for g in chain}
    rows = db.session.execute(
        select(FollowUpGoal, FollowUp.period, FollowUp.id)
        .join(FollowUp, FollowUp.id == FollowUpGoal.followup_id)
        .where(FollowUpGoal.goal_id.in_(list(goals)), FollowUp.status == "accepted",
               FollowUp.superseded_by_id.is_(None))
    ).all()
    values = []
    for row, period, followup_id in rows:
        goal = goals[row.goal_id]
        values.append({
            "period": period,
            "period_text": period_text(period),
            "measured": row.value,
            "status": row.status,
            "computed_status": row.computed_status,
            "expected_value": row.expected_value,
            "plan": goal.plan.reference,
            "goal_id": goal.id,
            "goal": goal.code,
            "followup": followup_id,
        })
    values.sort(key=lambda v: (_period_key(v["period"]), order[v["goal_id"]]))
    return values


def shown_indicator(goal: Goal) -> Indicator | None:
    """The indicator the history is drawn for: the one the computed status reads, else the
    goal's first."""
    return measured_indicator(goal.indicators) or (goal.indicators[0] if goal.indicators
                                                   else None)


def indicator_history(goal: Goal) -> dict[str, Any]:
    """What ``GET /goals/{id}/history`` answers: the goal's reports (``reports``, as it
    always has), the indicator's numbers and the measured values across plans."""
    indicator = shown_indicator(goal)
    chain = goal_chain(goal)
    path = None
    if indicator is not None and indicator.direction in ("increase", "decrease"):
        path = expected_path(indicator.baseline, indicator.baseline_year, indicator.target,
                             goal.deadline)
    return {
        "id": goal.id,
        "goal": goal.code,
        "title": goal.title,
        "plan": goal.plan.reference,
        "nature": goal.nature,
        "indicator": indicator.name if indicator else None,
        "unit": indicator.unit if indicator else None,
        "baseline": indicator.baseline if indicator else None,
        "baseline_year": indicator.baseline_year if indicator else None,
        "target": indicator.target if indicator else None,
        "direction": indicator.direction if indicator else None,
        "deadline": goal.deadline,
        "expected_path": [{"date": day, "value": value} for day, value in path] if path
        else None,
        "goals": [{"id": g.id, "goal": g.code, "plan": g.plan.reference, "title": g.title}
                  for g in chain],
        "values": indicator_values(chain),
        "reports": goal_history(goal),
    }


def plan_histories(plan: Plan) -> dict[int, dict[str, Any]]:
    """The indicator history of each quantitative goal of ``plan`` with an indicator, by
    goal id (the plan page's charts)."""
    goals = [g for g in plan.goals if g.nature == "quantitative" and g.indicators]
    if goals:  # the earlier plans' goals the chains walk through, with their plans
        db.session.scalars(
            select(Goal).join(Goal.plan)
            .where(Plan.institution_id == plan.institution_id,
                   Plan.period_start < plan.period_start)
            .options(selectinload(Goal.plan))
        ).all()
    return {g.id: indicator_history(g) for g in goals}


__all__ = ["check_previous_goal", "goal_chain", "indicator_history", "indicator_values",
           "plan_histories", "predecessor", "release", "shown_indicator"]

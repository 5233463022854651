"""Validation: turns plans and goals into the plugins' read-only views and asks the plugin
manager for findings, with the ministry's enablement and settings. Run, never cached."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from service.domain import targets
from service.domain.models import Goal, Ministry, Plan
from service.domain.plugins import manager, ministry_plugins
from service.plugins.findings import Finding
from service.plugins.views import (
    GoalView,
    IndicatorView,
    MilestoneView,
    PlanView,
    TopManagerView,
)


def goal_view(goal: Goal, plan: Plan | None = None) -> GoalView:
    """The plugins' view of ``goal``; ``plan``: its plan, when the caller has it (else
    ``goal.plan``, looked up: a plan's goals loaded with it do not hold it)."""
    plan = plan if plan is not None else goal.plan
    return GoalView(
        id=goal.id,
        code=goal.code,
        title=goal.title,
        description=goal.description,
        task_type=goal.task_type,
        goal_type=goal.goal_type,
        nature=goal.nature,
        success_criterion=goal.success_criterion,
        deadline=goal.deadline,
        politically_fixed=bool(goal.politically_fixed),
        owner=goal.owner,
        weight=goal.weight,
        status=goal.status,
        withdrawn_reason=goal.withdrawn_reason,
        indicators=tuple(
            IndicatorView(
                name=i.name, unit=i.unit, baseline=i.baseline, baseline_year=i.baseline_year,
                target=i.target, direction=i.direction, data_source=i.data_source,
                target_history=targets.versions(i, plan),
            )
            for i in goal.indicators
        ),
        milestones=tuple(
            MilestoneView(title=m.title, due_date=m.due_date, done=bool(m.done))
            for m in goal.milestones
        ),
    )


def plan_view(plan: Plan) -> PlanView:
    return PlanView(
        id=plan.id,
        reference=plan.reference,
        institution=plan.institution.code,
        ministry=plan.institution.ministry.code,
        title=plan.title,
        period_start=plan.period_start,
        period_end=plan.period_end,
        top_manager=(
            TopManagerView(name=plan.top_manager_name, title=plan.top_manager_title)
            if plan.top_manager_name else None
        ),
        followup_cadence=plan.followup_cadence,
        status=plan.status,
        goals=tuple(goal_view(g, plan) for g in plan.goals),
    )


def known_task_types(ministry: Ministry) -> set[str]:
    """The task types a ministry's goals may use: the built-in four and those of the
    plugins it has enabled."""
    return set(manager().task_types(ministry_plugins(ministry)))


def validate_plan(plan: Plan) -> list[Finding]:
    return manager().validate_plan(plan_view(plan), ministry_plugins(plan.institution.ministry))


def validate_goal(goal: Goal) -> list[Finding]:
    plan = goal.plan
    return manager().validate_goal(
        goal_view(goal), plan_view(plan), ministry_plugins(plan.institution.ministry)
    )


def report(findings: Iterable[Finding]) -> dict[str, Any]:
    """The API's validation answer: findings and counts per severity."""
    items = [f.to_dict() for f in findings]
    counts = {"error": 0, "warning": 0, "info": 0}
    for item in items:
        counts[item["severity"]] = counts.get(item["severity"], 0) + 1
    return {"findings": items, "counts": counts}

"""The plan's validation findings beside a form, each linked to the field it is about: a
rule of the built-in catalogue names the goal's (or the plan's) field it concerns; a finding
of a rule without one links to its goal's section (or the plan's facts)."""

from __future__ import annotations

from dataclasses import dataclass

from flask import url_for

from service.domain.models import Goal, Plan
from service.domain.validation import validate_plan
from service.plugins.findings import sort_key

#: rule → the goal form's field it is about
GOAL_RULE_FIELDS: dict[str, str] = {
    "plan.period": "deadline",
    "goal.types": "task_type",
    "effect.baseline": "indicators",
    "activity.assumed-effect": "description",
    "indicator.incomplete": "indicators",
    "smart.specific": "success_criterion",
    "smart.measurable": "indicators",
    "smart.time-bound": "deadline",
    "smart.ambitious": "indicators",
    "operations.measurable": "indicators",
    "operations.goal-type": "goal_type",
    "project.end": "deadline",
    "project.milestones": "milestones",
    "project.milestone-outside": "milestones",
    "policy.goal-type": "goal_type",
    "policy.qualitative-criterion": "success_criterion",
    "internal_administration.measurable": "indicators",
}
#: the goal form's section for a finding of its goal without a field
GOAL_SECTION = "goal-fields"


@dataclass(frozen=True)
class LinkedFinding:
    severity: str
    message: str
    rule: str
    goal: str | None
    href: str
    #: what the link says it leads to
    target: str


def linked_findings(plan: Plan, current: Goal | None = None) -> list[LinkedFinding]:
    """The plan's findings, errors first; those of ``current`` (the goal on the page) link
    into the page's own form, the others to their goal's form or the plan's page."""
    by_code = {g.code: g for g in plan.goals}
    plan_page = url_for("web.plan", plan_id=plan.id)
    result: list[LinkedFinding] = []
    for f in sorted(validate_plan(plan), key=sort_key):
        goal = by_code.get(f.goal) if f.goal else None
        name = GOAL_RULE_FIELDS.get(f.rule)
        if goal is None:
            href, target = plan_page + ("#goal-" + f.goal if f.goal else "#h-facts"), "planen"
        else:
            anchor = "#" + (name or GOAL_SECTION)
            if current is not None and goal.id == current.id:
                href = anchor
            else:
                href = url_for("web.goal_edit", goal_id=goal.id) + anchor
            target = f"mål {goal.code}"
        result.append(LinkedFinding(f.severity, f.message, f.rule, f.goal, href, target))
    return result


__all__ = ["GOAL_RULE_FIELDS", "GOAL_SECTION", "LinkedFinding", "linked_findings"]

"""Built-in plugin ``internal_administration``: internal-administration goals are measured
against a baseline."""

from __future__ import annotations

from service.plugins.builtin.rules import finding
from service.plugins.context import ValidationContext
from service.plugins.findings import Finding
from service.plugins.markers import hookimpl
from service.plugins.views import GoalView, PlanView


@hookimpl
def mrp_validate_goal(goal: GoalView, plan: PlanView, ctx: ValidationContext) -> list[Finding]:
    if goal.task_type != "internal_administration":
        return []
    if any(i.baseline is not None for i in goal.indicators):
        return []
    what = "har ingen indikator" if not goal.indicators else "har ingen baseline"
    return [
        finding(
            "internal_administration.measurable",
            f"Mål {goal.code} for intern administration {what}. Tilføj en indikator med "
            "baseline, så forbedringen kan dokumenteres.",
            goal.code,
        )
    ]

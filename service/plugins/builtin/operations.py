"""Built-in plugin ``operations``: rules for operations-like (driftslignende) goals."""

from __future__ import annotations

from service.plugins.builtin.rules import finding
from service.plugins.context import ValidationContext
from service.plugins.findings import Finding
from service.plugins.markers import hookimpl
from service.plugins.views import GoalView, PlanView


@hookimpl
def mrp_validate_goal(goal: GoalView, plan: PlanView, ctx: ValidationContext) -> list[Finding]:
    if goal.task_type != "operations":
        return []
    out: list[Finding] = []
    if not goal.quantitative_indicators:
        out.append(
            finding(
                "operations.measurable",
                f"Driftsmål {goal.code} har ingen kvantitativ indikator. Tilføj en indikator med "
                "enhed, baseline og målværdi, fx sagsbehandlingstid eller produktivitet.",
                goal.code,
            )
        )
    if goal.goal_type == "activity":
        out.append(
            finding(
                "operations.goal-type",
                f"Driftsmål {goal.code} er et aktivitetsmål. Formulér driftsmål som output-, "
                "effekt- eller kvalitetsmål.",
                goal.code,
            )
        )
    return out

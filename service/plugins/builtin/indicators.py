"""Built-in plugin ``indicators``: every quantitative indicator is complete."""

from __future__ import annotations

from service.plugins.builtin.rules import finding
from service.plugins.builtin.texts import blank, join_and
from service.plugins.context import ValidationContext
from service.plugins.findings import Finding
from service.plugins.markers import hookimpl
from service.plugins.views import GoalView, PlanView
from service.vocabulary import Direction

_DIRECTIONS = frozenset(d.value for d in Direction)


@hookimpl
def mrp_validate_goal(goal: GoalView, plan: PlanView, ctx: ValidationContext) -> list[Finding]:
    out: list[Finding] = []
    for indicator in goal.quantitative_indicators:
        missing = []
        if blank(indicator.unit):
            missing.append("enhed")
        if indicator.target is None:
            missing.append("målværdi")
        if indicator.direction not in _DIRECTIONS:
            missing.append("retning")
        if missing:
            out.append(
                finding(
                    "indicator.incomplete",
                    f"Indikatoren »{indicator.name}« på mål {goal.code} mangler "
                    f"{join_and(missing)}. Angiv enhed, målværdi og retning (øge, reducere eller "
                    "fastholde).",
                    goal.code,
                )
            )
    return out

"""Built-in plugin ``policy``: rules for policy-like (policylignende) goals."""

from __future__ import annotations

from service.plugins.builtin.rules import finding
from service.plugins.builtin.texts import blank
from service.plugins.context import ValidationContext
from service.plugins.findings import Finding
from service.plugins.markers import hookimpl
from service.plugins.views import GoalView, PlanView

_UNSUITED = {"output": "et outputmål", "effect": "et effektmål"}


@hookimpl
def mrp_validate_goal(goal: GoalView, plan: PlanView, ctx: ValidationContext) -> list[Finding]:
    if goal.task_type != "policy":
        return []
    out: list[Finding] = []
    code = goal.code
    if goal.goal_type in _UNSUITED:
        out.append(
            finding(
                "policy.goal-type",
                f"Policymål {code} er {_UNSUITED[goal.goal_type]}, hvilket i udgangspunktet ikke "
                "er meningsfuldt for policyopgaver. Formulér det som et kvalitets- eller "
                "aktivitetsmål.",
                code,
            )
        )
    if blank(goal.success_criterion):
        out.append(
            finding(
                "policy.qualitative-criterion",
                f"Policymål {code} har intet kvalitativt succeskriterium. Beskriv i ord, hvornår "
                "målet er nået, fx hvad der skal være leveret, og hvem der vurderer kvaliteten.",
                code,
            )
        )
    elif goal.nature == "quantitative":
        out.append(
            finding(
                "policy.qualitative-criterion",
                f"Policymål {code} er kvantitativt. Giv det et kvalitativt succeskriterium, der i "
                "ord beskriver, hvornår målet er nået, og angiv målets karakter som kvalitativ.",
                code,
            )
        )
    return out

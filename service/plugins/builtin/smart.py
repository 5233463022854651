"""Built-in plugin ``smart``: every goal is specific, measurable, time-bound and
ambitious."""

from __future__ import annotations

from service.plugins.builtin.rules import finding
from service.plugins.builtin.texts import blank
from service.plugins.context import ValidationContext
from service.plugins.findings import Finding
from service.plugins.markers import hookimpl
from service.plugins.views import GoalView, IndicatorView, PlanView
from service.vocabulary import format_number as number


def _already_met(indicator: IndicatorView) -> bool:
    baseline, target = indicator.baseline, indicator.target
    if baseline is None or target is None:
        return False
    if indicator.direction == "increase":
        return target <= baseline
    if indicator.direction == "decrease":
        return target >= baseline
    if indicator.direction == "maintain":
        return False  # keeping the level is the goal
    return target == baseline


@hookimpl
def mrp_validate_goal(goal: GoalView, plan: PlanView, ctx: ValidationContext) -> list[Finding]:
    out: list[Finding] = []
    code = goal.code
    no_criterion = blank(goal.success_criterion)
    if no_criterion:
        out.append(
            finding(
                "smart.specific",
                f"Mål {code} har intet succeskriterium. Beskriv, hvornår målet er opfyldt.",
                code,
            )
        )
        if not goal.indicators and not goal.milestones:
            out.append(
                finding(
                    "smart.measurable",
                    f"Mål {code} kan ikke måles: det har hverken indikator, milepæle eller "
                    "succeskriterium. Tilføj mindst én af dem.",
                    code,
                )
            )
    if goal.deadline is None:
        out.append(
            finding(
                "smart.time-bound",
                f"Mål {code} har ingen frist. Angiv, hvornår målet skal være nået.",
                code,
            )
        )
    for indicator in goal.indicators:
        if _already_met(indicator):
            out.append(
                finding(
                    "smart.ambitious",
                    f"Målværdien {number(indicator.target)} for »{indicator.name}« på mål {code} "  # type: ignore[arg-type]
                    f"er allerede nået ved baseline ({number(indicator.baseline)}). Sæt en "  # type: ignore[arg-type]
                    "målværdi, der er ambitiøs i forhold til udgangsniveauet.",
                    code,
                )
            )
    return out

"""Built-in plugin ``plan``: rules about a plan as a whole.

Settings: ``max_goals`` (int, default 8) — more active goals than this is
``plan.too-many-goals``.
"""

from __future__ import annotations

from service.plugins.builtin.rules import finding
from service.plugins.builtin.texts import day
from service.plugins.context import ValidationContext
from service.plugins.findings import Finding
from service.plugins.markers import hookimpl
from service.plugins.views import PlanView
from service.vocabulary import CADENCE_LABELS

_OFTEN_ENOUGH = frozenset({"quarterly", "half-yearly"})


@hookimpl
def mrp_validate_plan(plan: PlanView, ctx: ValidationContext) -> list[Finding]:
    out: list[Finding] = []
    goals = plan.active_goals

    if not goals:
        out.append(
            finding(
                "plan.no-goals",
                "Planen har ingen aktive mål. Tilføj mindst ét strategisk mål.",
            )
        )

    if plan.period_start > plan.period_end:
        out.append(
            finding(
                "plan.period",
                f"Planperioden er ugyldig: startåret {plan.period_start} ligger efter slutåret "
                f"{plan.period_end}. Ret planens periode.",
            )
        )
    else:
        first, last = plan.first_day, plan.last_day
        for goal in goals:
            if goal.deadline is not None and not first <= goal.deadline <= last:
                out.append(
                    finding(
                        "plan.period",
                        f"Mål {goal.code} har frist {day(goal.deadline)}, som ligger uden for "
                        f"planperioden {plan.period_start}–{plan.period_end}. Flyt fristen ind i "
                        "perioden, eller ret planperioden.",
                        goal.code,
                    )
                )

    max_goals = ctx.setting("max_goals", 8)
    if len(goals) > max_goals:
        out.append(
            finding(
                "plan.too-many-goals",
                f"Planen har {len(goals)} aktive mål. Vejledningen anbefaler få, strategiske mål; "
                f"saml eller prioritér målene, så der højst er {max_goals}.",
            )
        )

    if plan.top_manager is None or not plan.top_manager.name.strip():
        out.append(
            finding(
                "plan.top-manager",
                "Planen nævner ingen topleder. Angiv den topleder, der er forankret i planen "
                "(navn og titel).",
            )
        )

    cadence = plan.followup_cadence
    if cadence not in _OFTEN_ENOUGH:
        if cadence is None or not cadence.strip():
            what = "Planen har ingen fast kadence for opfølgning."
        else:
            label = CADENCE_LABELS.get(cadence, cadence)
            what = f"Planen følges op {label}, hvilket er sjældnere end halvårligt."
        out.append(
            finding(
                "plan.cadence",
                f"{what} Vælg en fast kadence på mindst halvårlig opfølgning (halvårlig eller "
                "kvartalsvis).",
            )
        )

    if goals and not any(g.goal_type == "effect" for g in goals):
        out.append(
            finding(
                "plan.no-effect-goal",
                "Planen har intet effektmål. Overvej at formulere mindst ét mål om den effekt, "
                "institutionens opgaver skal have for borgere, virksomheder eller samfund.",
            )
        )

    admin = sum(1 for g in goals if g.task_type == "internal_administration")
    core = len(goals) - admin
    if admin > core:
        out.append(
            finding(
                "plan.admin-heavy",
                f"Planen har {admin} mål for intern administration og kun {core} for "
                "kerneopgaverne. Lad flertallet af målene handle om institutionens kerneopgaver.",
            )
        )
    return out

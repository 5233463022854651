"""Built-in plugin ``goal_types``: the built-in task types, known codes, and the rules that
belong to one goal type (effect and activity goals)."""

from __future__ import annotations

from service.plugins.builtin.rules import finding
from service.plugins.builtin.texts import join_and
from service.plugins.context import ValidationContext
from service.plugins.findings import Finding
from service.plugins.markers import hookimpl
from service.plugins.tasktypes import BUILTIN_TASK_TYPES, TaskTypeDef
from service.plugins.views import GoalView, PlanView
from service.vocabulary import GOAL_TYPE_LABELS, Nature

_NATURES = frozenset(n.value for n in Nature)


@hookimpl
def mrp_task_types() -> list[TaskTypeDef]:
    return list(BUILTIN_TASK_TYPES)


@hookimpl
def mrp_validate_goal(goal: GoalView, plan: PlanView, ctx: ValidationContext) -> list[Finding]:
    out: list[Finding] = []
    code = goal.code
    if goal.task_type not in ctx.task_types:
        valid = join_and([f"{c} ({t.label.lower()})" for c, t in ctx.task_types.items()])
        out.append(
            finding(
                "goal.types",
                f"Mål {code} har en ukendt opgavetype »{goal.task_type}«. Vælg en af: {valid}.",
                code,
            )
        )
    if goal.goal_type not in GOAL_TYPE_LABELS:
        valid = join_and([f"{c} ({t.lower()})" for c, t in GOAL_TYPE_LABELS.items()])
        out.append(
            finding(
                "goal.types",
                f"Mål {code} har en ukendt måltype »{goal.goal_type}«. Vælg en af: {valid}.",
                code,
            )
        )
    if goal.nature not in _NATURES:
        out.append(
            finding(
                "goal.types",
                f"Mål {code} har en ukendt karakter »{goal.nature}«. Vælg quantitative "
                "(kvantitativ) eller qualitative (kvalitativ).",
                code,
            )
        )

    if goal.goal_type == "effect":
        missing = [i.name for i in goal.quantitative_indicators if i.baseline is None]
        if missing:
            names = join_and([f"»{n}«" for n in missing])
            out.append(
                finding(
                    "effect.baseline",
                    f"Effektmål {code} mangler en baseline for {names}. Angiv udgangsniveauet "
                    "(baseline og år), så effekten kan måles.",
                    code,
                )
            )
    elif goal.goal_type == "activity" and goal.nature == "quantitative":
        text = f"{goal.description or ''} {goal.success_criterion or ''}".lower()
        if "effekt" not in text:
            out.append(
                finding(
                    "activity.assumed-effect",
                    f"Mål {code} er et kvantitativt aktivitetsmål. Beskriv i målbeskrivelsen, "
                    "hvilken effekt aktiviteten forventes at have.",
                    code,
                )
            )
    return out

"""Example mrp plugin: effect goals name their data sources, and a control task type.

Registered through the entry point ``example`` in the group ``mrp.plugins``; applies only
to the ministries that enable it (``mrp plugins enable example --ministry SKM``).
"""

from __future__ import annotations

from service.plugins import (
    Finding,
    GoalView,
    PlanView,
    TaskTypeDef,
    ValidationContext,
    hookimpl,
)

__version__ = "0.1.0"

CONTROL = TaskTypeDef(
    code="control",
    label="Kontrolopgave",
    description="Kontrol af borgeres og virksomheders efterlevelse af reglerne.",
)
DEFAULT_CONTROL_UNITS = ("%", "pct", "procent")


@hookimpl
def mrp_task_types() -> list[TaskTypeDef]:
    return [CONTROL]


@hookimpl
def mrp_validate_goal(goal: GoalView, plan: PlanView, ctx: ValidationContext) -> list[Finding]:
    findings: list[Finding] = []
    if goal.goal_type == "effect":
        missing = [i.name for i in goal.indicators if not (i.data_source or "").strip()]
        if missing:
            names = ", ".join(f"»{n}«" for n in missing)
            findings.append(
                Finding(
                    rule="example.effect-data-source",
                    severity="warning",
                    message=(
                        f"Effektmål {goal.code} angiver ikke datakilde for {names}. Angiv, "
                        "hvor tallene hentes fra, så effekten kan efterprøves."
                    ),
                    goal=goal.code,
                )
            )
    if goal.task_type == CONTROL.code:
        units = {u.lower() for u in ctx.settings.get("control_units", DEFAULT_CONTROL_UNITS)}
        if not any(
            (i.unit or "").strip().lower() in units and i.target is not None
            for i in goal.indicators
        ):
            findings.append(
                Finding(
                    rule="example.control-hit-rate",
                    severity="error",
                    message=(
                        f"Kontrolmål {goal.code} har ingen indikator i procent med en målværdi. "
                        "Tilføj fx træfprocent eller dækningsgrad med en målværdi."
                    ),
                    goal=goal.code,
                )
            )
    return findings

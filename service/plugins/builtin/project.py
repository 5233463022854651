"""Built-in plugin ``project``: rules for project-like (projektlignende) goals."""

from __future__ import annotations

from service.plugins.builtin.rules import finding
from service.plugins.builtin.texts import day
from service.plugins.context import ValidationContext
from service.plugins.findings import Finding
from service.plugins.markers import hookimpl
from service.plugins.views import GoalView, PlanView


@hookimpl
def mrp_validate_goal(goal: GoalView, plan: PlanView, ctx: ValidationContext) -> list[Finding]:
    if goal.task_type != "project":
        return []
    out: list[Finding] = []
    code = goal.code
    if goal.deadline is None:
        out.append(
            finding(
                "project.end",
                f"Projektmål {code} har ingen slutdato. Angiv, hvornår projektet skal være "
                "gennemført.",
                code,
            )
        )
    if not goal.milestones:
        out.append(
            finding(
                "project.milestones",
                f"Mål {code} har ingen milepæle. Tilføj milepæle, så fremdriften i projektet kan "
                "følges.",
                code,
            )
        )
    first = plan.first_day if plan.period_start <= plan.period_end else None
    last = goal.deadline or (plan.last_day if first else None)
    for milestone in goal.milestones:
        due = milestone.due_date
        if due is None or first is None or last is None:
            continue
        if due < first or due > last:
            end = "målets frist" if goal.deadline else "planperiodens udløb"
            out.append(
                finding(
                    "project.milestone-outside",
                    f"Milepælen »{milestone.title}« på mål {code} har dato {day(due)}, uden for "
                    f"målets forløb ({day(first)}–{day(last)}). Flyt milepælen, så den ligger "
                    f"mellem planperiodens start og {end}.",
                    code,
                )
            )
    return out

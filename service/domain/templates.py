"""The follow-up template for a plan and period, as the API and the reminders hand it out."""

from __future__ import annotations

from service.domain.errors import Invalid
from service.domain.models import Plan
from service.domain.overview import due_date
from service.intake.reports.template import TemplateGoal, build_template
from service.vocabulary import CADENCE_LABELS, parse_period


def followup_template(plan: Plan, period_text: str) -> tuple[str, bytes]:
    """(file name, workbook bytes) for the plan's active goals."""
    period = parse_period(period_text)
    if period is None or not period.fits(plan.followup_cadence, plan.period_start,
                                         plan.period_end):
        cadence = CADENCE_LABELS.get(plan.followup_cadence or "half-yearly", "")
        raise Invalid(
            f"Perioden passer ikke til planen {plan.reference} ({cadence} opfølgning "
            f"{plan.period_start}–{plan.period_end}); skriv fx {plan.period_start}-H1.",
            field="period",
        )
    goals = []
    for goal in plan.goals:
        if goal.status != "active":
            continue
        first = goal.indicators[0] if goal.indicators else None
        goals.append(TemplateGoal(
            code=goal.code, title=goal.title, task_type=goal.task_type,
            goal_type=goal.goal_type, indicator=first.name if first else None,
            unit=first.unit if first else None, baseline=first.baseline if first else None,
            target=first.target if first else None,
        ))
    data = build_template(
        plan=plan.reference, period=str(period), institution=plan.institution.name,
        title=plan.title, due=due_date(period), goals=goals,
    )
    return f"opfoelgning-{plan.reference}-{period}.xlsx", data

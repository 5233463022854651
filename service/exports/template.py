"""The follow-up template: a workbook per plan and period that the institution fills in and
mails back, as the API, the dashboard and the reminders hand it out. The intake's XLSX parser
reads it back (labelled plan and period cells, a header row with ``Mål-ID`` and ``Status``).

Every value from the plan (its title, the institution's name, the goals' titles and
indicators) is written by :func:`service.exports.sheets.write_cell`: text as text, never a
formula, without the characters a workbook cannot hold; baselines and targets as numbers."""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill, Protection
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from service.domain.errors import Invalid
from service.domain.models import Plan
from service.domain.overview import due_date
from service.exports.sheets import write_cell
from service.vocabulary import (
    CADENCE_LABELS,
    GOAL_TYPE_LABELS,
    STATUS_LABELS,
    TASK_TYPE_LABELS,
    date_words,
    parse_period,
    period_words,
)

HEADERS = (
    ("Mål-ID", 9), ("Mål", 40), ("Opgavetype", 22), ("Måltype", 14), ("Indikator", 28),
    ("Enhed", 10), ("Udgangspunkt", 13), ("Målværdi", 10),
    ("Status", 20), ("Målt værdi", 12), ("Fremdrift (%)", 13), ("Kommentar", 50),
)
EDITABLE = ("Status", "Målt værdi", "Fremdrift (%)", "Kommentar")
HEADER_ROW = 8


@dataclass(frozen=True)
class TemplateGoal:
    code: str
    title: str
    task_type: str
    goal_type: str
    indicator: str | None = None
    unit: str | None = None
    baseline: float | None = None
    target: float | None = None


def build_template(
    *,
    plan: str,
    period: str,
    institution: str,
    title: str,
    due: date | None,
    goals: Sequence[TemplateGoal],
) -> bytes:
    """The workbook as bytes. Only the status, value, progress and comment cells can be
    edited; the status is a drop-down of the Danish words."""
    wb = Workbook()
    ws = wb.active
    ws.title = "Opfølgning"
    bold = Font(bold=True)
    ws["A1"] = "Opfølgning på mål- og resultatplan"
    ws["A1"].font = Font(bold=True, size=14)
    labels = (("Planreference", plan), ("Periode", period), ("Institution", institution),
              ("Planens titel", title), ("Frist", date_words(due) if due else ""))
    for offset, (label, value) in enumerate(labels, start=2):
        ws.cell(row=offset, column=1, value=label).font = bold
        write_cell(ws.cell(row=offset, column=2), value)
    # the period's code stays in B3 for the intake to read; beside it, as a person reads it
    words = parse_period(period)
    if words is not None:
        write_cell(ws.cell(row=3, column=3), period_words(words))
    fill = PatternFill("solid", fgColor="DDEBF7")
    for col, (name, width) in enumerate(HEADERS, start=1):
        cell = ws.cell(row=HEADER_ROW, column=col, value=name)
        cell.font, cell.fill = bold, fill
        ws.column_dimensions[get_column_letter(col)].width = width

    lists = wb.create_sheet("Lister")
    for i, word in enumerate(STATUS_LABELS.values(), start=1):
        lists.cell(row=i, column=1, value=word)
    lists.sheet_state = "hidden"
    status_col = 1 + [h for h, _ in HEADERS].index("Status")
    validation = DataValidation(
        type="list", formula1=f"=Lister!$A$1:$A${len(STATUS_LABELS)}", allow_blank=True,
        showErrorMessage=True, errorTitle="Ukendt status",
        error="Vælg en status fra listen, fx »På rette spor«.",
    )
    ws.add_data_validation(validation)

    editable_cols = {1 + [h for h, _ in HEADERS].index(name) for name in EDITABLE}
    for r, goal in enumerate(goals, start=HEADER_ROW + 1):
        values = (goal.code, goal.title, TASK_TYPE_LABELS.get(goal.task_type, goal.task_type),
                  GOAL_TYPE_LABELS.get(goal.goal_type, goal.goal_type), goal.indicator,
                  goal.unit, goal.baseline, goal.target, None, None, None, None)
        for c, value in enumerate(values, start=1):
            cell = write_cell(ws.cell(row=r, column=c), value)
            if c in editable_cols:
                cell.protection = Protection(locked=False)
            if c == len(HEADERS):
                cell.alignment = Alignment(wrap_text=True, vertical="top")
        validation.add(f"{get_column_letter(status_col)}{r}")
    ws.freeze_panes = ws.cell(row=HEADER_ROW + 1, column=3)
    ws.protection.sheet = True
    ws.protection.formatColumns = False
    ws.protection.formatRows = False
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def followup_template(plan: Plan, period_text: str) -> tuple[str, bytes]:
    """(file name, workbook bytes) for the plan's active goals."""
    period = parse_period(period_text)
    if period is None or not period.fits(plan.followup_cadence, plan.period_start,
                                         plan.period_end):
        cadence = CADENCE_LABELS.get(plan.followup_cadence or "half-yearly", "")
        raise Invalid(
            f"Perioden passer ikke til planen {plan.reference} ({cadence} opfølgning "
            f"{plan.period_start}–{plan.period_end}); skriv fx {plan.period_start}-H1 "
            f"(1. halvår {plan.period_start}).",
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

"""The annual report's account of the year's results (årsrapportens beretning om faglige
resultater): for each plan of an institution covering the year, each goal with its final
status for the year and its comment, as Markdown and as HTML to paste into the report, and
as a Word document (:mod:`service.exports.word`).

The final status of a goal is its row in the latest accepted (current) report of the year:
the year-end period (``YYYY``, ``YYYY-H2`` or ``YYYY-Q4``), else the latest period of the
year that was reported for the goal (``service.domain.yearend``). Where the ministry weighs
goals, each plan also states its attainment (``Målopfyldelse 2026: 72 % (36 af 50 point)``,
``service.domain.attainment``) and its table has a column with each goal's points. The
changes made to the plan's goals during the year follow each plan's table
(:mod:`service.exports.year_changes`).

Both formats open in a spreadsheet (Excel reads an HTML page's tables as cells, and a
Markdown table split at ``|``), so every text from people that begins a cell or a line goes
through :func:`service.exports.sheets.cell_text`, as in the workbooks and CSV files.
"""

from __future__ import annotations

import html
import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field

from sqlalchemy.orm import selectinload

from service.domain.actors import Actor
from service.domain.attainment import Attainment, GoalScore, plan_attainment, points_words
from service.domain.attainment import words as attainment_words
from service.domain.attainment_settings import settings_of
from service.domain.models import Goal, Plan
from service.domain.plans import PlanFilters, plan_query
from service.domain.tenancy import get_institution
from service.domain.yearend import YearReports, final_row, year_reports
from service.exports import labels
from service.exports.sheets import cell_text
from service.exports.year_changes import ChangeResult, html_section, markdown_section, plan_changes
from service.extensions import db
from service.vocabulary import STATUS_LABELS, PlanStatus
from service.vocabulary import format_number as da_number

MARKDOWN = "text/markdown"
HTML = "text/html"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
MIMETYPES = {"md": MARKDOWN, "html": HTML, "docx": DOCX}  # the first is the default


@dataclass(frozen=True)
class GoalResult:
    code: str
    title: str
    success_criterion: str | None
    status: str | None  # a ProgressStatus code; None: not reported this year
    period: str | None  # the period the status was reported for
    final: bool  # reported for the year's last period
    value: float | None
    unit: str | None
    progress: float | None
    comment: str | None
    withdrawn: bool = False
    withdrawn_reason: str | None = None
    score: GoalScore | None = None  # its points, where the ministry weighs goals


@dataclass(frozen=True)
class PlanResult:
    reference: str
    title: str
    period_start: int
    period_end: int
    goals: list[GoalResult] = field(default_factory=list)
    attainment: Attainment | None = None  # where the ministry weighs goals
    changes: list[ChangeResult] = field(default_factory=list)


@dataclass(frozen=True)
class AnnualReport:
    year: int
    institution: str
    institution_name: str
    ministry_name: str
    plans: list[PlanResult] = field(default_factory=list)


def annual_report(actor: Actor, institution_ident: str | int, year: int) -> AnnualReport:
    """Raises NotFound for an institution the actor cannot see."""
    institution = get_institution(actor, institution_ident)
    plans = list(db.session.scalars(
        plan_query(actor, PlanFilters(institution=institution.code, year=year))
        .where(Plan.status.in_((PlanStatus.APPROVED.value, PlanStatus.CLOSED.value)))
        .options(selectinload(Plan.goals).selectinload(Goal.indicators))
        .order_by(Plan.period_start, Plan.reference)
    ))
    reports = year_reports([p.id for p in plans], year)
    settings = settings_of(institution.ministry_id)
    results = []
    for plan in plans:
        points = None
        if settings.weights_enabled:
            points = plan_attainment(plan, year, settings.partial_share)
        scores = {g.code: g for g in points.goals} if points else {}
        results.append(PlanResult(
            reference=plan.reference, title=plan.title, period_start=plan.period_start,
            period_end=plan.period_end,
            goals=[_goal_result(goal, reports[plan.id], scores.get(goal.code))
                   for goal in plan.goals],
            attainment=points,
            changes=plan_changes(plan, year),
        ))
    return AnnualReport(
        year=year, institution=institution.code, institution_name=institution.name,
        ministry_name=institution.ministry.name, plans=results,
    )


def _goal_result(goal: Goal, reports: YearReports, score: GoalScore | None) -> GoalResult:
    unit = goal.indicators[0].unit if goal.indicators else None
    found = final_row(goal.id, reports)
    if found is not None:
        row = found.row
        return GoalResult(
            code=goal.code, title=goal.title, success_criterion=goal.success_criterion,
            status=row.status, period=str(found.period), final=found.final,
            value=row.value, unit=unit, progress=row.progress, comment=row.comment,
            withdrawn=goal.status == "withdrawn", withdrawn_reason=goal.withdrawn_reason,
            score=score,
        )
    return GoalResult(
        code=goal.code, title=goal.title, success_criterion=goal.success_criterion,
        status=None, period=None, final=False, value=None, unit=unit, progress=None,
        comment=None, withdrawn=goal.status == "withdrawn",
        withdrawn_reason=goal.withdrawn_reason, score=score,
    )


# -- wording --------------------------------------------------------------------------------


def da_join(words: list[str]) -> str:
    if len(words) <= 1:
        return "".join(words)
    return ", ".join(words[:-1]) + " og " + words[-1]


def assessment(goal: GoalResult) -> str:
    """The goal's status in Danish; a status from before the year's end says when."""
    if goal.status is None:
        return "Udgået" if goal.withdrawn else "Ikke rapporteret"
    text = labels.status(goal.status) or goal.status
    if not goal.final:
        text += f" (pr. {labels.period(goal.period)})"
    return text


def result_text(goal: GoalResult) -> str:
    parts = []
    if goal.value is not None:
        unit = f" {goal.unit}" if goal.unit else ""
        parts.append(f"{da_number(goal.value)}{unit}")
    if goal.progress is not None:
        parts.append(f"fremdrift {da_number(goal.progress)} %")
    return ", ".join(parts)


def comment_text(goal: GoalResult) -> str:
    comment = (goal.comment or "").strip()
    if not comment and goal.withdrawn and goal.withdrawn_reason:
        comment = f"Målet er udgået: {goal.withdrawn_reason.strip()}"
    return comment


def summary(plan: PlanResult) -> str:
    """``Af planens 3 mål er 1 opfyldt, 1 delvist opfyldt og 1 ikke rapporteret.``"""
    counts = Counter(g.status or ("withdrawn" if g.withdrawn else "unreported")
                     for g in plan.goals)
    order = [*STATUS_LABELS, "unreported"]
    words = {**{k: v.lower() for k, v in STATUS_LABELS.items()},
             "unreported": "ikke rapporteret"}
    parts = [f"{counts[code]} {words[code]}" for code in order if counts.get(code)]
    n = len(plan.goals)
    if not n:
        return "Planen har ingen mål."
    return f"Af planens {n} mål er {da_join(parts)}."


def title(report: AnnualReport) -> str:
    return f"Faglige resultater {report.year}"


INTRO = (
    "Status for hvert mål er den senest registrerede opfølgning i {year}: helårsopfølgningen "
    "eller opfølgningen for 2. halvår eller 4. kvartal. Er den ikke modtaget, vises den "
    "seneste periode i året med angivelse af perioden."
)
NO_PLANS = "{name} har ingen godkendt mål- og resultatplan, der dækker {year}."
COLUMNS = ("Mål", "Succeskriterium", "Resultat", "Vurdering", "Kommentar")
POINTS_COLUMN = "Point"
ATTAINMENT_NOTE = (
    "Målopfyldelsen regnes af de vægtede mål med status: opfyldt og på rette spor giver "
    "målets fulde point, delvist opfyldt og udfordret {share} % af dem, ikke opfyldt og ikke "
    "på rette spor ingen. Har målet en beregnet status, er det den, der tæller. Udgåede mål "
    "og mål uden status tæller ikke med."
)


def columns(plan: PlanResult) -> tuple[str, ...]:
    """The table's columns: with the points where the ministry weighs goals."""
    return (*COLUMNS, POINTS_COLUMN) if plan.attainment is not None else COLUMNS


def points_text(goal: GoalResult) -> str:
    """``7,5 af 15 point``, with the computed status when that is what counted."""
    if goal.score is None:
        return ""
    text = points_words(goal.score)
    if goal.score.counted and goal.score.source == "computed" and goal.score.status:
        text += f" (beregnet status: {labels.status(goal.score.status)})"
    return text


def attainment_text(plan: PlanResult) -> str:
    """``Målopfyldelse 2026: 72 % (36 af 50 point).`` and how it is worked out; empty
    where the ministry does not weigh goals."""
    if plan.attainment is None:
        return ""
    share = da_number(plan.attainment.partial_share * 100, decimals=0)
    return f"{attainment_words(plan.attainment)}. {ATTAINMENT_NOTE.format(share=share)}"


def cells(goal: GoalResult, plan: PlanResult) -> tuple[str, ...]:
    """The goal's row, as text (not yet neutralised for a workbook)."""
    row = (f"{goal.code} {goal.title}", goal.success_criterion or "", result_text(goal),
           assessment(goal), comment_text(goal))
    return (*row, points_text(goal)) if plan.attainment is not None else row


def _cells(goal: GoalResult, plan: PlanResult) -> tuple[str, ...]:
    return tuple(cell_text(c) for c in cells(goal, plan))


# -- Markdown -------------------------------------------------------------------------------

_MD_SPECIAL = re.compile(r"([\\`*_\[\]<>|~&])")


def md_escape(text: str) -> str:
    """Text as Markdown shows it literally (no emphasis, links or HTML); one line."""
    return _MD_SPECIAL.sub(r"\\\1", " ".join(text.split()))


def md_cell(text: str) -> str:
    lines = [md_escape(line) for line in text.strip().splitlines() if line.strip()]
    return "<br>".join(lines)


def to_markdown(report: AnnualReport) -> str:
    out = [
        f"# {title(report)}", "",
        f"{md_escape(cell_text(report.institution_name))} ({md_escape(report.institution)}), "
        f"{md_escape(report.ministry_name)}", "",
        INTRO.format(year=report.year), "",
    ]
    if not report.plans:
        name = md_escape(cell_text(report.institution_name))
        out += [NO_PLANS.format(name=name, year=report.year), ""]
    for plan in report.plans:
        out += [
            f"## {md_escape(plan.title)} ({md_escape(plan.reference)})", "",
            f"Planperiode {plan.period_start}–{plan.period_end}. {summary(plan)}", "",
        ]
        if plan.attainment is not None:
            out += [md_escape(attainment_text(plan)), ""]
        out += [
            "| " + " | ".join(columns(plan)) + " |",
            "|" + ":---|" * len(columns(plan)),  # not ``---``: a dash begins a formula
        ]
        for goal in plan.goals:
            out.append("| " + " | ".join(md_cell(c) for c in _cells(goal, plan)) + " |")
        out.append("")
        out += markdown_section(plan.changes, report.year, md_cell)
    return "\n".join(out)


# -- HTML -----------------------------------------------------------------------------------

STYLE = """
body { font-family: Calibri, Arial, sans-serif; font-size: 11pt; color: #1a1a1a;
       max-width: 60em; margin: 2em auto; }
table { border-collapse: collapse; width: 100%; margin-bottom: 1.5em; }
th, td { border: 1px solid #9aa5b1; padding: 4px 6px; text-align: left; vertical-align: top; }
th { background: #dde5f0; }
"""


def _h(text: str) -> str:
    """Escaped for HTML text and attributes; line breaks kept."""
    return "<br>".join(html.escape(line, quote=True) for line in text.strip().splitlines())


def _rows(goals: Iterable[GoalResult], plan: PlanResult) -> list[str]:
    return ["<tr>" + "".join(f"<td>{_h(c)}</td>" for c in _cells(g, plan)) + "</tr>"
            for g in goals]


def to_html(report: AnnualReport) -> str:
    """A self-contained page: inline style, no scripts, no external assets."""
    body = [
        f"<h1>{_h(title(report))}</h1>",
        f"<p>{_h(cell_text(report.institution_name))} ({_h(report.institution)}), "
        f"{_h(report.ministry_name)}</p>",
        f"<p>{_h(INTRO.format(year=report.year))}</p>",
    ]
    if not report.plans:
        name = cell_text(report.institution_name)
        body.append(f"<p>{_h(NO_PLANS.format(name=name, year=report.year))}</p>")
    for plan in report.plans:
        body += [
            f"<h2>{_h(cell_text(plan.title))} ({_h(plan.reference)})</h2>",
            f"<p>Planperiode {plan.period_start}–{plan.period_end}. {_h(summary(plan))}</p>",
        ]
        if plan.attainment is not None:
            body.append(f'<p class="attainment">{_h(attainment_text(plan))}</p>')
        body += [
            "<table>",
            "<thead><tr>" + "".join(f"<th>{c}</th>" for c in columns(plan)) + "</tr></thead>",
            "<tbody>", *_rows(plan.goals, plan), "</tbody>",
            "</table>",
        ]
        body += html_section(plan.changes, report.year, _h)
    head = (
        '<meta charset="utf-8">'
        f"<title>{_h(title(report))} – {_h(report.institution)}</title>"
        f"<style>{STYLE}</style>"
    )
    return (
        '<!DOCTYPE html>\n<html lang="da">\n<head>' + head + "</head>\n<body>\n"
        + "\n".join(body) + "\n</body>\n</html>\n"
    )


def render(report: AnnualReport, fmt: str) -> str | bytes:
    """The report as ``fmt`` of :data:`MIMETYPES` (Word's ``.docx`` from
    :mod:`service.exports.word`)."""
    if fmt == "docx":
        from service.exports.word import to_docx

        return to_docx(report)
    return to_html(report) if fmt == "html" else to_markdown(report)

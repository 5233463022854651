"""The annual report's account of the year's results as a Word document (``.docx``), since
the annual report is written in Word: the same headings, wording and tables as the Markdown
and HTML of :mod:`service.exports.annual_report`, the tables as Word tables with a header
row that repeats on every page, and the text marked as Danish (for Word's spelling check).

Word shows text as text, never as a formula, so cells are not prefixed as in a workbook;
only the characters no document can hold (control characters) are removed.
"""

from __future__ import annotations

import io

from docx import Document
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.table import Table

from service.exports import annual_report as report_text
from service.exports import year_changes
from service.exports.annual_report import DOCX, AnnualReport, GoalResult, PlanResult
from service.exports.sheets import UNWRITABLE

LANGUAGE = "da-DK"


def _text(text: str | None) -> str:
    return UNWRITABLE.sub("", (text or "").strip())


def _cells(goal: GoalResult, plan: PlanResult) -> tuple[str, ...]:
    return tuple(_text(c) for c in report_text.cells(goal, plan))


def _danish(document: object) -> None:
    """Mark the document's default text, and so every style built on it, as Danish."""
    styles = document.styles  # type: ignore[attr-defined]
    rpr = styles["Normal"].element.get_or_add_rPr()
    for old in rpr.findall(qn("w:lang")):
        rpr.remove(old)
    lang = OxmlElement("w:lang")
    lang.set(qn("w:val"), LANGUAGE)
    rpr.append(lang)


def _header_row(table: Table, columns: tuple[str, ...]) -> None:
    """The first row is the table's header: bold, and repeated on every page."""
    row = table.rows[0]
    trpr = row._tr.get_or_add_trPr()
    header = OxmlElement("w:tblHeader")
    header.set(qn("w:val"), "true")
    trpr.append(header)
    for cell, name in zip(row.cells, columns, strict=True):
        cell.paragraphs[0].add_run(name).bold = True


def _table(document: object, columns: tuple[str, ...],
           rows: list[tuple[str, ...]]) -> None:
    """A Word table with a header row; a cell's lines as paragraphs."""
    table = document.add_table(rows=1, cols=len(columns))  # type: ignore[attr-defined]
    table.style = "Table Grid"
    _header_row(table, columns)
    for row in rows:
        cells = table.add_row().cells
        for cell, text in zip(cells, row, strict=True):
            lines = [line for line in text.splitlines() if line.strip()] or [""]
            cell.text = lines[0]
            for line in lines[1:]:
                cell.add_paragraph(line)


def to_docx(report: AnnualReport) -> bytes:
    document = Document()
    _danish(document)
    props = document.core_properties
    props.title = f"{report_text.title(report)} – {report.institution}"
    props.language = LANGUAGE
    props.author = "mrp"
    document.add_heading(report_text.title(report), level=1)
    document.add_paragraph(
        f"{_text(report.institution_name)} ({_text(report.institution)}), "
        f"{_text(report.ministry_name)}")
    document.add_paragraph(report_text.INTRO.format(year=report.year))
    if not report.plans:
        document.add_paragraph(report_text.NO_PLANS.format(
            name=_text(report.institution_name), year=report.year))
    for plan in report.plans:
        document.add_heading(f"{_text(plan.title)} ({_text(plan.reference)})", level=2)
        document.add_paragraph(
            f"Planperiode {plan.period_start}–{plan.period_end}. {report_text.summary(plan)}")
        if plan.attainment is not None:
            document.add_paragraph(_text(report_text.attainment_text(plan)))
        _table(document, report_text.columns(plan), [_cells(goal, plan) for goal in plan.goals])
        document.add_paragraph()
        if plan.changes:
            document.add_heading(year_changes.CHANGES_HEADING, level=3)
            document.add_paragraph(year_changes.CHANGES_INTRO.format(year=report.year))
            _table(document, year_changes.CHANGE_COLUMNS, [
                tuple(_text(c) for c in year_changes.change_texts(change))
                for change in plan.changes])
            document.add_paragraph()
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


__all__ = ["DOCX", "to_docx"]

"""A table of cells written as XLSX or as CSV the way Danish Excel reads it.

CSV: UTF-8 with a byte-order mark (so Excel does not guess Windows-1252), ``;`` between
fields, decimal comma, CRLF line ends. Both formats neutralise text that a spreadsheet would
run as a formula (CSV/formula injection): such a cell is prefixed with ``'``.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date

from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Font, PatternFill
from openpyxl.utils import get_column_letter

from service.vocabulary import format_number

Cell = str | int | float | date | None

CSV = "text/csv"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
MIMETYPES = {"xlsx": XLSX, "csv": CSV}  # the first is the default

#: a cell starting with one of these, after any leading whitespace, is run as a formula
FORMULA_STARTS = ("=", "+", "-", "@")
#: a cell starting with one of these can smuggle a formula past a naive check
CONTROL_STARTS = ("\t", "\r", "\n")


def neutralise(text: str) -> str:
    """``text`` as a spreadsheet will show it rather than run it."""
    if text.startswith(CONTROL_STARTS) or text.lstrip().startswith(FORMULA_STARTS):
        return "'" + text
    return text


@dataclass
class Table:
    """A sheet: a title, the column headers and the rows (one value per column)."""

    title: str
    columns: Sequence[str]
    rows: list[list[Cell]] = field(default_factory=list)


def csv_number(value: int | float) -> str:
    """35 → ``35``, 93.5 → ``93,5`` (every digit, no exponent, no thousands separator)."""
    return format_number(value, decimals=None, grouping=False)


def _csv_cell(value: Cell) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "Ja" if value else "Nej"
    if isinstance(value, int | float):
        return csv_number(value)
    if isinstance(value, date):
        return value.isoformat()
    return neutralise(str(value))


def to_csv(table: Table) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n", quoting=csv.QUOTE_MINIMAL)
    writer.writerow([neutralise(c) for c in table.columns])
    for row in table.rows:
        writer.writerow([_csv_cell(v) for v in row])
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def _xlsx_text(value: str) -> str:
    # characters a workbook cannot hold (control characters other than tab and newlines)
    return neutralise(ILLEGAL_CHARACTERS_RE.sub("", value))


def to_xlsx(table: Table) -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.title = table.title[:31]
    bold, fill = Font(bold=True), PatternFill("solid", fgColor="DDE5F0")
    widths = [len(c) for c in table.columns]
    for col, name in enumerate(table.columns, start=1):
        cell = ws.cell(row=1, column=col, value=_xlsx_text(name))
        cell.font, cell.fill = bold, fill
        cell.data_type = "s"
    for r, row in enumerate(table.rows, start=2):
        for c, value in enumerate(row, start=1):
            cell = ws.cell(row=r, column=c)
            if isinstance(value, str):
                cell.value = _xlsx_text(value)
                cell.data_type = "s"  # never a formula, whatever the text
                widths[c - 1] = max(widths[c - 1], min(len(value), 60))
            elif isinstance(value, bool):
                cell.value = "Ja" if value else "Nej"
            elif isinstance(value, date):
                cell.value = value
                cell.number_format = "yyyy-mm-dd"
                widths[c - 1] = max(widths[c - 1], 10)
            elif isinstance(value, float) and value.is_integer():
                cell.value = int(value)
            else:
                cell.value = value
    for c, width in enumerate(widths, start=1):
        ws.column_dimensions[get_column_letter(c)].width = max(8, width + 2)
    ws.freeze_panes = "A2"
    if table.rows:
        ws.auto_filter.ref = ws.dimensions
    wb.properties.creator = "mrp"
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def render(table: Table, fmt: str) -> bytes:
    return to_csv(table) if fmt == "csv" else to_xlsx(table)

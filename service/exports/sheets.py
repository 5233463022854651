"""A table of cells written as XLSX or as CSV the way Danish Excel reads it, and the one
rule for every cell the service writes from what people typed.

CSV: UTF-8 with a byte-order mark (so Excel does not guess Windows-1252), ``;`` between
fields, decimal comma, CRLF line ends.

Every workbook and CSV the service produces (these exports, the follow-up template, the
annual report's tables) writes text through :func:`cell_text`: characters a workbook cannot
hold are removed, and text that a spreadsheet would run as a formula (CSV/formula
injection) is prefixed with ``'``. In a workbook, :func:`write_cell` also stores text as a
text cell, never a formula or an error value, while numbers stay numbers.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date

from openpyxl import Workbook
from openpyxl.cell.cell import Cell as SheetCell
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
#: what no workbook can hold: the control characters other than tab, line feed and carriage
#: return (openpyxl refuses them), and the two non-characters that make the file's XML
#: unreadable
UNWRITABLE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def neutralise(text: str) -> str:
    """``text`` as a spreadsheet will show it rather than run it."""
    if text.startswith(CONTROL_STARTS) or text.lstrip().startswith(FORMULA_STARTS):
        return "'" + text
    return text


def cell_text(text: str) -> str:
    """Text from people or plugins as a workbook or CSV cell holds it: without the
    characters no workbook can hold (a title with U+0001 or ESC), and shown, never run."""
    return neutralise(UNWRITABLE.sub("", text))


def write_cell(cell: SheetCell, value: Cell) -> SheetCell:
    """Put ``value`` in a workbook's cell: text through :func:`cell_text` as a text cell
    (``data_type`` ``s``, whatever it says: not a formula, not ``#N/A`` as an error), yes/no
    as ``Ja``/``Nej``, a date with a date format, a number as a number."""
    if isinstance(value, str):
        cell.value = cell_text(value)
        cell.data_type = "s"
    elif isinstance(value, bool):
        cell.value = "Ja" if value else "Nej"
        cell.data_type = "s"
    elif isinstance(value, date):
        cell.value = value
        cell.number_format = "dd.mm.yyyy"  # as Danes read a date in a table
    elif isinstance(value, float) and value.is_integer():
        cell.value = int(value)
    else:
        cell.value = value
    return cell


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
    return cell_text(str(value))


def to_csv(table: Table) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n", quoting=csv.QUOTE_MINIMAL)
    writer.writerow([cell_text(c) for c in table.columns])
    for row in table.rows:
        writer.writerow([_csv_cell(v) for v in row])
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def to_xlsx(table: Table) -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.title = table.title[:31]
    bold, fill = Font(bold=True), PatternFill("solid", fgColor="DDE5F0")
    widths = [len(c) for c in table.columns]
    for col, name in enumerate(table.columns, start=1):
        cell = write_cell(ws.cell(row=1, column=col), name)
        cell.font, cell.fill = bold, fill
    for r, row in enumerate(table.rows, start=2):
        for c, value in enumerate(row, start=1):
            write_cell(ws.cell(row=r, column=c), value)
            if isinstance(value, str):
                widths[c - 1] = max(widths[c - 1], min(len(value), 60))
            elif isinstance(value, date):
                widths[c - 1] = max(widths[c - 1], 10)
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

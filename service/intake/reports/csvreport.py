"""CSV reports as Danish Excel writes them: ``;`` or ``,`` (or tab) separated, UTF-8 with or
without BOM, Windows-1252, or UTF-16 («Unicode-tekst»); decimal comma or point (values are
kept as written; validation normalises them with ``parse_number``).

Optional label lines before the header (``Plan;DST-2026``, ``Periode;2026-H1``) name the plan
and period.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator, Sequence
from itertools import islice

from service.intake.budget import count_rows
from service.intake.reports.headers import (
    HEADER_SCAN_ROWS,
    find_header,
    match_header,
    no_header_error,
    no_rows_error,
    normalise_period,
    normalise_plan,
    read_rows,
)
from service.intake.reports.limits import DEFAULT_LIMITS, ReportLimits, check_size
from service.plugins.reports import ParsedReport, ReportError

CSV_TYPES = frozenset(
    {
        "text/csv",
        "application/csv",
        "text/comma-separated-values",
        "application/vnd.ms-excel",  # what Windows labels a .csv file
        "text/x-csv",
        "application/x-csv",
    }
)
DELIMITERS = (";", ",", "\t")


def decode_text(data: bytes) -> tuple[str, str]:
    """The file's text and the encoding it was read with."""
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8", errors="replace"), "utf-8-sig"
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16", errors="replace"), "utf-16"
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        # Windows-1252 leaves five bytes undefined; those fall back to Latin-1.
        return data.decode("cp1252", errors="replace"), "cp1252"


def _numbered(reader: Iterator[list[str]], state: dict[str, int]) -> Iterator[
    tuple[int, Sequence[object]]
]:
    """Rows with the physical line each starts on (a quoted field may span lines)."""
    previous = 0
    for cells in reader:
        start = previous + 1
        previous = reader.line_num  # type: ignore[attr-defined]
        state["last"] = previous
        yield start, cells


def _sniff(lines: list[str]) -> str | None:
    """The delimiter whose split of the first lines yields a header row."""
    for delimiter in DELIMITERS:
        for cells in csv.reader(lines, delimiter=delimiter):
            if match_header(cells) is not None:
                return delimiter
    return None


class CsvParser:
    """Reads ``.csv`` reports."""

    name = "csv"

    def __init__(self, limits: ReportLimits = DEFAULT_LIMITS) -> None:
        self.limits = limits

    def accepts(self, filename: str, content_type: str, head: bytes) -> bool:
        lower = filename.lower()
        if lower.endswith((".csv", ".tsv")):
            return True
        ctype = content_type.lower()
        if ctype == "application/vnd.ms-excel" and lower.endswith((".xls", ".xlsx")):
            return False
        return ctype in CSV_TYPES

    def parse(self, data: bytes, filename: str) -> ParsedReport:
        check_size(data, self.limits, filename=filename)
        name = f"CSV-filen «{filename}»" if filename else "CSV-filen"
        if b"\x00" in data[:4096] and not data.startswith((b"\xff\xfe", b"\xfe\xff")):
            raise ReportError(
                f"{name} er ikke en tekstfil. Gem rapporten som «CSV (semikolonsepareret)» "
                "eller send den som .xlsx.",
                reason="unreadable_report",
            )
        text, _ = decode_text(data)
        stream = io.StringIO(text, newline="")
        first = stream.readline()
        delimiter: str | None = None
        skip = 0
        if first.lower().startswith("sep=") and len(first.strip()) == 5:
            delimiter, skip = first.strip()[4], 1  # Excel's «sep=;» line
        if delimiter is None:
            stream.seek(0)
            delimiter = _sniff(list(islice(stream, HEADER_SCAN_ROWS)))
        if delimiter is None:
            raise no_header_error(name)
        stream.seek(0)
        if skip:
            stream.readline()
        state = {"last": 0}
        try:
            reader = csv.reader(stream, delimiter=delimiter, strict=False)
            rows = count_rows((n + skip, cells) for n, cells in _numbered(reader, state))
            header, labels = find_header(rows, HEADER_SCAN_ROWS + skip)
            if header is None:
                raise no_header_error(name)
            found, warns = read_rows(rows, header, self.limits, where="Linje")
        except csv.Error as exc:
            raise ReportError(
                f"{name} kan ikke læses omkring linje {state['last'] + skip + 1}: {exc}. Tjek "
                "anførselstegnene i den linje, eller send rapporten som .xlsx.",
                reason="unreadable_report",
            ) from exc
        if not found:
            raise no_rows_error(name, header.row)
        return ParsedReport(
            rows=found,
            plan=normalise_plan(labels.get("plan")),
            period=normalise_period(labels.get("period")),
            format="csv",
            warnings=warns,
        )


"""XLSX reports: the service's follow-up template, or any sheet with a ``Mål-ID``/``Status``
header row wherever it is.

The archive is checked (size, zip bomb) before openpyxl opens it; openpyxl reads it
read-only and streams each sheet, with defusedxml refusing entity and DTD tricks.
"""

from __future__ import annotations

import io
import warnings
import zipfile
from collections.abc import Iterator, Sequence

from defusedxml import DefusedXmlException
from openpyxl import load_workbook

from service.intake.budget import count_rows
from service.intake.reports.headers import (
    HEADER_SCAN_ROWS,
    find_header,
    no_header_error,
    no_rows_error,
    normalise_period,
    normalise_plan,
    read_rows,
)
from service.intake.reports.limits import DEFAULT_LIMITS, ReportLimits, check_size, check_zip
from service.plugins.reports import ParsedReport, ReportError

XLSX_TYPES = frozenset(
    {
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "application/vnd.ms-excel.sheet.macroenabled.12",
    }
)
XLSX_EXTENSIONS = (".xlsx", ".xlsm")
MAX_COLUMNS = 60  # a report's table lies in its first columns


def _sheet_rows(ws: object) -> Iterator[tuple[int, Sequence[object]]]:
    rows = ws.iter_rows(min_row=1, max_col=MAX_COLUMNS, values_only=True)  # type: ignore[attr-defined]
    return count_rows(enumerate(rows, start=1), blank=None)


def _refused_xml(exc: BaseException | None) -> bool:
    seen = 0
    while exc is not None and seen < 10:
        if isinstance(exc, DefusedXmlException):
            return True
        exc = exc.__cause__ or exc.__context__
        seen += 1
    return False


def _unsafe(name: str) -> ReportError:
    return ReportError(
        f"{name} er afvist af sikkerhedshensyn: det indeholder XML-konstruktioner (DTD eller "
        "entiteter), som et almindeligt Excel-regneark ikke har. Gem rapporten igen i Excel "
        "som .xlsx og send den igen.",
        reason="unsafe_report",
    )


class XlsxParser:
    """Reads ``.xlsx`` reports."""

    name = "xlsx"

    def __init__(self, limits: ReportLimits = DEFAULT_LIMITS) -> None:
        self.limits = limits

    def accepts(self, filename: str, content_type: str, head: bytes) -> bool:
        lower = filename.lower()
        if lower.endswith(XLSX_EXTENSIONS) or content_type.lower() in XLSX_TYPES:
            return True
        # An unnamed or generically named zip: take it if it looks like an Office file.
        return head.startswith(b"PK\x03\x04") and (
            not lower or lower.endswith((".bin", ".dat")) or "." not in lower
        )

    def parse(self, data: bytes, filename: str) -> ParsedReport:
        check_size(data, self.limits, filename=filename)
        check_zip(data, self.limits, filename=filename)
        name = f"«{filename}»" if filename else "Regnearket"
        try:
            with warnings.catch_warnings():
                # openpyxl warns about Excel features it drops (data validation, …).
                warnings.simplefilter("ignore")
                return self._read(data, name)
        except ReportError:
            raise
        except DefusedXmlException as exc:
            raise _unsafe(name) from exc
        except (zipfile.BadZipFile, KeyError, ValueError, TypeError, OSError, EOFError,
                IndexError, AttributeError, SyntaxError) as exc:
            # SyntaxError covers xml.etree's ParseError; openpyxl wraps some errors in
            # ValueError, so look for defusedxml's refusal along the chain.
            if _refused_xml(exc):
                raise _unsafe(name) from exc
            raise ReportError(
                f"{name} kan ikke læses som et Excel-regneark ({type(exc).__name__}). Gem "
                "det i Excel som «Excel-projektmappe (*.xlsx)» og send det igen.",
                reason="unreadable_report",
            ) from exc

    def _read(self, data: bytes, name: str) -> ParsedReport:
        wb = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        try:
            # Visible sheets first: a template may keep its drop-down lists on a hidden one.
            sheets = sorted(wb.worksheets, key=lambda s: s.sheet_state != "visible")
            for ws in sheets:
                ws.reset_dimensions()  # don't trust the declared dimension
                rows = _sheet_rows(ws)
                header, labels = find_header(rows, HEADER_SCAN_ROWS)
                if header is None:
                    continue
                where = f"Ark «{ws.title}», række"
                found, warns = read_rows(rows, header, self.limits, where=where)
                if not found:
                    raise no_rows_error(f"Arket «{ws.title}» i {name}", header.row)
                return ParsedReport(
                    rows=found,
                    plan=normalise_plan(labels.get("plan")),
                    period=normalise_period(labels.get("period")),
                    format="xlsx",
                    warnings=warns,
                )
        finally:
            wb.close()
        raise no_header_error(f"Ingen af arkene i {name}")

"""Reading a report file with the parser chosen for it: the mail intake's attachments and
the files an institution uploads on the dashboard's report page go the same way.

``choose_parser(parsers, filename, content_type, data)`` asks each parser in turn
(``accepts``, shown the first ``HEAD_BYTES`` of the file) and gives the first that accepts;
``read_with(parser, filename, content_type, data)`` lets it read the bytes; the two together
are ``parse_attachment``. Parsers raise :class:`~service.plugins.reports.ReportError` with a
Danish message when they cannot. ``ministry_parsers`` gives a ministry's parsers (its
enabled plugins' first, then the built-ins').
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, TypeVar

from service.plugins.reports import ParsedReport, ReportError, ReportParser

if TYPE_CHECKING:
    from service.domain.models import Ministry

log = logging.getLogger("service.intake.reports")

T = TypeVar("T")

#: how much of a file a parser's ``accepts`` is shown
HEAD_BYTES = 4096

# Formats people send that we cannot read, with what to do instead.
UNSUPPORTED: dict[str, str] = {
    ".xls": "Det gamle Excel-format (.xls) kan ikke læses. Gem regnearket som .xlsx.",
    ".ods": "OpenDocument-regneark (.ods) kan ikke læses. Gem regnearket som .xlsx.",
    ".numbers": "Numbers-filer kan ikke læses. Eksportér regnearket som .xlsx eller .csv.",
    ".docx": "Word-dokumenter kan ikke læses. Send rapporten i skabelonen (.xlsx).",
    ".doc": "Word-dokumenter kan ikke læses. Send rapporten i skabelonen (.xlsx).",
    ".pdf": "PDF-filer kan ikke læses. Send rapporten i skabelonen (.xlsx).",
    ".zip": "Pakkede filer (.zip) kan ikke læses. Vedhæft rapporten (.xlsx) direkte.",
}


def accepting_parser(
    parsers: Iterable[ReportParser], filename: str, content_type: str, head: bytes
) -> ReportParser | None:
    """The first parser that accepts the attachment, or None. A parser whose ``accepts``
    raises is skipped (and logged)."""
    for parser in parsers:
        try:
            if parser.accepts(filename or "", (content_type or "").lower(), head):
                return parser
        except Exception:
            log.exception("report parser %r failed in accepts()", getattr(parser, "name", parser))
    return None


def choose_parser(
    parsers: Iterable[ReportParser], filename: str, content_type: str, data: bytes
) -> ReportParser | None:
    """The parser for an attachment, chosen once from its name, type and first
    ``HEAD_BYTES`` bytes; None when no parser accepts it."""
    return accepting_parser(parsers, filename, content_type, data[:HEAD_BYTES])


def parse_attachment(
    parsers: Sequence[ReportParser], filename: str, content_type: str, data: bytes
) -> ParsedReport:
    """Read one attachment with the first parser that accepts it (see ``read_with``)."""
    return read_with(choose_parser(parsers, filename, content_type, data), filename,
                     content_type, data)


def read_with(
    parser: ReportParser | None, filename: str, content_type: str, data: bytes
) -> ParsedReport:
    """Read one attachment with the parser chosen for it (``choose_parser``).

    Raises :class:`ReportError` (Danish message) when no parser accepted it (``parser`` is
    None) or the parser cannot read it. A parser that fails with anything other than
    ReportError is logged and reported as ``unreadable_report``, never propagated.
    """
    filename = filename or ""
    if parser is None:
        lower = filename.lower()
        for ext, hint in UNSUPPORTED.items():
            if lower.endswith(ext):
                raise ReportError(hint, reason="unreadable_report")
        shown = f"«{filename}» " if filename else ""
        raise ReportError(
            f"Vedhæftningen {shown}({content_type or 'ukendt type'}) er ikke en rapport, vi kan "
            "læse. Send opfølgningen som Excel-skabelonen (.xlsx), som CSV eller som JSON.",
            reason="unreadable_report",
        )
    try:
        report = parser.parse(data, filename)
    except ReportError:
        raise
    except Exception as exc:
        log.exception("report parser %r failed on %r", getattr(parser, "name", parser), filename)
        raise ReportError(
            f"Vedhæftningen «{filename}» kunne ikke læses ({type(exc).__name__}). Tjek at "
            "filen er udfyldt efter skabelonen, og send den igen.",
            reason="unreadable_report",
        ) from exc
    if not isinstance(report, ParsedReport):
        log.error("report parser %r returned %r", getattr(parser, "name", parser), type(report))
        raise ReportError(
            f"Vedhæftningen «{filename}» kunne ikke læses. Send rapporten som Excel-skabelonen "
            "(.xlsx).",
            reason="unreadable_report",
        )
    return report


def ministry_parsers(ministry: Ministry) -> list[ReportParser]:
    """The report parsers that apply to the ministry's institutions."""
    # here, not at the top: the parse workers import this module without the database
    # and the plugin manager (service.intake.pool)
    from service.domain.plugins import manager, ministry_plugins

    return manager().report_parsers(ministry_plugins(ministry))


def nul_free(value: T) -> T:
    """Text as PostgreSQL can store it: a NUL character (``=00`` in a subject, ``\\u0000`` in
    JSON) would fail the commit, and with it the mailbox, on every run."""
    return value.replace("\x00", "") if isinstance(value, str) else value  # type: ignore[return-value]


#: the text fields of a report's row
_ROW_TEXT = ("goal", "status", "value", "progress", "comment")


def _has_nul(value: object) -> bool:
    return isinstance(value, str) and "\x00" in value


def report_nul_free(report: ParsedReport) -> ParsedReport:
    """The report with every NUL character taken out of its text (the same report when it
    has none, as nearly every report: looking costs a twentieth of rebuilding it)."""
    if not (_has_nul(report.plan) or _has_nul(report.period)
            or any(_has_nul(getattr(row, f)) for row in report.rows for f in _ROW_TEXT)):
        return report
    rows = tuple(
        dataclasses.replace(row, **{f: nul_free(getattr(row, f)) for f in _ROW_TEXT})
        for row in report.rows
    )
    return dataclasses.replace(report, rows=rows, plan=nul_free(report.plan),
                               period=nul_free(report.period))

"""The built-in report parsers (XLSX, CSV, JSON) and the choice of parser for an attachment.

The choice of parser and the reading (``choose_parser``, ``read_with``, ``parse_attachment``)
live in :mod:`service.domain.reportfiles`, shared with the dashboard's upload; they are
named here too for the intake. Parsers raise :class:`~service.plugins.reports.ReportError`
with a Danish message when they cannot.
"""

from __future__ import annotations

from service.domain.reportfiles import (
    HEAD_BYTES,
    accepting_parser,
    choose_parser,
    parse_attachment,
    read_with,
)
from service.intake.reports.csvreport import CsvParser
from service.intake.reports.jsonreport import JsonParser
from service.intake.reports.limits import DEFAULT_LIMITS, ReportLimits
from service.intake.reports.xlsx import XlsxParser
from service.plugins.reports import ReportParser

__all__ = [
    "DEFAULT_LIMITS",
    "HEAD_BYTES",
    "CsvParser",
    "JsonParser",
    "ReportLimits",
    "XlsxParser",
    "accepting_parser",
    "builtin_parsers",
    "choose_parser",
    "parse_attachment",
    "read_with",
]


def builtin_parsers(limits: ReportLimits = DEFAULT_LIMITS) -> list[ReportParser]:
    """The XLSX, CSV and JSON parsers, in that order."""
    return [XlsxParser(limits), CsvParser(limits), JsonParser(limits)]

"""The built-in report parsers as a plugin: registered like any third-party plugin, so the
``mrp_report_parsers`` hook yields them alongside a ministry's own."""

from __future__ import annotations

from service.intake.reports import builtin_parsers
from service.plugins import hookimpl
from service.plugins.reports import ReportLimits, ReportParser


@hookimpl
def mrp_report_parsers(limits: ReportLimits) -> list[ReportParser]:
    return builtin_parsers(limits)

"""The parsing stage of the intake: from a stored mail's raw bytes to what it says.

:func:`parse_raw` is a pure function of the raw bytes and read-only settings
(:class:`ParseSettings`): it asks nothing of the database, the app or the plugins, so it can
run in a pool of worker processes (:mod:`service.intake.pool`) as well as inline. It reads
the MIME tree (:func:`service.intake.message.parse_message`) and the report attachments the
built-in parsers take (XLSX, CSV, JSON), in order until one reads, all within the mail's
:class:`~service.intake.budget.ParseBudget`. What the pipeline then decides (whose mail it
is, which parser the sender's ministry uses, the plan) is :mod:`service.intake.attribution`:
a report read here is used when the ministry's parser for the attachment is the same
built-in one; any other parser reads the attachment there.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import cached_property

from service.intake.budget import (
    DEFAULT_BUDGET,
    OVER_BUDGET,
    BudgetExceeded,
    ParseBudget,
    metered,
)
from service.intake.message import InboundMail, parse_message
from service.intake.reports import builtin_parsers, choose_parser, read_with
from service.plugins.reports import (
    DEFAULT_LIMITS,
    ParsedReport,
    ReportError,
    ReportLimits,
    ReportParser,
)

__all__ = ["ParseSettings", "ParsedMail", "ReadReport", "parse_each", "parse_raw"]


@dataclass(frozen=True)
class ParseSettings:
    """What parsing a mail depends on besides its bytes."""

    max_attachment_bytes: int = DEFAULT_LIMITS.max_attachment_bytes
    budget: ParseBudget = DEFAULT_BUDGET

    @property
    def limits(self) -> ReportLimits:
        """The built-in parsers' limits, as the plugin manager gives them
        (``service.domain.plugins``)."""
        return ReportLimits(max_attachment_bytes=self.max_attachment_bytes)

    @cached_property
    def parsers(self) -> list[ReportParser]:
        return builtin_parsers(self.limits)


@dataclass(frozen=True)
class ReadReport:
    """What the built-in parser ``parser`` read of the mail's attachment ``index``: its
    report, or why it could not (the Danish message and the reason code)."""

    index: int
    parser: str
    report: ParsedReport | None = None
    error: str = ""
    reason: str = ""

    def result(self) -> ParsedReport:
        """The report; raises the parser's :class:`ReportError` when it could not read it."""
        if self.report is not None:
            return self.report
        if self.reason == OVER_BUDGET:
            raise BudgetExceeded(self.error)
        raise ReportError(self.error, reason=self.reason)


@dataclass(frozen=True)
class ParsedMail:
    """A mail as the parsing stage read it: the mail and the reports read of its
    attachments; or, when it could not be read at all (over its time budget, its worker
    process died), no mail and ``failure``: the reason code and its Danish explanation."""

    mail: InboundMail | None
    reports: tuple[ReadReport, ...] = ()
    failure: tuple[str, str] | None = None
    #: the seconds the parse took (where it ran)
    seconds: float = field(default=0.0, compare=False)

    def report(self, index: int, parser: str) -> ReadReport | None:
        """What ``parser`` read of attachment ``index``, if it read it."""
        return next((r for r in self.reports if r.index == index and r.parser == parser),
                    None)


def parse_raw(raw: bytes, settings: ParseSettings) -> ParsedMail:
    """Read a raw mail and its report attachments (see the module's doc). Never touches the
    database or the app. A report over the budget's rows or cells ends the reading there
    (its :class:`ReadReport` says so); a mail nested too deep is not searched for reports."""
    started = time.monotonic()
    budget = settings.budget
    mail = parse_message(raw, max_attachment_bytes=settings.max_attachment_bytes,
                         max_depth=budget.max_depth)
    reports: list[ReadReport] = []
    if not (mail.too_deep or mail.oversized):
        with metered(budget):
            for index, attachment in enumerate(mail.attachments):
                name, ctype = attachment.filename or "", attachment.content_type or ""
                parser = choose_parser(settings.parsers, name, ctype, attachment.data)
                if parser is None:
                    continue
                try:
                    report = read_with(parser, name, ctype, attachment.data)
                except ReportError as error:
                    reports.append(ReadReport(index, parser.name, None, str(error),
                                              error.reason))
                    if isinstance(error, BudgetExceeded):
                        break
                    continue
                reports.append(ReadReport(index, parser.name, report))
                break
    return ParsedMail(mail, tuple(reports), seconds=time.monotonic() - started)


def parse_each(raws: Sequence[bytes], settings: ParseSettings,
               parse: Callable[[bytes, ParseSettings], ParsedMail] = parse_raw,
               ) -> list[ParsedMail | Exception]:
    """Every mail parsed in this process, in order; a parse that raises gives its error in
    the mail's place (the pipeline quarantines that mail alone). Only the budget's rows,
    cells and depth hold here: its seconds need the pool (:mod:`service.intake.pool`)."""
    out: list[ParsedMail | Exception] = []
    for raw in raws:
        try:
            out.append(parse(raw, settings))
        except Exception as error:
            out.append(error)
    return out

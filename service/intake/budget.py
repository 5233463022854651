"""How much work one mail may cost to parse (its parse budget), and the meter that holds a
parse to it.

A mail within the size limits can still be slow to read: a workbook with hundreds of
thousands of cells, MIME nested hundreds of levels deep. Each mail gets a
:class:`ParseBudget`: the rows and cells its report readers may read (counted by
:func:`count_rows` from inside the XLSX and CSV readers, for every attachment of the mail
together), how deep its MIME tree may nest (multiparts and forwarded messages together, see
:mod:`service.intake.attachments`), and the seconds its parse may take in all, which the pool
of parse workers (:mod:`service.intake.pool`) holds it to. A mail over its budget is
quarantined as ``parse_budget_exceeded``; its raw bytes stay stored.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import TypeVar

from service.plugins.reports import ReportError
from service.vocabulary import format_number

__all__ = ["OVER_BUDGET", "BudgetExceeded", "Meter", "ParseBudget", "count_rows",
           "metered", "too_deep", "too_slow"]

T = TypeVar("T")

#: the reason code of a mail over its parse budget
OVER_BUDGET = "parse_budget_exceeded"


@dataclass(frozen=True)
class ParseBudget:
    """What parsing one mail may cost (``MRP_INTAKE_MAX_CELLS``, ``MRP_INTAKE_MAX_ROWS``,
    ``MRP_INTAKE_MAX_DEPTH``, ``MRP_INTAKE_PARSE_SECONDS``)."""

    max_cells: int = 50_000
    max_rows: int = 10_000
    max_depth: int = 10
    seconds: float = 5.0


DEFAULT_BUDGET = ParseBudget()


class BudgetExceeded(ReportError):
    """A mail's parse went over its budget; the message says which part, in Danish."""

    def __init__(self, message: str) -> None:
        super().__init__(message, reason=OVER_BUDGET)

    def __reduce__(self) -> tuple[type[BudgetExceeded], tuple[str]]:
        return type(self), (str(self),)


class Meter:
    """The rows and cells read so far of one mail's reports."""

    def __init__(self, budget: ParseBudget) -> None:
        self.budget = budget
        self.rows = 0
        self.cells = 0

    def add(self, cells: int) -> None:
        """Count one row of ``cells`` cells; raise :class:`BudgetExceeded` past the budget."""
        self.rows += 1
        self.cells += cells
        budget = self.budget
        if self.rows > budget.max_rows:
            raise BudgetExceeded(
                f"Rapporten er for tung at læse: den har mere end "
                f"{format_number(budget.max_rows)} rækker. En opfølgning har én række pr. "
                "mål; send kun arket med målene.")
        if self.cells > budget.max_cells:
            raise BudgetExceeded(
                f"Rapporten er for tung at læse: den har mere end "
                f"{format_number(budget.max_cells)} celler. Send kun arket med målene, uden "
                "andre ark og kolonner.")


_METER: ContextVar[Meter | None] = ContextVar("mrp_parse_meter", default=None)


@contextmanager
def metered(budget: ParseBudget) -> Iterator[Meter]:
    """Within this block, the report readers count what they read against ``budget``."""
    meter = Meter(budget)
    token = _METER.set(meter)
    try:
        yield meter
    finally:
        _METER.reset(token)


def count_rows(rows: Iterator[tuple[int, Sequence[T]]], *, blank: object = ""
               ) -> Iterator[tuple[int, Sequence[T]]]:
    """``rows`` (``(number, cells)``), each counted by the meter of the mail being parsed, if
    any (a report parsed outside a mail's parse is held to the report limits alone): every
    row, and its cells that are not ``blank`` (a spreadsheet's rows come padded with None)."""
    meter = _METER.get()
    if meter is None:
        yield from rows
        return
    for number, cells in rows:
        meter.add(len(cells) - sum(1 for cell in cells if cell is blank or cell == blank))
        yield number, cells


def too_deep(budget: ParseBudget) -> str:
    return (f"Mailen er indlejret for dybt: mere end {budget.max_depth} niveauer af dele og "
            "videresendte mails. Send rapporten vedhæftet direkte i en ny mail.")


def too_slow(budget: ParseBudget) -> str:
    return (f"Mailen tog mere end {format_number(budget.seconds)} sekunder at læse og er "
            "opgivet. Send rapporten i skabelonen, kun med arket med målene.")

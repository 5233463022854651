"""The parse budget's counters, where the readers keep them: rows and cells of every
attachment of a mail together, MIME nesting in the walker; and the parsing stage as a pure
function of the raw bytes."""

from __future__ import annotations

import pickle

import pytest

from service.intake.budget import BudgetExceeded, ParseBudget, metered
from service.intake.parse import ParseSettings, parse_raw
from service.intake.reports import CsvParser, XlsxParser
from tests.intake.pipeline.heavy import huge_workbook, nested_mail


def _csv(rows: int, width: int = 3) -> bytes:
    head = "Mål-ID;Status;Kommentar\r\nM1;På rette spor;ok\r\n"
    note = ";;" + ";".join(["x"] * width) + "\r\n"
    return (head + note * rows).encode()


def test_csv_rows_and_cells_are_counted_against_the_mail_s_budget() -> None:
    data = _csv(3_000)
    assert CsvParser().parse(data, "r.csv").rows[0].goal == "M1"  # outside a mail: no budget
    with metered(ParseBudget(max_rows=1_000)), pytest.raises(BudgetExceeded,
                                                           match=r"mere end 1\.000 rækker"):
        CsvParser().parse(data, "r.csv")
    with metered(ParseBudget(max_cells=5_000)), pytest.raises(BudgetExceeded,
                                                            match=r"mere end 5\.000 celler"):
        CsvParser().parse(data, "r.csv")
    # blank cells are not counted: 3 000 rows of three notes are 9 000 cells, not 15 000
    with metered(ParseBudget(max_cells=9_100)):
        CsvParser().parse(data, "r.csv")


def test_a_workbook_s_cells_are_counted_without_its_padding() -> None:
    data = huge_workbook(rows=2_000, columns=5)  # 10 000 numbers, padded to 60 columns
    with metered(ParseBudget(max_cells=10_100)):
        assert len(XlsxParser().parse(data, "r.xlsx").rows) == 3
    with metered(ParseBudget(max_cells=9_000)), pytest.raises(BudgetExceeded):
        XlsxParser().parse(data, "r.xlsx")


def test_the_depth_is_the_budget_s() -> None:
    raw = nested_mail(14)
    shallow = parse_raw(raw, ParseSettings())
    assert shallow.mail is not None and shallow.mail.too_deep and shallow.reports == ()
    deep = parse_raw(raw, ParseSettings(budget=ParseBudget(max_depth=20)))
    assert deep.mail is not None and not deep.mail.too_deep
    assert [(r.parser, r.report.plan) for r in deep.reports if r.report] == [
        ("json", "DST-2026")]


def test_the_parsed_mail_and_an_over_budget_report_travel_between_processes() -> None:
    from tests.intake.pipeline.heavy import huge_workbook_mail

    parsed = parse_raw(huge_workbook_mail(rows=3_000),
                       ParseSettings(budget=ParseBudget(max_cells=10_000)))
    assert pickle.loads(pickle.dumps(parsed)) == parsed
    [read] = parsed.reports
    assert read.reason == "parse_budget_exceeded"
    with pytest.raises(BudgetExceeded):
        read.result()
    error = pickle.loads(pickle.dumps(BudgetExceeded("for meget")))
    assert (type(error), error.reason, str(error)) == (
        BudgetExceeded, "parse_budget_exceeded", "for meget")

"""Numbers as the service writes them: one Danish notation, in the vocabulary."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from service.exports.sheets import csv_number
from service.vocabulary import format_number, parse_number
from service.web.labels import format_number as number_filter

SERVICE = Path(__file__).resolve().parents[2] / "service"


@pytest.mark.parametrize(
    ("value", "text"),
    [(41, "41"), (41.0, "41"), (93.5, "93,5"), (3.25, "3,25"), (1234.5, "1.234,5"),
     (12000, "12.000"), (1234.567, "1.234,57"), (1.001, "1"), (-0.001, "0"), (-2.5, "-2,5"),
     (float("nan"), "nan"), (float("inf"), "inf")],
)
def test_danish_notation(value, text):
    assert format_number(value) == text


def test_every_digit_without_grouping_for_cells():
    assert format_number(1234.5678, decimals=None, grouping=False) == "1234,5678"
    assert format_number(1e20, decimals=None, grouping=False) == "100000000000000000000"
    assert format_number(35.0, decimals=None, grouping=False) == "35"
    assert csv_number(1234.5678) == "1234,5678"


def test_fewer_decimals():
    assert format_number(10.0, decimals=1) == "10"
    assert format_number(10.26, decimals=1) == "10,3"


@pytest.mark.parametrize("value", [0.5, 93.5, 1234.5, 1_234_567, 1_234_567.25, -7.75])
def test_what_is_written_reads_back(value):
    assert parse_number(format_number(value)) == value


def test_the_dashboard_filter_writes_a_dash_for_no_value():
    assert number_filter(None) == "–"
    assert number_filter(1234.5) == "1.234,5"


def test_no_other_module_swaps_decimal_points():
    swap = re.compile(r"""replace\(\s*["']\.["']\s*,\s*["'],["']\s*\)|maketrans\(\s*["'],\.""")
    others = [
        str(path.relative_to(SERVICE))
        for path in SERVICE.rglob("*.py")
        if path.relative_to(SERVICE).as_posix() != "vocabulary/__init__.py"
        and swap.search(path.read_text(encoding="utf-8"))
    ]
    assert others == []

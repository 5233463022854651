"""Numbers as reports write them."""

from __future__ import annotations

import pytest

from service.vocabulary import parse_number


@pytest.mark.parametrize(
    ("raw", "expected"),
    [("93,5", 93.5), ("1.234,5", 1234.5), ("1,234.5", 1234.5), ("50 %", 50.0), (7, 7.0),
     ("\u00a012\u00a0000", 12000.0), ("abc", None), ("", None), (None, None), (True, None)],
)
def test_danish_and_english_numbers(raw, expected):
    assert parse_number(raw) == expected


@pytest.mark.parametrize("raw", [10**400, "1" * 400, float("nan"), float("inf"), "1e400"])
def test_numbers_that_are_not_finite_are_not_numbers(raw):
    assert parse_number(raw) is None

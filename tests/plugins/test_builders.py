"""Building follow-up views from raw report rows."""

from __future__ import annotations

from datetime import UTC, datetime

from service.plugins.builders import followup_from_rows
from service.plugins.reports import ReportRow


def test_rows_are_normalized() -> None:
    view = followup_from_rows(
        plan="DST-2026",
        period="1. halvår 2026",
        rows=[
            ReportRow(
                goal=" M1 ", status="GRØN", value="1.234,5", progress="50 %", comment="  ", row=4
            ),
            {"goal": "M2", "status": "lilla", "value": "ca. 3", "progress": ""},
        ],
        received_at=datetime(2026, 7, 1, tzinfo=UTC),
        channel="email",
    )
    first, second = view.goals
    assert (first.goal, first.status, first.status_raw) == ("M1", "on_track", "GRØN")
    assert (first.value, first.progress, first.comment, first.row) == (1234.5, 50.0, None, 4)
    assert (second.status, second.status_raw, second.value, second.value_raw) == (
        None,
        "lilla",
        None,
        "ca. 3",
    )
    assert (second.progress, second.progress_raw, second.row) == (None, None, 2)
    assert str(view.parsed_period) == "2026-H1"

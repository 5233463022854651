"""Versioned targets (DESIGN section 13): computed status uses the target valid at the end of
the reported period, case by case."""

from __future__ import annotations

from datetime import date

import pytest

from service.domain.status import compute_status, target_at
from service.plugins.views import GoalView, IndicatorView, TargetVersion
from service.vocabulary import Period

H2_2025 = Period(2025, "H", 2)
H1_2026, H2_2026 = Period(2026, "H", 1), Period(2026, "H", 2)
Q3_2026 = Period(2026, "Q", 3)


def versions(*items: tuple[float, date]) -> tuple[TargetVersion, ...]:
    return tuple(TargetVersion(target=t, valid_from=d, change_request=i or None)
                 for i, (t, d) in enumerate(items))


#: 42 dage (end of 2024) → 30 dage, changed to 24 dage from 1 July 2026 (deadline end 2026)
CHANGED = versions((30, date(2025, 1, 1)), (24, date(2026, 7, 1)))


def goal(history: tuple[TargetVersion, ...]) -> GoalView:
    current = history[-1].target if history else 30
    return GoalView(
        code="M1", title="Mål", task_type="operations", goal_type="output",
        nature="quantitative", deadline=date(2026, 12, 31),
        indicators=(IndicatorView(name="Sagsbehandlingstid", unit="dage", baseline=42,
                                  baseline_year=2024, target=current, direction="decrease",
                                  target_history=history),),
    )


CASES = [
    # (case, history, period, measured, status, expected value, words in the basis)
    ("before the change: the old target", CHANGED, H2_2025, 35, "on_track", 36,
     "på vej mod 30 dage i december 2026"),
    ("the half-year the change falls after", CHANGED, H1_2026, 33, "on_track", 33.024658,
     "på vej mod 30 dage"),
    ("the quarter after the change: the new target", CHANGED, Q3_2026, 26, "on_track",
     26.268493, "på vej mod 24 dage"),
    ("the same measurement against the old target would be ahead of it", CHANGED, Q3_2026,
     31, "off_track", 26.268493, "på vej mod 24 dage"),
    ("at the deadline the new target decides: not met", CHANGED, H2_2026, 28, "not_achieved",
     24, "Målet på 24 dage i december 2026 er ikke nået."),
    ("at the deadline the new target decides: met", CHANGED, H2_2026, 24, "achieved", 24,
     "Målet på 24 dage i december 2026 er nået."),
    ("no history: the one target", (), H2_2026, 28, "achieved", 30,
     "Målet på 30 dage i december 2026 er nået."),
    ("a change valid from the period's last day counts",
     versions((30, date(2025, 1, 1)), (24, date(2026, 12, 31))), H2_2026, 28, "not_achieved",
     24, "24 dage"),
    ("a change valid from the day after does not",
     versions((30, date(2025, 1, 1)), (24, date(2027, 1, 1))), H2_2026, 28, "achieved", 30,
     "30 dage"),
]


@pytest.mark.parametrize(("history", "period", "measured", "status", "expected", "words"),
                         [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_computed_status_uses_the_target_valid_at_the_period_end(history, period, measured,
                                                                 status, expected, words):
    computed = compute_status(goal(history), period, measured)
    assert computed.status == status
    assert computed.expected_value == pytest.approx(expected)
    assert words in computed.basis


@pytest.mark.parametrize(("day", "target"), [
    (date(2024, 6, 1), 30),  # before the first: the first
    (date(2025, 1, 1), 30),
    (date(2026, 6, 30), 30),
    (date(2026, 7, 1), 24),
    (date(2030, 1, 1), 24),
])
def test_target_at(day, target):
    assert target_at(goal(CHANGED).indicators[0], day) == target

"""The computed status (DESIGN section 12), case by case, with the Danish sentence that
explains it."""

from __future__ import annotations

from datetime import date

import pytest

from service.domain.status import ComputedStatus, Thresholds, compute_status
from service.plugins.views import GoalView, IndicatorView, MilestoneView
from service.vocabulary import Period

H1_2025, H2_2025 = Period(2025, "H", 1), Period(2025, "H", 2)
H1_2026, H2_2026 = Period(2026, "H", 1), Period(2026, "H", 2)


def goal(direction: str | None = "decrease", baseline: float | None = 42,
         year: int | None = 2024, target: float | None = 30, unit: str | None = "dage",
         deadline: date | None = date(2026, 12, 31), nature: str = "quantitative",
         task_type: str = "operations", milestones: tuple[MilestoneView, ...] = (),
         indicators: bool = True, status: str = "active") -> GoalView:
    return GoalView(
        code="M1", title="Mål", task_type=task_type, goal_type="output", nature=nature,
        deadline=deadline, status=status, milestones=milestones,
        indicators=(IndicatorView(name="Indikator", unit=unit, baseline=baseline,
                                  baseline_year=year, target=target, direction=direction),)
        if indicators else (),
    )


DECREASE = goal()  # 42 dage (end of 2024) → 30 dage (end of 2026): 36 expected end of 2025
INCREASE = goal("increase", baseline=50, target=80, unit="%")  # 65 % expected end of 2025
MAINTAIN = goal("maintain", baseline=None, year=None, target=95, unit="%")
LATE_START = goal(year=2025)  # the line starts at the end of 2025


def milestones(*items: tuple[str, date, bool]) -> GoalView:
    return goal(nature="qualitative", task_type="project", indicators=False,
                milestones=tuple(MilestoneView(title=t, due_date=d, done=done)
                                 for t, d, done in items))


CASES = [
    # decrease, on the line from (31 December 2024, 42) to (31 December 2026, 30)
    ("decrease ahead", DECREASE, H2_2025, 35, "on_track", 36,
     "Målt 35 dage. Forventet 36 dage ved udgangen af 2. halvår 2025 på vej mod 30 dage i "
     "december 2026. Det er 117 % af den forventede fremdrift."),
    ("decrease at 95 %", DECREASE, H2_2025, 36.3, "on_track", 36,
     "Målt 36,3 dage. Forventet 36 dage ved udgangen af 2. halvår 2025 på vej mod 30 dage i "
     "december 2026. Det er 95 % af den forventede fremdrift."),
    ("decrease at 85 %", DECREASE, H2_2025, 36.9, "at_risk", 36,
     "Målt 36,9 dage. Forventet 36 dage ved udgangen af 2. halvår 2025 på vej mod 30 dage i "
     "december 2026. Det er 85 % af den forventede fremdrift."),
    ("decrease below 85 %", DECREASE, H2_2025, 37, "off_track", 36,
     "Målt 37 dage. Forventet 36 dage ved udgangen af 2. halvår 2025 på vej mod 30 dage i "
     "december 2026. Det er 83 % af den forventede fremdrift."),
    ("decrease the wrong way", DECREASE, H2_2025, 43, "off_track", 36,
     "Målt 43 dage. Forventet 36 dage ved udgangen af 2. halvår 2025 på vej mod 30 dage i "
     "december 2026. Det er -17 % af den forventede fremdrift."),
    ("decrease mid-half-year", DECREASE, H1_2025, 39, "on_track", 39.024658,
     "Målt 39 dage. Forventet 39,02 dage ved udgangen af 1. halvår 2025 på vej mod 30 dage i "
     "december 2026. Det er 101 % af den forventede fremdrift."),
    # increase from (31 December 2024, 50 %) to (31 December 2026, 80 %)
    ("increase on track", INCREASE, H2_2025, 66, "on_track", 65,
     "Målt 66 %. Forventet 65 % ved udgangen af 2. halvår 2025 på vej mod 80 % i december "
     "2026. Det er 107 % af den forventede fremdrift."),
    ("increase at risk", INCREASE, H2_2025, 64, "at_risk", 65,
     "Målt 64 %. Forventet 65 % ved udgangen af 2. halvår 2025 på vej mod 80 % i december "
     "2026. Det er 93 % af den forventede fremdrift."),
    ("increase off track", INCREASE, H2_2025, 55, "off_track", 65,
     "Målt 55 %. Forventet 65 % ved udgangen af 2. halvår 2025 på vej mod 80 % i december "
     "2026. Det er 33 % af den forventede fremdrift."),
    ("a yearly period", INCREASE, Period(2025, "Y", 1), 66, "on_track", 65,
     "Målt 66 %. Forventet 65 % ved udgangen af 2025 på vej mod 80 % i december 2026. Det er "
     "107 % af den forventede fremdrift."),
    # before the line starts: no progress expected yet (clamped to the baseline)
    ("before the line, as the baseline", LATE_START, H1_2025, 42, "on_track", 42,
     "Målt 42 dage. Forventet 42 dage ved udgangen af 1. halvår 2025 på vej mod 30 dage i "
     "december 2026. Der er endnu ikke forventet fremdrift, og målingen er ikke dårligere end "
     "udgangspunktet 42 dage."),
    ("before the line, better", LATE_START, H1_2025, 40, "on_track", 42,
     "Målt 40 dage. Forventet 42 dage ved udgangen af 1. halvår 2025 på vej mod 30 dage i "
     "december 2026. Der er endnu ikke forventet fremdrift, og målingen er ikke dårligere end "
     "udgangspunktet 42 dage."),
    ("before the line, worse", LATE_START, H1_2025, 43, "off_track", 42,
     "Målt 43 dage. Forventet 42 dage ved udgangen af 1. halvår 2025 på vej mod 30 dage i "
     "december 2026. Målingen er dårligere end udgangspunktet 42 dage."),
    # at and past the deadline (clamped to the target)
    ("decrease achieved at the deadline", DECREASE, H2_2026, 30, "achieved", 30,
     "Målt 30 dage. Målet på 30 dage i december 2026 er nået."),
    ("decrease not achieved at the deadline", DECREASE, H2_2026, 31, "not_achieved", 30,
     "Målt 31 dage. Målet på 30 dage i december 2026 er ikke nået."),
    ("increase achieved after the deadline", INCREASE, Period(2027, "H", 1), 81.5, "achieved",
     80, "Målt 81,5 %. Målet på 80 % i december 2026 er nået."),
    ("increase not achieved after the deadline", INCREASE, Period(2027, "Q", 1), 79,
     "not_achieved", 80, "Målt 79 %. Målet på 80 % i december 2026 er ikke nået."),
    # maintain 95 % with the default tolerance of 5 % of the target (4,75)
    ("maintain within the tolerance", MAINTAIN, H1_2026, 97, "on_track", 95,
     "Målt 97 %. Målet er at fastholde 95 % til december 2026 med en tolerance på 4,75 %; "
     "afvigelsen er 2 %, inden for tolerancen."),
    ("maintain within twice the tolerance", MAINTAIN, H1_2026, 90, "at_risk", 95,
     "Målt 90 %. Målet er at fastholde 95 % til december 2026 med en tolerance på 4,75 %; "
     "afvigelsen er 5 %, inden for det dobbelte af tolerancen."),
    ("maintain outside twice the tolerance", MAINTAIN, H1_2026, 85, "off_track", 95,
     "Målt 85 %. Målet er at fastholde 95 % til december 2026 med en tolerance på 4,75 %; "
     "afvigelsen er 10 %, mere end det dobbelte af tolerancen."),
    ("maintain achieved at the deadline", MAINTAIN, H2_2026, 93, "achieved", 95,
     "Målt 93 %. Målet er at fastholde 95 % til december 2026 med en tolerance på 4,75 %; "
     "afvigelsen er 2 %, så målet er nået."),
    ("maintain not achieved at the deadline", MAINTAIN, H2_2026, 89, "not_achieved", 95,
     "Målt 89 %. Målet er at fastholde 95 % til december 2026 med en tolerance på 4,75 %; "
     "afvigelsen er 6 %, så målet er ikke nået."),
    # milestones of a project goal without an indicator, due by 30 June 2026
    ("milestones all done", milestones(("Analyse", date(2026, 1, 31), True),
                                       ("Udbud", date(2026, 6, 30), True),
                                       ("Lancering", date(2026, 12, 1), False)),
     H1_2026, None, "on_track", None,
     "Alle 2 milepæle med frist senest 30. juni 2026 er nået."),
    ("the one milestone done", milestones(("Analyse", date(2026, 1, 31), True)),
     H1_2026, None, "on_track", None, "Milepælen med frist senest 30. juni 2026 er nået."),
    ("one milestone not done", milestones(("Analyse", date(2026, 1, 31), True),
                                          ("Udbud", date(2026, 3, 1), False),
                                          ("Kontrakt", date(2026, 5, 1), True)),
     H1_2026, None, "at_risk", None,
     "1 af 3 milepæle med frist senest 30. juni 2026 er ikke nået: »Udbud« (frist 1. marts "
     "2026)."),
    ("more milestones not done", milestones(("Analyse", date(2026, 1, 31), False),
                                            ("Udbud", date(2026, 3, 1), False),
                                            ("Kontrakt", date(2026, 5, 1), True)),
     H1_2026, None, "off_track", None,
     "2 af 3 milepæle med frist senest 30. juni 2026 er ikke nået: »Analyse« (frist 31. "
     "januar 2026) og »Udbud« (frist 1. marts 2026)."),
    ("no milestone due yet", milestones(("Lancering", date(2026, 12, 1), False)),
     H1_2026, None, None, None,
     "Ingen af målets milepæle har frist senest 30. juni 2026, så status kan ikke beregnes "
     "endnu."),
    ("a project goal with neither", milestones(), H1_2026, None, None, None,
     "Status kan ikke beregnes: projektmålet har hverken en fuldstændig indikator eller "
     "milepæle."),
    # nothing computed
    ("qualitative", goal(nature="qualitative"), H1_2026, 35, None, None,
     "Målet er kvalitativt, så status beregnes ikke: kun den indberettede status gælder."),
    ("no measured value", DECREASE, H1_2026, None, None, None,
     "Status kan ikke beregnes: der er ikke angivet en målt værdi."),
    ("no baseline", goal(baseline=None, year=None), H1_2026, 35, None, None,
     "Status kan ikke beregnes: indikatoren mangler udgangspunkt og udgangspunktets år."),
    ("no direction", goal(direction=None, target=None), H1_2026, 35, None, None,
     "Status kan ikke beregnes: indikatoren mangler retning og målværdi."),
    ("no indicator", goal(indicators=False), H1_2026, 35, None, None,
     "Status kan ikke beregnes: målet har ingen indikator."),
    ("no deadline", goal(deadline=None), H1_2026, 35, None, None,
     "Status kan ikke beregnes: målet har ingen frist."),
    ("no period", DECREASE, None, 35, None, None,
     "Status kan ikke beregnes: perioden er ukendt."),
    ("withdrawn", goal(status="withdrawn"), H1_2026, 35, None, None,
     "Målet er udgået, så status beregnes ikke."),
]


@pytest.mark.parametrize(("case", "goal_view", "period", "measured", "status", "expected",
                          "basis"), CASES, ids=[c[0] for c in CASES])
def test_computed_status(case, goal_view, period, measured, status, expected, basis):
    result = compute_status(goal_view, period, measured)
    assert result == ComputedStatus(status, result.expected_value, basis)
    if expected is None:
        assert result.expected_value is None
    else:
        assert result.expected_value == pytest.approx(expected)


def test_the_issue_example_sentence():
    # 42 → 30 dage from the end of 2025 to December 2026: about 36 expected by the end of June
    view = goal(baseline=42, year=2025, target=30, deadline=date(2026, 12, 31))
    result = compute_status(view, Period(2026, "H", 1), 35)
    assert result.basis == ("Målt 35 dage. Forventet 36,05 dage ved udgangen af 1. halvår 2026 "
                            "på vej mod 30 dage i december 2026. Det er 118 % af den "
                            "forventede fremdrift.")
    assert result.status == "on_track"


THRESHOLD_CASES = [
    ("custom on track", Thresholds(0.9, 0.8, 0.05), INCREASE, H2_2025, 64, "on_track",
     "Det er 93 % af den forventede fremdrift."),
    ("custom at risk", Thresholds(0.9, 0.8, 0.05), INCREASE, H2_2025, 62, "at_risk",
     "Det er 80 % af den forventede fremdrift."),
    ("custom off track", Thresholds(0.9, 0.8, 0.05), INCREASE, H2_2025, 61, "off_track",
     "Det er 73 % af den forventede fremdrift."),
    ("strict on track", Thresholds(1.2, 1.0, 0.05), DECREASE, H2_2025, 35, "at_risk",
     "Det er 117 % af den forventede fremdrift."),
    ("narrow tolerance", Thresholds(0.95, 0.85, 0.01), MAINTAIN, H1_2026, 97, "off_track",
     "tolerance på 0,95 %; afvigelsen er 2 %, mere end det dobbelte af tolerancen."),
    ("wide tolerance", Thresholds(0.95, 0.85, 0.1), MAINTAIN, H1_2026, 90, "on_track",
     "tolerance på 9,5 %; afvigelsen er 5 %, inden for tolerancen."),
]


@pytest.mark.parametrize(("case", "thresholds", "goal_view", "period", "measured", "status",
                          "ending"), THRESHOLD_CASES, ids=[c[0] for c in THRESHOLD_CASES])
def test_a_ministrys_thresholds(case, thresholds, goal_view, period, measured, status, ending):
    result = compute_status(goal_view, period, measured, thresholds)
    assert result.status == status
    assert result.basis.endswith(ending)

"""Computed status (DESIGN section 12): a goal's status in a period worked out from its
indicator or its milestones, beside the status the institution reported.

Pure: takes the plugins' read-only views of the goal, the period, the measured value and the
thresholds, and returns the computed status, the expected value and a Danish sentence with
the numbers that explains it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date
from typing import Any, TypeVar

from service.plugins.views import GoalView, IndicatorView, MilestoneView
from service.vocabulary import MONTHS, Period, date_words, format_number, period_words

#: an indicator: the plugins' view or the model, read by the same attributes
_I = TypeVar("_I")

#: tolerance of float arithmetic when a ratio is compared with a threshold
_EPSILON = 1e-9

@dataclass(frozen=True, slots=True)
class Thresholds:
    """When a goal is on track: attainment (measured progress ÷ expected progress) from
    ``on_track``; at risk from ``at_risk``; a ``maintain`` goal within ``maintain_tolerance``
    of its target (a share of the target)."""

    on_track: float = 0.95
    at_risk: float = 0.85
    maintain_tolerance: float = 0.05


DEFAULT_THRESHOLDS = Thresholds()


@dataclass(frozen=True, slots=True)
class ComputedStatus:
    status: str | None
    expected_value: float | None
    basis: str | None


def _num(value: float) -> str:
    return format_number(value)


def _amount(value: float, unit: str | None) -> str:
    """``35 dage``, ``93,5 %``, ``12`` (no unit)."""
    text = _num(value)
    return f"{text} {unit.strip()}" if unit and unit.strip() else text


def _period_end_words(period: Period) -> str:
    return str(period.year) if period.kind == "Y" else period_words(period)


def _month(day: date) -> str:
    return f"{MONTHS[day.month - 1]} {day.year}"


def _percent(ratio: float) -> str:
    return f"{format_number(ratio * 100, decimals=0)} %"


def _complete(indicator: IndicatorView | Any) -> bool:
    if indicator.direction == "maintain":
        return indicator.target is not None
    return (indicator.direction in ("increase", "decrease") and indicator.baseline is not None
            and indicator.baseline_year is not None and indicator.target is not None)


def measured_indicator(indicators: Sequence[_I]) -> _I | None:
    """The indicator a goal's measured value is read against: its first one with what the
    computed status needs (direction, target and, but to maintain, baseline and its year)."""
    return next((i for i in indicators if _complete(i)), None)


def expected_path(
    baseline: float | None, baseline_year: int | None, target: float | None,
    deadline: date | None,
) -> tuple[tuple[date, float], tuple[date, float]] | None:
    """The straight line the expected value lies on: from (31 December of the baseline
    year, baseline) to (the deadline, target); None when one of them is missing."""
    if baseline is None or baseline_year is None or target is None or deadline is None:
        return None
    return (date(baseline_year, 12, 31), baseline), (deadline, target)


def _missing(indicator: IndicatorView) -> list[str]:
    words = []
    if indicator.direction not in ("increase", "decrease", "maintain"):
        words.append("retning")
    if indicator.direction != "maintain":
        if indicator.baseline is None:
            words.append("udgangspunkt")
        if indicator.baseline_year is None:
            words.append("udgangspunktets år")
    if indicator.target is None:
        words.append("målværdi")
    return words


def _and(words: list[str]) -> str:
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " og " + words[-1]


def compute_status(
    goal: GoalView,
    period: Period | None,
    measured: float | None,
    thresholds: Thresholds = DEFAULT_THRESHOLDS,
) -> ComputedStatus:
    """The computed status of ``goal`` at the end of ``period`` with the ``measured`` value
    the report gave (None: none given)."""
    if period is None:
        return ComputedStatus(None, None, "Status kan ikke beregnes: perioden er ukendt.")
    if goal.status == "withdrawn":
        return ComputedStatus(None, None, "Målet er udgået, så status beregnes ikke.")
    goal = _targets_at(goal, period.end)
    indicator = measured_indicator(goal.indicators)
    if goal.nature == "quantitative" and indicator is not None:
        return _from_indicator(goal, indicator, period, measured, thresholds)
    if goal.task_type == "project":
        return _from_milestones(goal.milestones, period)
    if goal.nature == "qualitative":
        return ComputedStatus(None, None, "Målet er kvalitativt, så status beregnes ikke: "
                                          "kun den indberettede status gælder.")
    if not goal.indicators:
        return ComputedStatus(None, None, "Status kan ikke beregnes: målet har ingen "
                                          "indikator.")
    return ComputedStatus(None, None, "Status kan ikke beregnes: indikatoren mangler "
                                      f"{_and(_missing(goal.indicators[0]))}.")


def target_at(indicator: IndicatorView, day: date) -> float | None:
    """The indicator's target valid on ``day`` (DESIGN section 13): the latest of its
    targets valid from that day or before; before the first, the first."""
    if not indicator.target_history:
        return indicator.target
    valid = [v for v in indicator.target_history if v.valid_from <= day]
    return (valid[-1] if valid else indicator.target_history[0]).target


def _targets_at(goal: GoalView, day: date) -> GoalView:
    """``goal`` with each indicator's target the one valid on ``day``."""
    if not any(i.target_history for i in goal.indicators):
        return goal
    return replace(goal, indicators=tuple(replace(i, target=target_at(i, day))
                                          for i in goal.indicators))


def _from_indicator(
    goal: GoalView, indicator: IndicatorView, period: Period, measured: float | None,
    thresholds: Thresholds,
) -> ComputedStatus:
    unit = indicator.unit
    target = indicator.target
    assert target is not None
    if goal.deadline is None:
        return ComputedStatus(None, None, "Status kan ikke beregnes: målet har ingen frist.")
    if measured is None:
        return ComputedStatus(None, None, "Status kan ikke beregnes: der er ikke angivet en "
                                          "målt værdi.")
    end = period.end
    deadline = goal.deadline
    target_words = f"{_amount(target, unit)} i {_month(deadline)}"
    head = f"Målt {_amount(measured, unit)}."
    if indicator.direction == "maintain":
        return _maintain(head, measured, target, unit, period, deadline, thresholds)
    baseline, year = indicator.baseline, indicator.baseline_year
    assert baseline is not None and year is not None
    increase = indicator.direction == "increase"
    if end >= deadline:
        met = measured >= target - _EPSILON if increase else measured <= target + _EPSILON
        return ComputedStatus(
            "achieved" if met else "not_achieved", target,
            f"{head} Målet på {target_words} er {'nået' if met else 'ikke nået'}.",
        )
    start = date(year, 12, 31)
    span = (deadline - start).days
    share = 1.0 if span <= 0 else min(1.0, max(0.0, (end - start).days / span))
    expected = round(baseline + share * (target - baseline), 6)
    text = (f"{head} Forventet {_amount(expected, unit)} ved udgangen af "
            f"{_period_end_words(period)} på vej mod {target_words}.")
    progress = expected - baseline
    if abs(progress) <= _EPSILON:
        worse = measured < baseline - _EPSILON if increase else measured > baseline + _EPSILON
        if worse:
            return ComputedStatus("off_track", expected,
                                  f"{text} Målingen er dårligere end udgangspunktet "
                                  f"{_amount(baseline, unit)}.")
        return ComputedStatus("on_track", expected,
                              f"{text} Der er endnu ikke forventet fremdrift, og målingen er "
                              f"ikke dårligere end udgangspunktet {_amount(baseline, unit)}.")
    attainment = (measured - baseline) / progress
    if attainment >= thresholds.on_track - _EPSILON:
        status = "on_track"
    elif attainment >= thresholds.at_risk - _EPSILON:
        status = "at_risk"
    else:
        status = "off_track"
    return ComputedStatus(
        status, expected, f"{text} Det er {_percent(attainment)} af den forventede fremdrift."
    )


def _maintain(
    head: str, measured: float, target: float, unit: str | None, period: Period,
    deadline: date, thresholds: Thresholds,
) -> ComputedStatus:
    tolerance = abs(target) * thresholds.maintain_tolerance
    deviation = abs(measured - target)
    text = (f"{head} Målet er at fastholde {_amount(target, unit)} til {_month(deadline)} med "
            f"en tolerance på {_amount(tolerance, unit)}; afvigelsen er "
            f"{_amount(deviation, unit)}")
    if period.end >= deadline:
        within = deviation <= tolerance + _EPSILON
        return ComputedStatus(
            "achieved" if within else "not_achieved", target,
            f"{text}, så målet er {'nået' if within else 'ikke nået'}.",
        )
    if deviation <= tolerance + _EPSILON:
        return ComputedStatus("on_track", target, f"{text}, inden for tolerancen.")
    if deviation <= 2 * tolerance + _EPSILON:
        return ComputedStatus("at_risk", target,
                              f"{text}, inden for det dobbelte af tolerancen.")
    return ComputedStatus("off_track", target,
                          f"{text}, mere end det dobbelte af tolerancen.")


def _from_milestones(milestones: tuple[MilestoneView, ...], period: Period) -> ComputedStatus:
    end = period.end
    if not milestones:
        return ComputedStatus(None, None, "Status kan ikke beregnes: projektmålet har hverken "
                                          "en fuldstændig indikator eller milepæle.")
    due = [m for m in milestones if m.due_date is not None and m.due_date <= end]
    by = date_words(end)
    if not due:
        return ComputedStatus(None, None, f"Ingen af målets milepæle har frist senest {by}, "
                                          "så status kan ikke beregnes endnu.")
    late = [m for m in due if not m.done]
    if not late:
        count = "Milepælen" if len(due) == 1 else f"Alle {len(due)} milepæle"
        return ComputedStatus("on_track", None, f"{count} med frist senest {by} er nået.")
    names = _and([f"»{m.title}« (frist {date_words(m.due_date)})"  # type: ignore[arg-type]
                  for m in late])
    noun = "milepæl" if len(due) == 1 else "milepæle"
    return ComputedStatus(
        "at_risk" if len(late) == 1 else "off_track", None,
        f"{len(late)} af {len(due)} {noun} med frist senest {by} er ikke nået: {names}.",
    )


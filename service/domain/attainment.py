"""A plan's attainment (målopfyldelse) for a year, where its ministry weighs goals: each
weighted goal earns its points times a score for its final status in the year, and the
attainment is the points earned as a share of the points of the goals that have a status.

The score of a status (DESIGN section 2's statuses; the computed status of the goal's final
report row when there is one, else the reported status):

- ``achieved`` (Opfyldt) and ``on_track`` (På rette spor): 1, the goal's full points;
- ``partially_achieved`` (Delvist opfyldt) and ``at_risk`` (Udfordret): the ministry's
  ``partial_share`` (0.5 unless it sets its own);
- ``not_achieved`` (Ikke opfyldt) and ``off_track`` (Ikke på rette spor): 0.

A withdrawn goal (udgået: the goal itself, or its status in the report) and a goal with no
status in the year count on neither side: they are listed, so a reader sees them, but a
missing report does not read as a goal not met, nor a withdrawn goal as one. A goal without
a weight is not part of the attainment at all (``unweighted``).

:func:`compute` is pure; :func:`plan_attainment` reads the plan's final rows
(``service.domain.yearend``) and its ministry's settings.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from service.domain.attainment_settings import settings_of
from service.domain.errors import Conflict, Invalid
from service.domain.models import Plan
from service.domain.yearend import final_row, year_reports
from service.vocabulary import GoalState, ProgressStatus, format_number, heading, word

FULL = frozenset({ProgressStatus.ACHIEVED.value, ProgressStatus.ON_TRACK.value})
PARTIAL = frozenset({ProgressStatus.PARTIALLY_ACHIEVED.value, ProgressStatus.AT_RISK.value})
NOTHING = frozenset({ProgressStatus.NOT_ACHIEVED.value, ProgressStatus.OFF_TRACK.value})
#: the most points one goal may carry
MAX_WEIGHT = 10_000


def score(status: str | None, partial_share: float) -> float | None:
    """What share of its points a goal with ``status`` earns; None: it does not count
    (withdrawn, no status, or a status no score is given for)."""
    if status in FULL:
        return 1.0
    if status in PARTIAL:
        return partial_share
    if status in NOTHING:
        return 0.0
    return None


@dataclass(frozen=True, slots=True)
class WeightedGoal:
    """What the computation needs of a weighted goal."""

    code: str
    title: str
    weight: int
    status: str | None = None  # its final status in the year, None: none
    source: str | None = None  # "computed" or "reported"
    period: str | None = None  # the period the status is for
    withdrawn: bool = False


@dataclass(frozen=True, slots=True)
class GoalScore:
    code: str
    title: str
    weight: int
    status: str | None
    source: str | None
    period: str | None
    withdrawn: bool
    score: float | None
    points: float | None  # earned; None when it does not count

    @property
    def counted(self) -> bool:
        return self.score is not None


@dataclass(frozen=True)
class Attainment:
    year: int
    partial_share: float
    goals: list[GoalScore] = field(default_factory=list)
    unweighted: list[str] = field(default_factory=list)

    @property
    def points(self) -> float:
        return sum(g.points for g in self.goals if g.points is not None)

    @property
    def max_points(self) -> int:
        return sum(g.weight for g in self.goals if g.counted)

    @property
    def percent(self) -> float | None:
        """Points earned as a percentage of the counted goals' points; None when no goal
        with points counts."""
        return 100 * self.points / self.max_points if self.max_points else None

    @property
    def without_status(self) -> list[str]:
        """The active weighted goals that have no status in the year."""
        return [g.code for g in self.goals if g.status is None and not g.withdrawn]


def compute(year: int, goals: Sequence[WeightedGoal], partial_share: float,
            unweighted: Sequence[str] = ()) -> Attainment:
    """The attainment of ``goals`` (pure)."""
    scored = []
    for goal in goals:
        withdrawn = goal.withdrawn or goal.status == ProgressStatus.WITHDRAWN.value
        value = None if withdrawn else score(goal.status, partial_share)
        scored.append(GoalScore(
            code=goal.code, title=goal.title, weight=goal.weight, status=goal.status,
            source=goal.source, period=goal.period, withdrawn=withdrawn, score=value,
            points=None if value is None else goal.weight * value,
        ))
    return Attainment(year=year, partial_share=partial_share, goals=scored,
                      unweighted=list(unweighted))


def words(result: Attainment) -> str:
    """``Målopfyldelse 2026: 72 % (36 af 50 point)``; without a counted goal
    ``Målopfyldelse 2026: ingen vægtede mål med status endnu``."""
    title = f"{heading('attainment')} {result.year}"
    if result.percent is None:
        return f"{title}: ingen vægtede mål med status endnu"
    return (f"{title}: {format_number(result.percent, decimals=0)} % "
            f"({format_number(result.points)} af {format_number(result.max_points)} "
            f"{word('points')})")


def points_words(goal: GoalScore) -> str:
    """A goal's line: ``7,5 af 15 point``, or why it does not count."""
    points = word("points")
    if goal.withdrawn:
        return f"{format_number(goal.weight)} {points}, tæller ikke ({word('withdrawn goal')})"
    if goal.points is None:
        return f"{format_number(goal.weight)} {points}, tæller ikke (ingen status)"
    return f"{format_number(goal.points)} af {format_number(goal.weight)} {points}"


def check_year(plan: Plan, year: int) -> None:
    if not plan.period_start <= year <= plan.period_end:
        raise Invalid(f"Året skal ligge i planens periode {plan.period_start}–"
                      f"{plan.period_end}.", field="year")


def plan_attainment(plan: Plan, year: int, partial_share: float) -> Attainment:
    """The plan's attainment for ``year`` with the given share for a partly met goal (the
    plan's goals loaded)."""
    check_year(plan, year)
    reports = year_reports([plan.id], year)[plan.id]
    goals, unweighted = [], []
    for goal in plan.goals:
        if goal.weight is None:
            unweighted.append(goal.code)
            continue
        found = final_row(goal.id, reports)
        status = source = period = None
        if found is not None:
            if found.row.computed_status:
                status, source = found.row.computed_status, "computed"
            elif found.row.status:
                status, source = found.row.status, "reported"
            period = str(found.period)
        goals.append(WeightedGoal(
            code=goal.code, title=goal.title, weight=goal.weight, status=status,
            source=source, period=period, withdrawn=goal.status == GoalState.WITHDRAWN.value,
        ))
    return compute(year, goals, partial_share, unweighted)


def attainment_if_enabled(plan: Plan, year: int) -> Attainment | None:
    """The plan's attainment when its ministry weighs goals, else None."""
    settings = settings_of(plan.institution.ministry_id)
    if not settings.weights_enabled:
        return None
    return plan_attainment(plan, year, settings.partial_share)


def require_attainment(plan: Plan, year: int) -> Attainment:
    """The plan's attainment; a Conflict when its ministry does not weigh goals."""
    check_year(plan, year)
    result = attainment_if_enabled(plan, year)
    if result is None:
        ministry = plan.institution.ministry.code
        raise Conflict(f"Ministerområdet {ministry} vægter ikke målene, så planen har ingen "
                       "målopfyldelse. Departementet kan slå vægtning til.")
    return result

"""Read-only views of plans, goals and follow-ups: what validation hooks receive.

Attribute names are the API's field names (DESIGN section 6), so a plugin author reads
``goal.indicators[0].target`` exactly as the JSON shows it. The views are frozen dataclasses;
the service builds them from its database models, tests build them with
:mod:`service.plugins.builders`. All fields are keyword-only.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from service.vocabulary import Period, parse_period


@dataclass(frozen=True, slots=True, kw_only=True)
class TargetVersion:
    """One target an indicator has had: valid from ``valid_from`` until the next one;
    ``change_request``: the id of the change that set it (None: the plan's own)."""

    target: float | None
    valid_from: date
    change_request: int | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class IndicatorView:
    """What a goal measures. ``direction`` is ``increase``, ``decrease`` or ``maintain``."""

    name: str
    unit: str | None = None
    baseline: float | None = None
    baseline_year: int | None = None
    target: float | None = None
    direction: str | None = None
    data_source: str | None = None
    #: every target it has had, oldest first (empty: only ``target``)
    target_history: tuple[TargetVersion, ...] = ()


@dataclass(frozen=True, slots=True, kw_only=True)
class MilestoneView:
    """A dated step of a goal."""

    title: str
    due_date: date | None = None
    done: bool = False


@dataclass(frozen=True, kw_only=True)
class GoalView:
    """One goal of a plan. ``status`` is ``active`` or ``withdrawn``; ``task_type``,
    ``goal_type`` and ``nature`` are codes (DESIGN section 2)."""

    id: int | None = None
    code: str
    title: str
    description: str | None = None
    task_type: str
    goal_type: str
    nature: str
    success_criterion: str | None = None
    deadline: date | None = None
    politically_fixed: bool = False
    owner: str | None = None
    weight: int | None = None  # points, where the ministry weighs goals
    status: str = "active"
    withdrawn_reason: str | None = None
    indicators: tuple[IndicatorView, ...] = ()
    milestones: tuple[MilestoneView, ...] = ()

    @property
    def is_active(self) -> bool:
        return self.status != "withdrawn"

    @property
    def is_quantitative(self) -> bool:
        return self.nature == "quantitative"

    @property
    def quantitative_indicators(self) -> tuple[IndicatorView, ...]:
        """The indicators that measure a number: every indicator of a quantitative goal, and
        any indicator with a baseline or a target."""
        if self.nature == "quantitative":
            return self.indicators
        cached = self.__dict__.get("_quantitative")
        if cached is None:
            cached = self.__dict__["_quantitative"] = tuple(
                i for i in self.indicators if i.target is not None or i.baseline is not None
            )
        return cached


@dataclass(frozen=True, slots=True, kw_only=True)
class TopManagerView:
    """The plan's top manager (toplederforankring)."""

    name: str
    title: str | None = None


@dataclass(frozen=True, kw_only=True)
class PlanView:
    """A goal-and-results plan. ``institution`` and ``ministry`` are codes; ``status`` is
    ``draft``, ``approved`` or ``closed``; ``goals`` includes withdrawn goals (see
    :attr:`active_goals`)."""

    id: int | None = None
    reference: str
    institution: str
    ministry: str
    title: str
    period_start: int
    period_end: int
    top_manager: TopManagerView | None = None
    followup_cadence: str | None = None
    status: str = "draft"
    goals: tuple[GoalView, ...] = ()

    # Derived values are cached in the instance dict (the dataclass is frozen, not slotted).

    @property
    def active_goals(self) -> tuple[GoalView, ...]:
        """The goals that are not withdrawn, in plan order."""
        cached = self.__dict__.get("_active")
        if cached is None:
            cached = self.__dict__["_active"] = tuple(
                g for g in self.goals if g.status != "withdrawn"
            )
        return cached

    def goal(self, code: str) -> GoalView | None:
        """The goal with this code (case and surrounding spaces ignored), or None."""
        by_code = self.__dict__.get("_by_code")
        if by_code is None:
            by_code = self.__dict__["_by_code"] = {g.code.strip().upper(): g for g in self.goals}
        return by_code.get(code.strip().upper())

    @property
    def first_day(self) -> date:
        """1 January of the plan's first year."""
        return date(self.period_start, 1, 1)

    @property
    def last_day(self) -> date:
        """31 December of the plan's last year."""
        return date(self.period_end, 12, 31)


@dataclass(frozen=True, slots=True, kw_only=True)
class FollowUpGoalView:
    """One goal's line in a follow-up report.

    ``status`` is the normalized code (``on_track`` …) or None if the report's word is
    unknown or missing; ``status_raw`` is what the report said. ``value`` and ``progress`` are
    numbers or None; ``value_raw`` and ``progress_raw`` are what the report said. ``row`` is
    the sender's row number (spreadsheet row, CSV line, JSON index + 1) where known.
    ``computed_status`` (``on_track`` … ``not_achieved`` or None) is the service's own.
    """

    goal: str
    status: str | None = None
    status_raw: str | None = None
    value: float | None = None
    value_raw: object = None
    progress: float | None = None
    progress_raw: object = None
    comment: str | None = None
    row: int | None = None
    #: the status the service computed from the goal's indicator or milestones (DESIGN
    #: section 12), or None when nothing can be computed; the expected value and the Danish
    #: sentence that explains it
    computed_status: str | None = None
    expected_value: float | None = None
    computed_basis: str | None = None


@dataclass(frozen=True, kw_only=True)
class FollowUpView:
    """A follow-up report for one plan and one period. ``plan`` is the reference the report
    named; ``period`` is as written (``2026-H1``); ``channel`` is ``email`` or ``api``."""

    id: int | None = None
    plan: str
    period: str
    received_at: datetime
    channel: str = "api"
    submitted_by: str | None = None
    goals: tuple[FollowUpGoalView, ...] = ()

    @property
    def parsed_period(self) -> Period | None:
        """The period as a :class:`~service.vocabulary.Period`, or None."""
        if "_period" not in self.__dict__:
            self.__dict__["_period"] = parse_period(self.period)
        return self.__dict__["_period"]

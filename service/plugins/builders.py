"""Building views from plain data: the API's JSON shapes and a report's raw rows.

The service builds plan views from its models; these helpers serve the rest — follow-up
reports (raw rows from a parser or an API body), tests, benchmarks and plugin authors.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date, datetime
from typing import Any

from service.plugins.views import (
    FollowUpGoalView,
    FollowUpView,
    GoalView,
    IndicatorView,
    MilestoneView,
    PlanView,
    TopManagerView,
)
from service.vocabulary import parse_number, parse_status


def _date(value: object) -> date | None:
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    return date.fromisoformat(str(value))


def _float(value: object) -> float | None:
    return None if value is None else float(value)  # type: ignore[arg-type]


def indicator_from_dict(data: Mapping[str, Any]) -> IndicatorView:
    """An indicator from the API's shape (``name``, ``unit``, ``baseline``, …)."""
    return IndicatorView(
        name=data["name"],
        unit=data.get("unit"),
        baseline=_float(data.get("baseline")),
        baseline_year=data.get("baseline_year"),
        target=_float(data.get("target")),
        direction=data.get("direction"),
        data_source=data.get("data_source"),
    )


def milestone_from_dict(data: Mapping[str, Any]) -> MilestoneView:
    """A milestone from the API's shape (``title``, ``due_date`` as date or ISO text, ``done``)."""
    return MilestoneView(
        title=data["title"], due_date=_date(data.get("due_date")), done=bool(data.get("done"))
    )


def goal_from_dict(data: Mapping[str, Any]) -> GoalView:
    """A goal from the API's shape, with nested ``indicators`` and ``milestones``."""
    return GoalView(
        id=data.get("id"),
        code=data["code"],
        title=data.get("title", data["code"]),
        description=data.get("description"),
        task_type=data["task_type"],
        goal_type=data["goal_type"],
        nature=data.get("nature", "quantitative"),
        success_criterion=data.get("success_criterion"),
        deadline=_date(data.get("deadline")),
        politically_fixed=bool(data.get("politically_fixed", False)),
        owner=data.get("owner"),
        weight=data.get("weight"),
        status=data.get("status", "active"),
        withdrawn_reason=data.get("withdrawn_reason"),
        indicators=tuple(indicator_from_dict(i) for i in data.get("indicators", ())),
        milestones=tuple(milestone_from_dict(m) for m in data.get("milestones", ())),
    )


def plan_from_dict(data: Mapping[str, Any]) -> PlanView:
    """A plan from the API's shape, with nested ``goals`` (dicts or :class:`GoalView`)."""
    manager = data.get("top_manager")
    if isinstance(manager, Mapping):
        manager = TopManagerView(name=manager["name"], title=manager.get("title"))
    reference = data.get("reference") or f"{data['institution']}-{data['period_start']}"
    return PlanView(
        id=data.get("id"),
        reference=reference,
        institution=data["institution"],
        ministry=data["ministry"],
        title=data.get("title", reference),
        period_start=data["period_start"],
        period_end=data["period_end"],
        top_manager=manager,
        followup_cadence=data.get("followup_cadence"),
        status=data.get("status", "draft"),
        goals=tuple(
            g if isinstance(g, GoalView) else goal_from_dict(g) for g in data.get("goals", ())
        ),
    )


def _field(row: object, name: str) -> Any:
    if isinstance(row, Mapping):
        return row.get(name)
    return getattr(row, name, None)


def _text(value: object) -> str | None:
    if value is None:
        return None
    text = str(value).strip()
    return text or None


def followup_goal_from_row(row: object, index: int | None = None) -> FollowUpGoalView:
    """One report line → :class:`FollowUpGoalView`, normalizing the status with
    ``parse_status`` and the numbers with ``parse_number``.

    ``row`` is a :class:`~service.plugins.reports.ReportRow` or a mapping with the API's keys
    (``goal``, ``status``, ``value``, ``progress``, ``comment``, optionally ``row``);
    ``index`` (1-based) is the fallback row number.
    """
    status_raw = _text(_field(row, "status"))
    value_raw = _field(row, "value")
    progress_raw = _field(row, "progress")
    if isinstance(value_raw, str) and not value_raw.strip():
        value_raw = None
    if isinstance(progress_raw, str) and not progress_raw.strip():
        progress_raw = None
    number = _field(row, "row")
    return FollowUpGoalView(
        goal=_text(_field(row, "goal")) or "",
        status=parse_status(status_raw),
        status_raw=status_raw,
        value=parse_number(value_raw),
        value_raw=value_raw,
        progress=parse_number(progress_raw),
        progress_raw=progress_raw,
        comment=_text(_field(row, "comment")),
        row=number if isinstance(number, int) else index,
    )


def followup_from_rows(
    *,
    plan: str,
    period: str,
    rows: Iterable[object],
    received_at: datetime,
    channel: str = "api",
    submitted_by: str | None = None,
    id: int | None = None,
) -> FollowUpView:
    """A follow-up view from raw report rows (``ReportRow`` objects or API dicts)."""
    return FollowUpView(
        id=id,
        plan=plan,
        period=period,
        received_at=received_at,
        channel=channel,
        submitted_by=submitted_by,
        goals=tuple(followup_goal_from_row(r, i) for i, r in enumerate(rows, start=1)),
    )

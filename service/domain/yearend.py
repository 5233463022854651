"""A goal's final status in a year: its row in the latest current (accepted, not
superseded) report of the year that has a row for it. The year-end period (``YYYY``,
``YYYY-H2`` or ``YYYY-Q4``) when that is reported, else the latest period of the year that
was. Read by the annual report (``service.exports.annual_report``) and the plan's
attainment (``service.domain.attainment``) alike."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from service.domain.models import FollowUp, FollowUpGoal
from service.extensions import db
from service.vocabulary import Period, parse_period

#: a plan's current reports of a year, latest period first
YearReports = list[tuple[Period, FollowUp]]


@dataclass(frozen=True)
class FinalRow:
    period: Period
    row: FollowUpGoal

    @property
    def final(self) -> bool:
        """Reported for the year's last period (31 December)."""
        return self.period.end.month == 12 and self.period.end.day == 31


def year_reports(plan_ids: Sequence[int], year: int) -> dict[int, YearReports]:
    """Each plan's current reports for periods of ``year``, latest first (then the latest
    received)."""
    reports: dict[int, YearReports] = {plan_id: [] for plan_id in plan_ids}
    if not reports:
        return reports
    for followup in db.session.scalars(
        select(FollowUp)
        .where(FollowUp.plan_id.in_(list(reports)), FollowUp.status == "accepted",
               FollowUp.superseded_by_id.is_(None), FollowUp.period.like(f"{year}%"))
        .options(selectinload(FollowUp.goals))
    ):
        period = parse_period(followup.period)
        if period is not None and period.year == year:
            reports[followup.plan_id].append((period, followup))
    for each in reports.values():
        each.sort(key=lambda pf: (pf[0].end, pf[1].received_at, pf[1].id), reverse=True)
    return reports


def final_row(goal_id: int, reports: YearReports) -> FinalRow | None:
    """The goal's row in the latest of ``reports`` that has one, or None."""
    for period, followup in reports:
        row = next((r for r in followup.goals if r.goal_id == goal_id), None)
        if row is not None:
            return FinalRow(period, row)
    return None

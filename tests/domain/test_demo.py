"""The demo data (``make run``, ``mrp demo``) shows a working half-year of the day it is
loaded: plans of that year, reports for that half-year and the one before (on time, late,
missing, rejected), a draft awaiting approval and a quarantined mail."""

from __future__ import annotations

from datetime import date

from sqlalchemy import func, select

from service.domain.actors import SYSTEM
from service.domain.demo import half_years, load_demo
from service.domain.models import FollowUp, InboundMessage, Plan
from service.domain.overview import OverviewFilters, overview
from service.extensions import db


def _states(period: str) -> dict[str, tuple[str, int]]:
    data = overview(SYSTEM, OverviewFilters(period=period))
    return {row["plan"]: (row["report"]["state"], row["report"]["rejected"])
            for row in data["plans"]}


def test_half_years_follow_the_day():
    assert [str(p) for p in half_years(date(2026, 12, 2))] == ["2026-H2", "2026-H1"]
    assert [str(p) for p in half_years(date(2027, 3, 1))] == ["2027-H1", "2026-H2"]


def test_demo_shows_the_half_year_of_its_day_and_is_idempotent(app):
    summary = load_demo(date(2025, 9, 15))
    assert "plan UFST-2025" in summary and "reports for 2025-H1 and 2025-H2" in summary

    assert _states("2025-H2") == {
        "MST-2025": ("received", 0), "UFST-2025": ("received", 0),
        "SKTST-2025": ("missing", 1),  # its report was rejected, and nothing since
    }
    assert _states("2025-H1") == {
        "MST-2025": ("late", 0), "UFST-2025": ("received", 0), "SKTST-2025": ("missing", 0),
    }
    current = overview(SYSTEM, OverviewFilters(period="2025-H2"))["counts"]
    assert {"at_risk", "off_track", "achieved", "partially_achieved"} <= set(current)
    drafts = db.session.scalars(select(Plan.reference).where(Plan.status == "draft")).all()
    assert drafts == ["GST-2025"]
    quarantined = db.session.scalars(
        select(InboundMessage).where(InboundMessage.state == "quarantined")).all()
    assert [m.sender for m in quarantined] == ["opfoelgning@gaeld.dk"]
    assert b"2025-H2\r\n" in (quarantined[0].raw or b"")

    reports = db.session.scalar(select(func.count()).select_from(FollowUp))
    assert load_demo(date(2025, 9, 15)) == "Demo data: already loaded"
    assert db.session.scalar(select(func.count()).select_from(FollowUp)) == reports


def test_demo_without_activity_has_plans_only(app):
    summary = load_demo(date(2026, 12, 1), activity=False)
    assert "plan UFST-2026" in summary and "SKTST" not in summary
    assert db.session.scalar(select(func.count()).select_from(FollowUp)) == 0
    assert db.session.scalar(select(func.count()).select_from(InboundMessage)) == 0

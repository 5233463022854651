"""The status chart: inline SVG drawn on the server, with its numbers in it."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

import pytest

from service.web.charts import status_chart
from tests.support.factories import ok

SVG = "{http://www.w3.org/2000/svg}"


def _parse(markup: str) -> ET.Element:
    match = re.search(r"<svg\b.*?</svg>", markup, re.S)
    assert match, "no inline SVG"
    return ET.fromstring(match.group(0))


def _counts(svg: ET.Element) -> dict[str, dict[str, int]]:
    """{period: {status: count}} from the chart's segments."""
    out: dict[str, dict[str, int]] = {}
    for row in svg.iter(f"{SVG}g"):
        out[row.get("data-period")] = {
            rect.get("data-status"): int(rect.get("data-count"))
            for rect in row.iter(f"{SVG}rect") if rect.get("data-status")
        }
    return out


def test_chart_draws_a_segment_per_status_with_its_count():
    series = [("2025-H2", {}), ("2026-H1", {"on_track": 6, "at_risk": 3, "off_track": 1})]
    svg = _parse(status_chart(series, title="Status"))
    assert svg.get("role") == "img"
    assert _counts(svg) == {"2025-H2": {}, "2026-H1": {"on_track": 6, "at_risk": 3,
                                                         "off_track": 1}}
    texts = [t.text for t in svg.iter(f"{SVG}text")]
    assert texts == ["2. halvår 2025", "ingen mål", "1. halvår 2026", "6", "3", "1", "10 mål"]
    titles = [t.text for t in svg.iter(f"{SVG}title")]
    assert "1. halvår 2026: Udfordret 3" in titles
    desc = svg.find(f"{SVG}desc").text
    assert desc == ("2. halvår 2025: ingen mål. "
                    "1. halvår 2026: 6 På rette spor, 3 Udfordret, 1 Ikke på rette spor.")
    widths = [float(r.get("width")) for r in svg.iter(f"{SVG}rect") if r.get("data-status")]
    assert widths[0] == pytest.approx(2 * widths[1]) == pytest.approx(6 * widths[2])


def test_chart_escapes_and_keeps_unknown_statuses():
    svg = _parse(status_chart([("<x>", {"weird": 2})], title="a & b"))
    assert svg.find(f"{SVG}title").text == "a & b"
    assert _counts(svg) == {"<x>": {"weird": 2}}


def test_overview_chart_has_the_counts_of_the_last_four_periods(
    signed_in, plans, report, client, admin
):
    dst = plans["DST"]["id"]
    report(dst, "2026-H1", M1="on_track", M2="at_risk", M3="on_track")
    report(dst, "2026-H2", M1="achieved", M2="off_track", M3="at_risk")
    html = signed_in("admin").get("/?period=2026-H2").get_data(as_text=True)
    counts = _counts(_parse(html))
    assert list(counts) == ["2025-H1", "2025-H2", "2026-H1", "2026-H2"]
    assert counts["2025-H1"] == counts["2025-H2"] == {}
    # UFST's one goal is not reported in either period
    assert counts["2026-H1"] == {"on_track": 2, "at_risk": 1, "unreported": 1}
    assert counts["2026-H2"] == {"achieved": 1, "at_risk": 1, "off_track": 1, "unreported": 1}
    # the same numbers the API's overview gives
    for period in ("2026-H1", "2026-H2"):
        api = ok(client.get(f"/api/v1/overview?period={period}", headers=admin))
        assert api["counts"] == counts[period]
    # a department sees its own ministry's counts only
    client.post("/logout", data={"csrf_token": re.search(
        r'name="csrf_token" value="([^"]+)"', html).group(1)})
    html = signed_in("department", ministry="SKM").get("/?period=2026-H2").get_data(as_text=True)
    assert _counts(_parse(html))["2026-H2"] == {"unreported": 1}


def test_chart_counts_equal_the_overviews_for_any_filter(plans, report, client, admin):
    from service.domain.actors import SYSTEM, Actor
    from service.domain.overview import OverviewFilters, overview
    from service.vocabulary import Role, parse_period
    from service.web.queries import status_counts

    dst = plans["DST"]["id"]
    report(dst, "2026-H1", M1="on_track", M2="at_risk", M3="on_track")
    report(dst, "2026-H1", M1="achieved", M2="at_risk", M3="off_track")  # supersedes
    report(plans["UFST"]["id"], "2026-H1", M1="at_risk")
    ok(client.post(f"/api/v1/plans/{dst}/followups", headers=admin, json={
        "period": "2026-H2", "goals": [{"goal": "M9", "status": "on_track"}]}), 201)
    goal = ok(client.get(f"/api/v1/plans/{dst}/goals", headers=admin))[1]
    ok(client.post(f"/api/v1/goals/{goal['id']}/withdraw", headers=admin,
                   json={"reason": "Udgår efter aftale."}))
    from service.domain.tenancy import get_ministry

    fm = Actor(name="fm", role=Role.DEPARTMENT, ministry_id=get_ministry(SYSTEM, "FM").id)
    for actor in (SYSTEM, fm):
        for period in ("2025-H2", "2026-H1", "2026-H2", "2027-H1"):
            for extra in ({}, {"institution": "DST"}, {"institution": "ufst"},
                          {"task_type": "project"}, {"goal_type": "quality"},
                          {"status": "at_risk"}, {"status": "achieved", "ministry": "FM"}):
                filters = OverviewFilters(period=period, **extra)
                expected = overview(actor, filters)["counts"]
                got = status_counts(actor, filters, parse_period(period))
                assert got == expected, (actor.name, period, extra)

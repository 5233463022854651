"""A goal's indicator over time on the plan page: the SVG chart (measured values, the
target line, the dashed expected path) at the right coordinates, its Danish description,
and the table beside it with the same numbers."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from datetime import date
from html.parser import HTMLParser

import pytest

from service.vocabulary import format_number
from service.web.charts import (
    HISTORY_WIDTH,
    PLOT_BOTTOM,
    PLOT_LEFT,
    PLOT_RIGHT,
    PLOT_TOP,
    history_chart,
    value_ticks,
)
from tests.support.factories import goal_body, ok, plan_body

SVG = "{http://www.w3.org/2000/svg}"


def _value(period, measured, plan="UFST-2026", expected=None, goal="M1"):
    from service.vocabulary import period_text

    return {"period": period, "period_text": period_text(period), "measured": measured,
            "status": "on_track", "computed_status": None, "expected_value": expected,
            "plan": plan, "goal_id": 1, "goal": goal, "followup": 1}


HISTORY = {
    "goal": "M1", "indicator": "Sagsbehandlingstid", "unit": "dage", "baseline": 41.0,
    "baseline_year": 2025, "target": 30.0, "direction": "decrease",
    "deadline": date(2026, 12, 31),
    "expected_path": [{"date": date(2025, 12, 31), "value": 41.0},
                      {"date": date(2026, 12, 31), "value": 30.0}],
    "values": [_value("2024-H2", 48.0, "UFST-2024"), _value("2025-H1", 46.0, "UFST-2024"),
               _value("2025-H2", 40.0, "UFST-2024"),
               _value("2026-H1", 36.0, expected=35.545205)],
}


def _svg(markup: str, chart_id: str | None = None) -> ET.Element:
    pattern = rf'<svg\b[^>]*id="{chart_id}".*?</svg>' if chart_id else r"<svg\b.*?</svg>"
    match = re.search(pattern, str(markup), re.S)
    assert match, "no inline SVG"
    return ET.fromstring(match.group(0))


def _one(svg: ET.Element, css: str) -> ET.Element:
    [found] = [e for e in svg.iter() if css in (e.get("class") or "").split()]
    return found


def _maps(svg: ET.Element):
    """The chart's own axes as functions: value → y from two grid lines, date → x from two
    year lines."""
    grid = [(float(e.get("data-value")), float(e.get("y1"))) for e in svg.iter(f"{SVG}line")
            if e.get("class") == "history-grid"]
    years = [(date.fromisoformat(e.get("data-date")), float(e.get("x1")))
             for e in svg.iter(f"{SVG}line") if e.get("class") == "history-year"]
    (v0, y0), (v1, y1) = grid[0], grid[-1]
    (d0, x0), (d1, x1) = years[0], years[-1]

    def y(value):
        return y0 + (value - v0) * (y1 - y0) / (v1 - v0)

    def x(day):
        return x0 + (day - d0).days * (x1 - x0) / (d1 - d0).days

    return x, y


def test_the_target_line_and_the_expected_path_are_where_their_numbers_are():
    svg = _svg(history_chart(HISTORY, chart_id="h", title="M1 over tid"))
    assert svg.get("role") == "img"
    assert svg.get("aria-labelledby") == "h-title h-desc"
    x, y = _maps(svg)
    # the value axis runs 25–50 in steps of 5 (30–48 with air), 25 at the bottom of the
    # plot, 50 at its top
    assert [float(e.get("data-value")) for e in svg.iter(f"{SVG}line")
            if e.get("class") == "history-grid"] == [25, 30, 35, 40, 45, 50]
    assert y(25) == pytest.approx(PLOT_BOTTOM) and y(50) == pytest.approx(PLOT_TOP)
    target = _one(svg, "history-target")
    assert float(target.get("y1")) == float(target.get("y2")) == pytest.approx(y(30))
    assert (float(target.get("x1")), float(target.get("x2"))) == (PLOT_LEFT, PLOT_RIGHT)
    assert target.get("data-value") == "30"
    expected = _one(svg, "history-expected")
    assert expected.get("stroke-dasharray")  # dashed
    assert float(expected.get("x1")) == pytest.approx(x(date(2025, 12, 31)), abs=0.25)
    assert float(expected.get("y1")) == pytest.approx(y(41), abs=0.25)
    assert float(expected.get("x2")) == pytest.approx(x(date(2026, 12, 31)), abs=0.25)
    assert float(expected.get("y2")) == pytest.approx(y(30), abs=0.25)
    # the years 2024–2026 across the plot: 31 December 2025 is 730 of its 1,095 days in
    span = PLOT_RIGHT - PLOT_LEFT
    assert float(expected.get("x1")) == pytest.approx(PLOT_LEFT + span * 730 / 1095, abs=0.25)
    assert float(expected.get("y1")) == pytest.approx(
        PLOT_BOTTOM - (PLOT_BOTTOM - PLOT_TOP) * 16 / 25, abs=0.25)
    assert float(target.get("y1")) == pytest.approx(
        PLOT_BOTTOM - (PLOT_BOTTOM - PLOT_TOP) * 5 / 25, abs=0.25)
    # each measurement at its period's end and value, joined by the line
    points = [(e.get("data-period"), float(e.get("cx")), float(e.get("cy")))
              for e in svg.iter(f"{SVG}circle")]
    ends = {"2024-H2": date(2024, 12, 31), "2025-H1": date(2025, 6, 30),
            "2025-H2": date(2025, 12, 31), "2026-H1": date(2026, 6, 30)}
    measured = {"2024-H2": 48, "2025-H1": 46, "2025-H2": 40, "2026-H1": 36}
    assert [p for p, _x, _y in points] == list(ends)
    for period, cx, cy in points:
        assert cx == pytest.approx(x(ends[period]), abs=0.25)
        assert cy == pytest.approx(y(measured[period]), abs=0.25)
    line = _one(svg, "history-measured").get("points").split()
    assert [tuple(map(float, p.split(","))) for p in line] == [(cx, cy) for _p, cx, cy in points]
    # everything inside the drawing
    assert all(0 <= cx <= HISTORY_WIDTH for _p, cx, _y in points)


def test_the_chart_says_it_all_in_danish_words():
    svg = _svg(history_chart(HISTORY, chart_id="h", title="M1: Sagsbehandlingstid over tid"))
    assert svg.find(f"{SVG}title").text == "M1: Sagsbehandlingstid over tid"
    assert svg.find(f"{SVG}desc").text == (
        "Sagsbehandlingstid i dage. Udgangspunkt 41 dage (2025). Målværdi 30 dage senest "
        "31. december 2026. Det forventede forløb er en ret linje fra udgangspunktet til "
        "målværdien. Målt: 2. halvår 2024 48 dage; 1. halvår 2025 46 dage; 2. halvår 2025 "
        "40 dage; 1. halvår 2026 36 dage. Seneste måling, 1. halvår 2026: 36 dage mod "
        "forventet 35,55 dage.")
    titles = [e.find(f"{SVG}title").text for e in svg.iter(f"{SVG}circle")]
    assert titles[-1] == "1. halvår 2026: målt 36 dage, forventet 35,55 dage (UFST-2026)"
    ticks = [t.text for t in svg.iter(f"{SVG}text") if t.get("class") == "history-tick"]
    assert ticks == ["25", "30", "35", "40", "45", "50", "2024", "2025", "2026"]


def test_a_chart_without_measurements_still_draws_the_target_and_says_so():
    history = {**HISTORY, "values": []}
    svg = _svg(history_chart(history, chart_id="h", title="t"))
    assert not list(svg.iter(f"{SVG}circle"))
    assert _one(svg, "history-target") is not None
    assert "Der er endnu ingen målte værdier." in svg.find(f"{SVG}desc").text
    # nothing to draw at all: no chart
    assert history_chart({**history, "target": None, "expected_path": None}, chart_id="h",
                         title="t") is None


def test_decimals_are_danish_and_text_is_escaped():
    history = {**HISTORY, "unit": "<%>", "target": 95.5, "baseline": 90.25,
               "expected_path": None, "values": [_value("2026-H1", 93.5)]}
    svg = _svg(history_chart(history, chart_id="h", title="a & b"))
    assert svg.find(f"{SVG}title").text == "a & b"
    desc = svg.find(f"{SVG}desc").text
    assert "Udgangspunkt 90,25 <%> (2025)" in desc and "Målt: 1. halvår 2026 93,5 <%>" in desc
    assert "forventede forløb" not in desc


def test_value_ticks_are_round_and_cover_the_values():
    assert value_ticks([30, 48]) == [30, 35, 40, 45, 50]
    assert value_ticks([90, 95, 93.5]) == [90, 91, 92, 93, 94, 95]
    assert value_ticks([7, 7]) == [6, 6.5, 7, 7.5, 8]  # one value: a band around it
    ticks = value_ticks([-3.2, 12.7])
    assert ticks[0] <= -3.2 and ticks[-1] >= 12.7


class _Table(HTMLParser):
    """The rows (cell texts) of the table with ``id``."""

    def __init__(self, table_id: str) -> None:
        super().__init__()
        self.table_id, self.inside, self.rows, self.cell = table_id, False, [], None
        self.caption: str | None = None
        self.in_caption = False
        self.scopes: list[str] = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "table" and attrs.get("id") == self.table_id:
            self.inside = True
        elif self.inside and tag == "tr":
            self.rows.append([])
        elif self.inside and tag in ("td", "th"):
            self.cell = ""
            if tag == "th":
                self.scopes.append(attrs.get("scope") or "")
        elif self.inside and tag == "caption":
            self.caption, self.in_caption = "", True

    def handle_endtag(self, tag):
        if tag == "table":
            self.inside = False
        elif self.inside and tag in ("td", "th") and self.cell is not None:
            self.rows[-1].append(" ".join(self.cell.split()))
            self.cell = None
        elif self.inside and tag == "caption":
            self.caption, self.in_caption = " ".join((self.caption or "").split()), False

    def handle_data(self, data):
        if self.inside and self.cell is not None:
            self.cell += data
        elif self.in_caption:
            self.caption = (self.caption or "") + data


def _table(html: str, table_id: str) -> _Table:
    parser = _Table(table_id)
    parser.feed(html)
    return parser


def test_the_plan_page_draws_each_quantitative_goal_across_its_plans(
    signed_in, plans, client, admin
):
    ufst = plans["UFST"]["id"]
    earlier = ok(client.post("/api/v1/plans", headers=admin, json=plan_body(
        "UFST", period_start=2024, period_end=2025)), 201)
    ok(client.post(f"/api/v1/plans/{earlier['id']}/goals", headers=admin, json=goal_body(
        "M1", deadline="2025-12-31", indicators=[{
            "name": "Sagsbehandlingstid", "unit": "dage", "baseline": 50,
            "baseline_year": 2023, "target": 41, "direction": "decrease"}])), 201)
    ok(client.post(f"/api/v1/plans/{earlier['id']}/approve", headers=admin))
    for plan_id, period, value in ((earlier["id"], "2025-H1", 46.5), (earlier["id"], "2025-H2",
                                                                     40), (ufst, "2026-H1", 36)):
        ok(client.post(f"/api/v1/plans/{plan_id}/followups", headers=admin, json={
            "period": period, "goals": [{"goal": "M1", "status": "on_track", "value": value}]}),
           201)
    html = signed_in("admin").get(f"/plans/{ufst}").get_data(as_text=True)
    svg = _svg(html, "history-M1")
    assert svg.get("role") == "img"
    assert "Målværdi 30 dage senest 31. december 2026" in svg.find(f"{SVG}desc").text
    points = [e.get("data-value") for e in svg.iter(f"{SVG}circle")]
    assert points == ["46.5", "40", "36"]
    assert _one(svg, "history-target").get("data-value") == "30"
    table = _table(html, "history-table-M1")
    assert table.caption == "Målinger for M1: Sagsbehandlingstid (dage)"
    assert table.scopes[:6] == ["col"] * 6 and set(table.scopes[6:]) == {"row"}
    header, *rows = table.rows
    assert header == ["Periode", "Plan", "Målt værdi", "Forventet værdi",
                      "Indberettet status", "Beregnet status"]
    # the same numbers as the chart and the API, in Danish notation
    [goal] = ok(client.get(f"/api/v1/plans/{ufst}/goals", headers=admin))
    api = ok(client.get(f"/api/v1/goals/{goal['id']}/history", headers=admin))
    assert [r[0] for r in rows] == ["1. halvår 2025", "2. halvår 2025", "1. halvår 2026"]
    assert [r[1] for r in rows] == [earlier["reference"], earlier["reference"], "UFST-2026"]
    assert [r[2] for r in rows] == [format_number(float(p)) for p in points] == [
        "46,5", "40", "36"]
    assert rows[-1][4] == "På rette spor"
    assert [v["measured"] for v in api["values"]] == [46.5, 40, 36]
    # the legend says which line is which in words, not by colour alone
    assert "Målværdi (vandret linje)" in html and "(stiplet linje)" in html


def test_a_qualitative_goal_has_no_chart(signed_in, plans, report):
    dst = plans["DST"]["id"]
    report(dst, "2026-H1", M1="on_track", M2="at_risk", M3="on_track")
    html = signed_in("admin").get(f"/plans/{dst}").get_data(as_text=True)
    assert 'id="history-M1"' in html and 'id="history-M2"' in html
    assert 'id="history-M3"' not in html and 'id="h-history-M3"' not in html


def test_a_link_to_an_earlier_plans_goal_is_in_the_change_log_in_words(
    signed_in, plans, client, admin
):
    ufst = plans["UFST"]["id"]
    earlier = ok(client.post("/api/v1/plans", headers=admin, json=plan_body(
        "UFST", period_start=2024, period_end=2025)), 201)
    old = ok(client.post(f"/api/v1/plans/{earlier['id']}/goals", headers=admin,
                         json=goal_body("M3", deadline="2025-12-31")), 201)
    [goal] = ok(client.get(f"/api/v1/plans/{ufst}/goals", headers=admin))
    ok(client.patch(f"/api/v1/goals/{goal['id']}", headers=admin, json={
        "previous_goal": old["id"], "reason": "Fortsætter M3."}))
    html = signed_in("admin").get(f"/plans/{ufst}").get_data(as_text=True)
    log = html[html.index('id="h-audit"'):]
    assert re.search(r'<span class="field">Fortsætter mål fra en tidligere plan</span>: '
                     r'<span class="before">–</span> → <span class="after">UFST-2024 M3</span>',
                     log), log[:2000]
    # the chart's heading names the plan it runs on from
    assert "(også fra UFST-2024)" in html

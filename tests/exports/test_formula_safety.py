"""No file the service produces carries a live formula, and none fails on control
characters: the follow-up template, the plan and overview exports (XLSX and CSV) and the
annual report (HTML and Markdown, which a spreadsheet opens too), built from a plan whose
texts were written straight into the database, past any input validation."""

from __future__ import annotations

import html
import io
import re

import openpyxl
import pytest
from sqlalchemy import update

from service.domain.models import FollowUpGoal, Goal, Indicator, Institution, Ministry, Plan
from service.exports.sheets import cell_text
from service.extensions import db
from service.intake.reports import builtin_parsers, parse_attachment
from tests.support.factories import build_dst_plan, goal_body, ok
from tests.support.sheets import (
    CONTROL,
    CONTROL_CLEAN,
    DANGEROUS,
    FORMULA_STARTS,
    HYPERLINK,
    assert_no_formula_in_csv,
    assert_no_formula_in_workbook,
)

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
#: goal code → the title written into the database
TITLES = {f"M{i}": title for i, title in enumerate((*DANGEROUS, CONTROL), start=4)}
INSTITUTION_NAME = "\x1b=1+1"  # ESC first: removed, then the formula is neutralised
COMMENT = "=cmd|' /C calc'!A0"


@pytest.fixture
def hostile(client, admin):
    """DST-2026 with a formula as its title, an institution and a ministry named like
    formulas, goals M4… titled as ``TITLES``, a formula and a control character in an
    indicator, and a 2026-H1 report whose comments are formulas and control characters."""
    plan = build_dst_plan(client, admin)
    for code in TITLES:
        ok(client.post(f"/api/v1/plans/{plan['id']}/goals", headers=admin,
                       json=goal_body(code, title="Midlertidig", reason="Nyt mål")), 201)
    codes = ["M1", "M2", "M3", *TITLES]
    report = ok(client.post(f"/api/v1/plans/{plan['id']}/followups", headers=admin, json={
        "period": "2026-H1", "goals": [
            {"goal": code, "status": "on_track", "value": -4.5 if code == "M1" else 1,
             "progress": 50, "comment": "Midlertidig"}
            for code in codes if code != "M3"] + [
            {"goal": "M3", "status": "on_track", "progress": 50, "comment": "Midlertidig"}],
    }), 201)
    assert report["status"] == "accepted", report["findings"]

    db.session.execute(update(Plan).where(Plan.id == plan["id"]).values(title=HYPERLINK))
    db.session.execute(update(Institution).where(Institution.code == "DST")
                       .values(name=INSTITUTION_NAME))
    db.session.execute(update(Ministry).where(Ministry.code == "FM").values(name="+Finans"))
    for code, title in TITLES.items():
        db.session.execute(update(Goal).where(Goal.plan_id == plan["id"], Goal.code == code)
                           .values(title=title, success_criterion="-" + title))
    m1 = db.session.scalar(db.select(Goal).where(Goal.plan_id == plan["id"], Goal.code == "M1"))
    db.session.execute(update(Indicator).where(Indicator.goal_id == m1.id)
                       .values(name="@Sagsbehandlingstid\x01", unit="-dage"))
    comments = {"M1": COMMENT, "M2": CONTROL, **TITLES}
    for code, comment in comments.items():
        db.session.execute(update(FollowUpGoal)
                           .where(FollowUpGoal.followup_id == report["id"],
                                  FollowUpGoal.goal_code == code)
                           .values(comment=comment))
    db.session.commit()
    return plan


def _texts(cells):
    return [c.value for c in cells if isinstance(c.value, str)]


# -- the follow-up template -----------------------------------------------------------------


def test_template_writes_every_text_as_text(client, admin, hostile):
    response = client.get(
        f"/api/v1/plans/{hostile['id']}/followup-template.xlsx?period=2026-H1", headers=admin)
    assert response.status_code == 200, response.get_data(as_text=True)
    assert_no_formula_in_workbook(response.data)
    ws = openpyxl.load_workbook(io.BytesIO(response.data))["Opfølgning"]
    assert (ws["A4"].value, ws["B4"].value) == ("Institution", "'=1+1")
    assert (ws["A5"].value, ws["B5"].value) == ("Planens titel", "'" + HYPERLINK)
    titles = {ws.cell(row=r, column=1).value: ws.cell(row=r, column=2)
              for r in range(9, ws.max_row + 1)}
    for code, title in TITLES.items():
        assert titles[code].data_type == "s"
        # (XML reads a carriage return as a line feed)
        assert titles[code].value == cell_text(title).replace("\r", "\n")
    assert titles["M4"].value == "'" + HYPERLINK
    assert titles["M11"].value == "#N/A"  # text, not Excel's error value
    assert titles["M12"].value == CONTROL_CLEAN
    assert (ws["E9"].value, ws["F9"].value) == ("'@Sagsbehandlingstid", "'-dage")
    # numbers the service writes stay numbers
    assert (ws["G9"].value, ws["H9"].value) == (41, 30)
    assert ws["G9"].data_type == ws["H9"].data_type == "n"


def test_hostile_template_still_reads_back(client, admin, hostile):
    data = client.get(f"/api/v1/plans/{hostile['id']}/followup-template.xlsx?period=2026-H1",
                      headers=admin).data
    wb = openpyxl.load_workbook(io.BytesIO(data))
    ws = wb["Opfølgning"]
    for r in range(9, ws.max_row + 1):
        ws.cell(row=r, column=9, value="På rette spor")
    out = io.BytesIO()
    wb.save(out)
    report = parse_attachment(builtin_parsers(), "rapport.xlsx", XLSX, out.getvalue())
    assert (report.plan, report.period) == ("DST-2026", "2026-H1")
    assert [r.goal for r in report.rows] == ["M1", "M2", "M3", *TITLES]


# -- the exports ----------------------------------------------------------------------------


def test_plans_xlsx_has_no_live_formula(client, admin, hostile):
    response = client.get("/api/v1/exports/plans?format=xlsx", headers=admin)
    assert response.status_code == 200, response.get_data(as_text=True)
    texts = _texts(assert_no_formula_in_workbook(response.data))
    assert "'" + HYPERLINK in texts  # the plan's title and M4's
    assert CONTROL_CLEAN in texts and "#N/A" in texts
    assert "'@Sagsbehandlingstid" in texts and "'-dage" in texts
    assert not any("\x01" in t or "\x1b" in t for t in texts)


def test_plans_csv_follows_the_owasp_rule(client, admin, hostile):
    response = client.get("/api/v1/exports/plans?format=csv", headers=admin)
    assert response.status_code == 200, response.get_data(as_text=True)
    header, *rows = assert_no_formula_in_csv(response.data)
    records = [dict(zip(header, row, strict=True)) for row in rows]
    by_goal = {r["Mål-ID"]: r for r in records}
    assert by_goal["M1"]["Planens titel"] == "'" + HYPERLINK
    for code, title in TITLES.items():
        assert by_goal[code]["Mål"] == cell_text(title)
        assert by_goal[code]["Succeskriterium"] == "'-" + cell_text(title).lstrip("'")
    assert by_goal["M12"]["Mål"] == CONTROL_CLEAN
    assert "\x01" not in response.data.decode("utf-8-sig")


@pytest.mark.parametrize("fmt", ["xlsx", "csv"])
def test_overview_export_has_no_live_formula(client, admin, hostile, fmt):
    response = client.get(f"/api/v1/exports/overview?period=2026-H1&format={fmt}",
                          headers=admin)
    assert response.status_code == 200, response.get_data(as_text=True)
    if fmt == "xlsx":
        cells = assert_no_formula_in_workbook(response.data)
        ws = openpyxl.load_workbook(io.BytesIO(response.data)).active
        header = [c.value for c in ws[1]]
        records = [dict(zip(header, (c.value for c in row), strict=True))
                   for row in ws.iter_rows(min_row=2)]
        assert any(c.value == -4.5 and c.data_type == "n" for c in cells)  # a number
    else:
        header, *rows = assert_no_formula_in_csv(response.data)
        records = [dict(zip(header, row, strict=True)) for row in rows]
    by_goal = {r["Mål-ID"]: r for r in records}
    assert by_goal["M1"]["Kommentar"] == "'" + COMMENT
    assert by_goal["M2"]["Kommentar"] == CONTROL_CLEAN
    assert by_goal["M4"]["Mål"] == by_goal["M4"]["Kommentar"] == "'" + HYPERLINK
    assert by_goal["M12"]["Mål"] == CONTROL_CLEAN
    if fmt == "csv":
        assert by_goal["M1"]["Målt værdi"] == "-4,5"  # a number, not text to neutralise


# -- the annual report ----------------------------------------------------------------------


def test_annual_report_html_cells_are_neutralised(client, admin, hostile):
    response = client.get("/api/v1/institutions/DST/annual-report?year=2026&format=html",
                          headers=admin)
    assert response.status_code == 200, response.get_data(as_text=True)
    page = response.get_data(as_text=True)
    # what Excel makes a cell of when it opens the page: each cell, heading and paragraph
    blocks = [html.unescape(b) for b in re.findall(r"<(?:td|th|h1|h2|p)>(.*?)</", page)]
    assert len(blocks) > 20
    for block in blocks:
        assert not block.lstrip().startswith(FORMULA_STARTS), block
    assert "<h2>&#x27;" + html.escape(HYPERLINK) + " (DST-2026)</h2>" in page
    assert "<td>&#x27;" + html.escape(COMMENT) + "</td>" in page
    assert "\x01" not in page and "\x1b" not in page


def test_annual_report_markdown_cells_are_neutralised(client, admin, hostile):
    response = client.get("/api/v1/institutions/DST/annual-report?year=2026&format=md",
                          headers=admin)
    assert response.status_code == 200, response.get_data(as_text=True)
    text = response.get_data(as_text=True)
    for line in text.splitlines():
        assert not line.startswith(FORMULA_STARTS), line
        if line.startswith("|"):
            for cell in re.split(r"(?<!\\)\|", line)[1:-1]:
                assert not cell.strip().startswith(FORMULA_STARTS), line
    assert "'=1+1 (DST)" in text
    assert "\x01" not in text and "\x1b" not in text


# -- the rule itself ------------------------------------------------------------------------


@pytest.mark.parametrize(("text", "expected"), [
    ("Kortere\x01 tid", "Kortere tid"),
    ("\x1b=1+1", "'=1+1"),
    ("a\x00b\x08c\x0bd\x0ce\x1ff", "abcdef"),
    ("ulæselig\ufffe\uffff", "ulæselig"),
    ("tab\tog\nlinjeskift\r", "tab\tog\nlinjeskift\r"),
    ("\t=1", "'\t=1"),
    ("Kortere tid", "Kortere tid"),
])
def test_cell_text_removes_what_a_workbook_cannot_hold_then_neutralises(text, expected):
    assert cell_text(text) == expected

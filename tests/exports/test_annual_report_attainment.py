"""The annual report states each plan's attainment (målopfyldelse) and each goal's points
where the ministry weighs goals, in Markdown, HTML and Word alike; where it does not, the
report is as before."""

from __future__ import annotations

import io
import re

from docx import Document

from service.exports.year_changes import CHANGES_HEADING
from tests.support.factories import build_dst_plan, ok

H2 = [{"goal": "M1", "status": "achieved", "value": 29, "progress": 100},
      {"goal": "M2", "status": "partially_achieved", "value": 93, "comment": "Tæt på"},
      {"goal": "M3", "status": "partially_achieved", "comment": "Delvist lanceret"}]
LINE = "Målopfyldelse 2026: 50 % (25 af 50 point)."


def _dst(client, admin, weights=True):
    plan = build_dst_plan(client, admin)
    goals = {g["code"]: g for g in ok(client.get(f"/api/v1/plans/{plan['id']}/goals",
                                                 headers=admin))}
    for code, weight in (("M1", 20), ("M2", 20), ("M3", 10)):
        ok(client.patch(f"/api/v1/goals/{goals[code]['id']}", headers=admin,
                        json={"weight": weight, "reason": "Vægtning"}))
    ok(client.put("/api/v1/ministries/FM/attainment", headers=admin,
                  json={"weights_enabled": weights}))
    ok(client.post(f"/api/v1/plans/{plan['id']}/followups", headers=admin,
                   json={"period": "2026-H2", "goals": H2}), 201)
    return plan


def _get(client, headers, fmt):
    response = client.get(f"/api/v1/institutions/DST/annual-report?year=2026&format={fmt}",
                          headers=headers)
    assert response.status_code == 200, response.get_data(as_text=True)
    return response


def _md_rows(markdown):
    """The results table's rows by goal code (not the table of the year's changes below)."""
    rows = {}
    results = markdown.split(f"### {CHANGES_HEADING}")[0]
    for line in results.splitlines():
        if re.match(r"\| M\d", line):
            cells = [c.strip() for c in re.split(r"(?<!\\)\|", line)[1:-1]]
            rows[cells[0].split()[0]] = cells
    return rows


def test_markdown_and_html_state_the_attainment_and_points(client, admin):
    _dst(client, admin)
    markdown = _get(client, admin, "md").get_data(as_text=True)
    assert LINE in markdown
    assert "delvist opfyldt og udfordret 50 % af dem" in markdown
    assert "| Mål | Succeskriterium | Resultat | Vurdering | Kommentar | Point |" in markdown
    rows = _md_rows(markdown)
    assert rows["M1"][-1] == "20 af 20 point (beregnet status: Opfyldt)"
    # reported partly met; what counted is the computed status at the deadline
    assert rows["M2"][3] == "Delvist opfyldt"
    assert rows["M2"][-1] == "0 af 20 point (beregnet status: Ikke opfyldt)"
    assert rows["M3"][-1] == "5 af 10 point"
    html = _get(client, admin, "html").get_data(as_text=True)
    assert f'<p class="attainment">{LINE}' in html
    assert "<th>Point</th>" in html and "<td>5 af 10 point</td>" in html


def test_word_states_the_attainment_and_points(client, admin):
    _dst(client, admin)
    document = Document(io.BytesIO(_get(client, admin, "docx").data))
    assert any(p.text.startswith(LINE) for p in document.paragraphs)
    # the results, and the year's changes: the points set on the approved plan, with why
    table, changes = document.tables
    assert [c.text for c in table.rows[0].cells][-1] == "Point"
    assert sorted(row.cells[0].text.split()[0] for row in changes.rows[1:]) == ["M1", "M2", "M3"]
    assert {row.cells[-1].text for row in changes.rows[1:]} == {"Vægtning"}
    assert {row.cells[0].text.split()[0]: row.cells[1].text for row in changes.rows[1:]} == {
        "M1": "Vægtning (point): – → 20", "M2": "Vægtning (point): – → 20",
        "M3": "Vægtning (point): – → 10"}
    assert {row.cells[0].text.split()[0]: row.cells[-1].text for row in table.rows[1:]} == {
        "M1": "20 af 20 point (beregnet status: Opfyldt)",
        "M2": "0 af 20 point (beregnet status: Ikke opfyldt)",
        "M3": "5 af 10 point",
    }


def test_without_weights_the_report_has_no_attainment(client, admin):
    _dst(client, admin, weights=False)
    markdown = _get(client, admin, "md").get_data(as_text=True)
    assert "Målopfyldelse" not in markdown and "Point" not in markdown
    assert "| Mål | Succeskriterium | Resultat | Vurdering | Kommentar |" in markdown
    document = Document(io.BytesIO(_get(client, admin, "docx").data))
    assert len(document.tables[0].rows[0].cells) == 5


def test_the_plans_export_has_each_goals_weight(client, admin):
    import csv

    _dst(client, admin, weights=False)  # a goal's weight is shown wherever it is set
    response = client.get("/api/v1/exports/plans?year=2026&format=csv", headers=admin)
    header, *rows = list(csv.reader(io.StringIO(response.get_data().decode("utf-8-sig"),
                                                newline=""), delimiter=";"))
    assert header[-1] == "Vægtning (point)"
    assert {r[header.index("Mål-ID")]: r[-1] for r in rows} == {
        "M1": "20", "M2": "20", "M3": "10"}

"""The annual report lists the changes made to a plan's goals during the year, each with the
goal, what changed (old → new, in Danish), the date and the reason: in Markdown, HTML and
Word."""

from __future__ import annotations

import io
from datetime import UTC, datetime

import pytest
from docx import Document

import service.domain.change_records as change_records
import service.domain.changes as changes
import service.domain.targets as targets
from tests.support.factories import build_dst_plan, goal_body, ok

DAY = datetime(2026, 9, 15, 10, tzinfo=UTC)


@pytest.fixture
def changed(client, admin, token, monkeypatch):
    """DST-2026 with M1's target lowered by request and M2's deadline moved directly, both
    on 15 September 2026; M3 withdrawn on 15 September 2027 (another year)."""
    for module in (change_records, changes, targets):
        monkeypatch.setattr(module, "utcnow", lambda: DAY)
    plan = build_dst_plan(client, admin)
    goals = {g["code"]: g for g in ok(client.get(f"/api/v1/plans/{plan['id']}/goals",
                                                 headers=admin))}
    dst = token("institution", institution="DST")
    indicators = [{**goal_body()["indicators"][0], "target": 25}]
    made = ok(client.post(f"/api/v1/goals/{goals['M1']['id']}/change-requests", headers=dst,
                          json={"changes": {"indicators": indicators},
                                "reason": "Flere medarbejdere efter finansloven"}), 201)
    ok(client.post(f"/api/v1/change-requests/{made['id']}/approve", headers=admin, json={}))
    ok(client.patch(f"/api/v1/goals/{goals['M2']['id']}", headers=admin,
                    json={"deadline": "2027-06-30", "reason": "Systemskifte forsinket"}))
    later = datetime(2027, 9, 15, tzinfo=UTC)
    for module in (change_records, changes, targets):
        monkeypatch.setattr(module, "utcnow", lambda: later)
    ok(client.post(f"/api/v1/goals/{goals['M3']['id']}/withdraw", headers=admin,
                   json={"reason": "Opgaven er flyttet"}))
    return plan


def _get(client, headers, fmt, year=2026):
    response = client.get(f"/api/v1/institutions/DST/annual-report?year={year}&format={fmt}",
                          headers=headers)
    assert response.status_code == 200, response.get_data(as_text=True)
    return response


def test_markdown_lists_the_years_changes_with_their_reasons(client, admin, changed):
    text = _get(client, admin, "md").get_data(as_text=True)
    section = text.split("### Ændringer i løbet af året\n", 1)[1]
    assert "Planens mål er ændret i 2026 efter godkendelsen:" in section
    assert "| Mål | Ændring | Dato | Begrundelse |" in section
    assert ("| M1 Kortere sagsbehandlingstid | Målværdi for Sagsbehandlingstid: 30 → 25 "
            "| 15. september 2026 | Flere medarbejdere efter finansloven |") in section
    assert ("| M2 Højere datakvalitet | Frist: 31. december 2026 → 30. juni 2027 "
            "| 15. september 2026 | Systemskifte forsinket |") in section
    assert "Målet udgår" not in section  # withdrawn in 2027
    later = _get(client, admin, "md", 2027).get_data(as_text=True)
    assert "| M3 Ny statistikbank | Målet udgår | 15. september 2027 | Opgaven er flyttet |" \
        in later
    assert "Flere medarbejdere" not in later


def test_html_and_word_list_them_too(client, admin, changed):
    page = _get(client, admin, "html").get_data(as_text=True)
    assert "<h3>Ændringer i løbet af året</h3>" in page
    assert ("<td>Målværdi for Sagsbehandlingstid: 30 → 25</td><td>15. september 2026</td>"
            "<td>Flere medarbejdere efter finansloven</td>") in page
    document = Document(io.BytesIO(_get(client, admin, "docx").data))
    assert ("Heading 3", "Ændringer i løbet af året") in [
        (p.style.name, p.text) for p in document.paragraphs]
    _results, year_changes = document.tables
    rows = [[c.text for c in row.cells] for row in year_changes.rows]
    assert rows[0] == ["Mål", "Ændring", "Dato", "Begrundelse"]
    assert rows[1:] == [
        ["M1 Kortere sagsbehandlingstid", "Målværdi for Sagsbehandlingstid: 30 → 25",
         "15. september 2026", "Flere medarbejdere efter finansloven"],
        ["M2 Højere datakvalitet", "Frist: 31. december 2026 → 30. juni 2027",
         "15. september 2026", "Systemskifte forsinket"],
    ]


def test_a_year_without_changes_has_no_such_section(client, admin):
    build_dst_plan(client, admin)
    assert "Ændringer i løbet af året" not in _get(client, admin, "md").get_data(as_text=True)


def test_the_years_changes_and_the_change_log_name_a_field_alike():
    """One word per goal field (``service.vocabulary.field_words``): the line of a change and
    the plan page's change log start with the same label."""
    from service.exports.change_words import FIELD_WORDS, change_lines
    from service.web.changelog import field_label

    assert "deadline" in FIELD_WORDS and "weight" in FIELD_WORDS
    for name in FIELD_WORDS:
        old, new = ("2026-06-30", "2027-06-30") if name == "deadline" else ("a", "b")
        [line] = change_lines({name: old}, {name: new})
        assert line.startswith(f"{field_label(name, 'goal')}: "), line
    assert change_lines({"weight": None}, {"weight": 20}) == ["Vægtning (point): – → 20"]


def test_the_section_writes_its_cells_with_the_reports_own_escaping():
    """``service.exports.year_changes``: the section's rows are the report's cells
    (neutralised as in a workbook), written by the Markdown or HTML escaping handed in; a
    plan without changes has no section."""
    from datetime import date

    from service.exports.annual_report import md_cell
    from service.exports.year_changes import (
        ChangeResult,
        change_texts,
        html_section,
        markdown_section,
    )

    change = ChangeResult(goal="=M1 <Svartid>", lines=["Frist: – → 30. juni 2027", "Målet udgår"],
                          day=date(2026, 9, 15), reason="Systemskifte | forsinket")
    assert change_texts(change) == ("=M1 <Svartid>", "Frist: – → 30. juni 2027\nMålet udgår",
                                    "15. september 2026", "Systemskifte | forsinket")
    assert markdown_section([], 2026, md_cell) == [] and html_section([], 2026, str) == []
    md = markdown_section([change], 2026, md_cell)
    assert md[:4] == ["### Ændringer i løbet af året", "",
                      "Planens mål er ændret i 2026 efter godkendelsen:", ""]
    assert md[6] == ("| '=M1 \\<Svartid\\> | Frist: – → 30. juni 2027<br>Målet udgår"
                     " | 15. september 2026 | Systemskifte \\| forsinket |")
    page = "".join(html_section([change], 2026, lambda t: t.upper()))
    assert "<td>'=M1 <SVARTID></td>" in page and "<th>Begrundelse</th>" in page

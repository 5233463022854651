"""The annual report's account of the year as a Word document, read back with python-docx:
its headings, its tables as Word tables with a header row, Danish text."""

from __future__ import annotations

import io

from docx import Document
from docx.oxml.ns import qn

from service.exports.annual_report import AnnualReport, GoalResult, PlanResult
from service.exports.word import to_docx
from tests.support.factories import build_dst_plan, goal_body, ok

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
ODD_TITLE = "=SUM(A1) <b>fed</b> og | rør"


def _report(client, headers, plan_id, period, **statuses):
    rows = [{"goal": goal, "status": status, "comment": f"{goal} i {period}",
             "progress": 60} for goal, status in statuses.items()]
    body = ok(client.post(f"/api/v1/plans/{plan_id}/followups", headers=headers,
                          json={"period": period, "goals": rows}), 201)
    assert body["status"] == "accepted", body["findings"]


def _docx(client, headers, query="year=2026&format=docx", code="DST"):
    response = client.get(f"/api/v1/institutions/{code}/annual-report?{query}",
                          headers=headers)
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.headers["Content-Type"] == DOCX
    assert response.headers["Content-Disposition"].startswith(
        'attachment; filename="faglige-resultater-DST-2026.docx"')
    return Document(io.BytesIO(response.data))


def test_headings_tables_and_danish(client, admin):
    plan = build_dst_plan(client, admin)
    ok(client.post(f"/api/v1/plans/{plan['id']}/goals", headers=admin, json=goal_body(
        "M4", title="Fire", success_criterion=ODD_TITLE, reason="Nyt")), 201)
    _report(client, admin, plan["id"], "2026-H2", M1="achieved", M2="partially_achieved",
            M3="not_achieved", M4="achieved")
    document = _docx(client, admin)
    headings = [(p.style.name, p.text) for p in document.paragraphs
                if p.style.name.startswith("Heading")]
    assert headings[:2] == [("Heading 1", "Faglige resultater 2026"),
                            ("Heading 2", "Mål- og resultatplan 2026 (DST-2026)")]
    texts = [p.text for p in document.paragraphs]
    assert "Danmarks Statistik (DST), Finansministeriet" in texts
    assert ("Planperiode 2026–2027. Af planens 4 mål er 2 opfyldt, 1 delvist opfyldt og "
            "1 ikke opfyldt." in texts)
    table = document.tables[0]  # the second: M4 added during the year (test_year_changes)
    cells = [[c.text for c in row.cells] for row in table.rows]
    assert cells[0] == ["Mål", "Succeskriterium", "Resultat", "Vurdering", "Kommentar"]
    assert all(run.bold for c in table.rows[0].cells for run in c.paragraphs[0].runs)
    assert table.rows[0]._tr.trPr.find(qn("w:tblHeader")) is not None  # repeats per page
    by_goal = {row[0].split()[0]: row for row in cells[1:]}
    assert by_goal["M1"] == ["M1 Kortere sagsbehandlingstid", "Gennemsnit højst 30 dage",
                             "fremdrift 60 %", "Opfyldt", "M1 i 2026-H2"]
    assert by_goal["M2"][3] == "Delvist opfyldt"
    # text from people as it was typed: Word runs no formulas, so no ' before the =
    assert by_goal["M4"][1] == ODD_TITLE
    lang = document.styles["Normal"].element.rPr.find(qn("w:lang"))
    assert lang is not None and lang.get(qn("w:val")) == "da-DK"
    assert document.core_properties.language == "da-DK"
    assert document.core_properties.title == "Faglige resultater 2026 – DST"


def test_what_no_document_can_hold_is_left_out_and_lines_are_kept():
    goal = GoalResult(code="M1", title="Ti\x01tel", success_criterion=None, status=None,
                      period=None, final=False, value=None, unit=None, progress=None,
                      comment="Første linje\n\nAnden\x1b linje")
    report = AnnualReport(year=2026, institution="DST", institution_name="Danmarks Statistik",
                          ministry_name="Finansministeriet", plans=[PlanResult(
                              reference="DST-2026", title="Plan", period_start=2026,
                              period_end=2026, goals=[goal])])
    document = Document(io.BytesIO(to_docx(report)))
    row = document.tables[0].rows[1].cells
    assert row[0].text == "M1 Titel" and row[3].text == "Ikke rapporteret"
    assert [p.text for p in row[4].paragraphs] == ["Første linje", "Anden linje"]


def test_a_year_without_plans_says_so(client, admin):
    build_dst_plan(client, admin)
    response = client.get("/api/v1/institutions/DST/annual-report?year=2030&format=docx",
                          headers=admin)
    document = Document(io.BytesIO(response.data))
    assert document.tables == []
    assert ("Danmarks Statistik har ingen godkendt mål- og resultatplan, der dækker 2030."
            in [p.text for p in document.paragraphs])


def test_word_is_offered_by_accept_and_documented(client, admin):
    build_dst_plan(client, admin)
    response = client.get("/api/v1/institutions/DST/annual-report?year=2026",
                          headers={**admin, "Accept": DOCX})
    assert response.status_code == 200 and response.headers["Content-Type"] == DOCX
    # no Accept: Markdown, as before
    response = client.get("/api/v1/institutions/DST/annual-report?year=2026", headers=admin)
    assert response.headers["Content-Type"].startswith("text/markdown")
    spec = client.get("/api/openapi.json").get_json()
    get = spec["paths"]["/api/v1/institutions/{code}/annual-report"]["get"]
    assert DOCX in get["responses"]["200"]["content"]
    (fmt,) = [p for p in get["parameters"] if p["name"] == "format"]
    assert "docx" in fmt["schema"]["enum"]
    assert "format=docx" in get.get("summary", "") + get.get("description", "")


def test_openpyxl_keeps_the_standard_librarys_xml_with_defusedxml():
    """python-docx installs lxml; openpyxl does not switch to it (``service`` sees to it), so
    workbooks are read with defusedxml's checks and written as before."""
    from openpyxl.xml import LXML, functions  # (this module imported ``service`` first)

    assert LXML is False
    assert functions.fromstring.__module__.startswith("defusedxml")

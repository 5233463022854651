"""The annual report's account of the year's results, as Markdown and HTML."""

from __future__ import annotations

import re

import pytest

from tests.support.factories import build_dst_plan, goal_body, ok, plan_body

SCRIPT_TITLE = "<script>alert(1)</script> & [link](http://x)"


def _report(client, headers, plan_id, period, **statuses):
    rows = [{"goal": goal, "status": status, "comment": f"{goal} i {period}"}
            for goal, status in statuses.items()]
    for row in rows:
        if row["goal"] != "M3":
            row["value"] = 35
        row["progress"] = 60
    body = ok(client.post(f"/api/v1/plans/{plan_id}/followups", headers=headers,
                          json={"period": period, "goals": rows}), 201)
    assert body["status"] == "accepted", body["findings"]
    return body


@pytest.fixture
def dst(client, admin):
    plan = build_dst_plan(client, admin)
    ok(client.post(f"/api/v1/plans/{plan['id']}/goals", headers=admin, json=goal_body(
        "M4", title=SCRIPT_TITLE, success_criterion="Mindst 5 | højst 7", reason="Nyt")), 201)
    return plan


def _get(client, headers, query):
    return client.get(f"/api/v1/institutions/DST/annual-report?{query}", headers=headers)


def _md(client, headers, year=2026):
    response = _get(client, headers, f"year={year}&format=md")
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.headers["Content-Type"] == "text/markdown; charset=utf-8"
    return response.get_data(as_text=True)


def _table_rows(markdown):
    """The results tables' rows → {goal code: [cells]} (not the year's changes below)."""
    rows = {}
    for line in markdown.splitlines():
        if line.startswith("### "):
            break
        if re.match(r"\| M\d", line):
            cells = [c.strip() for c in re.split(r"(?<!\\)\|", line)[1:-1]]
            rows[cells[0].split()[0]] = cells
    return rows


def test_final_status_is_the_year_end_report_with_its_comment(client, admin, dst):
    _report(client, admin, dst["id"], "2026-H1", M1="grøn", M2="gul", M3="grøn", M4="grøn")
    _report(client, admin, dst["id"], "2026-H2", M1="Opfyldt", M2="Delvist opfyldt",
            M3="Ikke opfyldt", M4="Opfyldt")
    _report(client, admin, dst["id"], "2027-H1", M1="rød", M2="rød", M3="rød", M4="rød")
    text = _md(client, admin)
    assert text.startswith("# Faglige resultater 2026\n")
    assert "Danmarks Statistik (DST), Finansministeriet" in text
    assert "\n## Mål- og resultatplan 2026 (DST-2026)\n" in text
    rows = _table_rows(text)
    assert rows["M1"] == ["M1 Kortere sagsbehandlingstid", "Gennemsnit højst 30 dage",
                          "35 dage, fremdrift 60 %", "Opfyldt", "M1 i 2026-H2"]
    assert rows["M2"][3:] == ["Delvist opfyldt", "M2 i 2026-H2"]
    assert rows["M3"][2:] == ["fremdrift 60 %", "Ikke opfyldt", "M3 i 2026-H2"]
    assert "Af planens 4 mål er 2 opfyldt, 1 delvist opfyldt og 1 ikke opfyldt." in text
    assert "2027-H1" not in text  # another year's report does not count


def test_a_later_report_for_the_period_supersedes(client, admin, dst):
    _report(client, admin, dst["id"], "2026-H2", M1="gul", M2="gul", M3="gul", M4="gul")
    _report(client, admin, dst["id"], "2026-H2", M1="Opfyldt", M2="Opfyldt", M3="Opfyldt",
            M4="Opfyldt")
    rows = _table_rows(_md(client, admin))
    assert {code: cells[3] for code, cells in rows.items()} == dict.fromkeys(
        ("M1", "M2", "M3", "M4"), "Opfyldt")


def test_without_a_year_end_report_the_latest_period_is_used_and_named(client, admin, dst):
    _report(client, admin, dst["id"], "2026-H1", M1="grøn", M2="gul", M3="grøn", M4="rød")
    text = _md(client, admin)
    rows = _table_rows(text)
    assert rows["M1"][3] == "På rette spor (pr. 1. halvår 2026)"
    assert rows["M2"][3:] == ["Udfordret (pr. 1. halvår 2026)", "M2 i 2026-H1"]
    assert rows["M4"][3] == "Ikke på rette spor (pr. 1. halvår 2026)"


def test_unreported_goals_say_so(client, admin, dst):
    rows = _table_rows(_md(client, admin))
    assert [cells[3] for cells in rows.values()] == ["Ikke rapporteret"] * 4
    assert "4 ikke rapporteret" in _md(client, admin)


def test_markdown_escapes_what_markdown_would_interpret(client, admin, dst):
    _report(client, admin, dst["id"], "2026-H2", M1="grøn", M2="grøn", M3="grøn", M4="grøn")
    text = _md(client, admin)
    m4 = next(line for line in text.splitlines() if line.startswith("| M4"))
    assert r"\<script\>alert(1)\</script\> \& \[link\](http://x)" in m4
    assert r"Mindst 5 \| højst 7" in m4
    assert "<script>" not in text
    assert len(_table_rows(text)["M4"]) == 5  # the escaped | does not split the cell


def test_html_is_escaped_and_self_contained(client, admin, dst):
    _report(client, admin, dst["id"], "2026-H2", M1="Opfyldt", M2="grøn", M3="grøn",
            M4="Opfyldt")
    response = _get(client, admin, "year=2026&format=html")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/html; charset=utf-8"
    assert "default-src 'none'" in response.headers["Content-Security-Policy"]
    page = response.get_data(as_text=True)
    assert page.startswith("<!DOCTYPE html>") and '<html lang="da">' in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; [link](http://x)" in page
    assert "<script" not in page.lower()
    for external in ("<link", "src=", "href=", "@import", "url("):
        assert external not in page.lower(), external
    assert "<td>Opfyldt</td>" in page
    assert "<td>M1 i 2026-H2</td>" in page
    assert "<h2>Mål- og resultatplan 2026 (DST-2026)</h2>" in page


def test_format_by_accept_header_and_406(client, admin, dst):
    html = _get(client, {**admin, "Accept": "text/html"}, "year=2026")
    assert html.mimetype == "text/html"
    md = _get(client, {**admin, "Accept": "text/markdown"}, "year=2026")
    assert md.mimetype == "text/markdown"
    assert "attachment" in md.headers["Content-Disposition"]
    refused = _get(client, {**admin, "Accept": "application/json"}, "year=2026")
    assert refused.status_code == 406
    assert refused.mimetype == "application/problem+json"
    bad = _get(client, admin, "year=2026&format=pdf")
    assert bad.status_code == 422 and "format" in bad.get_json()["errors"]
    missing = _get(client, admin, "format=md")
    assert missing.status_code == 422 and "year" in missing.get_json()["errors"]


def test_tenant_scoped(client, admin, token, dst):
    ok(client.post("/api/v1/ministries", json={"code": "SKM", "name": "Skat"}, headers=admin),
       201)
    ok(client.post("/api/v1/institutions", headers=admin, json={
        "code": "UFST", "name": "UFST", "ministry": "SKM"}), 201)
    for foreign in (token("department", ministry="SKM"), token("institution", institution="UFST")):
        response = _get(client, foreign, "year=2026&format=md")
        assert response.status_code == 404
        assert response.mimetype == "application/problem+json"
        assert "DST" not in response.get_data(as_text=True)
    for own in (token("department", ministry="FM"), token("institution", institution="DST")):
        assert "DST-2026" in _md(client, own)
    assert _get(client, admin, "year=2026&format=md").status_code == 200
    assert client.get("/api/v1/institutions/NOPE/annual-report?year=2026",
                      headers=admin).status_code == 404


def test_only_approved_plans_covering_the_year(client, admin, dst):
    ok(client.post("/api/v1/plans", headers=admin, json=plan_body(
        "DST", title="Kladde til 2026", period_start=2026, period_end=2026)), 201)
    text = _md(client, admin)
    assert "DST-2026" in text and "Kladde til 2026" not in text
    later = _md(client, admin, year=2029)
    assert "Danmarks Statistik har ingen godkendt mål- og resultatplan, der dækker 2029." in later
    assert "DST-2026" not in later

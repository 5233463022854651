"""Exports of plans and the overview as XLSX and CSV (as Danish Excel reads them)."""

from __future__ import annotations

import csv
import io

import openpyxl
import pytest

from service.exports.sheets import neutralise
from tests.support.factories import build_dst_plan, goal_body, ok, plan_body

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
HYPERLINK = '=HYPERLINK("http://x","y")'
DANGEROUS_TITLES = (HYPERLINK, "@SUM(1)", "  +1+1", "-2+3")


@pytest.fixture
def dst(client, admin):
    """The approved DST-2026 plan (M1–M3), plus M4–M7 with titles a spreadsheet would run,
    and an accepted 2026-H1 report."""
    plan = build_dst_plan(client, admin)
    for i, title in enumerate(DANGEROUS_TITLES, start=4):
        ok(client.post(f"/api/v1/plans/{plan['id']}/goals", headers=admin,
                       json=goal_body(f"M{i}", title=title, reason="Nyt mål")), 201)
    report = ok(client.post(f"/api/v1/plans/{plan['id']}/followups", headers=admin, json={
        "period": "2026-H1", "goals": [
            {"goal": "M1", "status": "grøn", "value": 35.5, "progress": 50,
             "comment": "=cmd|' /C calc'!A0"},
            {"goal": "M2", "status": "Udfordret", "value": 91, "progress": 40,
             "comment": "Forsinket; se bilag"},
            {"goal": "M3", "status": "Opfyldt", "progress": 100},
            *({"goal": f"M{i}", "status": "grøn", "value": 1} for i in range(4, 8)),
        ]}), 201)
    assert report["status"] == "accepted", report["findings"]
    return plan


def _csv(response):
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.mimetype == "text/csv"
    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert response.data.startswith(b"\xef\xbb\xbf")  # UTF-8 BOM: Excel reads æøå right
    text = response.data.decode("utf-8-sig")
    assert "\r\n" in text
    return list(csv.reader(io.StringIO(text, newline=""), delimiter=";"))


def _xlsx(response):
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.mimetype == XLSX
    return openpyxl.load_workbook(io.BytesIO(response.data)).active


def _records(rows):
    header, *body = rows
    return [dict(zip(header, row, strict=True)) for row in body]


# -- plans ----------------------------------------------------------------------------------


def test_plans_csv_has_a_row_per_goal_in_danish_with_decimal_comma(client, admin, dst):
    response = client.get("/api/v1/exports/plans?year=2026&format=csv", headers=admin)
    records = _records(_csv(response))
    assert "attachment" in response.headers["Content-Disposition"]
    assert "planer-2026.csv" in response.headers["Content-Disposition"]
    assert [r["Mål-ID"] for r in records] == ["M1", "M2", "M3", "M4", "M5", "M6", "M7"]
    m1 = records[0]
    assert m1["Planreference"] == "DST-2026"
    assert m1["Institution"] == "DST"
    assert m1["Planstatus"] == "Godkendt"
    assert m1["Mål"] == "Kortere sagsbehandlingstid"
    assert m1["Opgavetype"] == "Driftslignende opgave"
    assert m1["Måltype"] == "Outputmål"
    assert m1["Karakter"] == "Kvantitativ"
    assert m1["Succeskriterium"] == "Gennemsnit højst 30 dage"
    assert m1["Frist"] == "2026-12-31"
    assert (m1["Indikator"], m1["Enhed"], m1["Udgangspunkt"], m1["Målværdi"],
            m1["Retning"]) == ("Sagsbehandlingstid", "dage", "41", "30", "Reducere")
    assert m1["Målstatus"] == "Aktiv"
    m3 = records[2]
    assert (m3["Opgavetype"], m3["Karakter"], m3["Indikator"]) == (
        "Projektlignende opgave", "Kvalitativ", "")


def test_plans_xlsx_has_the_same_rows_with_numbers_as_numbers(client, admin, dst):
    ws = _xlsx(client.get("/api/v1/exports/plans?year=2026", headers={
        **admin, "Accept": XLSX}))
    rows = [[c.value for c in row] for row in ws.iter_rows()]
    header = rows[0]
    m2 = dict(zip(header, rows[2], strict=True))
    assert m2["Mål-ID"] == "M2" and m2["Måltype"] == "Kvalitetsmål"
    assert (m2["Udgangspunkt"], m2["Målværdi"], m2["Retning"]) == (90, 95, "Øge")
    assert ws.freeze_panes == "A2"


def test_decimal_comma_in_csv(client, admin, dst):
    plan = dst
    ok(client.post(f"/api/v1/plans/{plan['id']}/goals", headers=admin, json=goal_body(
        "M8", title="Decimaler", reason="Nyt mål", indicators=[{
            "name": "Tilfredshed", "unit": "point", "baseline": 3.25, "baseline_year": 2025,
            "target": 4.5, "direction": "increase", "data_source": "Måling"}])), 201)
    records = _records(_csv(client.get("/api/v1/exports/plans?format=csv", headers=admin)))
    m8 = next(r for r in records if r["Mål-ID"] == "M8")
    assert (m8["Udgangspunkt"], m8["Målværdi"]) == ("3,25", "4,5")


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_formula_injection_is_neutralised(client, admin, dst, fmt):
    response = client.get(f"/api/v1/exports/plans?format={fmt}", headers=admin)
    if fmt == "csv":
        titles = [r["Mål"] for r in _records(_csv(response))]
    else:
        ws = _xlsx(response)
        cells = [c for row in ws.iter_rows() for c in row]
        assert all(c.data_type != "f" for c in cells), "a cell became a formula"
        titles = [c.value for c in ws["H"][1:]]
        assert ws["H1"].value == "Mål"
    for title in DANGEROUS_TITLES:
        assert "'" + title in titles
        assert title not in titles


def test_filters_and_tenant_scoping_as_the_list(client, admin, token, dst):
    ok(client.post("/api/v1/ministries", json={"code": "SKM", "name": "Skat"}, headers=admin),
       201)
    ok(client.post("/api/v1/institutions", headers=admin, json={
        "code": "UFST", "name": "Udviklings- og Forenklingsstyrelsen", "ministry": "SKM"}), 201)
    ufst = ok(client.post("/api/v1/plans", json=plan_body("UFST"), headers=admin), 201)
    ok(client.post(f"/api/v1/plans/{ufst['id']}/goals", json=goal_body("U1"), headers=admin),
       201)

    def plans_in(headers, query=""):
        rows = _records(_csv(client.get(f"/api/v1/exports/plans?format=csv{query}",
                                        headers=headers)))
        return sorted({(r["Planreference"], r["Mål-ID"]) for r in rows})

    assert plans_in(token("department", ministry="SKM")) == [("UFST-2026", "U1")]
    assert [p for p, _ in plans_in(token("institution", institution="DST"))] == \
        ["DST-2026"] * 7
    assert plans_in(admin, "&ministry=skm") == [("UFST-2026", "U1")]
    assert plans_in(admin, "&year=2030") == []
    assert plans_in(admin, "&status=draft") == [("UFST-2026", "U1")]
    # a goal-type filter keeps only those goals
    assert plans_in(admin, "&goal_type=quality") == [("DST-2026", "M2")]


def test_unsupported_accept_is_406_problem(client, admin, dst):
    response = client.get("/api/v1/exports/plans", headers={**admin, "Accept": "application/pdf"})
    assert response.status_code == 406
    assert response.mimetype == "application/problem+json"
    body = response.get_json()
    assert body["status"] == 406 and body["title"] == "Not acceptable"
    assert "text/csv" in body["detail"]


def test_accept_header_chooses_the_format(client, admin, dst):
    as_csv = client.get("/api/v1/exports/plans", headers={**admin, "Accept": "text/csv"})
    assert as_csv.mimetype == "text/csv"
    assert as_csv.headers["Vary"] == "Accept"
    preferred = client.get("/api/v1/exports/plans", headers={
        **admin, "Accept": f"text/csv;q=0.5, {XLSX}"})
    assert preferred.mimetype == XLSX
    anything = client.get("/api/v1/exports/plans", headers={**admin, "Accept": "*/*"})
    assert anything.mimetype == XLSX
    # ?format= wins over Accept
    explicit = client.get("/api/v1/exports/plans?format=csv", headers={
        **admin, "Accept": XLSX})
    assert explicit.mimetype == "text/csv"


def test_bad_format_and_bad_filter_are_422(client, admin):
    bad = client.get("/api/v1/exports/plans?format=pdf", headers=admin)
    assert bad.status_code == 422
    assert "format" in bad.get_json()["errors"]
    year = client.get("/api/v1/exports/plans?year=tyve", headers=admin)
    assert year.status_code == 422 and "year" in year.get_json()["errors"]
    assert client.get("/api/v1/exports/plans").status_code == 401


# -- overview -------------------------------------------------------------------------------


def test_overview_csv_has_danish_status_value_progress_comment_and_report_state(
    client, admin, token, dst
):
    department = token("department", ministry="FM")
    response = client.get("/api/v1/exports/overview?period=2026-H1&format=csv",
                          headers=department)
    records = _records(_csv(response))
    assert "overblik-2026-H1.csv" in response.headers["Content-Disposition"]
    by_goal = {r["Mål-ID"]: r for r in records}
    assert list(by_goal) == ["M1", "M2", "M3", "M4", "M5", "M6", "M7"]
    m1, m2, m3 = by_goal["M1"], by_goal["M2"], by_goal["M3"]
    assert (m1["Institution"], m1["Plan"], m1["Periode"]) == ("DST", "DST-2026", "2026-H1")
    assert (m1["Status"], m1["Målt værdi"], m1["Fremdrift (%)"]) == ("På rette spor", "35,5",
                                                                     "50")
    assert m1["Kommentar"] == "'=cmd|' /C calc'!A0"
    assert (m2["Status"], m2["Kommentar"]) == ("Udfordret", "Forsinket; se bilag")
    assert (m3["Status"], m3["Målt værdi"], m3["Fremdrift (%)"]) == ("Opfyldt", "", "100")
    assert m1["Rapport"] in ("Modtaget", "Modtaget for sent")
    assert m1["Frist"] == "2026-07-30"
    assert by_goal["M4"]["Mål"] == "'" + HYPERLINK
    # H2 is not reported yet
    h2 = _records(_csv(client.get("/api/v1/exports/overview?period=2026-H2&format=csv",
                                  headers=department)))
    assert {r["Rapport"] for r in h2} <= {"Ikke forfalden endnu", "Mangler"}
    assert {r["Status"] for r in h2} == {""}


def test_overview_xlsx_filters_and_scoping(client, admin, token, dst):
    ws = _xlsx(client.get("/api/v1/exports/overview?period=2026-H1&status=at_risk",
                          headers={**admin, "Accept": XLSX}))
    rows = [[c.value for c in row] for row in ws.iter_rows()]
    header, *body = rows
    assert len(body) == 1
    row = dict(zip(header, body[0], strict=True))
    assert (row["Mål-ID"], row["Status"], row["Målt værdi"], row["Fremdrift (%)"]) == (
        "M2", "Udfordret", 91, 40)
    assert all(c.data_type != "f" for r in ws.iter_rows() for c in r)
    ok(client.post("/api/v1/ministries", json={"code": "SKM", "name": "Skat"}, headers=admin),
       201)
    other = _xlsx(client.get("/api/v1/exports/overview?period=2026-H1",
                             headers={**token("department", ministry="SKM"), "Accept": XLSX}))
    assert other.max_row == 1  # the header alone


def test_overview_needs_a_valid_period(client, admin):
    missing = client.get("/api/v1/exports/overview?format=csv", headers=admin)
    assert missing.status_code == 422 and "period" in missing.get_json()["errors"]
    bad = client.get("/api/v1/exports/overview?period=sommer&format=csv", headers=admin)
    assert bad.status_code == 422 and "period" in bad.get_json()["errors"]
    refused = client.get("/api/v1/exports/overview?period=2026-H1",
                         headers={**admin, "Accept": "application/json"})
    assert refused.status_code == 406
    assert refused.mimetype == "application/problem+json"


# -- the cell rule itself -------------------------------------------------------------------


@pytest.mark.parametrize("text", [
    "=1+1", "+1", "-1", "@SUM(1)", " =1", "  \u00a0@x", "\t=1", "\r=1", "\tplain", "\rplain",
])
def test_neutralise_prefixes_what_a_spreadsheet_would_run(text):
    assert neutralise(text) == "'" + text


@pytest.mark.parametrize("text", ["", "Kortere tid", "a=b", "M1", "30 % - mindst"])
def test_neutralise_leaves_plain_text_alone(text):
    assert neutralise(text) == text

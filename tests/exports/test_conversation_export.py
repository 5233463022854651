"""The conversation as a workbook or CSV (/api/v1/exports/conversation): one row per step,
the department's decision and comments beside the reports, text by the one cell rule."""

from __future__ import annotations

import csv
import io

import openpyxl

from service.exports.conversation import COLUMNS
from tests.api.conftest import problem_of
from tests.support.factories import build_dst_plan, ok

ROWS = [
    {"goal": "M1", "status": "grøn", "value": 35, "progress": 50},
    {"goal": "M2", "status": "gul", "value": 91, "progress": 40},
    {"goal": "M3", "status": "På rette spor", "progress": 30},
]
HYPERLINK = '=HYPERLINK("http://x","y")'


def _conversation(client, admin, token):
    plan = build_dst_plan(client, admin)
    fm = token("department", ministry="FM")
    first = ok(client.post(f"/api/v1/plans/{plan['id']}/followups", headers=admin,
                           json={"period": "2026-H1", "goals": ROWS}), 201)
    ok(client.post(f"/api/v1/followups/{first['id']}/review", headers=fm, json={
        "decision": "returned", "comment": HYPERLINK,
        "goals": [{"goal": "M1", "comment": "Kilde?"}, {"goal": "M2", "comment": "-1+2"}]}))
    second = ok(client.post(f"/api/v1/plans/{plan['id']}/followups", headers=admin,
                            json={"period": "2026-H1", "goals": ROWS}), 201)
    ok(client.post(f"/api/v1/followups/{second['id']}/review", headers=fm,
                   json={"decision": "acknowledged"}))
    return plan, first, second


def _column(name):
    return COLUMNS.index(name)


def test_the_csv_has_a_row_per_step_in_order(client, admin, token):
    _plan, first, second = _conversation(client, admin, token)
    response = client.get("/api/v1/exports/conversation?format=csv&period=2026-H1",
                          headers=admin)
    assert response.status_code == 200
    assert 'filename="dialog-2026-H1.csv"' in response.headers["Content-Disposition"]
    text = response.get_data().decode("utf-8")
    assert text.startswith("\ufeff") and "\r\n" in text
    header, *rows = list(csv.reader(io.StringIO(text.lstrip("\ufeff")), delimiter=";"))
    assert tuple(header) == COLUMNS
    what = _column("Hvad")
    assert [r[what] for r in rows] == ["Opfølgning modtaget", "Departementets svar",
                                       "Ny opfølgning modtaget", "Departementets svar"]
    assert [r[_column("Nr.")] for r in rows] == ["1", "2", "3", "4"]
    assert {r[_column("Periode i tekst")] for r in rows} == {"1. halvår 2026"}
    assert [int(r[_column("Opfølgning (id)")]) for r in rows] == [
        first["id"], first["id"], second["id"], second["id"]]
    report, returned, again, acknowledged = rows
    assert report[_column("Opfølgningens status")] == "erstattet"
    assert report[_column("Kanal")] == "API"
    assert returned[_column("Departementets svar")] == "sendt tilbage til institutionen"
    # what people typed is shown, never run
    assert returned[_column("Departementets kommentar")] == "'" + HYPERLINK
    assert returned[_column("Kommentarer til mål")] == "M1: Kilde?\nM2: -1+2"
    assert returned[_column("Givet af")] == "test-department"
    assert returned[_column("Gældende svar")] == "Ja"
    assert again[_column("Opfølgningens status")] == "registreret"
    assert acknowledged[_column("Departementets svar")] == "kvitteret"
    assert " kl. " in report[_column("Tidspunkt")]


def test_the_workbook_holds_text_cells_and_the_scope_holds(client, admin, token):
    _conversation(client, admin, token)
    response = client.get("/api/v1/exports/conversation?format=xlsx", headers=admin)
    assert response.status_code == 200
    wb = openpyxl.load_workbook(io.BytesIO(response.get_data()))
    ws = wb["Dialog"]
    assert tuple(c.value for c in ws[1]) == COLUMNS
    comment = ws.cell(row=3, column=_column("Departementets kommentar") + 1)
    assert comment.value == "'" + HYPERLINK and comment.data_type == "s"
    assert ws.max_row == 5
    # another ministry's department gets the sheet with no rows of FM's plans
    ok(client.post("/api/v1/ministries", json={"code": "SKM", "name": "Skat"}, headers=admin),
       201)
    skm = token("department", ministry="SKM")
    other = client.get("/api/v1/exports/conversation?format=csv", headers=skm)
    assert other.get_data().decode("utf-8").lstrip("\ufeff").count("\r\n") == 1  # the header
    problem_of(client.get("/api/v1/exports/conversation?format=csv&period=nej",
                          headers=admin), 422)


def test_the_overview_export_has_the_departments_answer(client, admin, token):
    plan, _first, second = _conversation(client, admin, token)
    ok(client.post(f"/api/v1/followups/{second['id']}/review", headers=admin, json={
        "decision": "returned", "comment": "@SUM(1)",
        "goals": [{"goal": "M3", "comment": "Lanceringsdato?"}]}))
    response = client.get("/api/v1/exports/overview?period=2026-H1&format=csv",
                          headers=admin)
    text = response.get_data().decode("utf-8-sig")
    header, *rows = list(csv.reader(io.StringIO(text, newline=""), delimiter=";"))
    records = {r[header.index("Mål-ID")]: dict(zip(header, r, strict=True)) for r in rows}
    assert {r["Departementets svar"] for r in records.values()} == {
        "sendt tilbage til institutionen"}
    assert records["M1"]["Departementets kommentar"] == "'@SUM(1)"
    assert records["M3"]["Departementets kommentar til målet"] == "Lanceringsdato?"
    assert records["M1"]["Departementets kommentar til målet"] == ""
    h2 = client.get("/api/v1/exports/overview?period=2026-H2&format=csv", headers=admin)
    h2_rows = list(csv.reader(io.StringIO(h2.get_data().decode("utf-8-sig"), newline=""),
                              delimiter=";"))
    column = h2_rows[0].index("Departementets svar")
    assert {r[column] for r in h2_rows[1:]} == {""}  # not reported: no answer
    assert plan["reference"] == "DST-2026"

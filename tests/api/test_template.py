"""The follow-up template: downloaded, filled in, read back by the intake's XLSX parser."""

from __future__ import annotations

import io

import openpyxl

from service.intake.reports import builtin_parsers, parse_attachment
from tests.support.factories import build_dst_plan, ok

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _download(client, headers, plan_id, period="2026-H1"):
    return client.get(f"/api/v1/plans/{plan_id}/followup-template.xlsx?period={period}",
                      headers=headers)


def test_template_has_labels_goals_dropdown_and_protection(client, admin):
    plan = build_dst_plan(client, admin)
    response = _download(client, admin, plan["id"])
    assert response.status_code == 200
    assert response.mimetype == XLSX
    assert "DST-2026-2026-H1.xlsx" in response.headers["Content-Disposition"]
    wb = openpyxl.load_workbook(io.BytesIO(response.data))
    ws = wb["Opfølgning"]
    assert (ws["A2"].value, ws["B2"].value) == ("Planreference", "DST-2026")
    assert (ws["A3"].value, ws["B3"].value) == ("Periode", "2026-H1")
    header = [c.value for c in ws[8]]
    assert header[:2] == ["Mål-ID", "Mål"] and "Status" in header and "Kommentar" in header
    assert [ws.cell(row=r, column=1).value for r in (9, 10, 11)] == ["M1", "M2", "M3"]
    assert ws["H9"].value == 30  # M1's target
    assert ws.protection.sheet is True
    assert ws["A9"].protection.locked is True  # the goal code cannot change
    assert ws["I9"].protection.locked is False  # the status can
    [validation] = ws.data_validations.dataValidation
    assert validation.type == "list" and "I9" in str(validation.sqref)
    assert "På rette spor" in [c.value for c in wb["Lister"]["A"]]
    assert wb["Lister"].sheet_state == "hidden"


def test_filled_template_reads_back(client, admin):
    plan = build_dst_plan(client, admin)
    wb = openpyxl.load_workbook(io.BytesIO(_download(client, admin, plan["id"]).data))
    ws = wb["Opfølgning"]
    for row, (status, value) in zip((9, 10, 11), (("På rette spor", 35), ("Udfordret", 91),
                                                  ("Opfyldt", None)), strict=True):
        ws.cell(row=row, column=9, value=status)
        ws.cell(row=row, column=10, value=value)
    out = io.BytesIO()
    wb.save(out)
    report = parse_attachment(builtin_parsers(), "rapport.xlsx", XLSX, out.getvalue())
    assert (report.plan, report.period) == ("DST-2026", "2026-H1")
    assert [(r.goal, r.status, r.value) for r in report.rows] == [
        ("M1", "På rette spor", 35), ("M2", "Udfordret", 91), ("M3", "Opfyldt", None)]


def test_period_must_fit_the_plan(client, admin):
    plan = build_dst_plan(client, admin)
    for bad in ("2026-Q1", "2031-H1", "noget"):
        response = _download(client, admin, plan["id"], bad)
        assert response.status_code == 422, bad
        assert "period" in response.get_json()["errors"]
    assert _download(client, admin, plan["id"], "").status_code == 422


def test_template_is_tenant_scoped(client, admin, token):
    plan = build_dst_plan(client, admin)
    ok(client.post("/api/v1/ministries", json={"code": "SKM", "name": "Skat"}, headers=admin),
       201)
    assert _download(client, token("department", ministry="SKM"), plan["id"]).status_code == 404
    assert _download(client, token("institution", institution="DST"), plan["id"]).status_code \
        == 200

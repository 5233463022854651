"""The template the service hands out comes back by mail and is accepted: as the workbook
itself, and as the CSV Danish Excel saves it as ("CSV (semikolonsepareret)", Windows-1252)."""

from __future__ import annotations

import csv
import io

import openpyxl

from tests.intake.pipeline.conftest import report_mail
from tests.support.factories import ok

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
ANSWERS = {"M1": ("På rette spor", 35, 50, "Følger planen"),
           "M2": ("Udfordret", 91.5, 40, "Leverandøren er forsinket"),
           "M3": ("På rette spor", None, 60, "Lancering i maj")}


def _filled_template(client, headers, plan_id) -> openpyxl.Workbook:
    response = client.get(f"/api/v1/plans/{plan_id}/followup-template.xlsx?period=2026-H1",
                          headers=headers)
    assert response.status_code == 200
    wb = openpyxl.load_workbook(io.BytesIO(response.data))
    ws = wb["Opfølgning"]
    header = [c.value for c in ws[8]]
    columns = {name: header.index(name) + 1 for name in
               ("Status", "Målt værdi", "Fremdrift (%)", "Kommentar")}
    for row in range(9, ws.max_row + 1):
        code = ws.cell(row=row, column=1).value
        if code in ANSWERS:
            for name, value in zip(columns, ANSWERS[code], strict=True):
                ws.cell(row=row, column=columns[name], value=value)
    return wb


def _assert_accepted(client, admin, plan_id):
    [message] = ok(client.get("/api/v1/intake/messages", headers=admin))
    assert (message["state"], message["plan"]) == ("accepted", "DST-2026"), message
    [followup] = ok(client.get(f"/api/v1/plans/{plan_id}/followups", headers=admin))
    assert followup["period"] == "2026-H1"
    assert {g["goal"]: (g["status"], g["value"]) for g in followup["goals"]} == {
        "M1": ("on_track", 35), "M2": ("at_risk", 91.5), "M3": ("on_track", None)}


def test_filled_template_mailed_back_is_accepted(client, admin, dst_plan, mailbox, poll):
    wb = _filled_template(client, admin, dst_plan["id"])
    out = io.BytesIO()
    wb.save(out)
    mailbox.append("INBOX", report_mail(subject="Opfølgning", attachment=out.getvalue(),
                                        filename="opfølgning.xlsx", content_type=XLSX))
    assert "accepted 1" in poll()
    _assert_accepted(client, admin, dst_plan["id"])


def test_template_saved_as_danish_excel_csv_is_accepted(client, admin, dst_plan, mailbox,
                                                         poll):
    ws = _filled_template(client, admin, dst_plan["id"])["Opfølgning"]
    text = io.StringIO()
    writer = csv.writer(text, delimiter=";", lineterminator="\r\n")
    for row in ws.iter_rows(values_only=True):
        writer.writerow(["" if v is None else str(v).replace(".", ",")
                         if isinstance(v, float) else v for v in row])
    data = text.getvalue().encode("cp1252")
    assert "Målt værdi".encode("cp1252") in data and b"91,5" in data
    mailbox.append("INBOX", report_mail(subject="Opfølgning", attachment=data,
                                        filename="opfølgning.csv", content_type="text/csv"))
    assert "accepted 1" in poll()
    _assert_accepted(client, admin, dst_plan["id"])

"""POST /plans/{id}/followups by an institution, and fields a report can never set, whether
it comes by mail or by the API."""

from __future__ import annotations

from tests.intake.pipeline.conftest import json_report, report_mail
from tests.support.factories import ok, plan_body

ROWS = [
    {"goal": "M1", "status": "on_track", "value": 35, "progress": 50},
    {"goal": "M2", "status": "on_track", "value": 93.5, "progress": 40},
    {"goal": "M3", "status": "on_track", "progress": 60},
]


def _other_plan(client, admin):
    ok(client.post("/api/v1/ministries", json={"code": "SKM", "name": "Skatteministeriet"},
                   headers=admin), 201)
    ok(client.post("/api/v1/institutions", headers=admin, json={
        "code": "UFST", "name": "UFST", "ministry": "SKM",
        "reporting_addresses": ["opfoelgning@ufst.dk"]}), 201)
    return ok(client.post("/api/v1/plans", json=plan_body("UFST"), headers=admin), 201)


def test_an_institution_reports_on_its_own_plan_only(client, admin, token, dst_plan):
    other = _other_plan(client, admin)
    dst = token("institution", institution="DST")

    mine = ok(client.post(f"/api/v1/plans/{dst_plan['id']}/followups", headers=dst,
                          json={"period": "2026-H1", "goals": ROWS}), 201)
    assert (mine["plan"], mine["period"], mine["status"], mine["channel"]) == (
        "DST-2026", "2026-H1", "accepted", "api")

    response = client.post(f"/api/v1/plans/{other['id']}/followups", headers=dst,
                           json={"period": "2026-H1", "goals": ROWS})
    assert response.status_code == 404
    assert ok(client.get(f"/api/v1/plans/{other['id']}/followups", headers=admin)) == []


def test_api_refuses_server_owned_fields(client, admin, token, dst_plan):
    dst = token("institution", institution="DST")
    url = f"/api/v1/plans/{dst_plan['id']}/followups"
    for body in (
        {"period": "2026-H1", "goals": ROWS, "status": "accepted"},
        {"period": "2026-H1", "goals": ROWS, "superseded_by": 1},
        {"period": "2026-H1", "goals": ROWS, "plan_id": dst_plan["id"]},
        {"period": "2026-H1", "goals": [{**ROWS[0], "plan_id": 1}, *ROWS[1:]]},
    ):
        response = client.post(url, headers=dst, json=body)
        assert response.status_code == 422, body
    assert ok(client.get(url, headers=admin)) == []


def test_a_mailed_report_cannot_set_server_owned_fields(
    client, admin, dst_plan, mailbox, poll
):
    other = _other_plan(client, admin)
    mailbox.append("INBOX", report_mail(attachment=json_report(goals=ROWS)))
    poll()
    [first] = ok(client.get(f"/api/v1/plans/{dst_plan['id']}/followups", headers=admin))

    # M3 missing: an error; the document claims otherwise everywhere it can
    sneaky = json_report(
        goals=[{**row, "plan_id": other["id"], "superseded_by": 999, "followup_id": 1,
                "current": True, "id": first["id"]} for row in ROWS[:2]],
        status="accepted", plan_id=other["id"], superseded_by=first["id"], id=first["id"],
        current=True, channel="api", submitted_by="direktionen", inbound_message=None,
        received_at="2020-01-01T00:00:00Z",
    )
    mailbox.append("INBOX", report_mail(attachment=sneaky))
    poll()

    second, first_again = ok(client.get(f"/api/v1/plans/{dst_plan['id']}/followups",
                                        headers=admin))
    assert first_again == first  # untouched: not superseded, still current
    assert second["id"] != first["id"]
    assert (second["plan"], second["status"], second["superseded_by"], second["current"]) == (
        "DST-2026", "rejected", None, False)
    assert (second["channel"], second["submitted_by"]) == ("email", "opfoelgning@dst.dk")
    assert not second["received_at"].startswith("2020")
    assert ("followup.missing-goal", "M3") in {(f["rule"], f["goal"])
                                               for f in second["findings"]}
    assert ok(client.get(f"/api/v1/plans/{other['id']}/followups", headers=admin)) == []


def test_numbers_beyond_a_float_are_refused_not_a_server_error(client, admin, token, dst_plan):
    url = f"/api/v1/plans/{dst_plan['id']}/followups"
    dst = token("institution", institution="DST")
    for number in ("1" + "0" * 400, "1e400", "-1e400"):
        for field in ("value", "progress"):
            body = ('{"period": "2026-H1", "goals": [{"goal": "M1", "status": "on_track", '
                    f'"{field}": {number}}}]}}')
            response = client.post(url, data=body, content_type="application/json", headers=dst)
            assert response.status_code == 422, (field, number, response.get_json())
            assert field in str(response.get_json()["errors"])
    assert ok(client.get(url, headers=admin)) == []

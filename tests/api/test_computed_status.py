"""The computed status beside the reported one (DESIGN section 12): in a follow-up's body,
the rule ``followup.status-disagrees``, the overview and its filter, the exports, and a
ministry's own thresholds through the API and the CLI."""

from __future__ import annotations

import csv
import io

from sqlalchemy import select

from service.domain.models import AuditEvent
from service.extensions import db
from tests.api.conftest import problem_of
from tests.support.factories import build_dst_plan, ok

# DST-2026's M1: 41 → 30 dage (end of 2025 → 31 December 2026); M2: 90 → 95 %; M3: a
# qualitative project goal whose one milestone is due in May 2027
M1_BASIS = ("Målt 35 dage. Forventet 35,55 dage ved udgangen af 1. halvår 2026 på vej mod "
            "30 dage i december 2026. Det er 110 % af den forventede fremdrift.")
M2_BASIS = ("Målt 90,5 %. Forventet 92,48 % ved udgangen af 1. halvår 2026 på vej mod 95 % i "
            "december 2026. Det er 20 % af den forventede fremdrift.")
ROWS = [
    {"goal": "M1", "status": "grøn", "value": 35, "progress": 50},
    {"goal": "M2", "status": "På rette spor", "value": "90,5", "progress": 40},
    {"goal": "M3", "status": "gul", "progress": 30, "comment": "Lanceringen er forsinket"},
]


def _report(client, headers, plan_id, rows=ROWS, period="2026-H1"):
    return ok(client.post(f"/api/v1/plans/{plan_id}/followups", headers=headers,
                          json={"period": period, "goals": rows}), 201)


def _disagreements(body):
    return [f for f in body["findings"] if f["rule"] == "followup.status-disagrees"]


def test_a_report_keeps_the_computed_status_beside_the_reported(client, admin):
    plan = build_dst_plan(client, admin)
    body = _report(client, admin, plan["id"])
    assert body["status"] == "accepted"  # a disagreement is a warning
    rows = {g["goal"]: g for g in body["goals"]}
    assert rows["M1"]["status"] == "on_track"
    assert rows["M1"]["computed_status"] == "on_track"
    assert round(rows["M1"]["expected_value"], 2) == 35.55
    assert rows["M1"]["computed_basis"] == M1_BASIS
    assert rows["M2"]["computed_status"] == "off_track"
    assert rows["M2"]["computed_basis"] == M2_BASIS
    assert rows["M3"]["computed_status"] is None
    assert rows["M3"]["expected_value"] is None
    assert rows["M3"]["computed_basis"] == ("Ingen af målets milepæle har frist senest 30. juni "
                                           "2026, så status kan ikke beregnes endnu.")
    [finding] = _disagreements(body)
    assert finding == {
        "rule": "followup.status-disagrees", "severity": "warning", "goal": "M2",
        "plugin": "followup",
        "message": f"Mål M2 er meldt »På rette spor«, men den beregnede status er »Ikke på "
                   f"rette spor«: {M2_BASIS} Ret status, eller forklar forskellen i "
                   "kommentaren.",
    }
    again = ok(client.get(f"/api/v1/followups/{body['id']}", headers=admin))
    assert again["goals"] == body["goals"] and _disagreements(again) == [finding]
    listed = ok(client.get(f"/api/v1/plans/{plan['id']}/followups", headers=admin))
    assert listed[0]["goals"] == body["goals"]


def test_one_step_apart_is_no_finding(client, admin):
    plan = build_dst_plan(client, admin)
    rows = [dict(ROWS[0]), {**ROWS[1], "status": "gul", "comment": "Bag planen"}, ROWS[2]]
    assert _disagreements(_report(client, admin, plan["id"], rows)) == []


def test_a_ministry_can_switch_the_rule_off(client, admin):
    plan = build_dst_plan(client, admin)
    ok(client.put("/api/v1/ministries/FM/rules/followup.status-disagrees",
                  headers=admin, json={"severity": "off"}))
    assert _disagreements(_report(client, admin, plan["id"])) == []


def test_the_overview_shows_both_and_filters_disagreements(client, admin, token):
    plan = build_dst_plan(client, admin)
    _report(client, admin, plan["id"])
    department = token("department", ministry="FM")
    data = ok(client.get("/api/v1/overview?period=2026-H1", headers=department))
    goals = {g["goal"]: g for g in data["plans"][0]["goals"]}
    assert goals["M2"]["status"] == "on_track"
    assert goals["M2"]["computed_status"] == "off_track"
    assert goals["M2"]["computed_basis"] == M2_BASIS
    assert [g for g, row in goals.items() if row["disagrees"]] == ["M2"]
    only = ok(client.get("/api/v1/overview?period=2026-H1&disagrees=true", headers=department))
    assert [g["goal"] for g in only["plans"][0]["goals"]] == ["M2"]
    assert only["counts"] == {"on_track": 1}
    h2 = ok(client.get("/api/v1/overview?period=2026-H2&disagrees=true", headers=department))
    assert h2["plans"] == []
    history = ok(client.get(f"/api/v1/goals/{goals['M2']['id']}/history", headers=department))
    assert history["reports"][0]["computed_status"] == "off_track"
    assert history["values"][0]["computed_status"] == "off_track"


def test_the_overview_export_has_the_computed_columns(client, admin):
    plan = build_dst_plan(client, admin)
    _report(client, admin, plan["id"])
    response = client.get("/api/v1/exports/overview?period=2026-H1&format=csv", headers=admin)
    assert response.status_code == 200
    text = response.get_data().decode("utf-8-sig")
    header, *rows = list(csv.reader(io.StringIO(text, newline=""), delimiter=";"))
    records = {r[header.index("Mål-ID")]: dict(zip(header, r, strict=True)) for r in rows}
    assert header[-3:] == ["Beregnet status", "Forventet værdi",
                           "Grundlag for beregnet status"]
    assert records["M2"]["Beregnet status"] == "Ikke på rette spor"
    assert records["M2"]["Forventet værdi"] == "92,479452"
    assert records["M2"]["Grundlag for beregnet status"] == M2_BASIS
    assert records["M3"]["Beregnet status"] == ""
    only = client.get("/api/v1/exports/overview?period=2026-H1&format=csv&disagrees=true",
                      headers=admin).get_data().decode("utf-8-sig")
    assert [r[header.index("Mål-ID")] for r in list(
        csv.reader(io.StringIO(only, newline=""), delimiter=";"))[1:]] == ["M2"]


# --- a ministry's thresholds ------------------------------------------------------------

URL = "/api/v1/ministries/FM/status-thresholds"


def test_thresholds_default_then_the_departments_own(client, admin, token):
    plan = build_dst_plan(client, admin)
    department = token("department", ministry="FM")
    assert ok(client.get(URL, headers=department)) == {
        "ministry": "FM", "on_track": 0.95, "at_risk": 0.85, "maintain_tolerance": 0.05,
        "default": True}
    changed = ok(client.put(URL, headers=department,
                            json={"on_track": 0.2, "at_risk": 0.1, "reason": "Forsøg"}))
    assert changed == {"ministry": "FM", "on_track": 0.2, "at_risk": 0.1,
                       "maintain_tolerance": 0.05, "default": False}
    assert ok(client.get(URL, headers=token("institution", institution="DST"))) == changed
    # the next report is computed with them: M2's 20 % is now on track
    body = _report(client, admin, plan["id"])
    assert {g["goal"]: g["computed_status"] for g in body["goals"]}["M2"] == "on_track"
    assert _disagreements(body) == []
    [event] = db.session.scalars(
        select(AuditEvent).where(AuditEvent.action == "status-thresholds")).all()
    assert (event.entity, event.plan_id, event.actor_role, event.reason) == (
        "ministry", None, "department", "Forsøg")
    assert event.before == {"on_track": 0.95, "at_risk": 0.85}
    assert event.after == {"on_track": 0.2, "at_risk": 0.1}


def test_thresholds_tenancy(client, admin, token):
    build_dst_plan(client, admin)
    ok(client.post("/api/v1/ministries", json={"code": "SKM", "name": "Skat"}, headers=admin),
       201)
    skm = token("department", ministry="SKM")
    problem_of(client.get(URL, headers=skm), 404)
    problem_of(client.put(URL, headers=skm, json={"on_track": 0.9}), 404)
    institution = token("institution", institution="DST")
    problem_of(client.put(URL, headers=institution, json={"on_track": 0.9}), 403)
    assert ok(client.put(URL, headers=admin, json={"maintain_tolerance": 0.1}))[
        "maintain_tolerance"] == 0.1
    assert ok(client.get("/api/v1/ministries/SKM/status-thresholds", headers=skm))["default"]


def test_thresholds_validation_names_the_field(client, admin):
    build_dst_plan(client, admin)
    for body, field in (
        ({"on_track": 0}, "on_track"),
        ({"on_track": 1.6}, "on_track"),
        ({"at_risk": -0.1}, "at_risk"),
        ({"on_track": 0.8, "at_risk": 0.9}, "at_risk"),
        ({"at_risk": 0.96}, "at_risk"),  # above the default on_track
        ({"maintain_tolerance": 0.6}, "maintain_tolerance"),
        ({"on_track": "høj"}, "on_track"),
        ({"bogus": 1}, "bogus"),
    ):
        problem = problem_of(client.put(URL, headers=admin, json=body), 422)
        assert field in problem["errors"], (body, problem)
    assert ok(client.get(URL, headers=admin))["default"] is True
    assert db.session.scalars(select(AuditEvent).where(
        AuditEvent.action == "status-thresholds")).all() == []


def test_thresholds_by_the_command_line(app, client, admin, runner):
    build_dst_plan(client, admin)
    shown = runner.invoke(args=["ministries", "thresholds", "fm"])
    assert shown.exit_code == 0, shown.output
    assert shown.output == ("FM: on track from 0.95, at risk from 0.85, maintain tolerance "
                            "0.05 (defaults)\n")
    changed = runner.invoke(args=["ministries", "thresholds", "FM", "--on-track", "0.9",
                                  "--at-risk", "0.8", "--reason", "Ny praksis"])
    assert changed.exit_code == 0, changed.output
    assert changed.output == ("FM: on track from 0.9, at risk from 0.8, maintain tolerance "
                              "0.05\n")
    assert ok(client.get(URL, headers=admin))["on_track"] == 0.9
    bad = runner.invoke(args=["ministries", "thresholds", "FM", "--at-risk", "0.95"])
    assert bad.exit_code == 1 and "Udfordret" in bad.output
    unknown = runner.invoke(args=["ministries", "thresholds", "XX", "--at-risk", "0.5"])
    assert unknown.exit_code == 1 and "findes ikke" in unknown.output
    [event] = db.session.scalars(
        select(AuditEvent).where(AuditEvent.action == "status-thresholds")).all()
    assert (event.actor, event.reason) == ("system", "Ny praksis")

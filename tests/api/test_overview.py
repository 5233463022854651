"""The ministry overview and goal history."""

from __future__ import annotations

from datetime import date

from tests.support.factories import build_dst_plan, ok


def _report(client, headers, plan_id, period, rows):
    return ok(client.post(f"/api/v1/plans/{plan_id}/followups", headers=headers,
                          json={"period": period, "goals": rows}), 201)


ROWS = [
    {"goal": "M1", "status": "grøn", "value": 35, "progress": 50},
    {"goal": "M2", "status": "gul", "value": 91, "progress": 40, "comment": "Forsinket"},
    {"goal": "M3", "status": "På rette spor", "progress": 30, "comment": "Følger planen"},
]


def test_overview_shows_current_status_counts_and_report_state(client, admin, token):
    plan = build_dst_plan(client, admin)
    _report(client, admin, plan["id"], "2026-H1", ROWS)
    department = token("department", ministry="FM")
    data = ok(client.get("/api/v1/overview?period=2026-H1", headers=department))
    assert data["period"] == "2026-H1"
    [item] = data["plans"]
    assert item["plan"] == "DST-2026"
    # received today; due 30 days after 30 June
    expected = "late" if date.today() > date(2026, 7, 30) else "received"
    assert item["report"]["state"] == expected
    assert item["report"]["due"] == "2026-07-30"
    assert {g["goal"]: g["status"] for g in item["goals"]} == {
        "M1": "on_track", "M2": "at_risk", "M3": "on_track"}
    assert data["counts"] == {"on_track": 2, "at_risk": 1}
    h2 = ok(client.get("/api/v1/overview?period=2026-H2", headers=department))
    assert h2["plans"][0]["report"]["state"] == (
        "missing" if date.today() > date(2027, 1, 30) else "due")
    assert h2["plans"][0]["counts"] == {"unreported": 3}
    at_risk = ok(client.get("/api/v1/overview?period=2026-H1&status=at_risk", headers=department))
    assert [g["goal"] for g in at_risk["plans"][0]["goals"]] == ["M2"]


def test_overview_is_scoped_and_rejected_reports_do_not_count(client, admin, token):
    plan = build_dst_plan(client, admin)
    _report(client, admin, plan["id"], "2026-H1", [{"goal": "M1", "status": "lilla"}])
    other = ok(client.post("/api/v1/ministries", json={"code": "SKM", "name": "Skat"},
                           headers=admin), 201)
    assert other["code"] == "SKM"
    skm = token("department", ministry="SKM")
    assert ok(client.get("/api/v1/overview?period=2026-H1", headers=skm))["plans"] == []
    fm = ok(client.get("/api/v1/overview?period=2026-H1",
                       headers=token("department", ministry="FM")))
    assert fm["plans"][0]["report"]["rejected"] == 1
    assert fm["plans"][0]["report"]["followup"] is None


def test_bad_period_is_a_problem_naming_the_field(client, admin):
    response = client.get("/api/v1/overview?period=sommer", headers=admin)
    assert response.status_code == 422
    assert "period" in response.get_json()["errors"]


def test_goal_history_lists_periods_in_order(client, admin):
    plan = build_dst_plan(client, admin)
    _report(client, admin, plan["id"], "2026-H2", ROWS)
    _report(client, admin, plan["id"], "2026-H1", ROWS)
    goals = ok(client.get(f"/api/v1/plans/{plan['id']}/goals", headers=admin))
    m2 = next(g for g in goals if g["code"] == "M2")
    history = ok(client.get(f"/api/v1/goals/{m2['id']}/history", headers=admin))["reports"]
    assert [(h["period"], h["status"]) for h in history] == [
        ("2026-H1", "at_risk"), ("2026-H2", "at_risk")]

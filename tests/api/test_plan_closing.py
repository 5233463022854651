"""Closing a plan is deliberate and can be undone: before its period is over a reason is
required; a closed plan refuses reports; an admin reopens it, with a reason, audited."""

from __future__ import annotations

from datetime import date

from tests.api.conftest import problem_of
from tests.support.factories import goal_body, ok, plan_body

H1 = {"period": "2026-H1", "goals": [
    {"goal": "M1", "status": "on_track", "value": 35, "progress": 50, "comment": "Fint"}]}


def _events(client, admin, plan_id, action):
    return [e for e in ok(client.get(f"/api/v1/plans/{plan_id}/audit", headers=admin))
            if e["action"] == action]


def _status(client, admin, plan_id):
    return ok(client.get(f"/api/v1/plans/{plan_id}", headers=admin))["status"]


def test_closing_a_running_plan_needs_a_reason(client, admin, department, approved):
    assert date.today() < date(approved["period_end"], 12, 31)  # 2026–2027 is running
    for body in ({}, {"reason": None}, {"reason": "   "}):
        problem = problem_of(client.post(f"/api/v1/plans/{approved['id']}/close", json=body,
                                         headers=department), 422)
        assert list(problem["errors"]) == ["reason"]
        assert "31. december 2027" in problem["errors"]["reason"][0]
        assert "afvist" in problem["detail"]
    assert _status(client, admin, approved["id"]) == "approved"
    assert _events(client, admin, approved["id"], "close") == []

    closed = ok(client.post(f"/api/v1/plans/{approved['id']}/close", headers=department,
                            json={"reason": "  Erstattes af en ny plan fra 2027  "}))
    assert closed["status"] == "closed" and closed["closed_at"]
    (event,) = _events(client, admin, approved["id"], "close")
    assert event["reason"] == "Erstattes af en ny plan fra 2027"
    assert event["actor_role"] == "department"


def test_a_plan_whose_period_is_over_closes_without_a_reason(client, admin):
    last = date.today().year - 1
    ok(client.post("/api/v1/ministries", json={"code": "FM", "name": "Finansministeriet"},
                   headers=admin), 201)
    ok(client.post("/api/v1/institutions", json={"code": "DST", "name": "Danmarks Statistik",
                                                 "ministry": "FM"}, headers=admin), 201)
    plan = ok(client.post("/api/v1/plans", headers=admin, json=plan_body(
        "DST", period_start=last - 1, period_end=last)), 201)
    goal = goal_body(deadline=f"{last}-12-31")
    goal["indicators"][0]["baseline_year"] = last - 2
    ok(client.post(f"/api/v1/plans/{plan['id']}/goals", json=goal, headers=admin), 201)
    ok(client.post(f"/api/v1/plans/{plan['id']}/approve", headers=admin))
    closed = ok(client.post(f"/api/v1/plans/{plan['id']}/close", json={}, headers=admin))
    assert closed["status"] == "closed"
    (event,) = _events(client, admin, plan["id"], "close")
    assert event["reason"] is None


def test_a_closed_plan_refuses_reports_until_an_admin_reopens_it(client, admin, approved):
    plan_id = approved["id"]
    ok(client.post(f"/api/v1/plans/{plan_id}/close", headers=admin,
                   json={"reason": "Lukket ved en fejl"}))
    refused = ok(client.post(f"/api/v1/plans/{plan_id}/followups", json=H1, headers=admin),
                 201)
    assert refused["status"] == "rejected"
    assert "followup.plan-state" in {f["rule"] for f in refused["findings"]}

    reopened = ok(client.post(f"/api/v1/plans/{plan_id}/reopen", headers=admin,
                              json={"reason": "Lukket ved en fejl i december"}))
    assert reopened["status"] == "approved" and reopened["closed_at"] is None
    assert reopened["approved_at"] == approved["approved_at"]  # the approval stands
    accepted = ok(client.post(f"/api/v1/plans/{plan_id}/followups", json=H1, headers=admin),
                  201)
    assert accepted["status"] == "accepted", accepted["findings"]

    (event,) = _events(client, admin, plan_id, "reopen")
    assert event["reason"] == "Lukket ved en fejl i december"
    assert event["before"]["status"] == "closed" and event["before"]["closed_at"]
    assert event["after"] == {"status": "approved", "closed_at": None}


def test_only_an_admin_reopens_and_only_with_a_reason(client, admin, department, institution,
                                                     approved):
    path = f"/api/v1/plans/{approved['id']}/reopen"
    problem_of(client.post(path, json={"reason": "Fejl"}, headers=admin), 409)  # not closed
    ok(client.post(f"/api/v1/plans/{approved['id']}/close", headers=admin,
                   json={"reason": "Slut"}))
    problem_of(client.post(path, json={"reason": "Fejl"}, headers=department), 403)
    problem_of(client.post(path, json={"reason": "Fejl"}, headers=institution), 403)
    for body in ({}, {"reason": None}):
        problem = problem_of(client.post(path, json=body, headers=admin), 422)
        assert "reason" in problem["errors"]
    problem = problem_of(client.post(path, json={"reason": "  "}, headers=admin), 422)
    assert list(problem["errors"]) == ["reason"]
    assert _status(client, admin, approved["id"]) == "closed"
    assert _events(client, admin, approved["id"], "reopen") == []


def test_close_and_reopen_are_in_the_openapi_document(client):
    spec = client.get("/api/openapi.json").get_json()
    reopen = spec["paths"]["/api/v1/plans/{plan_id}/reopen"]["post"]
    schema = reopen["requestBody"]["content"]["application/json"]["schema"]["$ref"]
    assert spec["components"]["schemas"][schema.rsplit("/", 1)[1]]["required"] == ["reason"]
    assert "reason" in spec["paths"]["/api/v1/plans/{plan_id}/close"]["post"]["description"]

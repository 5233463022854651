"""draft → approved → closed, and what each state allows."""

from __future__ import annotations

from tests.api.conftest import problem_of
from tests.support.factories import goal_body, ok


def test_department_approves_draft(client, department, world):
    plan_id = world["plans"]["UFST"]["id"]
    approved = ok(client.post(f"/api/v1/plans/{plan_id}/approve", headers=department))
    assert approved["status"] == "approved"
    assert approved["approved_by"] == "test-department"
    assert approved["approved_at"]


def test_institution_cannot_approve(client, institution, world):
    plan_id = world["plans"]["UFST"]["id"]
    problem_of(client.post(f"/api/v1/plans/{plan_id}/approve", headers=institution), 403)
    assert ok(client.get(f"/api/v1/plans/{plan_id}", headers=institution))["status"] == "draft"


def test_approving_twice_is_409(client, admin, approved):
    body = problem_of(client.post(f"/api/v1/plans/{approved['id']}/approve", headers=admin), 409)
    assert "status" in body["errors"]


def test_plan_with_errors_is_not_approved(client, admin, world):
    plan_id = world["plans"]["MST"]["id"]
    client.delete(f"/api/v1/goals/{world['goals']['MST']['id']}", headers=admin)
    body = problem_of(client.post(f"/api/v1/plans/{plan_id}/approve", headers=admin), 409)
    assert any(f["rule"] == "plan.no-goals" for f in body["findings"])
    assert ok(client.get(f"/api/v1/plans/{plan_id}", headers=admin))["status"] == "draft"


def test_close_only_approved(client, admin, department, world):
    draft_id = world["plans"]["MST"]["id"]
    problem_of(client.post(f"/api/v1/plans/{draft_id}/close", json={}, headers=admin), 409)
    plan_id = world["plans"]["UFST"]["id"]
    ok(client.post(f"/api/v1/plans/{plan_id}/approve", headers=admin))
    closed = ok(client.post(f"/api/v1/plans/{plan_id}/close", headers=department,
                            json={"reason": "Perioden er slut"}))
    assert closed["status"] == "closed" and closed["closed_at"]
    problem_of(client.post(f"/api/v1/plans/{plan_id}/close", json={}, headers=admin), 409)
    problem_of(client.post(f"/api/v1/plans/{plan_id}/approve", headers=admin), 409)


def test_institution_cannot_close(client, admin, institution, approved):
    problem_of(client.post(f"/api/v1/plans/{approved['id']}/close", json={},
                           headers=institution), 403)


def test_closed_plan_takes_no_changes(client, admin, approved, world):
    plan_id = approved["id"]
    goal_id = world["goals"]["UFST"]["id"]
    ok(client.post(f"/api/v1/plans/{plan_id}/close", json={"reason": "Slut"}, headers=admin))
    reason = {"reason": "Sen rettelse"}
    attempts = [
        client.patch(f"/api/v1/plans/{plan_id}", json={"title": "Ny", **reason}, headers=admin),
        client.post(f"/api/v1/plans/{plan_id}/goals", json=goal_body("M2", **reason),
                    headers=admin),
        client.patch(f"/api/v1/goals/{goal_id}", json={"title": "Ny", **reason}, headers=admin),
        client.post(f"/api/v1/goals/{goal_id}/withdraw", json=reason, headers=admin),
        client.delete(f"/api/v1/goals/{goal_id}", headers=admin),
        client.delete(f"/api/v1/plans/{plan_id}", headers=admin),
    ]
    for response in attempts:
        problem_of(response, 409)
    assert ok(client.get(f"/api/v1/goals/{goal_id}", headers=admin))["status"] == "active"
    assert ok(client.get(f"/api/v1/plans/{plan_id}", headers=admin))["title"] == (
        approved["title"])


def test_withdrawing_keeps_the_goal(client, admin, approved, world):
    goal_id = world["goals"]["UFST"]["id"]
    withdrawn = ok(client.post(f"/api/v1/goals/{goal_id}/withdraw", headers=admin,
                               json={"reason": "Opgaven er nedlagt"}))
    assert withdrawn["status"] == "withdrawn"
    assert withdrawn["withdrawn_reason"] == "Opgaven er nedlagt"
    again = ok(client.get(f"/api/v1/goals/{goal_id}", headers=admin))
    assert (again["status"], again["withdrawn_reason"]) == ("withdrawn", "Opgaven er nedlagt")
    problem_of(client.post(f"/api/v1/goals/{goal_id}/withdraw", headers=admin,
                           json={"reason": "Igen"}), 409)


def test_withdrawing_needs_a_reason(client, admin, approved, world):
    goal_id = world["goals"]["UFST"]["id"]
    for body in ({}, {"reason": ""}, {"reason": "   "}):
        problem = problem_of(client.post(f"/api/v1/goals/{goal_id}/withdraw", json=body,
                                         headers=admin), 422)
        assert "reason" in problem["errors"]
    assert ok(client.get(f"/api/v1/goals/{goal_id}", headers=admin))["status"] == "active"


def test_deleting_a_goal_of_an_approved_plan_is_409(client, admin, approved, world):
    goal_id = world["goals"]["UFST"]["id"]
    problem_of(client.delete(f"/api/v1/goals/{goal_id}", headers=admin), 409)
    assert ok(client.get(f"/api/v1/goals/{goal_id}", headers=admin))["status"] == "active"


def test_institution_cannot_change_an_approved_plan(client, institution, approved, world):
    reason = {"reason": "Vi vil gerne"}
    goal_id = world["goals"]["UFST"]["id"]
    for response in (
        client.patch(f"/api/v1/plans/{approved['id']}", json={"title": "x", **reason},
                     headers=institution),
        client.patch(f"/api/v1/goals/{goal_id}", json={"title": "x", **reason},
                     headers=institution),
        client.post(f"/api/v1/plans/{approved['id']}/goals", json=goal_body("M2", **reason),
                    headers=institution),
        client.post(f"/api/v1/goals/{goal_id}/withdraw", json=reason, headers=institution),
    ):
        problem_of(response, 403)


def test_institution_edits_its_draft(client, institution, world):
    plan_id = world["plans"]["UFST"]["id"]
    assert ok(client.patch(f"/api/v1/plans/{plan_id}", json={"title": "Kladde"},
                           headers=institution))["title"] == "Kladde"
    ok(client.post(f"/api/v1/plans/{plan_id}/goals", json=goal_body("M2"),
                   headers=institution), 201)

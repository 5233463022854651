"""After approval every change needs a reason and is written to the plan's audit log."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from tests.api.conftest import problem_of
from tests.support.factories import goal_body, ok


def _events(client, headers, plan_id, action=None):
    events = ok(client.get(f"/api/v1/plans/{plan_id}/audit?page_size=100", headers=headers))
    return [e for e in events if action is None or e["action"] == action]


@pytest.mark.parametrize("reason", [None, "", "  "])
def test_changes_to_an_approved_plan_need_a_reason(client, admin, approved, world, reason):
    plan_id = approved["id"]
    goal_id = world["goals"]["UFST"]["id"]
    extra = {} if reason is None else {"reason": reason}
    for response in (
        client.patch(f"/api/v1/plans/{plan_id}", json={"title": "Ny", **extra}, headers=admin),
        client.patch(f"/api/v1/goals/{goal_id}", json={"owner": "Ny", **extra}, headers=admin),
        client.post(f"/api/v1/plans/{plan_id}/goals", json=goal_body("M2", **extra),
                    headers=admin),
    ):
        body = problem_of(response, 422)
        assert "reason" in body["errors"]
    assert ok(client.get(f"/api/v1/plans/{plan_id}", headers=admin))["title"] == (
        approved["title"])
    assert ok(client.get(f"/api/v1/goals/{goal_id}", headers=admin))["owner"] == "Kontorchef"
    assert len(ok(client.get(f"/api/v1/plans/{plan_id}/goals", headers=admin))) == 1


def test_plan_change_is_audited_with_only_changed_keys(client, department, approved):
    plan_id = approved["id"]
    started = datetime.now(UTC) - timedelta(seconds=5)
    changed = ok(client.patch(f"/api/v1/plans/{plan_id}", headers=department, json={
        "title": "Revideret plan", "period_end": 2027, "reason": "Ny ministerordre"}))
    assert changed["title"] == "Revideret plan"
    (event,) = _events(client, department, plan_id, "update")
    assert event["actor"] == "test-department"
    assert event["actor_role"] == "department"
    assert event["entity"] == "plan" and event["entity_id"] == plan_id
    assert event["before"] == {"title": approved["title"]}
    assert event["after"] == {"title": "Revideret plan"}
    assert event["reason"] == "Ny ministerordre"
    assert datetime.fromisoformat(event["at"]) >= started


def test_goal_change_is_audited(client, admin, approved, world):
    goal_id = world["goals"]["UFST"]["id"]
    ok(client.patch(f"/api/v1/goals/{goal_id}", headers=admin, json={
        "owner": "Vicedirektør", "title": "Kortere sagsbehandlingstid", "reason": "Ny ejer"}))
    (event,) = _events(client, admin, approved["id"], "update")
    assert event["entity"] == "goal" and event["entity_id"] == goal_id
    assert event["before"] == {"owner": "Kontorchef"}
    assert event["after"] == {"owner": "Vicedirektør"}
    assert event["reason"] == "Ny ejer"
    assert event["actor"] == "test-admin"


def test_new_goal_and_withdrawal_are_audited(client, admin, approved, world):
    created = ok(client.post(f"/api/v1/plans/{approved['id']}/goals", headers=admin,
                             json=goal_body("M2", reason="Nyt politisk fokus")), 201)
    ok(client.post(f"/api/v1/goals/{created['id']}/withdraw", headers=admin,
                   json={"reason": "Fokus opgivet"}))
    (create,) = [e for e in _events(client, admin, approved["id"], "create")
                 if e["entity"] == "goal" and e["entity_id"] == created["id"]]
    assert create["reason"] == "Nyt politisk fokus"
    assert create["after"]["code"] == "M2"
    (withdraw,) = _events(client, admin, approved["id"], "withdraw")
    assert withdraw["before"] == {"status": "active", "withdrawn_reason": None}
    assert withdraw["after"] == {"status": "withdrawn", "withdrawn_reason": "Fokus opgivet"}
    assert withdraw["reason"] == "Fokus opgivet"


def test_approve_and_close_are_audited(client, admin, approved):
    ok(client.post(f"/api/v1/plans/{approved['id']}/close", json={"reason": "Slut"},
                   headers=admin))
    actions = [e["action"] for e in _events(client, admin, approved["id"])]
    assert actions[-2:] == ["approve", "close"]
    approve, close = _events(client, admin, approved["id"])[-2:]
    plan = ok(client.get(f"/api/v1/plans/{approved['id']}", headers=admin))
    assert approve["before"] == {"status": "draft", "approved_at": None, "approved_by": None}
    assert approve["after"] == {"status": "approved", "approved_by": "test-admin",
                                "approved_at": _iso(plan["approved_at"])}
    assert close["before"] == {"status": "approved", "closed_at": None}
    assert close["after"] == {"status": "closed", "closed_at": _iso(plan["closed_at"])}
    assert close["reason"] == "Slut"


def _iso(stamp: str) -> str:
    return datetime.fromisoformat(stamp).isoformat()


def test_a_change_that_changes_nothing_is_not_audited(client, admin, approved):
    ok(client.patch(f"/api/v1/plans/{approved['id']}", headers=admin, json={
        "title": approved["title"], "reason": "Ingen ændring"}))
    assert _events(client, admin, approved["id"], "update") == []


def test_draft_changes_need_no_reason(client, admin, world):
    plan_id = world["plans"]["UFST"]["id"]
    ok(client.patch(f"/api/v1/plans/{plan_id}", json={"title": "Kladde 2"}, headers=admin))
    (event,) = _events(client, admin, plan_id, "update")
    assert event["reason"] is None and event["after"] == {"title": "Kladde 2"}

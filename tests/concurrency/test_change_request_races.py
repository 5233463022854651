"""Deciding a change request at once, raced against a real server: exactly one decision wins,
the others are told it is decided (409), and the change is applied once."""

from __future__ import annotations

from sqlalchemy import func, select

from service.domain.models import AuditEvent, ChangeRequest
from service.extensions import db
from tests.concurrency.conftest import at_once, statuses
from tests.support.factories import goal_body, ok

N = 8


def _pending(client, admin, world):
    plan_id = world["plans"]["UFST"]["id"]
    ok(client.post(f"/api/v1/plans/{plan_id}/approve", headers=admin))
    indicators = [{**goal_body()["indicators"][0], "target": 25}]
    return ok(client.post(f"/api/v1/goals/{world['goals']['UFST']['id']}/change-requests",
                          headers=admin, json={"changes": {"indicators": indicators},
                                               "reason": "Ny aftale"}), 201)


def _count(*conditions) -> int:
    db.session.expire_all()
    return db.session.scalar(select(func.count()).select_from(AuditEvent).where(*conditions))


def test_a_request_approved_twice_at_once_is_applied_once(live, client, admin, world):
    made = _pending(client, admin, world)
    answers = at_once(N, lambda _: live.post(f"/api/v1/change-requests/{made['id']}/approve",
                                             admin, {"comment": "OK"}))
    assert statuses(answers) == [200] + [409] * (N - 1), answers
    assert all(a.problem for a in answers if a.status == 409)
    assert _count(AuditEvent.entity == "change", AuditEvent.action == "approve") == 1
    assert _count(AuditEvent.entity == "goal", AuditEvent.action == "update") == 1
    goal = ok(client.get(f"/api/v1/goals/{world['goals']['UFST']['id']}", headers=admin))
    assert [h["target"] for h in goal["indicators"][0]["target_history"]] == [30, 25]


def test_approve_and_reject_at_once_one_wins(live, client, admin, world):
    made = _pending(client, admin, world)
    url = f"/api/v1/change-requests/{made['id']}"
    answers = at_once(N, lambda i: live.post(f"{url}/{'approve' if i % 2 else 'reject'}",
                                             admin, {"comment": "Afgjort"}))
    assert statuses(answers) == [200] + [409] * (N - 1), answers
    db.session.expire_all()
    decided = db.session.get(ChangeRequest, made["id"])
    winner = next(a for a in answers if a.status == 200).body
    assert decided.status == winner["status"]


def test_two_target_changes_to_one_goal_at_once_both_stay_in_its_history(live, client, admin,
                                                                         world):
    plan_id = world["plans"]["UFST"]["id"]
    goal_id = world["goals"]["UFST"]["id"]
    ok(client.post(f"/api/v1/plans/{plan_id}/approve", headers=admin))
    made = []
    for target in (25, 20):
        indicators = [{**goal_body()["indicators"][0], "target": target}]
        made.append(ok(client.post(f"/api/v1/goals/{goal_id}/change-requests", headers=admin,
                                   json={"changes": {"indicators": indicators},
                                         "reason": f"Mål {target}"}), 201)["id"])
    answers = at_once(2, lambda i: live.post(f"/api/v1/change-requests/{made[i]}/approve",
                                             admin, {}))
    assert statuses(answers) == [200, 200], answers
    db.session.expire_all()
    goal = ok(client.get(f"/api/v1/goals/{goal_id}", headers=admin))
    history = goal["indicators"][0]["target_history"]
    assert history[0]["target"] == 30 and len(history) == 3
    assert {h["target"] for h in history[1:]} == {25, 20}
    assert history[-1]["target"] == goal["indicators"][0]["target"]

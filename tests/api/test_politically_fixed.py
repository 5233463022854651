"""A politically fixed goal's target and success criterion are locked once approved."""

from __future__ import annotations

import pytest

from tests.api.conftest import problem_of
from tests.support.factories import goal_body, ok

REASON = {"reason": "Ændret af ministeren"}


@pytest.fixture
def fixed(client, admin, world):
    plan_id = world["plans"]["UFST"]["id"]
    goal = ok(client.post(f"/api/v1/plans/{plan_id}/goals", headers=admin,
                          json=goal_body("M2", politically_fixed=True)), 201)
    ok(client.post(f"/api/v1/plans/{plan_id}/approve", headers=admin))
    return goal


def _indicators(target):
    return [{**goal_body()["indicators"][0], "target": target}]


@pytest.mark.parametrize(("change", "field"), [
    ({"indicators": _indicators(25)}, "indicators.0.target"),
    ({"indicators": _indicators(None)}, "indicators.0.target"),
    ({"indicators": []}, "indicators"),
    ({"indicators": _indicators(30) + _indicators(5)}, "indicators"),
    ({"success_criterion": "Gennemsnit højst 25 dage"}, "success_criterion"),
    ({"success_criterion": None}, "success_criterion"),
    ({"politically_fixed": False}, "politically_fixed"),
])
def test_locked_after_approval(client, admin, fixed, change, field):
    body = problem_of(client.patch(f"/api/v1/goals/{fixed['id']}", headers=admin,
                                   json={**change, **REASON}), 409)
    assert list(body["errors"]) == [field]
    assert "politisk" in body["detail"]
    after = ok(client.get(f"/api/v1/goals/{fixed['id']}", headers=admin))
    assert after["politically_fixed"] is True
    assert after["indicators"][0]["target"] == 30
    assert after["success_criterion"] == fixed["success_criterion"]


def test_other_fields_still_change(client, admin, fixed):
    changed = ok(client.patch(f"/api/v1/goals/{fixed['id']}", headers=admin, json={
        "owner": "Direktør", "indicators": [{**_indicators(30)[0], "data_source": "DWH"}],
        "success_criterion": fixed["success_criterion"], **REASON}))
    assert changed["owner"] == "Direktør"
    assert changed["indicators"][0]["data_source"] == "DWH"


def test_draft_goal_may_change_freely(client, admin, world):
    plan_id = world["plans"]["MST"]["id"]
    goal = ok(client.post(f"/api/v1/plans/{plan_id}/goals", headers=admin,
                          json=goal_body("M2", politically_fixed=True)), 201)
    changed = ok(client.patch(f"/api/v1/goals/{goal['id']}", headers=admin, json={
        "indicators": _indicators(20), "success_criterion": "Højst 20 dage",
        "politically_fixed": False}))
    assert changed["indicators"][0]["target"] == 20
    assert changed["politically_fixed"] is False


def test_ordinary_goal_can_be_made_fixed_after_approval(client, admin, approved, world):
    goal_id = world["goals"]["UFST"]["id"]
    changed = ok(client.patch(f"/api/v1/goals/{goal_id}", headers=admin,
                              json={"politically_fixed": True, **REASON}))
    assert changed["politically_fixed"] is True
    problem_of(client.patch(f"/api/v1/goals/{goal_id}", headers=admin,
                            json={"indicators": _indicators(10), **REASON}), 409)

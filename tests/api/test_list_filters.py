"""List filters of /api/v1/plans and /api/v1/goals."""

from __future__ import annotations

import pytest

from tests.support.factories import goal_body, ok, plan_body


@pytest.fixture
def catalogue(client, admin, world):
    """Besides the world's three 2026–27 plans (one operations/output goal each):
    UFST-2028 (2028–29) with a project/activity goal, approved UFST-2026 and closed DST-2026
    with a withdrawn goal."""
    later = ok(client.post("/api/v1/plans", headers=admin, json=plan_body(
        "UFST", period_start=2028, period_end=2029)), 201)
    ok(client.post(f"/api/v1/plans/{later['id']}/goals", headers=admin, json=goal_body(
        "P1", task_type="project", goal_type="activity", deadline="2029-06-30",
        milestones=[{"title": "Start", "due_date": "2028-06-30"}])), 201)
    ok(client.post(f"/api/v1/plans/{world['plans']['UFST']['id']}/approve", headers=admin))
    dst = world["plans"]["DST"]["id"]
    ok(client.post(f"/api/v1/plans/{dst}/goals", headers=admin, json=goal_body(
        "M2", goal_type="quality")), 201)
    ok(client.post(f"/api/v1/plans/{dst}/approve", headers=admin))
    ok(client.post(f"/api/v1/goals/{world['goals']['DST']['id']}/withdraw", headers=admin,
                   json={"reason": "Opgaven er flyttet"}))
    ok(client.post(f"/api/v1/plans/{dst}/close", headers=admin,
                   json={"reason": "Erstattet af en ny plan"}))
    return later


def _refs(client, admin, query):
    return sorted(p["reference"] for p in ok(client.get(f"/api/v1/plans?{query}",
                                                        headers=admin)))


def _goals(client, admin, query):
    return sorted(f"{g['plan']}/{g['code']}"
                  for g in ok(client.get(f"/api/v1/goals?{query}", headers=admin)))


PLAN_FILTERS = [
    ("", ["DST-2026", "MST-2026", "UFST-2026", "UFST-2028"]),
    ("ministry=SKM", ["MST-2026", "UFST-2026", "UFST-2028"]),
    ("ministry=fm", ["DST-2026"]),
    ("institution=UFST", ["UFST-2026", "UFST-2028"]),
    ("ministry=FM&institution=UFST", []),
    ("year=2027", ["DST-2026", "MST-2026", "UFST-2026"]),
    ("year=2029", ["UFST-2028"]),
    ("year=2030", []),
    ("status=draft", ["MST-2026", "UFST-2028"]),
    ("status=approved", ["UFST-2026"]),
    ("status=closed", ["DST-2026"]),
    ("task_type=project", ["UFST-2028"]),
    ("goal_type=quality", ["DST-2026"]),
    ("goal_type=output&institution=DST", ["DST-2026"]),
    ("task_type=project&goal_type=output", []),
]
GOAL_FILTERS = [
    ("", ["DST-2026/M1", "DST-2026/M2", "MST-2026/M1", "UFST-2026/M1", "UFST-2028/P1"]),
    ("ministry=SKM", ["MST-2026/M1", "UFST-2026/M1", "UFST-2028/P1"]),
    ("institution=dst", ["DST-2026/M1", "DST-2026/M2"]),
    ("year=2028", ["UFST-2028/P1"]),
    ("year=2026&ministry=SKM", ["MST-2026/M1", "UFST-2026/M1"]),
    ("task_type=project", ["UFST-2028/P1"]),
    ("goal_type=quality", ["DST-2026/M2"]),
    ("status=withdrawn", ["DST-2026/M1"]),
    ("status=active&institution=DST", ["DST-2026/M2"]),
]


def test_plan_filters(client, admin, catalogue):
    for query, expected in PLAN_FILTERS:
        assert _refs(client, admin, query) == expected, query


def test_goal_filters(client, admin, catalogue):
    for query, expected in GOAL_FILTERS:
        assert _goals(client, admin, query) == expected, query


def test_goal_filter_by_plan(client, admin, catalogue, world):
    assert _goals(client, admin, f"plan={catalogue['id']}") == ["UFST-2028/P1"]
    assert _goals(client, admin, f"plan={world['plans']['DST']['id']}") == [
        "DST-2026/M1", "DST-2026/M2"]


def test_withdrawn_goal_keeps_its_reason_in_lists(client, admin, catalogue):
    (goal,) = ok(client.get("/api/v1/goals?status=withdrawn", headers=admin))
    assert goal["withdrawn_reason"] == "Opgaven er flyttet"


@pytest.mark.parametrize("query", [
    "status=nope", "goal_type=nope", "year=nope", "year=1999", "year=2026.5",
])
def test_bad_filters_are_422_naming_the_parameter(client, admin, world, query):
    for url in ("/api/v1/plans", "/api/v1/goals"):
        response = client.get(f"{url}?{query}", headers=admin)
        assert response.status_code == 422, (url, query)
        assert response.mimetype == "application/problem+json"
        assert query.split("=")[0] in response.get_json()["errors"]

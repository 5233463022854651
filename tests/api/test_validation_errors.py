"""Bodies that break the schema: unknown fields, wrong types, bad codes, server-owned
fields. Each answer is problem+json naming the field."""

from __future__ import annotations

import pytest

from tests.api.conftest import problem_of
from tests.support.factories import goal_body, ok, plan_body

SERVER_OWNED = {
    "status": "approved", "approved_by": "me", "reference": "UFST-1999",
    "approved_at": "2026-01-01T00:00:00Z", "id": 99,
}


def test_problem_shape(client, admin, world):
    body = problem_of(client.post("/api/v1/plans", json=plan_body(colour="red"),
                                  headers=admin), 422)
    assert body["type"] == "urn:mrp:problem:validation-error"
    assert body["title"] == "Validation failed"
    assert "colour" in body["detail"]
    assert body["errors"] == {"colour": ["Unknown field."]}


@pytest.mark.parametrize(("url", "body"), [
    ("/api/v1/ministries", {"code": "KM", "name": "Kultur", "colour": "red"}),
    ("/api/v1/institutions", {"code": "KS", "name": "Slots", "ministry": "SKM",
                              "colour": "red"}),
    ("/api/v1/plans", plan_body(colour="red")),
    ("/api/v1/plans", plan_body(top_manager={"name": "A", "colour": "red"})),
    ("PLAN/goals", goal_body("M2", colour="red")),
    ("PLAN/goals", goal_body("M2", indicators=[{"name": "x", "colour": "red"}])),
    ("PLAN/goals", goal_body("M2", milestones=[{"title": "x", "colour": "red"}])),
])
def test_unknown_fields(client, admin, world, url, body):
    url = url.replace("PLAN", f"/api/v1/plans/{world['plans']['UFST']['id']}")
    errors = problem_of(client.post(url, json=body, headers=admin), 422)["errors"]
    assert len(errors) == 1
    (name,) = errors
    assert name.endswith("colour")
    if "indicators" in body and body["indicators"][0].get("colour"):
        assert name == "indicators.0.colour"


@pytest.mark.parametrize(("change", "field"), [
    ({"period_start": "2026"}, "period_start"),
    ({"period_start": 2026.5}, "period_start"),
    ({"period_end": True}, "period_end"),
    ({"period_start": 1850}, "period_start"),
    ({"title": 5}, "title"),
    ({"title": ""}, "title"),
    ({"title": "x" * 301}, "title"),
    ({"title": "a\x00b"}, "title"),
    ({"institution": ["UFST"]}, "institution"),
    ({"top_manager": "Anne"}, "top_manager"),
    ({"top_manager": {"title": "Direktør"}}, "top_manager.name"),
    ({"followup_cadence": "monthly"}, "followup_cadence"),
])
def test_plan_wrong_values(client, admin, world, change, field):
    body = problem_of(client.post("/api/v1/plans", json=plan_body(**change), headers=admin),
                      422)
    assert list(body["errors"]) == [field]


@pytest.mark.parametrize(("change", "field"), [
    ({"goal_type": "impact"}, "goal_type"),
    ({"nature": "vague"}, "nature"),
    ({"deadline": "31-12-2026"}, "deadline"),
    ({"deadline": "2026-02-30"}, "deadline"),
    ({"politically_fixed": "perhaps"}, "politically_fixed"),
    ({"indicators": {"name": "x"}}, "indicators"),
    ({"indicators": [{"name": "x", "target": "thirty"}]}, "indicators.0.target"),
    ({"indicators": [{"name": "x", "direction": "up"}]}, "indicators.0.direction"),
    ({"indicators": [{"name": "x", "target": 10**400}]}, "indicators.0.target"),
    ({"indicators": [{"name": "x", "baseline": float("nan")}]}, "indicators.0.baseline"),
    ({"indicators": [{"name": "x", "baseline_year": 10**30}]}, "indicators.0.baseline_year"),
    ({"indicators": [{"name": "x", "baseline_year": "2025"}]}, "indicators.0.baseline_year"),
    ({"indicators": [{"unit": "dage"}]}, "indicators.0.name"),
    ({"milestones": [{"title": "x", "due_date": "soon"}]}, "milestones.0.due_date"),
    ({"milestones": [{"title": "x"}, {"title": "y", "done": "yes please"}]},
     "milestones.1.done"),
    ({"code": "M 1"}, "code"),
    ({"code": ""}, "code"),
])
def test_goal_wrong_values(client, admin, world, change, field):
    url = f"/api/v1/plans/{world['plans']['UFST']['id']}/goals"
    body = problem_of(client.post(url, json={**goal_body("M2"), **change}, headers=admin), 422)
    assert list(body["errors"]) == [field]


def test_missing_required_fields_are_named(client, admin, world):
    body = problem_of(client.post("/api/v1/plans", json={}, headers=admin), 422)
    assert set(body["errors"]) == {"institution", "title", "period_start", "period_end"}
    url = f"/api/v1/plans/{world['plans']['UFST']['id']}/goals"
    body = problem_of(client.post(url, json={}, headers=admin), 422)
    assert set(body["errors"]) == {"title", "task_type", "goal_type", "nature"}


@pytest.mark.parametrize("field", sorted(SERVER_OWNED))
def test_server_owned_fields_are_refused(client, admin, world, field):
    value = {field: SERVER_OWNED[field]}
    plan_id = world["plans"]["UFST"]["id"]
    goal_id = world["goals"]["UFST"]["id"]
    for response in (
        client.post("/api/v1/plans", json=plan_body(**value), headers=admin),
        client.patch(f"/api/v1/plans/{plan_id}", json=value, headers=admin),
        client.post(f"/api/v1/plans/{plan_id}/goals", json=goal_body("M2", **value),
                    headers=admin),
        client.patch(f"/api/v1/goals/{goal_id}", json=value, headers=admin),
    ):
        assert field in problem_of(response, 422)["errors"]
    plan = ok(client.get(f"/api/v1/plans/{plan_id}", headers=admin))
    assert (plan["status"], plan["reference"], plan["approved_by"]) == (
        "draft", "UFST-2026", None)


def test_all_server_owned_fields_named_at_once(client, institution, world):
    body = problem_of(client.post("/api/v1/plans", json=plan_body(**SERVER_OWNED),
                                  headers=institution), 422)
    assert set(body["errors"]) == set(SERVER_OWNED)


def test_goal_server_owned_fields(client, admin, world):
    goal_id = world["goals"]["UFST"]["id"]
    for field in ("plan", "plan_id", "withdrawn_reason", "findings"):
        body = problem_of(client.patch(f"/api/v1/goals/{goal_id}", json={field: "x"},
                                       headers=admin), 422)
        assert field in body["errors"]


@pytest.mark.parametrize("data", [b"{", b"[]", b"7", b"null", b'"text"'])
def test_body_that_is_not_an_object(client, admin, data):
    response = client.post("/api/v1/ministries", data=data, content_type="application/json",
                           headers=admin)
    assert response.status_code in (400, 422)
    assert response.mimetype == "application/problem+json"
    assert ok(client.get("/api/v1/ministries", headers=admin)) == []


def test_json_body_with_another_content_type_is_refused(client, admin):
    response = client.post("/api/v1/ministries", data=b'{"code": "KM", "name": "Kultur"}',
                           content_type="text/plain", headers=admin)
    assert response.status_code in (415, 422)
    assert response.mimetype == "application/problem+json"
    assert ok(client.get("/api/v1/ministries", headers=admin)) == []


@pytest.mark.parametrize("blank", ["", "   "])
def test_blank_required_text_is_refused(client, admin, world, blank):
    plan_id = world["plans"]["UFST"]["id"]
    goal_id = world["goals"]["UFST"]["id"]
    for response, field in (
        (client.post("/api/v1/plans", json=plan_body(title=blank), headers=admin), "title"),
        (client.patch(f"/api/v1/plans/{plan_id}", json={"title": blank}, headers=admin),
         "title"),
        (client.post(f"/api/v1/plans/{plan_id}/goals", json=goal_body("M2", title=blank),
                     headers=admin), "title"),
        (client.patch(f"/api/v1/goals/{goal_id}", json={"title": blank}, headers=admin),
         "title"),
        (client.patch("/api/v1/institutions/UFST", json={"name": blank}, headers=admin),
         "name"),
        (client.patch("/api/v1/ministries/SKM", json={"name": blank}, headers=admin), "name"),
    ):
        assert list(problem_of(response, 422)["errors"]) == [field]
    assert ok(client.get(f"/api/v1/plans/{plan_id}", headers=admin))["title"] == (
        world["plans"]["UFST"]["title"])

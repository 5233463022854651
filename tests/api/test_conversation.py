"""GET /api/v1/plans/{id}/conversation: the reports, the department's answers and the
reports sent again, per period and in order; seen by whoever sees the plan."""

from __future__ import annotations

import jsonschema

from tests.api.conftest import openapi_document, problem_of
from tests.support.factories import build_dst_plan, ok

ROWS = [
    {"goal": "M1", "status": "grøn", "value": 35, "progress": 50},
    {"goal": "M2", "status": "gul", "value": 91, "progress": 40},
    {"goal": "M3", "status": "På rette spor", "progress": 30},
]
PATH = "/api/v1/plans/{plan_id}/conversation"


def _report(client, headers, plan_id, period="2026-H1"):
    return ok(client.post(f"/api/v1/plans/{plan_id}/followups", headers=headers,
                          json={"period": period, "goals": ROWS}), 201)


def _valid(body):
    spec = openapi_document()
    schema = spec["paths"][PATH]["get"]["responses"]["200"]["content"]["application/json"][
        "schema"]
    jsonschema.Draft7Validator({**schema, "components": spec["components"]}).validate(body)
    return body


def test_the_conversation_of_a_period_in_order(client, admin, token):
    plan = build_dst_plan(client, admin)
    fm = token("department", ministry="FM")
    dst = token("institution", institution="DST")
    first = _report(client, dst, plan["id"])
    ok(client.post(f"/api/v1/followups/{first['id']}/review", headers=fm, json={
        "decision": "returned", "comment": "Forklar M2.",
        "goals": [{"goal": "M2", "comment": "Hvorfor gul?"}]}))
    second = _report(client, dst, plan["id"])
    ok(client.post(f"/api/v1/followups/{second['id']}/review", headers=fm,
                   json={"decision": "acknowledged"}))
    _report(client, dst, plan["id"], period="2026-H2")

    body = _valid(ok(client.get(f"/api/v1/plans/{plan['id']}/conversation", headers=dst)))
    assert body["plan"] == "DST-2026"
    assert [(p["period"], p["period_text"]) for p in body["periods"]] == [
        ("2026-H1", "1. halvår 2026"), ("2026-H2", "2. halvår 2026")]
    steps = body["periods"][0]["steps"]
    assert [(s["kind"], s["followup"]) for s in steps] == [
        ("report", first["id"]), ("review", first["id"]),
        ("resubmission", second["id"]), ("review", second["id"])]
    assert steps[0]["status"] == "superseded" and steps[0]["channel"] == "api"
    assert steps[0]["submitted_by"] == "test-institution" and steps[0]["at"]
    assert steps[1] == {**steps[1], "decision": "returned", "comment": "Forklar M2.",
                        "goals": [{"goal": "M2", "comment": "Hvorfor gul?"}],
                        "by": "test-department", "latest": True, "status": None}
    assert steps[2]["status"] == "accepted"
    assert steps[3]["decision"] == "acknowledged" and steps[3]["comment"] is None

    one = _valid(ok(client.get(f"/api/v1/plans/{plan['id']}/conversation?period=2026-H2",
                               headers=fm)))
    assert [p["period"] for p in one["periods"]] == ["2026-H2"]
    none = ok(client.get(f"/api/v1/plans/{plan['id']}/conversation?period=2027-H1",
                         headers=admin))
    assert none == {"plan": "DST-2026", "periods": []}


def test_an_unknown_period_is_a_problem_naming_it(client, admin):
    plan = build_dst_plan(client, admin)
    body = problem_of(client.get(f"/api/v1/plans/{plan['id']}/conversation?period=sidste+år",
                                 headers=admin), 422)
    assert "period" in body["errors"]
    problem_of(client.get(f"/api/v1/plans/{plan['id']}/conversation?perioden=2026",
                          headers=admin), 422)


def test_tenancy_as_the_follow_ups(client, admin, token):
    plan = build_dst_plan(client, admin)
    report = _report(client, admin, plan["id"])
    ok(client.post("/api/v1/ministries", json={"code": "SKM", "name": "Skatteministeriet"},
                   headers=admin), 201)
    ok(client.post("/api/v1/institutions", headers=admin, json={
        "code": "UFST", "name": "UFST", "ministry": "SKM",
        "reporting_addresses": ["opfoelgning@ufst.dk"]}), 201)
    ok(client.post("/api/v1/institutions", headers=admin, json={
        "code": "MOD", "name": "Modstat", "ministry": "FM",
        "reporting_addresses": ["post@modstat.dk"]}), 201)
    url = f"/api/v1/plans/{plan['id']}/conversation"
    others = (token("department", ministry="SKM"), token("institution", institution="UFST"),
              token("institution", institution="MOD"))  # MOD: another institution of FM
    for headers in others:
        problem_of(client.get(url, headers=headers), 404)
        # as the report itself
        problem_of(client.get(f"/api/v1/followups/{report['id']}", headers=headers), 404)
    problem_of(client.get("/api/v1/plans/999999/conversation", headers=admin), 404)
    problem_of(client.get(url), 401)
    for headers in (token("department", ministry="FM"), token("institution", institution="DST")):
        assert len(ok(client.get(url, headers=headers))["periods"]) == 1


def test_the_openapi_document_describes_the_conversation():
    spec = openapi_document()
    operation = spec["paths"][PATH]["get"]
    assert {"200", "401", "404", "422"} <= set(operation["responses"])
    assert [p["name"] for p in operation["parameters"] if p["in"] == "query"] == ["period"]
    step = spec["components"]["schemas"]["ConversationStep"]["properties"]
    assert step["kind"]["enum"] == ["report", "resubmission", "review"]
    problem = operation["responses"]["404"]
    assert "$ref" in problem or "content" in problem

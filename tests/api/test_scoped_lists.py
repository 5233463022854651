"""List endpoints return exactly the objects in the caller's scope."""

from __future__ import annotations

import pytest

from tests.api.conftest import problem_of
from tests.support.factories import ok, plan_body

SCOPE = {
    "admin": {"ministries": ["FM", "SKM"], "institutions": ["DST", "MST", "UFST"],
              "plans": ["DST-2026", "MST-2026", "UFST-2026"]},
    "department": {"ministries": ["SKM"], "institutions": ["MST", "UFST"],
                   "plans": ["MST-2026", "UFST-2026"]},
    "institution": {"ministries": ["SKM"], "institutions": ["UFST"], "plans": ["UFST-2026"]},
}


@pytest.fixture
def headers(token, world, request):
    role = request.param
    return role, {
        "admin": lambda: token("admin"),
        "department": lambda: token("department", ministry="SKM"),
        "institution": lambda: token("institution", institution="UFST"),
    }[role]()


@pytest.mark.parametrize("headers", list(SCOPE), indirect=True)
def test_lists_hold_exactly_the_scope(client, headers):
    role, auth = headers
    expected = SCOPE[role]
    assert [m["code"] for m in ok(client.get("/api/v1/ministries", headers=auth))] == (
        expected["ministries"])
    assert [i["code"] for i in ok(client.get("/api/v1/institutions", headers=auth))] == (
        expected["institutions"])
    assert sorted(p["reference"] for p in ok(client.get("/api/v1/plans", headers=auth))) == (
        expected["plans"])
    assert sorted(g["plan"] for g in ok(client.get("/api/v1/goals", headers=auth))) == (
        expected["plans"])


@pytest.mark.parametrize("headers", ["department", "institution"], indirect=True)
def test_filters_cannot_widen_the_scope(client, headers):
    _role, auth = headers
    for query in ("ministry=FM", "institution=DST"):
        assert ok(client.get(f"/api/v1/plans?{query}", headers=auth)) == []
        assert ok(client.get(f"/api/v1/goals?{query}", headers=auth)) == []
    assert ok(client.get("/api/v1/institutions?ministry=FM", headers=auth)) == []


def test_goal_filter_by_foreign_plan_is_empty(client, world, token):
    department = token("department", ministry="SKM")
    dst_plan = world["plans"]["DST"]["id"]
    assert ok(client.get(f"/api/v1/goals?plan={dst_plan}", headers=department)) == []


def test_totals_count_only_the_scope(client, world, token):
    institution = token("institution", institution="UFST")
    response = client.get("/api/v1/plans?page_size=1", headers=institution)
    assert '"total": 1' in response.headers["X-Pagination"]


def test_institution_sees_new_plans_of_its_own_only(client, admin, world, token):
    ok(client.post("/api/v1/plans", json=plan_body("MST", period_start=2028,
                                                     period_end=2028), headers=admin), 201)
    institution = token("institution", institution="UFST")
    assert sorted(p["reference"] for p in ok(client.get("/api/v1/plans", headers=institution))
                  ) == ["UFST-2026"]
    department = token("department", ministry="SKM")
    assert sorted(p["reference"] for p in ok(client.get("/api/v1/plans", headers=department))
                  ) == ["MST-2026", "MST-2028", "UFST-2026"]


def test_foreign_plan_for_institution_reads_like_unknown(client, world, token):
    """Creating a plan for another institution says the same as for one that does not
    exist: nothing about the other tenant leaks."""
    institution = token("institution", institution="UFST")
    foreign = problem_of(client.post("/api/v1/plans", json=plan_body("DST"),
                                     headers=institution), 422)
    sibling = problem_of(client.post("/api/v1/plans", json=plan_body("MST"),
                                     headers=institution), 422)
    unknown = problem_of(client.post("/api/v1/plans", json=plan_body("ZZZ"),
                                     headers=institution), 422)
    assert list(foreign["errors"]) == list(unknown["errors"]) == ["institution"]
    template = unknown["detail"].replace("ZZZ", "{}")
    assert foreign["detail"] == template.format("DST")
    assert sibling["detail"] == template.format("MST")


def test_department_registers_institutions_only_in_its_ministry(client, world, token):
    department = token("department", ministry="SKM")
    body = {"code": "GST", "name": "Geodatastyrelsen", "reporting_addresses": []}
    foreign = problem_of(client.post("/api/v1/institutions", json={**body, "ministry": "FM"},
                                     headers=department), 422)
    unknown = problem_of(client.post("/api/v1/institutions", json={**body, "ministry": "XX"},
                                     headers=department), 422)
    assert list(foreign["errors"]) == list(unknown["errors"]) == ["ministry"]
    own = ok(client.post("/api/v1/institutions", json={**body, "ministry": "SKM"},
                         headers=department), 201)
    assert own["ministry"] == "SKM"


def test_department_cannot_move_an_institution(client, world, token):
    department = token("department", ministry="SKM")
    problem_of(client.patch("/api/v1/institutions/UFST", json={"ministry": "FM"},
                            headers=department), 403)

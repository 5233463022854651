"""A query parameter a route does not declare is a 422 naming it, as an unknown body field
is; a misspelt filter never answers with the unfiltered list."""

from __future__ import annotations

from typing import Any

from flask import Flask
from flask.testing import FlaskClient

from service.api.query import declared
from tests.api.conftest import problem_of
from tests.api.test_malformed_requests import _api_rules, _paths
from tests.support.factories import ok


def test_a_misspelt_filter_is_named(client: FlaskClient, admin, world) -> None:
    body = problem_of(client.get("/api/v1/plans?ministy=SKM", headers=admin), 422)
    assert body["errors"] == {"ministy": ["Unknown field."]}
    assert "ministy" in body["detail"]
    ok(client.get("/api/v1/plans?ministry=SKM&page=1&page_size=5", headers=admin))


def test_every_get_route_refuses_what_it_does_not_declare(
    app: Flask, client: FlaskClient, admin, world: dict[str, Any]
) -> None:
    checked = 0
    for rule in _api_rules(app):
        if "GET" not in rule.methods:
            continue
        path = _paths(rule, world)[0]
        body = problem_of(client.get(f"{path}?zzz=1&page_size=5&Ministry=SKM", headers=admin),
                          422)
        names = declared(app.view_functions[rule.endpoint], "get")
        expected = {"zzz", "Ministry"} | ({"page_size"} - names)
        assert set(body["errors"]) == expected, path
        checked += 1
    assert checked >= 20


def test_pagination_only_where_a_route_pages(client: FlaskClient, admin, world) -> None:
    plan_id = world["plans"]["UFST"]["id"]
    ok(client.get(f"/api/v1/plans/{plan_id}/goals?page=1&page_size=5", headers=admin))
    body = problem_of(client.get(f"/api/v1/plans/{plan_id}?page=2", headers=admin), 422)
    assert body["errors"] == {"page": ["Unknown field."]}


def test_declared_parameters_of_a_route(app: Flask) -> None:
    assert declared(app.view_functions["plans.Plans"], "get") == {
        "ministry", "institution", "year", "status", "task_type", "goal_type", "q",
        "reference", "page", "page_size",
    }
    assert declared(app.view_functions["plans.Plans"], "head") == declared(
        app.view_functions["plans.Plans"], "get")
    assert declared(app.view_functions["health.Health"], "get") == frozenset()


def test_the_token_is_checked_first(client: FlaskClient) -> None:
    problem_of(client.get("/api/v1/plans?ministy=SKM"), 401)


def test_the_dashboard_is_not_concerned(client: FlaskClient) -> None:
    response = client.get("/login?next=/&zzz=1")
    assert response.status_code == 200

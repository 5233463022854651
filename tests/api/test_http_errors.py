"""Routing and transport errors are problem+json too: 404, 405, 413, 401."""

from __future__ import annotations

import pytest

from tests.api.conftest import problem_of


@pytest.mark.parametrize("path", [
    "/api/v1/nope", "/api/v2/plans", "/api/nope", "/api/v1/plans/abc", "/api/v1/plans/1/nope",
    "/api/v1/goals/0", "/api/v1/plans/99999999999999999999999", "/api/v1/",
])
def test_unknown_routes_are_404_problem(client, admin, path):
    body = problem_of(client.get(path, headers=admin), 404)
    assert body["type"] == "urn:mrp:problem:not-found"


@pytest.mark.parametrize(("method", "path", "allowed"), [
    ("PUT", "/api/v1/plans", {"GET", "POST"}),
    ("DELETE", "/api/v1/goals", {"GET"}),
    ("GET", "/api/v1/plans/1/approve", {"POST"}),
    ("POST", "/api/v1/health", {"GET"}),
])
def test_wrong_method_is_405_problem_with_allow(client, admin, method, path, allowed):
    response = client.open(path, method=method, headers=admin)
    problem_of(response, 405)
    assert allowed <= {m.strip() for m in response.headers["Allow"].split(",")}


def test_default_limit_is_two_megabytes(app, client, admin):
    assert app.config["MAX_CONTENT_LENGTH"] == 2 * 1024 * 1024
    big = b'{"code": "KM", "name": "' + b"x" * (2 * 1024 * 1024) + b'"}'
    problem_of(client.post("/api/v1/ministries", data=big, content_type="application/json",
                           headers=admin), 413)


def test_errors_never_carry_a_traceback(app, client, admin, monkeypatch):
    from service.domain import tenancy

    def boom(*args, **kwargs):
        raise RuntimeError("secret internals")

    monkeypatch.setattr(tenancy, "list_ministries", boom)
    response = client.get("/api/v1/ministries", headers=admin)
    body = problem_of(response, 500)
    assert "secret internals" not in response.get_data(as_text=True)
    assert "Traceback" not in response.get_data(as_text=True)
    assert body["type"] == "urn:mrp:problem:internal-server-error"

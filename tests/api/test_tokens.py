"""Bearer tokens at the API's door: missing, malformed, unknown and revoked ones are 401."""

from __future__ import annotations

import pytest

from service.domain.tokens import revoke_token
from tests.api.conftest import problem_of
from tests.support.factories import ok


@pytest.mark.parametrize("header", [
    None, "", "Bearer", "Bearer ", "Bearer    ", "Basic dXNlcjpwdw==", "Token abc",
    "bearer mrp_unknown", "Bearer mrp_" + "x" * 300, "Bearer not-our-format",
    "Bearer mrp_abc def", "mrp_abc",
])
def test_bad_authorization_is_401_problem(client, world, header):
    headers = {} if header is None else {"Authorization": header}
    response = client.get("/api/v1/plans", headers=headers)
    body = problem_of(response, 401)
    assert response.headers["WWW-Authenticate"].startswith("Bearer")
    assert "UFST-2026" not in response.get_data(as_text=True)
    assert body["type"] == "urn:mrp:problem:unauthorized"


def test_revoked_token_is_401(client, admin, token):
    from service.domain.tokens import create_token

    row, secret = create_token(role="admin", name="short-lived")
    headers = {"Authorization": f"Bearer {secret}"}
    assert client.get("/api/v1/ministries", headers=headers).status_code == 200
    revoke_token(row.id)
    problem_of(client.get("/api/v1/ministries", headers=headers), 401)
    assert client.get("/api/v1/ministries", headers=admin).status_code == 200


def test_scheme_is_case_insensitive(client, admin):
    secret = admin["Authorization"].split(" ", 1)[1]
    assert client.get("/api/v1/ministries",
                      headers={"Authorization": f"bearer {secret}"}).status_code == 200


def test_every_api_route_but_health_needs_a_token(app, client, world):
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/api/v1") or rule.rule == "/api/v1/health":
            continue
        path = rule.rule
        for arg in rule.arguments:
            path = path.replace(f"<int:{arg}>", "1").replace(f"<{arg}>", "SKM")
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            response = client.open(path, method=method, json={})
            assert response.status_code == 401, f"{method} {path}"
            assert response.mimetype == "application/problem+json"


def test_health_and_docs_need_none(client):
    assert ok(client.get("/api/v1/health")) == {"status": "ok"}
    assert client.get("/api/openapi.json").status_code == 200

"""MAX_CONTENT_LENGTH: a larger body is refused with 413 problem+json, before parsing."""

from __future__ import annotations

import pytest

from tests.api.conftest import problem_of


@pytest.fixture
def app_config():
    return {"MAX_CONTENT_LENGTH": 64 * 1024}


def test_body_over_the_limit_is_413_problem(app, client, admin):
    assert app.config["MAX_CONTENT_LENGTH"] == 64 * 1024
    big = b'{"code": "KM", "name": "' + b"x" * (65 * 1024) + b'"}'
    problem_of(client.post("/api/v1/ministries", data=big, content_type="application/json",
                           headers=admin), 413)
    problem_of(client.patch("/api/v1/plans/1", data=big, content_type="application/json",
                            headers=admin), 413)
    response = client.post("/api/v1/ministries", json={"code": "KM", "name": "Kultur"},
                           headers=admin)
    assert response.status_code == 201


def test_a_long_uri_or_large_header_is_414_or_431_problem(client, admin):
    body = problem_of(client.get("/api/v1/plans?institution=" + "U" * 5000, headers=admin), 414)
    assert "4096 bytes" in body["detail"]
    body = problem_of(client.get("/api/v1/plans", headers={**admin, "X-Big": "b" * 9000}), 431)
    assert "X-Big" in body["detail"]
    many = {f"X-Header-{i}": str(i) for i in range(120)}
    problem_of(client.get("/api/v1/plans", headers={**admin, **many}), 431)
    # before the token check: a long URI without a token is still the 414
    problem_of(client.get("/api/v1/plans/" + "1" * 5000), 414)
    assert client.get("/api/v1/plans?institution=" + "U" * 40, headers=admin).status_code == 200

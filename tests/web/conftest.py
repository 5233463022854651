"""Signing in through the login form, and a world of two ministries with approved plans:
FM (DST-2026, goals M1–M3, the mail corpus's plan) and SKM (UFST-2026, one goal)."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
from flask.testing import FlaskClient

from tests.support.factories import build_dst_plan, goal_body, ok, plan_body

CSRF_RE = re.compile(r'name="csrf_token" value="([^"]+)"')


def csrf_token(html: str) -> str:
    match = CSRF_RE.search(html)
    assert match, "no CSRF field on the page"
    return match.group(1)


def secret_of(headers: dict[str, str]) -> str:
    return headers["Authorization"].split(" ", 1)[1]


def sign_in(client: FlaskClient, secret: str) -> None:
    token = csrf_token(client.get("/login").get_data(as_text=True))
    response = client.post("/login", data={"csrf_token": token, "token": secret})
    assert response.status_code == 303, response.get_data(as_text=True)


def page_csrf(client: FlaskClient, path: str = "/intake") -> str:
    """A CSRF token of the signed-in session, as a page's forms carry it."""
    return csrf_token(client.get(path).get_data(as_text=True))


@pytest.fixture
def plans(client: FlaskClient, admin: dict[str, str]) -> dict[str, Any]:
    dst = build_dst_plan(client, admin)
    ok(client.post("/api/v1/ministries", json={"code": "SKM", "name": "Skatteministeriet"},
                   headers=admin), 201)
    ok(client.post("/api/v1/institutions", headers=admin, json={
        "code": "UFST", "name": "Udviklings- og Forenklingsstyrelsen", "ministry": "SKM",
        "reporting_addresses": ["opfoelgning@ufst.dk"]}), 201)
    ufst = ok(client.post("/api/v1/plans", json=plan_body("UFST"), headers=admin), 201)
    ok(client.post(f"/api/v1/plans/{ufst['id']}/goals", json=goal_body(), headers=admin), 201)
    ufst = ok(client.post(f"/api/v1/plans/{ufst['id']}/approve", headers=admin))
    return {"DST": dst, "UFST": ufst}


@pytest.fixture
def report(client: FlaskClient, admin: dict[str, str]) -> Callable[..., dict[str, Any]]:
    """``report(plan_id, "2026-H1", M1="on_track", …)`` submits a follow-up through the API."""

    def submit(plan_id: int, period: str, **statuses: str) -> dict[str, Any]:
        goals = [{"goal": code, "status": status, "value": 35, "progress": 50,
                  "comment": "Kommentar."} for code, status in statuses.items()]
        return ok(client.post(f"/api/v1/plans/{plan_id}/followups", headers=admin,
                              json={"period": period, "goals": goals}), 201)

    return submit


@pytest.fixture
def signed_in(client: FlaskClient, token: Callable[..., dict[str, str]]
              ) -> Callable[..., FlaskClient]:
    """``signed_in("department", ministry="FM")``: the client, signed in with a new token."""

    def make(role: str = "admin", **scope: str) -> FlaskClient:
        sign_in(client, secret_of(token(role, **scope)))
        return client

    return make

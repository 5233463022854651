"""Approving and closing a plan from its page: the department's decisions, with the same
rules, scoping and audit as the API."""

from __future__ import annotations

from typing import Any

import pytest
from flask.testing import FlaskClient

from service.domain.models import Plan
from service.extensions import db
from tests.support.factories import goal_body, ok, plan_body
from tests.web.conftest import page_csrf


@pytest.fixture
def draft(client: FlaskClient, admin: dict[str, str], plans: dict[str, Any]) -> dict[str, Any]:
    """DST's next plan, still a draft, with one goal that passes every rule."""
    plan = ok(client.post("/api/v1/plans", headers=admin,
                          json=plan_body("DST", period_start=2028, period_end=2028)), 201)
    goal = goal_body(deadline="2028-12-31")
    goal["indicators"][0]["baseline_year"] = 2027
    ok(client.post(f"/api/v1/plans/{plan['id']}/goals", json=goal, headers=admin), 201)
    findings = ok(client.get(f"/api/v1/plans/{plan['id']}/validation", headers=admin))
    assert findings["counts"].get("error", 0) == 0, findings
    return plan


def _status(plan_id: int) -> str:
    db.session.expire_all()
    plan = db.session.get(Plan, plan_id)
    assert plan is not None
    return plan.status


def _events(client: FlaskClient, admin: dict[str, str], plan_id: int) -> list[dict[str, Any]]:
    return ok(client.get(f"/api/v1/plans/{plan_id}/audit", headers=admin))


def test_department_approves_a_draft(signed_in, client, admin, draft):
    client = signed_in("department", ministry="FM")
    path = f"/plans/{draft['id']}"
    assert "Godkend planen" in client.get(path).get_data(as_text=True)
    response = client.post(f"{path}/approve", data={"csrf_token": page_csrf(client, path)})
    assert response.status_code == 303 and response.headers["Location"] == path
    assert _status(draft["id"]) == "approved"
    html = client.get(path).get_data(as_text=True)
    assert f"{draft['reference']} er godkendt." in html
    assert "Godkend planen" not in html and "Luk planen" in html
    (approve,) = [e for e in _events(client, admin, draft["id"]) if e["action"] == "approve"]
    assert approve["actor_role"] == "department"


def test_a_plan_with_errors_is_not_approved(signed_in, client, admin, draft):
    goal = ok(client.get(f"/api/v1/plans/{draft['id']}/goals", headers=admin))[0]
    ok(client.patch(f"/api/v1/goals/{goal['id']}", headers=admin, json={"indicators": []}))
    client = signed_in("department", ministry="FM")
    path = f"/plans/{draft['id']}"
    assert "Valideringen har 1 fejl" in client.get(path).get_data(as_text=True)
    client.post(f"{path}/approve", data={"csrf_token": page_csrf(client, path)})
    assert _status(draft["id"]) == "draft"
    assert "kan ikke godkendes" in client.get(path).get_data(as_text=True)


def test_department_closes_an_approved_plan_with_a_reason(signed_in, client, admin, plans):
    plan_id = plans["UFST"]["id"]
    client = signed_in("department", ministry="SKM")
    path = f"/plans/{plan_id}"
    client.post(f"{path}/close", data={"csrf_token": page_csrf(client, path),
                                       "reason": "Perioden er slut"})
    assert _status(plan_id) == "closed"
    html = client.get(path).get_data(as_text=True)
    assert "UFST-2026 er lukket." in html and "Luk planen" not in html
    close = _events(client, admin, plan_id)[-1]
    assert close["action"] == "close" and close["reason"] == "Perioden er slut"
    # closing twice is refused politely
    client.post(f"{path}/close", data={"csrf_token": page_csrf(client, path)})
    assert "Kun en godkendt plan kan lukkes." in client.get(path).get_data(as_text=True)


def test_institution_has_no_buttons_and_is_refused(signed_in, draft):
    client = signed_in("institution", institution="DST")
    path = f"/plans/{draft['id']}"
    html = client.get(path).get_data(as_text=True)
    assert "Godkend planen" not in html
    response = client.post(f"{path}/approve", data={"csrf_token": page_csrf(client, path)})
    assert response.status_code == 403
    assert _status(draft["id"]) == "draft"


def test_another_ministrys_plan_is_not_found(signed_in, draft):
    client = signed_in("department", ministry="SKM")
    response = client.post(f"/plans/{draft['id']}/approve",
                           data={"csrf_token": page_csrf(client, "/")})
    assert response.status_code == 404
    assert _status(draft["id"]) == "draft"


def test_approve_needs_a_csrf_token(signed_in, draft):
    client = signed_in("admin")
    assert client.post(f"/plans/{draft['id']}/approve").status_code == 400
    assert _status(draft["id"]) == "draft"

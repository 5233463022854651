"""The dashboard with input that once crashed it: periods outside the years a date holds,
goal codes that mix numbers and letters, control characters in a form. Danish answers,
never a 500."""

from __future__ import annotations

import re
from typing import Any

import pytest
from flask.testing import FlaskClient

from service.domain.models import Plan
from service.extensions import db
from tests.support.factories import goal_body, ok
from tests.web.conftest import page_csrf


@pytest.mark.parametrize("period", ["9999-H2", "0000-H1", "-5-H1", "9999"])
def test_overview_with_a_period_outside_the_years(signed_in, plans, period):
    client = signed_in("department", ministry="FM")
    response = client.get("/", query_string={"period": period})
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "er ikke en periode" in html and "årstal 1900–2200" in html
    dst = plans["DST"]["id"]
    response = client.get(f"/plans/{dst}/followup-template.xlsx",
                          query_string={"period": period})
    assert response.status_code == 422 and response.mimetype == "text/html"
    assert "Perioden passer ikke til planen" in response.get_data(as_text=True)
    assert client.get(f"/plans/{dst}", query_string={"period": period}).status_code == 200


@pytest.fixture
def mixed(client: FlaskClient, admin: dict[str, str], plans: dict[str, Any]) -> dict[str, Any]:
    """UFST's plan with goals ``M1``, ``1``, ``M10`` and ``2`` beside the one it had; the
    new ones lack a success criterion (the same warning for each)."""
    plan_id = plans["UFST"]["id"]
    for code in ("M3", "1", "M10", "2"):
        ok(client.post(f"/api/v1/plans/{plan_id}/goals", headers=admin, json={
            **goal_body(code, success_criterion=None), "reason": "Nyt mål"}), 201)
    return plans["UFST"]


def test_codes_of_numbers_and_letters_on_the_pages(signed_in, mixed):
    client = signed_in("department", ministry="SKM")
    response = client.get("/?period=2026-H1")
    assert response.status_code == 200
    columns = re.findall(r'<th scope="col" class="goal-col">([^<]*)</th>',
                         response.get_data(as_text=True))
    assert columns == ["1", "2", "M1", "M3", "M10"]
    response = client.get(f"/plans/{mixed['id']}")
    assert response.status_code == 200


def test_close_reason_with_control_characters_is_refused(signed_in, plans):
    plan_id = plans["UFST"]["id"]
    client = signed_in("department", ministry="SKM")
    path = f"/plans/{plan_id}"
    response = client.post(f"{path}/close", data={"csrf_token": page_csrf(client, path),
                                                  "reason": "Slut\x1b[31m"})
    assert response.status_code == 422 and response.mimetype == "text/html"
    assert "styretegn" in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Plan, plan_id).status == "approved"
    client.post(f"{path}/close", data={"csrf_token": page_csrf(client, path),
                                       "reason": "Perioden er slut.\nAlle mål er afrapporteret."})
    db.session.expire_all()
    assert db.session.get(Plan, plan_id).status == "closed"


def test_a_long_address_or_large_header_is_a_danish_page(signed_in, plans):
    client = signed_in("department", ministry="FM")
    response = client.get("/?institution=" + "X" * 5000)
    assert response.status_code == 414 and response.mimetype == "text/html"
    assert "Adressen er for lang" in response.get_data(as_text=True)
    response = client.get("/", headers={"X-Big": "b" * 9000})
    assert response.status_code == 431 and response.mimetype == "text/html"
    assert "For store oplysninger" in response.get_data(as_text=True)

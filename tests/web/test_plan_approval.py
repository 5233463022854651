"""Approving a plan from the dashboard goes through a page that says what will happen and
shows the findings that block it; approving, closing (before the period's end only with a
reason) and reopening each appear in the plan's change log with what they changed."""

from __future__ import annotations

import re
from datetime import date
from typing import Any

import pytest
from flask.testing import FlaskClient

from service.domain.models import Plan
from service.extensions import db
from tests.support.factories import goal_body, ok, plan_body
from tests.web.conftest import page_csrf
from tests.web.switching import sign_in_as


def _status(plan_id: int) -> str:
    db.session.expire_all()
    plan = db.session.get(Plan, plan_id)
    assert plan is not None
    return plan.status


@pytest.fixture
def draft(client: FlaskClient, admin: dict[str, str], plans: dict[str, Any]) -> dict[str, Any]:
    """DST-2028, a draft with one goal that passes every rule."""
    plan = ok(client.post("/api/v1/plans", headers=admin,
                          json=plan_body("DST", period_start=2028, period_end=2028)), 201)
    goal = goal_body(deadline="2028-12-31")
    goal["indicators"][0]["baseline_year"] = 2027
    ok(client.post(f"/api/v1/plans/{plan['id']}/goals", json=goal, headers=admin), 201)
    return plan


def _audit_rows(html: str) -> list[str]:
    table = re.search(r'<table class="audit">.*?</table>', html, re.S)
    assert table, "no change log on the page"
    return [" ".join(re.sub(r"<[^>]+>", " ", row).split())
            for row in re.findall(r"<tr>(.*?)</tr>", table.group(0), re.S)[1:]]


def test_the_plan_page_links_to_a_confirmation_page(signed_in, draft):
    client = signed_in("department", ministry="FM")
    page = client.get(f"/plans/{draft['id']}").get_data(as_text=True)
    assert re.search(rf'<a class="button" href="/plans/{draft["id"]}/approve" '
                     r'id="approve-plan">Godkend planen</a>', page)
    response = client.get(f"/plans/{draft['id']}/approve")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "<title>Godkend planen DST-2028" in html
    assert "<h1 id=\"h-decision\">Godkend planen DST-2028?</h1>" in html
    assert "Det sker, når planen godkendes" in html
    assert "Planen får status <strong>godkendt</strong>" in html
    assert "<strong>Institutionen kan indberette opfølgning</strong>" in html
    assert "en ændring kræver en begrundelse" in html
    assert 'id="approve-blocking"' not in html and 'name="reason"' not in html
    assert re.search(r'<button type="submit" class="">Godkend planen</button>', html)
    assert f'href="/plans/{draft["id"]}">Fortryd og gå tilbage til planen</a>' in html
    assert _status(draft["id"]) == "draft"  # looking approves nothing

    response = client.post(f"/plans/{draft['id']}/approve",
                           data={"csrf_token": csrf(html)})
    assert response.status_code == 303
    assert response.headers["Location"] == f"/plans/{draft['id']}"
    assert _status(draft["id"]) == "approved"
    page = client.get(f"/plans/{draft['id']}").get_data(as_text=True)
    assert "DST-2028 er godkendt. Institutionen kan indberette opfølgning på planen." in page
    (row,) = [r for r in _audit_rows(page) if "Plan godkendt" in r]
    assert "Status : Kladde → Godkendt" in row
    assert "Godkendt af : – → test-department" in row
    # a second look finds nothing to approve
    response = client.get(f"/plans/{draft['id']}/approve")
    assert response.status_code == 303
    assert "kan ikke godkendes, fordi den har status approved" in client.get(
        f"/plans/{draft['id']}").get_data(as_text=True)


def csrf(html: str) -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert match
    return match.group(1)


def test_blocking_findings_are_shown_and_nothing_is_offered(signed_in, client, admin, draft):
    goal = ok(client.get(f"/api/v1/plans/{draft['id']}/goals", headers=admin))[0]
    ok(client.patch(f"/api/v1/goals/{goal['id']}", headers=admin, json={"indicators": []}))
    client = signed_in("department", ministry="FM")
    html = client.get(f"/plans/{draft['id']}/approve").get_data(as_text=True)
    blocking = re.search(r'<div class="blocking" id="approve-blocking">.*?</div>', html, re.S)
    assert blocking, html
    assert "Planen kan ikke godkendes endnu" in blocking.group(0)
    assert "Valideringen har fundet 1 fejl" in blocking.group(0)
    assert "<strong>M1</strong>:" in blocking.group(0)
    assert "<button" not in html.split('class="stack decision-form"')[1].split("</form>")[0]
    # a POST all the same is refused on the plan's page
    client.post(f"/plans/{draft['id']}/approve", data={"csrf_token": csrf(html)})
    assert _status(draft["id"]) == "draft"
    assert "kan ikke godkendes" in client.get(f"/plans/{draft['id']}").get_data(as_text=True)


def test_an_institution_and_another_ministry_cannot_see_the_page(client, token, draft):
    sign_in_as(client, token, "institution", institution="DST")
    assert client.get(f"/plans/{draft['id']}/approve").status_code == 403
    sign_in_as(client, token, "department", ministry="SKM")
    assert client.get(f"/plans/{draft['id']}/approve").status_code == 404


def test_close_before_the_end_needs_a_reason_and_every_decision_is_logged(signed_in, token,
                                                                          draft):
    assert date.today() < date(2028, 12, 31)
    client = signed_in("department", ministry="FM")
    path = f"/plans/{draft['id']}"
    client.post(f"{path}/approve", data={"csrf_token": page_csrf(client, path)})
    html = client.get(f"{path}/close").get_data(as_text=True)
    assert "den løber til 31. december 2028" in html
    response = client.post(f"{path}/close", data={"csrf_token": csrf(html), "reason": ""})
    assert response.status_code == 422
    assert ('<a href="#reason">Skriv, hvorfor planen lukkes, før planperioden er slut.</a>'
            in response.get_data(as_text=True))
    assert _status(draft["id"]) == "approved"
    client.post(f"{path}/close", data={"csrf_token": csrf(html), "reason": "Ny plan"})
    assert _status(draft["id"]) == "closed"

    admin = sign_in_as(client, token, "admin")
    html = admin.get(f"{path}/reopen").get_data(as_text=True)
    admin.post(f"{path}/reopen", data={"csrf_token": csrf(html), "reason": "Ved en fejl"})
    assert _status(draft["id"]) == "approved"
    rows = _audit_rows(admin.get(path).get_data(as_text=True))
    (approved,) = [r for r in rows if "Plan godkendt" in r]
    (closed,) = [r for r in rows if "Plan lukket" in r]
    (reopened,) = [r for r in rows if "Plan genåbnet" in r]
    assert "Status : Kladde → Godkendt" in approved
    assert "Status : Godkendt → Lukket" in closed and closed.endswith("Ny plan")
    assert "Lukket : – → " in closed and " kl. " in closed
    assert "Status : Lukket → Godkendt" in reopened and reopened.endswith("Ved en fejl")
    assert "(administrator)" in reopened and "(departement)" in closed

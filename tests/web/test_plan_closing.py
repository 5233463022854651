"""Closing a plan from the dashboard goes through a page that says what will happen and
asks for the reason; an admin reopens a closed plan the same way; the plan's page shows
when it was closed, by whom and why."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from typing import Any

import pytest
from sqlalchemy import update

from service.domain.models import Plan
from service.extensions import db
from service.web.labels import format_datetime
from tests.support.factories import goal_body, ok, plan_body
from tests.web.conftest import page_csrf, secret_of, sign_in

APPROVED_AT = datetime(2026, 1, 5, 9, 30, tzinfo=UTC)


def _plan(plan_id: int) -> Plan:
    db.session.expire_all()
    plan = db.session.get(Plan, plan_id)
    assert plan is not None
    return plan


@pytest.fixture
def ufst(plans: dict[str, Any]) -> dict[str, Any]:
    """UFST-2026 (2026–2027, approved, SKM), approved on 5 January."""
    db.session.execute(update(Plan).where(Plan.id == plans["UFST"]["id"])
                       .values(approved_at=APPROVED_AT))
    db.session.commit()
    return plans["UFST"]


def test_the_confirmation_page_says_what_happens_and_asks_why(signed_in, report, ufst):
    assert date.today() < date(2027, 12, 31)
    report(ufst["id"], "2026-H1", M1="on_track")
    client = signed_in("department", ministry="SKM")
    page = client.get(f"/plans/{ufst['id']}").get_data(as_text=True)
    assert f'href="/plans/{ufst["id"]}/close"' in page and "Luk planen" in page
    response = client.get(f"/plans/{ufst['id']}/close")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "<title>Luk planen UFST-2026" in html
    assert "Opfølgninger på planen bliver afvist" in html
    assert "Kun en administrator kan genåbne planen." in html
    assert "den løber til 31. december 2027" in html
    assert ("ikke modtaget en registreret opfølgning for 2. halvår 2026, 1. halvår 2027 og "
            "2. halvår 2027." in html)
    assert re.search(r'<label for="reason">Begrundelse</label>', html)
    assert re.search(r'<textarea id="reason" name="reason"[^>]*aria-required="true"', html)
    assert "error-summary" not in html
    assert _plan(ufst["id"]).status == "approved"  # looking closes nothing


def test_without_a_reason_the_page_comes_back_with_the_error_linked(signed_in, ufst):
    client = signed_in("department", ministry="SKM")
    path = f"/plans/{ufst['id']}/close"
    response = client.post(path, data={"csrf_token": page_csrf(client, path), "reason": "  "})
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "<title>Fejl: Luk planen UFST-2026" in html
    summary = re.search(r'<div class="error-summary" role="alert".*?</div>', html, re.S)
    assert summary and "Der er et problem" in summary.group(0)
    assert ('<a href="#reason">Skriv, hvorfor planen lukkes, før planperioden er slut.</a>'
            in summary.group(0))
    assert re.search(r'<textarea id="reason"[^>]*aria-describedby="reason-hint reason-error"'
                     r'[^>]*aria-invalid="true"', html, re.S)
    assert 'id="reason-error"' in html
    assert _plan(ufst["id"]).status == "approved"


def test_closing_with_a_reason_and_the_plan_page_shows_the_closing(signed_in, ufst):
    client = signed_in("department", ministry="SKM")
    path = f"/plans/{ufst['id']}/close"
    response = client.post(path, data={"csrf_token": page_csrf(client, path),
                                       "reason": "Erstattes af en ny plan"})
    assert response.status_code == 303
    assert response.headers["Location"] == f"/plans/{ufst['id']}"
    plan = _plan(ufst["id"])
    assert plan.status == "closed" and plan.closed_at is not None
    html = client.get(f"/plans/{ufst['id']}").get_data(as_text=True)
    assert "UFST-2026 er lukket. Opfølgninger på planen bliver afvist" in html
    closed = re.search(r'<span id="closed-at">([^<]+)</span> af ([^<]+)</dd>', html)
    assert closed and closed.groups() == (format_datetime(plan.closed_at), "test-department")
    assert format_datetime(plan.closed_at) != format_datetime(APPROVED_AT)
    assert f"<dt>Godkendt</dt><dd>{format_datetime(APPROVED_AT)} af test-admin" in html
    assert '<dd id="closed-reason">Erstattes af en ny plan</dd>' in html
    assert "Genåbn planen" not in html and "Luk planen" not in html  # a department's view
    assert "lukket" in html and "Erstattes af en ny plan</td>" in html  # the audit log
    # the page again, now that the plan is closed: back to the plan, told why
    again = client.get(path)
    assert again.status_code == 303
    assert "Kun en godkendt plan kan lukkes." in client.get(
        again.headers["Location"]).get_data(as_text=True)


def test_a_plan_whose_period_is_over_closes_without_a_reason(client, admin, signed_in,
                                                             plans):
    last = date.today().year - 1
    old = ok(client.post("/api/v1/plans", headers=admin, json=plan_body(
        "UFST", period_start=last, period_end=last)), 201)
    goal = goal_body(deadline=f"{last}-12-31")
    goal["indicators"][0]["baseline_year"] = last - 1
    ok(client.post(f"/api/v1/plans/{old['id']}/goals", json=goal, headers=admin), 201)
    ok(client.post(f"/api/v1/plans/{old['id']}/approve", headers=admin))
    client = signed_in("department", ministry="SKM")
    path = f"/plans/{old['id']}/close"
    html = client.get(path).get_data(as_text=True)
    assert '<label for="reason">Begrundelse (valgfri)</label>' in html
    assert "Planperioden er ikke slut" not in html
    response = client.post(path, data={"csrf_token": page_csrf(client, path)})
    assert response.status_code == 303
    assert _plan(old["id"]).status == "closed"


def test_an_admin_reopens_with_a_reason(client, admin, signed_in, ufst):
    ok(client.post(f"/api/v1/plans/{ufst['id']}/close", headers=admin,
                   json={"reason": "Lukket ved en fejl"}))
    web = signed_in("admin")
    page = web.get(f"/plans/{ufst['id']}").get_data(as_text=True)
    assert f'href="/plans/{ufst["id"]}/reopen"' in page and "Genåbn planen" in page
    path = f"/plans/{ufst['id']}/reopen"
    html = web.get(path).get_data(as_text=True)
    assert "Planen er <strong>godkendt igen</strong>" in html
    assert "med begrundelsen »Lukket ved en fejl«" in html
    assert '<label for="reason">Begrundelse</label>' in html
    missing = web.post(path, data={"csrf_token": page_csrf(web, path)})
    assert missing.status_code == 422
    assert '<a href="#reason">Skriv, hvorfor planen genåbnes.</a>' in missing.get_data(
        as_text=True)
    assert _plan(ufst["id"]).status == "closed"
    done = web.post(path, data={"csrf_token": page_csrf(web, path),
                                "reason": "Institutionen skal indberette 2. halvår"})
    assert done.status_code == 303
    plan = _plan(ufst["id"])
    assert (plan.status, plan.closed_at) == ("approved", None)
    html = web.get(f"/plans/{ufst['id']}").get_data(as_text=True)
    assert "UFST-2026 er genåbnet og godkendt igen." in html
    assert "Plan genåbnet" in html and "Institutionen skal indberette 2. halvår" in html
    events = ok(client.get(f"/api/v1/plans/{ufst['id']}/audit", headers=admin))
    assert (events[-1]["action"], events[-1]["reason"]) == (
        "reopen", "Institutionen skal indberette 2. halvår")


def _as(client, token, role: str, **scope: str):
    """The client signed out, and in again as ``role``."""
    if client.get("/login").status_code == 302:
        client.post("/logout", data={"csrf_token": page_csrf(client, "/")})
    sign_in(client, secret_of(token(role, **scope)))
    return client


def test_who_may_see_the_pages(client, admin, token, ufst):
    institution = _as(client, token, "institution", institution="UFST")
    assert institution.get(f"/plans/{ufst['id']}/close").status_code == 403
    assert "Luk planen" not in institution.get(f"/plans/{ufst['id']}").get_data(as_text=True)
    ok(client.post(f"/api/v1/plans/{ufst['id']}/close", headers=admin, json={"reason": "x"}))
    department = _as(client, token, "department", ministry="SKM")
    assert department.get(f"/plans/{ufst['id']}/reopen").status_code == 403
    path = f"/plans/{ufst['id']}/reopen"
    refused = department.post(path, data={"csrf_token": page_csrf(department, "/"),
                                          "reason": "Fejl"})
    assert refused.status_code == 403
    foreign = _as(client, token, "department", ministry="FM")
    assert foreign.get(f"/plans/{ufst['id']}/close").status_code == 404
    assert _plan(ufst["id"]).status == "closed"


def test_the_decision_needs_a_csrf_token(signed_in, ufst):
    client = signed_in("admin")
    response = client.post(f"/plans/{ufst['id']}/close", data={"reason": "Slut"})
    assert response.status_code == 400
    assert _plan(ufst["id"]).status == "approved"

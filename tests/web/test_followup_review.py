"""The department answers a follow-up from the plan's page: a form per report of the chosen
period, the answer shown to every role, errors in a linked summary, CSRF required; the
overview counts the reports awaiting the department's review."""

from __future__ import annotations

import re
from typing import Any

import pytest

from service.domain.models import FollowUp, OutboundMessage
from service.extensions import db
from service.web.labels import format_datetime
from tests.web.conftest import page_csrf
from tests.web.switching import sign_in_as


@pytest.fixture
def reported(plans: dict[str, Any], report) -> dict[str, Any]:
    followup = report(plans["DST"]["id"], "2026-H1", M1="on_track", M2="at_risk")
    return {"plan": plans["DST"]["id"], "followup": followup["id"]}


def _page(client, plan_id: int) -> str:
    return client.get(f"/plans/{plan_id}?period=2026-H1").get_data(as_text=True)


def _path(reported: dict[str, Any]) -> str:
    return f"/plans/{reported['plan']}/followups/{reported['followup']}/review"


def test_the_form_returns_a_report_and_every_role_sees_the_answer(signed_in, token, reported):
    client = signed_in("department", ministry="FM")
    fid = reported["followup"]
    html = _page(client, reported["plan"])
    assert f'action="{_path(reported)}"' in html
    assert f'<label for="review-{fid}-comment">Samlet kommentar</label>' in html
    assert f'<label for="review-{fid}-goal-M2">Kommentar til M2 – Højere datakvalitet' in html
    assert "Kvittér for opfølgningen</button>" in html
    assert "Send tilbage til institutionen</button>" in html
    # another period chosen: no form for this report
    assert f'action="{_path(reported)}"' not in client.get(
        f"/plans/{reported['plan']}?period=2026-H2").get_data(as_text=True)
    response = client.post(_path(reported), data={
        "csrf_token": page_csrf(client, f"/plans/{reported['plan']}"), "decision": "returned",
        "comment": "Forklar M2.", "goal-M2": "Hvorfor udfordret?", "goal-M1": " "})
    assert response.status_code == 302
    assert response.headers["Location"] == (
        f"/plans/{reported['plan']}?period=2026-H1#followup-{fid}")
    html = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Opfølgningen er sendt tilbage til institutionen." in html
    assert "Departementets svar: sendt tilbage til institutionen" in html
    assert '<p class="review-comment">Forklar M2.</p>' in html
    assert "<dt>M2</dt><dd>Hvorfor udfordret?</dd>" in html and "<dt>M1</dt>" not in html
    db.session.expire_all()
    followup = db.session.get(FollowUp, fid)
    assert followup is not None and followup.review is not None
    assert (f"Gennemgået af test-department, {format_datetime(followup.review.reviewed_at)}."
            in html)
    assert OutboundMessage.query.filter_by(kind="review_answer").count() == 1
    # the change log says it in Danish, not in field names and codes
    log = html[html.index('id="h-audit"'):] if 'id="h-audit"' in html else html
    assert "Afgørelse" in log and "Sendt tilbage" in log and "M2: Hvorfor udfordret?" in log
    assert "returned" not in log and "decision" not in log
    institution = sign_in_as(client, token, "institution", institution="DST")
    html = _page(institution, reported["plan"])
    assert "Departementets svar: sendt tilbage til institutionen" in html
    assert "Forklar M2." in html
    assert "Kvittér for opfølgningen" not in html  # no form for the institution
    assert institution.post(_path(reported), data={
        "csrf_token": page_csrf(institution, f"/plans/{reported['plan']}"),
        "decision": "acknowledged"}).status_code == 403


def test_returning_without_a_comment_shows_the_error_linked_to_the_field(signed_in, reported):
    client = signed_in("admin")
    fid = reported["followup"]
    response = client.post(_path(reported), data={
        "csrf_token": page_csrf(client, f"/plans/{reported['plan']}"), "decision": "returned",
        "comment": "", "goal-M1": "Godt."})
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "<title>Fejl: DST-2026" in html
    summary = re.search(r'<div class="error-summary" role="alert".*?</div>', html, re.S)
    assert summary and f'<a href="#review-{fid}-comment">Skriv, hvad institutionen skal' \
        in summary.group(0)
    assert re.search(rf'<textarea id="review-{fid}-comment"[^>]*aria-describedby='
                     rf'"review-{fid}-comment-hint review-{fid}-comment-error"[^>]*'
                     r'aria-invalid="true"', html)
    assert 'name="goal-M1" rows="2" maxlength="10000">Godt.</textarea>' in html  # kept
    db.session.expire_all()
    assert db.session.get(FollowUp, fid).review is None


def test_the_form_needs_its_csrf_token(signed_in, reported):
    client = signed_in("admin")
    response = client.post(_path(reported), data={"decision": "acknowledged"})
    assert response.status_code == 400
    db.session.expire_all()
    assert db.session.get(FollowUp, reported["followup"]).review is None


def test_the_overview_counts_reports_awaiting_review(signed_in, reported):
    client = signed_in("department", ministry="FM")
    html = client.get("/?period=2026-H1").get_data(as_text=True)
    assert "1 opfølgning venter på departementets gennemgang" in html
    client.post(_path(reported), data={
        "csrf_token": page_csrf(client, f"/plans/{reported['plan']}"),
        "decision": "acknowledged"})
    html = client.get("/?period=2026-H1").get_data(as_text=True)
    assert "venter på departementets gennemgang" not in html

"""POST /api/v1/followups/{id}/review: the department's answer to a follow-up."""

from __future__ import annotations

from service.domain.models import AuditEvent, OutboundMessage
from tests.api.conftest import openapi_document, problem_of
from tests.support.factories import build_dst_plan, ok

ROWS = [
    {"goal": "M1", "status": "grøn", "value": 35, "progress": 50},
    {"goal": "M2", "status": "gul", "value": 91, "progress": 40},
    {"goal": "M3", "status": "På rette spor", "progress": 30},
]


def _report(client, headers, plan_id, period="2026-H1", rows=ROWS):
    return ok(client.post(f"/api/v1/plans/{plan_id}/followups", headers=headers,
                          json={"period": period, "goals": rows}), 201)


def _review(client, headers, followup_id, body):
    return client.post(f"/api/v1/followups/{followup_id}/review", headers=headers, json=body)


def test_the_department_returns_a_report_with_comments(client, admin, token):
    plan = build_dst_plan(client, admin)
    report = _report(client, admin, plan["id"])
    assert report["review"] is None
    fm = token("department", ministry="FM")
    data = ok(_review(client, fm, report["id"], {
        "decision": "returned", "comment": "Forklar afvigelsen på M2.",
        "goals": [{"goal": "m2", "comment": "Hvorfor gul?"}, {"goal": "M1", "comment": ""}]}))
    review = data["review"]
    assert review["decision"] == "returned"
    assert review["comment"] == "Forklar afvigelsen på M2."
    assert review["goals"] == [{"goal": "M2", "comment": "Hvorfor gul?"}]
    assert review["by"] == "test-department" and review["at"]
    shown = ok(client.get(f"/api/v1/followups/{report['id']}",
                          headers=token("institution", institution="DST")))
    assert shown["review"] == review
    listed = ok(client.get(f"/api/v1/plans/{plan['id']}/followups", headers=admin))
    assert listed[0]["review"]["decision"] == "returned"
    [event] = AuditEvent.query.filter_by(action="review").all()
    assert event.entity == "followup" and event.entity_id == report["id"]
    assert event.after["decision"] == "returned"
    assert event.after["comment"] == "Forklar afvigelsen på M2."
    [mail] = OutboundMessage.query.filter_by(kind="review_answer").all()
    assert mail.key == f"review_answer:{report['id']}:{mail.key.rsplit(':', 1)[1]}"
    assert mail.to == "opfoelgning@dst.dk" and mail.sent_at is None
    assert "1. halvår 2026" in mail.subject and "sendt tilbage" in mail.subject
    assert "Departementet sender opfølgningen tilbage" in mail.text
    assert "- M2: Hvorfor gul?" in mail.text


def test_a_second_review_replaces_the_first_and_both_are_audited(client, admin, token):
    plan = build_dst_plan(client, admin)
    report = _report(client, admin, plan["id"])
    ok(_review(client, admin, report["id"], {"decision": "returned", "comment": "Ret M1."}))
    data = ok(_review(client, admin, report["id"], {"decision": "acknowledged"}))
    assert data["review"]["decision"] == "acknowledged" and data["review"]["comment"] is None
    events = AuditEvent.query.filter_by(action="review").order_by(AuditEvent.id).all()
    assert [e.after["decision"] for e in events] == ["returned", "acknowledged"]
    assert events[1].before["decision"] == "returned"
    keys = {m.key for m in OutboundMessage.query.filter_by(kind="review_answer")}
    assert len(keys) == 2


def test_returned_needs_a_comment_and_goals_must_be_in_the_report(client, admin):
    plan = build_dst_plan(client, admin)
    report = _report(client, admin, plan["id"])
    body = problem_of(_review(client, admin, report["id"],
                              {"decision": "returned", "comment": "  "}), 422)
    assert "comment" in body["errors"]
    body = problem_of(_review(client, admin, report["id"], {
        "decision": "acknowledged", "goals": [{"goal": "M9", "comment": "?"}]}), 422)
    assert "goals.0.goal" in body["errors"]
    body = problem_of(_review(client, admin, report["id"], {"decision": "maybe"}), 422)
    assert "decision" in body["errors"]
    assert ok(client.get(f"/api/v1/followups/{report['id']}", headers=admin))["review"] is None
    assert OutboundMessage.query.filter_by(kind="review_answer").count() == 0


def test_tenancy_roles_and_superseded_reports(client, admin, token):
    plan = build_dst_plan(client, admin)
    first = _report(client, admin, plan["id"])
    ok(client.post("/api/v1/ministries", json={"code": "SKM", "name": "Skat"}, headers=admin),
       201)
    skm = token("department", ministry="SKM")
    problem_of(_review(client, skm, first["id"], {"decision": "acknowledged"}), 404)
    dst = token("institution", institution="DST")
    problem_of(_review(client, dst, first["id"], {"decision": "acknowledged"}), 403)
    problem_of(_review(client, admin, 999999, {"decision": "acknowledged"}), 404)
    _report(client, admin, plan["id"])  # supersedes the first
    body = problem_of(_review(client, token("department", ministry="FM"), first["id"],
                              {"decision": "acknowledged"}), 409)
    assert "nyere" in body["detail"]


def test_the_overview_counts_reports_awaiting_review(client, admin, token):
    plan = build_dst_plan(client, admin)
    fm = token("department", ministry="FM")
    overview = ok(client.get("/api/v1/overview?period=2026-H1", headers=fm))
    assert overview["awaiting_review"] == 0
    _report(client, admin, plan["id"], rows=[{"goal": "M1", "status": "lilla"}])  # rejected
    accepted = _report(client, admin, plan["id"])
    assert ok(client.get("/api/v1/overview?period=2026-H1",
                         headers=fm))["awaiting_review"] == 2
    ok(_review(client, fm, accepted["id"], {"decision": "acknowledged"}))
    assert ok(client.get("/api/v1/overview?period=2026-H1",
                         headers=fm))["awaiting_review"] == 1
    assert ok(client.get("/api/v1/overview?period=2026-H2",
                         headers=fm))["awaiting_review"] == 0


def test_the_openapi_document_describes_the_review():
    spec = openapi_document()
    operation = spec["paths"]["/api/v1/followups/{followup_id}/review"]["post"]
    assert {"200", "403", "404", "409", "422"} <= set(operation["responses"])
    assert operation["requestBody"]
    assert "awaiting_review" in spec["components"]["schemas"]["Overview"]["properties"]
    assert "review" in spec["components"]["schemas"]["FollowUp"]["properties"]

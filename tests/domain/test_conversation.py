"""A plan's conversation per period (service.domain.conversation): the report, the
department's answer, the report sent again and the answer to it, in the order they happened."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import update

from service.domain import conversation, plans
from service.domain.actors import Actor
from service.domain.errors import Invalid
from service.domain.models import FollowUp, FollowUpReview
from service.extensions import db
from service.vocabulary import Role
from tests.support.factories import build_dst_plan, ok

ROWS = [
    {"goal": "M1", "status": "grøn", "value": 35, "progress": 50},
    {"goal": "M2", "status": "gul", "value": 91, "progress": 40},
    {"goal": "M3", "status": "På rette spor", "progress": 30},
]


def _report(client, headers, plan_id, period="2026-H1", rows=ROWS):
    return ok(client.post(f"/api/v1/plans/{plan_id}/followups", headers=headers,
                          json={"period": period, "goals": rows}), 201)


def _review(client, headers, followup_id, **body):
    return ok(client.post(f"/api/v1/followups/{followup_id}/review", headers=headers,
                          json=body))


def _plan(plan_id):
    return plans.get_plan(Actor(role=Role.ADMIN, name="test"), plan_id)


def test_report_return_resubmission_acknowledgement_in_order(client, admin, token):
    plan = build_dst_plan(client, admin)
    fm = token("department", ministry="FM")
    first = _report(client, admin, plan["id"])
    _review(client, fm, first["id"], decision="returned", comment="Forklar M2.",
            goals=[{"goal": "M2", "comment": "Hvorfor gul?"}])
    rejected = _report(client, admin, plan["id"], rows=[{"goal": "M1", "status": "lilla"}])
    second = _report(client, admin, plan["id"])  # supersedes the first
    _review(client, fm, second["id"], decision="acknowledged")
    _report(client, admin, plan["id"], period="2026-H2")

    found = conversation.conversation(_plan(plan["id"]))
    assert [c.period for c in found] == ["2026-H1", "2026-H2"]
    steps = found[0].steps
    assert [(s.kind, s.followup_id) for s in steps] == [
        ("report", first["id"]), ("review", first["id"]),
        ("resubmission", rejected["id"]), ("resubmission", second["id"]),
        ("review", second["id"])]
    report, returned, bad, again, acknowledged = steps
    assert report.status == "superseded" and report.channel == "api"
    assert report.submitted_by == "test-admin"
    assert bad.status == "rejected" and again.status == "accepted"
    assert returned.decision == "returned" and returned.comment == "Forklar M2."
    assert returned.goals == ({"goal": "M2", "comment": "Hvorfor gul?"},)
    assert returned.by == "test-department" and returned.latest
    assert acknowledged.decision == "acknowledged" and acknowledged.comment is None
    assert [s.at for s in steps] == sorted(s.at for s in steps)
    assert [s.kind for s in found[1].steps] == ["report"]
    # one period only, by its code or its words
    assert [c.period for c in conversation.conversation(_plan(plan["id"]), "2026-H2")] == [
        "2026-H2"]
    assert [c.period for c in conversation.conversation(
        _plan(plan["id"]), "1. halvår 2026")] == ["2026-H1"]
    assert conversation.conversation(_plan(plan["id"]), "2027-H1") == []


def test_a_second_review_is_kept_and_the_latest_is_the_answer(client, admin):
    plan = build_dst_plan(client, admin)
    report = _report(client, admin, plan["id"])
    _review(client, admin, report["id"], decision="returned", comment="Ret M1.")
    _review(client, admin, report["id"], decision="acknowledged", comment="Fint nu.")
    [period] = conversation.conversation(_plan(plan["id"]))
    kinds = [(s.kind, s.decision, s.latest) for s in period.steps]
    assert kinds == [("report", None, False), ("review", "returned", False),
                     ("review", "acknowledged", True)]


def test_a_review_never_comes_before_the_report_it_answers(client, admin):
    """A mailed report carries the sender's clock: one dated after its review still comes
    first, and a later report sent meanwhile after both."""
    plan = build_dst_plan(client, admin)
    report = _report(client, admin, plan["id"])
    _review(client, admin, report["id"], decision="returned", comment="Ret M1.")
    review = db.session.query(FollowUpReview).one()
    db.session.execute(update(FollowUp).where(FollowUp.id == report["id"]).values(
        received_at=review.reviewed_at + timedelta(hours=2)))
    db.session.commit()
    [period] = conversation.conversation(_plan(plan["id"]))
    assert [s.kind for s in period.steps] == ["report", "review"]


def test_an_unknown_period_is_refused_naming_the_field(client, admin):
    plan = build_dst_plan(client, admin)
    with pytest.raises(Invalid) as error:
        conversation.conversation(_plan(plan["id"]), "sidste år")
    assert error.value.field == "period"

"""Change requests to approved plans' goals (DESIGN section 13): proposed by the institution
or the department with a reason, approved (the change applied and audited with the reason)
or rejected with a comment."""

from __future__ import annotations

import pytest

from service.domain.models import AuditEvent, ChangeRequest
from tests.api.conftest import problem_of
from tests.support.factories import goal_body, ok

REASON = "Ny politisk aftale"


def _indicators(target):
    return [{**goal_body()["indicators"][0], "target": target}]


def _propose(client, headers, goal_id, changes, reason=REASON):
    return client.post(f"/api/v1/goals/{goal_id}/change-requests", headers=headers,
                       json={"changes": changes, "reason": reason})


def _decide(client, headers, request_id, what, comment=None):
    body = {} if comment is None else {"comment": comment}
    return client.post(f"/api/v1/change-requests/{request_id}/{what}", headers=headers,
                       json=body)


def test_the_institution_proposes_and_the_department_approves(client, institution,
                                                               department, approved, world):
    goal = world["goals"]["UFST"]
    made = ok(_propose(client, institution, goal["id"],
                       {"indicators": _indicators(25), "deadline": "2027-06-30"}), 201)
    assert made["status"] == "pending"
    assert made["plan"] == "UFST-2026" and made["goal"] == "M1"
    assert made["changes"]["deadline"] == "2027-06-30"
    assert made["changes"]["indicators"][0]["target"] == 25
    assert made["reason"] == REASON
    assert made["requested_by"] == "test-institution" and made["requested_at"]
    # nothing changes before the department decides
    assert ok(client.get(f"/api/v1/goals/{goal['id']}", headers=department)
              )["indicators"][0]["target"] == 30
    decided = ok(_decide(client, department, made["id"], "approve", "Godkendt i styregruppen"))
    assert decided["status"] == "approved" and decided["comment"] == "Godkendt i styregruppen"
    assert decided["decided_by"] == "test-department"
    assert decided["before"]["deadline"] == "2026-12-31"
    assert decided["after"]["deadline"] == "2027-06-30"
    changed = ok(client.get(f"/api/v1/goals/{goal['id']}", headers=institution))
    assert changed["deadline"] == "2027-06-30"
    [indicator] = changed["indicators"]
    assert indicator["target"] == 25
    history = indicator["target_history"]
    assert [h["target"] for h in history] == [30, 25]
    assert history[0] == {"target": 30, "valid_from": "2026-01-01", "change_request": None}
    assert history[1]["change_request"] == made["id"]
    [update] = AuditEvent.query.filter_by(entity="goal", action="update",
                                          entity_id=goal["id"]).all()
    assert update.reason == REASON  # the request's reason
    assert update.actor == "test-department"
    assert update.after["deadline"] == "2027-06-30"
    [approval] = AuditEvent.query.filter_by(entity="change", action="approve").all()
    assert approval.reason == "Godkendt i styregruppen"


def test_withdrawal_and_a_new_goal_by_request(client, institution, department, approved,
                                              world):
    goal = world["goals"]["UFST"]
    withdraw = ok(_propose(client, institution, goal["id"], {"withdraw": True}), 201)
    assert withdraw["kind"] == "withdraw" and withdraw["changes"] == {"withdraw": True}
    plan_id = world["plans"]["UFST"]["id"]
    new = ok(client.post(f"/api/v1/plans/{plan_id}/change-requests", headers=institution,
                         json={"goal": goal_body("M2", title="Flere digitale sager"),
                               "reason": "Nyt fokusområde"}), 201)
    assert new["kind"] == "new_goal" and new["goal"] == "M2" and new["status"] == "pending"
    ok(_decide(client, department, withdraw["id"], "approve"))
    ok(_decide(client, department, new["id"], "approve"))
    shown = ok(client.get(f"/api/v1/goals/{goal['id']}", headers=institution))
    assert shown["status"] == "withdrawn" and shown["withdrawn_reason"] == REASON
    goals = ok(client.get(f"/api/v1/plans/{plan_id}/goals", headers=institution))
    assert [g["code"] for g in goals] == ["M1", "M2"]
    assert goals[1]["title"] == "Flere digitale sager"
    created = AuditEvent.query.filter_by(entity="goal", action="create",
                                         entity_id=goals[1]["id"]).one()
    assert created.reason == "Nyt fokusområde"


def test_reject_needs_a_comment_and_changes_nothing(client, institution, department,
                                                    approved, world):
    goal = world["goals"]["UFST"]
    made = ok(_propose(client, institution, goal["id"], {"owner": "Vicedirektør"}), 201)
    body = problem_of(_decide(client, department, made["id"], "reject"), 422)
    assert list(body["errors"]) == ["comment"]
    problem_of(_decide(client, department, made["id"], "reject", "  "), 422)
    rejected = ok(_decide(client, department, made["id"], "reject", "Ejeren er uændret"))
    assert rejected["status"] == "rejected" and rejected["comment"] == "Ejeren er uændret"
    assert ok(client.get(f"/api/v1/goals/{goal['id']}", headers=department))["owner"] == \
        "Kontorchef"
    # decided once: a second decision is a conflict
    problem_of(_decide(client, department, made["id"], "approve"), 409)
    problem_of(_decide(client, department, made["id"], "reject", "igen"), 409)


def test_only_the_department_decides(client, institution, approved, world):
    made = ok(_propose(client, institution, world["goals"]["UFST"]["id"],
                       {"owner": "Vicedirektør"}), 201)
    problem_of(_decide(client, institution, made["id"], "approve"), 403)
    problem_of(_decide(client, institution, made["id"], "reject", "nej"), 403)


@pytest.mark.parametrize(("changes", "field"), [
    ({"indicators": _indicators(25)}, "changes.indicators.0.target"),
    ({"success_criterion": "Højst 25 dage"}, "changes.success_criterion"),
])
def test_a_politically_fixed_goal_target_and_criterion_cannot_be_requested(
        client, admin, institution, world, changes, field):
    plan_id = world["plans"]["UFST"]["id"]
    fixed = ok(client.post(f"/api/v1/plans/{plan_id}/goals", headers=admin,
                           json=goal_body("M2", politically_fixed=True)), 201)
    ok(client.post(f"/api/v1/plans/{plan_id}/approve", headers=admin))
    body = problem_of(_propose(client, institution, fixed["id"], changes), 409)
    assert list(body["errors"]) == [field]
    assert "politisk" in body["detail"]
    assert ChangeRequest.query.count() == 0
    # its other fields may still be requested changed
    ok(_propose(client, institution, fixed["id"], {"owner": "Direktør"}), 201)


def test_only_for_approved_plans(client, institution, world):
    body = problem_of(_propose(client, institution, world["goals"]["UFST"]["id"],
                               {"owner": "X"}), 409)
    assert "godkendt" in body["detail"]
    plan_id = world["plans"]["UFST"]["id"]
    problem_of(client.post(f"/api/v1/plans/{plan_id}/change-requests", headers=institution,
                           json={"goal": goal_body("M2"), "reason": "x"}), 409)


def test_reason_and_changes_are_required(client, institution, approved, world):
    goal_id = world["goals"]["UFST"]["id"]
    body = problem_of(_propose(client, institution, goal_id, {"owner": "X"}, reason=""), 422)
    assert "reason" in body["errors"]
    body = problem_of(_propose(client, institution, goal_id, {}), 422)
    assert "changes" in body["errors"]
    body = problem_of(_propose(client, institution, goal_id, {"status": "withdrawn"}), 422)
    assert list(body["errors"]) == ["changes.status"]


def test_approval_validates_as_patch_does(client, institution, department, approved, world):
    """A change that the goal's PATCH would refuse is refused on approval, and stays
    pending."""
    goal_id = world["goals"]["UFST"]["id"]
    made = ok(_propose(client, institution, goal_id, {"task_type": "unknown-type"}), 201)
    body = problem_of(_decide(client, department, made["id"], "approve"), 422)
    assert "task_type" in body["errors"]
    assert ok(client.get(f"/api/v1/change-requests/{made['id']}", headers=department)
              )["status"] == "pending"


def test_list_filters_and_tenancy(client, admin, token, institution, department, world):
    for code in ("UFST", "MST", "DST"):
        ok(client.post(f"/api/v1/plans/{world['plans'][code]['id']}/approve", headers=admin))
    mst = token("institution", institution="MST")
    fm = token("department", ministry="FM")
    ufst_request = ok(_propose(client, institution, world["goals"]["UFST"]["id"],
                               {"owner": "A"}), 201)
    mst_request = ok(_propose(client, mst, world["goals"]["MST"]["id"], {"owner": "B"}), 201)
    dst_request = ok(_propose(client, fm, world["goals"]["DST"]["id"], {"owner": "C"}), 201)
    ok(_decide(client, department, mst_request["id"], "reject", "Nej tak"))

    def ids(headers, query=""):
        return [r["id"] for r in ok(client.get(f"/api/v1/change-requests{query}",
                                               headers=headers))]

    assert ids(admin) == [dst_request["id"], mst_request["id"], ufst_request["id"]]
    assert ids(department) == [mst_request["id"], ufst_request["id"]]
    assert ids(department, "?status=pending") == [ufst_request["id"]]
    assert ids(department, "?status=rejected") == [mst_request["id"]]
    assert ids(admin, "?institution=mst") == [mst_request["id"]]
    assert ids(admin, f"?plan={world['plans']['DST']['id']}") == [dst_request["id"]]
    assert ids(institution) == [ufst_request["id"]]
    assert ids(fm) == [dst_request["id"]]
    problem_of(client.get("/api/v1/change-requests?status=maybe", headers=admin), 422)
    # another tenant's request and goal are not found
    problem_of(client.get(f"/api/v1/change-requests/{ufst_request['id']}", headers=fm), 404)
    problem_of(_decide(client, fm, ufst_request["id"], "approve"), 404)
    problem_of(_propose(client, mst, world["goals"]["UFST"]["id"], {"owner": "X"}), 404)
    problem_of(client.post(f"/api/v1/plans/{world['plans']['UFST']['id']}/change-requests",
                           headers=mst, json={"goal": goal_body("M9"), "reason": "x"}), 404)


def test_a_direct_edit_of_an_approved_plan_is_a_change_during_the_year(client, department,
                                                                      approved, world):
    goal_id = world["goals"]["UFST"]["id"]
    ok(client.patch(f"/api/v1/goals/{goal_id}", headers=department,
                    json={"indicators": _indicators(28), "reason": "Budgetaftale"}))
    [change] = ok(client.get("/api/v1/change-requests", headers=department))
    assert change["direct"] is True and change["status"] == "approved"
    assert change["reason"] == "Budgetaftale" and change["goal"] == "M1"
    assert change["before"]["indicators"][0]["target"] == 30
    assert change["after"]["indicators"][0]["target"] == 28
    history = ok(client.get(f"/api/v1/goals/{goal_id}", headers=department)
                 )["indicators"][0]["target_history"]
    assert [(h["target"], h["change_request"]) for h in history] == [
        (30, None), (28, change["id"])]
    # an edit that changes nothing is no change
    ok(client.patch(f"/api/v1/goals/{goal_id}", headers=department,
                    json={"owner": "Kontorchef", "reason": "Ingen ændring"}))
    assert len(ok(client.get("/api/v1/change-requests", headers=department))) == 1


def test_a_draft_edit_keeps_one_target(client, admin, world):
    goal_id = world["goals"]["UFST"]["id"]
    changed = ok(client.patch(f"/api/v1/goals/{goal_id}", headers=admin,
                              json={"indicators": _indicators(20)}))
    assert changed["indicators"][0]["target_history"] == [
        {"target": 20, "valid_from": "2026-01-01", "change_request": None}]
    assert ok(client.get("/api/v1/change-requests", headers=admin)) == []


def test_computed_status_uses_the_target_valid_in_the_period(client, institution, department,
                                                             approved, world, monkeypatch):
    """Target 30 dage lowered to 20 dage from 1 October 2026: a report for 2. halvår 2026
    (ending at the deadline) is judged by 20, one for 1. halvår 2026 by 30."""
    from datetime import UTC, datetime

    import service.domain.targets as targets

    monkeypatch.setattr(targets, "utcnow", lambda: datetime(2026, 10, 1, 9, tzinfo=UTC))
    goal = world["goals"]["UFST"]
    made = ok(_propose(client, institution, goal["id"], {"indicators": _indicators(20)}), 201)
    ok(_decide(client, department, made["id"], "approve"))
    history = ok(client.get(f"/api/v1/goals/{goal['id']}", headers=institution)
                 )["indicators"][0]["target_history"]
    assert history[1] == {"target": 20, "valid_from": "2026-10-01", "change_request": made["id"]}
    plan_id = world["plans"]["UFST"]["id"]

    def computed(period, value):
        report = ok(client.post(f"/api/v1/plans/{plan_id}/followups", headers=institution,
                                json={"period": period, "goals": [
                                    {"goal": "M1", "status": "on_track", "value": value,
                                     "progress": 50, "comment": "Som ventet"}]}), 201)
        return report["goals"][0]

    year_end = computed("2026-H2", 25)
    assert year_end["computed_status"] == "not_achieved"  # 25 meets 30, not 20
    assert "20 dage" in year_end["computed_basis"]
    first_half = computed("2026-H1", 36)
    assert first_half["expected_value"] == pytest.approx(41 + 181 / 365 * (30 - 41), abs=0.01)
    assert "30 dage" in first_half["computed_basis"]

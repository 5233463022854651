"""Check-then-act requests raced against a real server: exactly one wins where only one
may, the others get a clean 409 problem, and nothing is doubled."""

from __future__ import annotations

from sqlalchemy import func, select

from service.domain.models import AuditEvent, FollowUp, Goal, Institution, Ministry, Plan
from service.extensions import db
from tests.concurrency.conftest import at_once, statuses
from tests.support.factories import build_dst_plan, goal_body, ok, plan_body

N = 10


def count(model, *where) -> int:
    db.session.expire_all()
    return db.session.scalar(select(func.count()).select_from(model).where(*where))


def one_wins(answers, winner: int) -> None:
    """One answer ``winner``, every other a 409 problem+json."""
    assert statuses(answers) == [winner] + [409] * (len(answers) - 1), answers
    assert all(a.problem for a in answers if a.status == 409), answers


def test_a_plan_approved_twice_at_once_is_approved_once(live, client, admin, world):
    plan = world["plans"]["UFST"]
    answers = at_once(N, lambda _: live.post(f"/api/v1/plans/{plan['id']}/approve", admin))
    one_wins(answers, 200)
    assert {a.body["detail"] for a in answers if a.status == 409} == {
        "Planen kan ikke godkendes, fordi den har status approved."}
    assert count(AuditEvent, AuditEvent.plan_id == plan["id"],
                 AuditEvent.action == "approve") == 1


def test_plans_created_at_once_get_distinct_references(live, client, admin, world):
    answers = at_once(N, lambda _: live.post("/api/v1/plans", admin, plan_body("DST")))
    assert statuses(answers) == [201] * N, answers
    references = sorted(a.body["reference"] for a in answers)
    # DST-2026 is the world's own plan
    assert references == sorted(f"DST-2026-{n}" for n in range(2, N + 2))
    assert count(Plan) == 3 + N


def test_goals_with_one_code_created_at_once_make_one_goal(live, client, admin, world):
    plan = world["plans"]["MST"]
    answers = at_once(N, lambda i: live.post(
        f"/api/v1/plans/{plan['id']}/goals", admin, goal_body("M7" if i % 2 else "m7")))
    one_wins(answers, 201)
    assert {a.body["errors"]["code"][0].lower() for a in answers if a.status == 409} == {
        "planen har allerede et mål med koden m7."}
    assert count(Goal, Goal.plan_id == plan["id"], func.lower(Goal.code) == "m7") == 1


def test_goals_without_a_code_created_at_once_get_distinct_codes(live, client, admin, world):
    plan = world["plans"]["MST"]
    body = {k: v for k, v in goal_body().items() if k != "code"}
    answers = at_once(N, lambda _: live.post(f"/api/v1/plans/{plan['id']}/goals", admin, body))
    assert statuses(answers) == [201] * N, answers
    assert sorted(a.body["code"] for a in answers) == sorted(f"M{n}" for n in range(2, N + 2))


def test_reports_for_one_period_at_once_leave_one_current(live, client, admin):
    plan = build_dst_plan(client, admin)
    body = {"period": "2026-H1", "goals": [
        {"goal": "M1", "status": "on_track", "value": 35, "progress": 50},
        {"goal": "M2", "status": "on_track", "value": 91, "progress": 40},
        {"goal": "M3", "status": "on_track", "progress": 30},
    ]}
    answers = at_once(N, lambda _: live.post(f"/api/v1/plans/{plan['id']}/followups", admin,
                                             body))
    assert statuses(answers) == [201] * N, answers
    assert {a.body["status"] for a in answers} == {"accepted"}
    db.session.expire_all()
    reports = list(db.session.scalars(select(FollowUp).where(FollowUp.plan_id == plan["id"])))
    assert len(reports) == N
    [current] = [r for r in reports if r.current]
    # every other report leads, from the one that superseded it, to the current one
    by_id = {r.id: r for r in reports}
    for report in reports:
        seen = {report.id}
        while report.superseded_by_id is not None:
            report = by_id[report.superseded_by_id]
            assert report.id not in seen
            seen.add(report.id)
        assert report is current
    listed = ok(client.get(f"/api/v1/plans/{plan['id']}/followups?page_size=50",
                           headers=admin))
    assert [f["id"] for f in listed if f["current"]] == [current.id]


def test_one_ministry_code_created_at_once_makes_one_ministry(live, client, admin):
    answers = at_once(N, lambda _: live.post("/api/v1/ministries", admin,
                                             {"code": "KEFM", "name": "Klimaministeriet"}))
    one_wins(answers, 201)
    assert {a.body["errors"]["code"][0] for a in answers if a.status == 409} == {
        "Ministerområdet KEFM findes allerede."}
    assert count(Ministry) == 1


def test_one_institution_code_created_at_once_makes_one_institution(live, client, admin):
    ok(client.post("/api/v1/ministries", json={"code": "FM", "name": "Finansministeriet"},
                   headers=admin), 201)
    answers = at_once(N, lambda i: live.post("/api/v1/institutions", admin, {
        "code": "DST", "name": "Danmarks Statistik", "ministry": "FM",
        "reporting_addresses": [f"kontor{i}@dst.dk"]}))
    one_wins(answers, 201)
    assert {a.body["errors"]["code"][0] for a in answers if a.status == 409} == {
        "Institutionen DST findes allerede."}
    assert count(Institution) == 1

"""More changes that must happen once, raced against a real server: withdrawing and deleting
a goal, deleting a plan, a ministry's plugin settings; and a database held by another writer
for longer than a request waits."""

from __future__ import annotations

import sqlite3
import threading
import time

import pytest
from sqlalchemy import func, select

from service.domain.models import AuditEvent, Ministry, MinistryPlugin, Plan
from service.extensions import db
from tests.concurrency.conftest import at_once, statuses

N = 10
RULES = ("plan.no-goals", "plan.period", "plan.too-many-goals", "plan.top-manager",
         "plan.cadence", "plan.no-effect-goal", "plan.admin-heavy", "goal.types",
         "smart.specific", "smart.measurable")


def events(plan_id: int, action: str) -> int:
    db.session.expire_all()
    return db.session.scalar(select(func.count()).select_from(AuditEvent).where(
        AuditEvent.plan_id == plan_id, AuditEvent.action == action))


def test_a_goal_withdrawn_twice_at_once_is_withdrawn_once(live, admin, world):
    goal = world["goals"]["UFST"]
    answers = at_once(N, lambda _: live.post(f"/api/v1/goals/{goal['id']}/withdraw", admin,
                                             {"reason": "Udgår efter aftale"}))
    assert statuses(answers) == [200] + [409] * (N - 1), answers
    assert all(a.problem for a in answers if a.status == 409)
    assert events(world["plans"]["UFST"]["id"], "withdraw") == 1


def test_a_goal_deleted_twice_at_once_is_deleted_once(live, admin, world):
    goal = world["goals"]["UFST"]
    answers = at_once(N, lambda _: live.request("DELETE", f"/api/v1/goals/{goal['id']}",
                                                admin))
    assert statuses(answers) == [204] + [404] * (N - 1), answers
    assert all(a.problem for a in answers if a.status == 404)
    assert events(world["plans"]["UFST"]["id"], "delete") == 1


def test_a_plan_deleted_twice_at_once_is_no_server_error(live, admin, world):
    plan = world["plans"]["UFST"]
    answers = at_once(N, lambda _: live.request("DELETE", f"/api/v1/plans/{plan['id']}",
                                                admin))
    assert 204 in statuses(answers) and set(statuses(answers)) <= {204, 404}, answers
    assert all(a.problem for a in answers if a.status != 204)
    db.session.expire_all()
    assert db.session.get(Plan, plan["id"]) is None


def test_a_plugin_enabled_at_once_is_enabled_once(live, admin, world):
    answers = at_once(N, lambda i: live.request(
        "PUT", "/api/v1/plugins/example/ministries/SKM", admin, {"settings": {"n": i}}))
    assert statuses(answers) == [200] * N, answers
    db.session.expire_all()
    [row] = db.session.scalars(select(MinistryPlugin))
    assert row.enabled and row.settings in [{"n": i} for i in range(N)]


def test_severities_set_at_once_are_all_kept(live, admin, world):
    answers = at_once(N, lambda i: live.request(
        "PUT", f"/api/v1/ministries/SKM/rules/{RULES[i]}", admin, {"severity": "off"}))
    assert statuses(answers) == [200] * N, answers
    db.session.expire_all()
    ministry = db.session.scalar(select(Ministry).where(Ministry.code == "SKM"))
    assert ministry.severity_overrides == dict.fromkeys(RULES, "off")


def test_a_database_held_longer_than_a_request_waits_is_a_503(live, admin, world,
                                                              database_url):
    """SQLite's one writer at a time: a request that waits out ``busy_timeout`` (10 s) for
    a writer that holds on is told to try again, not given a 500."""
    if not database_url.startswith("sqlite"):
        pytest.skip("the whole database is locked on SQLite only")
    holder = sqlite3.connect(database_url.removeprefix("sqlite:///"), isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    released = threading.Timer(12, holder.rollback)
    released.start()
    try:
        started = time.monotonic()
        answer = live.request("PATCH", "/api/v1/ministries/SKM", admin, {"name": "Skat"})
        waited = time.monotonic() - started
    finally:
        released.cancel()
        holder.rollback()
        holder.close()
    assert (answer.status, answer.problem) == (503, True), answer
    assert answer.body["type"] == "urn:mrp:problem:busy"
    assert 9 < waited < 12
    ok_again = live.request("PATCH", "/api/v1/ministries/SKM", admin, {"name": "Skat"})
    assert ok_again.status == 200

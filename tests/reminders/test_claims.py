"""A reminder is claimed (committed as ``sending``) before it goes: a run that finds another
run's claim skips it, and a claim left by a run that died is taken over once it is old."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from service.clock import utcnow
from service.domain.models import Reminder
from service.domain.reminders import CLAIM_EXPIRES
from service.extensions import db
from tests.reminders.test_reminders import send
from tests.support.factories import build_dst_plan, ok


@pytest.fixture
def dst(client, admin):
    plan = build_dst_plan(client, admin)
    ok(client.patch("/api/v1/institutions/DST", headers=admin, json={
        "reporting_addresses": ["opfoelgning@dst.dk", "mrp@dst.dk"]}))
    return plan


def claim(plan_id: int, age: timedelta) -> None:
    db.session.add(Reminder(plan_id=plan_id, period="2026-H1", kind="overdue", state="sending",
                            sent_at=utcnow() - age, recipients=["opfoelgning@dst.dk"]))
    db.session.commit()


def rows() -> list[tuple[str, str, list[str]]]:
    db.session.expire_all()
    return [(r.kind, r.state, sorted(r.recipients)) for r in db.session.scalars(select(Reminder))]


def test_another_runs_claim_is_left_alone(runner, smtp_server, dst):
    claim(dst["id"], timedelta(minutes=5))
    result = send(runner, "2026-08-10")
    assert result.exit_code == 0, result.output
    assert smtp_server.messages == []
    assert rows() == [("overdue", "sending", ["opfoelgning@dst.dk"])]


def test_a_claim_left_by_a_run_that_died_is_taken_over(runner, smtp_server, dst):
    claim(dst["id"], CLAIM_EXPIRES + timedelta(minutes=1))
    result = send(runner, "2026-08-10")
    assert result.exit_code == 0, result.output
    assert "DST-2026 2026-H1 overdue: sent" in result.output
    assert len(smtp_server.messages) == 1
    assert rows() == [("overdue", "sent", ["mrp@dst.dk", "opfoelgning@dst.dk"])]
    again = send(runner, "2026-08-11")
    assert "DST-2026" not in again.output
    assert len(smtp_server.messages) == 1


def test_a_failed_send_releases_the_claim(app, runner, smtp_server, dst):
    from tests.support.mailservers import free_port

    port = app.config["SMTP_PORT"]
    app.config["SMTP_PORT"] = free_port()  # nobody listens
    result = send(runner, "2026-08-10")
    assert result.exit_code == 1
    assert rows() == []
    app.config["SMTP_PORT"] = port
    assert send(runner, "2026-08-10").exit_code == 0
    assert rows() == [("overdue", "sent", ["mrp@dst.dk", "opfoelgning@dst.dk"])]

"""The database itself holds one current follow-up per plan and period and one follow-up
per inbound message (migration 0006), whatever writes; and the migration puts right what
races left before it."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from flask_migrate.cli import db as db_command
from sqlalchemy import select, text
from sqlalchemy.exc import IntegrityError

from service.domain.models import FollowUp, InboundMessage
from service.extensions import db
from tests.support.factories import build_dst_plan


def followup(plan_id: int, **values) -> FollowUp:
    values = {"period": "2026-H1", "status": "accepted",
              "received_at": datetime(2026, 7, 1, tzinfo=UTC), **values}
    return FollowUp(plan_id=plan_id, channel="email", **values)


def refused(*rows: FollowUp) -> bool:
    db.session.add_all(rows)
    try:
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        return True
    return False


@pytest.fixture
def plan_id(client, admin) -> int:
    return build_dst_plan(client, admin)["id"]


def test_two_current_reports_for_one_period_are_refused(plan_id):
    assert not refused(followup(plan_id))
    assert refused(followup(plan_id))
    # a rejected one, another period, or one superseded by the current one are fine
    [current] = db.session.scalars(select(FollowUp))
    assert not refused(followup(plan_id, status="rejected"),
                       followup(plan_id, period="2026-H2"),
                       followup(plan_id, superseded_by_id=current.id))


def test_two_reports_of_one_mail_are_refused(plan_id):
    msg = InboundMessage(mailbox="INBOX", size=1, state="accepted")
    db.session.add(msg)
    db.session.commit()
    assert not refused(followup(plan_id, inbound_message_id=msg.id))
    assert refused(followup(plan_id, inbound_message_id=msg.id, status="rejected"))


def test_the_migration_puts_right_what_races_left(app, runner, plan_id):
    # the migrations below take table locks: this session must hold none while they run
    db.session.remove()
    result = runner.invoke(db_command, ["downgrade", "0005"])
    assert result.exit_code == 0, result.output

    def insert(received: str, message: int | None = None) -> int:
        db.session.execute(text(
            "INSERT INTO followup (plan_id, period, received_at, channel, status, "
            "inbound_message_id) VALUES (:plan, '2026-H1', :at, 'email', 'accepted', :msg)"),
            {"plan": plan_id, "at": received, "msg": message})
        return db.session.scalar(text("SELECT MAX(id) FROM followup"))

    db.session.execute(text(
        "INSERT INTO inbound_message (mailbox, size, received_at, state, attempts, moved, "
        "receipt_state, receipt_attempts) VALUES ('INBOX', 1, '2026-07-01 00:00:00', "
        "'accepted', 1, false, 'sent', 1)"))
    msg = db.session.scalar(text("SELECT MAX(id) FROM inbound_message"))
    # five reprocessings at once: five current reports of one mail, the mail names the third
    ids = [insert(f"2026-07-0{day} 12:00:00", msg) for day in (1, 2, 3, 4, 5)]
    db.session.execute(text("UPDATE inbound_message SET followup_id = :f WHERE id = :m"),
                       {"f": ids[2], "m": msg})
    latest = insert("2026-07-09 12:00:00")  # the period's latest report, not mailed
    db.session.commit()

    result = runner.invoke(db_command, ["upgrade"])
    assert result.exit_code == 0, result.output
    db.session.expire_all()
    rows = {f.id: f for f in db.session.scalars(select(FollowUp))}
    assert len(rows) == 6  # nothing deleted
    assert [f.id for f in rows.values() if f.inbound_message_id == msg] == [ids[2]]
    assert [f.id for f in rows.values() if f.current] == [latest]
    assert {f.superseded_by_id for f in rows.values() if f.id != latest} == {latest}

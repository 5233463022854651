"""Migration 0008 stores who an inbound message belongs to, and backfills it for the
messages already there by the rule the pipeline now follows: the plan's ministry for a
message that names a plan, the sender's institution and ministry for one that names none,
nobody's (administrators only) for the rest."""

from __future__ import annotations

from flask_migrate.cli import db as db_command
from sqlalchemy import select, text

from service.domain.models import InboundMessage, Institution, Ministry
from service.extensions import db
from tests.support.factories import build_world


def test_backfill_by_plan_then_sender(app, client, admin, runner):
    world = build_world(client, admin)
    ministry = {m.code: m.id for m in db.session.scalars(select(Ministry))}
    institution = {i.code: i.id for i in db.session.scalars(select(Institution))}
    dst_plan = world["plans"]["DST"]["id"]
    rows = {  # as the pipeline stored them before: the sender's institution, no ministry
        "accepted": ("accepted", None, "DST", dst_plan),
        "not-authorized": ("quarantined", "sender_not_authorized", "UFST", dst_plan),
        "no-report": ("quarantined", "no_report", "MST", None),
        "unknown-sender": ("quarantined", "unknown_sender", None, None),
        "ignored": ("ignored", "auto_reply", None, None),
        "received": ("received", None, "UFST", None),  # left over from an earlier run
    }
    ids = {}
    for uid, (name, (state, reason, inst, plan)) in enumerate(rows.items(), start=1):
        msg = InboundMessage(mailbox="INBOX", uidvalidity=1, uid=uid, size=1, raw=b"x",
                             state=state, reason=reason, plan_id=plan,
                             institution_id=institution[inst] if inst else None)
        db.session.add(msg)
        db.session.commit()
        ids[name] = msg.id
    db.session.remove()

    result = runner.invoke(db_command, ["downgrade", "0005"])
    assert result.exit_code == 0, result.output
    with db.engine.connect() as conn:
        columns = conn.execute(text("SELECT * FROM inbound_message")).keys()
    assert "ministry_id" not in columns
    result = runner.invoke(db_command, ["upgrade"])
    assert result.exit_code == 0, result.output

    with db.engine.connect() as conn:
        found = {row.id: (row.ministry_id, row.institution_id) for row in conn.execute(
            text("SELECT id, ministry_id, institution_id FROM inbound_message"))}
    assert {name: found[i] for name, i in ids.items()} == {
        "accepted": (ministry["FM"], institution["DST"]),
        "not-authorized": (ministry["FM"], None),  # the plan's ministry, no institution
        "no-report": (ministry["SKM"], institution["MST"]),
        "unknown-sender": (None, None),
        "ignored": (None, None),
        "received": (None, institution["UFST"]),  # nobody's until it is decided
    }

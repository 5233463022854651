"""Migration 0003 (the reminder table) matches the models, and goes down and up again."""

from __future__ import annotations

import sqlite3

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import select

from service import MIGRATIONS_DIR, create_app
from service.domain.models import Reminder
from service.extensions import db


def test_migrated_schema_matches_the_models(app):
    with db.engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        assert compare_metadata(context, db.metadata) == []
        head = ScriptDirectory(str(MIGRATIONS_DIR)).get_current_head()
        assert context.get_current_revision() == head


def test_reminder_is_unique_per_plan_period_and_kind(app, client, admin):
    from sqlalchemy.exc import IntegrityError

    from tests.support.factories import build_dst_plan

    plan = build_dst_plan(client, admin)
    db.session.add(Reminder(plan_id=plan["id"], period="2026-H1", kind="upcoming",
                            recipients=["a@dst.dk"]))
    db.session.add(Reminder(plan_id=plan["id"], period="2026-H1", kind="overdue",
                            recipients=["a@dst.dk"]))
    db.session.commit()
    db.session.add(Reminder(plan_id=plan["id"], period="2026-H1", kind="upcoming",
                            recipients=[]))
    try:
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
    else:  # pragma: no cover - the assertion below reports it
        raise AssertionError("a second (plan, period, kind) was accepted")
    assert [r.recipients for r in db.session.scalars(select(Reminder))] == [
        ["a@dst.dk"], ["a@dst.dk"]]


def test_downgrade_and_upgrade_on_sqlite(tmp_path):
    from flask_migrate import downgrade, upgrade

    path = tmp_path / "roundtrip.sqlite"
    app = create_app({"TESTING": True, "DATABASE_URL": f"sqlite:///{path}"})
    try:
        with app.app_context():
            upgrade()

            def tables():
                with sqlite3.connect(path) as conn:
                    return {r[0] for r in conn.execute(
                        "SELECT name FROM sqlite_master WHERE type = 'table'")}

            assert "reminder" in tables()
            downgrade(revision="0002")
            assert "reminder" not in tables() and "followup" in tables()
            upgrade()
            assert "reminder" in tables()
            db.engine.dispose()
    finally:
        app.extensions["mrp.plugins"].close()

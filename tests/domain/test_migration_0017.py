"""Migration 0017 adds a goal's weight and the ministries' attainment settings to a database
that has goals already: they keep their rows, have no weight, and writes to the goal table
still change the data version (the column is added in place, so the table keeps its
triggers); downgrading takes both away again."""

from __future__ import annotations

from flask_migrate.cli import db as db_command
from sqlalchemy import inspect, text

from service.extensions import db
from tests.support.factories import build_world


def _columns(table: str) -> set[str]:
    return {c["name"] for c in inspect(db.engine).get_columns(table)}


def _token() -> object:
    with db.engine.connect() as conn:
        return conn.execute(text("SELECT token FROM data_version WHERE id = 1")).scalar()


def test_upgrade_keeps_the_goals_and_their_triggers(app, client, admin, runner):
    world = build_world(client, admin)
    goal_id = world["goals"]["UFST"]["id"]
    db.session.remove()
    result = runner.invoke(db_command, ["downgrade", "0013"])
    assert result.exit_code == 0, result.output
    assert "weight" not in _columns("goal")
    assert "attainment_settings" not in inspect(db.engine).get_table_names()

    result = runner.invoke(db_command, ["upgrade"])
    assert result.exit_code == 0, result.output
    assert "weight" in _columns("goal")
    with db.engine.connect() as conn:
        rows = conn.execute(text("SELECT id, weight FROM goal ORDER BY id")).all()
    assert len(rows) == 3 and all(weight is None for _id, weight in rows)
    before = _token()
    with db.engine.begin() as conn:
        conn.execute(text("UPDATE goal SET weight = 15 WHERE id = :id"), {"id": goal_id})
    assert _token() != before
    with db.engine.begin() as conn:
        conn.execute(text("INSERT INTO attainment_settings (ministry_id, weights_enabled, "
                          "partial_share, updated_at) SELECT id, true, 0.5, "
                          "CURRENT_TIMESTAMP FROM ministry"))
    with db.engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM attainment_settings")).scalar() == 2

    result = runner.invoke(db_command, ["downgrade", "0013"])
    assert result.exit_code == 0, result.output
    assert "weight" not in _columns("goal")
    assert "attainment_settings" not in inspect(db.engine).get_table_names()
    with db.engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM goal")).scalar() == 3
    result = runner.invoke(db_command, ["upgrade"])
    assert result.exit_code == 0, result.output

"""The Alembic migrations build exactly the schema the models declare, from nothing, on
SQLite and on PostgreSQL."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from flask_migrate.cli import db as db_command
from sqlalchemy import inspect, text

from service import MIGRATIONS_DIR
from service.extensions import db


def _script() -> ScriptDirectory:
    return ScriptDirectory(str(MIGRATIONS_DIR))


def _tables() -> set[str]:
    return set(inspect(db.engine).get_table_names())


def _differences() -> list:
    with db.engine.connect() as conn:
        context = MigrationContext.configure(
            conn, opts={"compare_type": True, "render_as_batch": True}
        )
        return compare_metadata(context, db.metadata)


def test_migrated_database_matches_the_models(app):
    assert _differences() == []


def test_upgrade_from_nothing(app, runner):
    result = runner.invoke(db_command, ["downgrade", "base"])
    assert result.exit_code == 0, result.output
    assert _tables() <= {"alembic_version"}
    result = runner.invoke(db_command, ["upgrade"])
    assert result.exit_code == 0, result.output
    assert {t.name for t in db.metadata.sorted_tables} <= _tables()
    assert _differences() == []
    with db.engine.connect() as conn:
        (version,) = conn.execute(text("SELECT version_num FROM alembic_version")).one()
    assert version == _script().get_current_head()


def test_single_head():
    assert len(_script().get_heads()) == 1

"""The data version's token changes, in the writer's own transaction, with every insert,
update and delete on a watched table, whoever writes; and with nothing else."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import create_engine, inspect, text

from service.domain.data_version import WATCHED
from service.domain.tokens import authenticate_reading_version, create_token
from service.extensions import db

SEED = [
    "INSERT INTO ministry (id, code, name, severity_overrides, created_at) "
    "VALUES (1, 'SKM', 'Skatteministeriet', '{}', '2026-01-01 00:00:00')",
    "INSERT INTO institution (id, code, name, ministry_id, created_at) "
    "VALUES (1, 'UFST', 'Styrelsen', 1, '2026-01-01 00:00:00')",
    "INSERT INTO reporting_address (id, institution_id, address) VALUES (1, 1, 'a@ufst.dk')",
    "INSERT INTO \"plan\" (id, reference, institution_id, title, period_start, period_end, "
    "followup_cadence, status, created_at, updated_at) VALUES (1, 'UFST-2026', 1, 'Plan', "
    "2026, 2027, 'half-yearly', 'draft', '2026-01-01 00:00:00', '2026-01-01 00:00:00')",
    "INSERT INTO goal (id, plan_id, position, code, title, task_type, goal_type, nature, "
    "politically_fixed, status) VALUES (1, 1, 0, 'M1', 'Mål', 'operations', 'output', "
    "'quantitative', false, 'active')",
]

UPDATES = {
    "ministry": "UPDATE ministry SET name = 'Ny'",
    "institution": "UPDATE institution SET name = 'Ny'",
    "reporting_address": "UPDATE reporting_address SET address = 'b@ufst.dk'",
    "plan": "UPDATE \"plan\" SET title = 'Ny'",
    "goal": "UPDATE goal SET title = 'Ny'",
}


def test_every_watched_table_is_covered():
    assert set(UPDATES) == set(WATCHED)
    assert [statement.split()[2].strip('"') for statement in SEED] == list(WATCHED)


def token_elsewhere() -> int | None:
    """The token as another connection sees it (what is committed)."""
    with db.engine.connect() as conn:
        value = conn.execute(text("SELECT token FROM data_version WHERE id = 1")).scalar()
        return None if value is None else int(value)


def write(statement: str) -> None:
    with db.engine.begin() as conn:
        conn.execute(text(statement))


@pytest.fixture
def seeded(app):
    for statement in SEED:
        write(statement)
    return app


def changes(statement: str) -> bool:
    """Whether committing ``statement`` alone, from a connection outside the app's session,
    gives the token a new value."""
    before = token_elsewhere()
    write(statement)
    after = token_elsewhere()
    return after is not None and after != before


def test_an_insert_into_each_watched_table_changes_the_token(app):
    assert [changes(statement) for statement in SEED] == [True] * len(SEED)


@pytest.mark.parametrize("table", WATCHED)
def test_an_update_of_each_watched_table_changes_the_token(seeded, table):
    assert changes(UPDATES[table])


def test_a_delete_from_each_watched_table_changes_the_token(seeded):
    tables = list(reversed(WATCHED))  # goals before plans before institutions …
    deleted = [changes(f'DELETE FROM "{table}"') for table in tables]
    assert deleted == [True] * len(tables)


def test_a_token_never_comes_back(seeded):
    seen = {token_elsewhere()}
    for n in range(20):
        write(f"UPDATE goal SET title = 'Mål {n % 2}'")  # the same two states, again and again
        seen.add(token_elsewhere())
    assert len(seen) == 21


def test_the_token_changes_with_the_commit_not_before(seeded):
    before = token_elsewhere()
    with db.engine.connect() as conn:
        conn.execute(text("UPDATE \"plan\" SET title = 'Senere'"))
        assert token_elsewhere() == before
        conn.commit()
    assert token_elsewhere() != before


def test_a_rolled_back_write_keeps_the_token(seeded):
    before = token_elsewhere()
    with db.engine.connect() as conn:
        conn.execute(text("UPDATE \"plan\" SET title = 'Aldrig'"))
        conn.rollback()
    assert token_elsewhere() == before


def test_writes_to_other_tables_keep_the_token(seeded):
    before = token_elsewhere()
    create_token(role="admin", name="andet")
    write("INSERT INTO intake_run (mailbox, started_at, ok, fetched) "
          "VALUES ('x', '2026-01-01 00:00:00', true, 0)")
    assert token_elsewhere() == before


def test_the_token_check_reads_the_version(seeded):
    """What every API request reads, with its token, in its own transaction."""
    _row, secret = create_token(role="admin", name="læser")

    def current() -> int | None:
        db.session.rollback()  # a new transaction, as a new request has
        actor, version = authenticate_reading_version(secret)
        assert actor is not None
        return version

    assert current() == token_elsewhere()
    write("DELETE FROM data_version")
    assert current() is None  # emptied by hand: nothing is cached then
    write("UPDATE goal SET title = 'Igen'")
    assert current() is not None  # the next write put the row back


def test_the_migrated_schema_has_a_trigger_on_every_watched_table(app):
    """A later migration that rebuilds a watched table (SQLite's batch mode copies it) must
    create its triggers again; this fails if it does not."""
    with db.engine.connect() as conn:
        if db.engine.dialect.name == "postgresql":
            rows = conn.execute(text(
                "SELECT c.relname FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid "
                "WHERE t.tgname LIKE 'data_version_%' AND NOT t.tgisinternal"
            ))
            expected = 2  # the deferred row trigger and the TRUNCATE trigger
        else:
            rows = conn.execute(text(
                "SELECT tbl_name FROM sqlite_master WHERE type = 'trigger' "
                "AND name LIKE 'data_version_%'"
            ))
            expected = 3  # insert, update, delete
        tables = [row[0] for row in rows]
    assert {table: tables.count(table) for table in set(tables)} == dict.fromkeys(
        WATCHED, expected
    )
    assert "data_version" in inspect(db.engine).get_table_names()


def test_truncate_changes_the_token_on_postgresql(seeded):
    if db.engine.dialect.name != "postgresql":
        pytest.skip("SQLite has no TRUNCATE")
    before = token_elsewhere()
    write("TRUNCATE goal CASCADE")
    assert token_elsewhere() != before


def test_two_writers_do_not_wait_for_each_other_on_postgresql(seeded, database_url):
    """The version row is written at commit, so an open transaction that changed a plan
    does not hold it: another writer goes on, and both commits change the token."""
    if db.engine.dialect.name != "postgresql":
        pytest.skip("SQLite lets one writer at a time into the database: nothing to wait on")
    write("INSERT INTO \"plan\" (id, reference, institution_id, title, period_start, "
          "period_end, followup_cadence, status, created_at, updated_at) VALUES (2, "
          "'UFST-2027', 1, 'Plan', 2027, 2027, 'half-yearly', 'draft', "
          "'2026-01-01 00:00:00', '2026-01-01 00:00:00')")
    before = token_elsewhere()
    engine = create_engine(database_url)
    errors: list[BaseException] = []
    try:
        with engine.connect() as first:
            first.execute(text("UPDATE \"plan\" SET title = 'A' WHERE id = 1"))
            first.execute(text("UPDATE goal SET title = 'A'"))

            def second_writer() -> None:
                try:
                    with engine.connect() as second:
                        second.execute(text("SET lock_timeout = '3s'"))
                        second.execute(text("UPDATE \"plan\" SET title = 'B' WHERE id = 2"))
                        second.commit()
                except BaseException as error:  # reported below
                    errors.append(error)

            thread = threading.Thread(target=second_writer)
            thread.start()
            thread.join(10)
            assert not thread.is_alive()
            assert errors == []
            middle = token_elsewhere()
            assert middle != before  # the second writer's commit
            first.commit()
        assert token_elsewhere() not in (before, middle)
    finally:
        engine.dispose()

"""Rows written outside the unit of work (service.domain.rows): one INSERT for the rows of
a table, each row with its id, its columns' defaults and every column set, detached
afterwards so that nothing inserts it again; one UPDATE for changes to rows the session
holds, which the session then holds as the database's, and which can be put back."""

from __future__ import annotations

import pytest
from sqlalchemy import event, inspect, select
from sqlalchemy.engine import Engine

from service.domain.models import OutboundMessage
from service.domain.rows import insert_rows, new_row, update_rows
from service.extensions import db


def _reply(n: int) -> OutboundMessage:
    return new_row(OutboundMessage, key=f"receipt:test-{n}", kind="receipt", to="a@dst.dk",
                           subject=f"Kvittering {n}", text="Tak.")


def test_a_batch_goes_in_with_one_statement_and_its_defaults(app):
    statements: list[str] = []

    def before(_conn, _cursor, statement, _params, _context, _many):
        statements.append(statement.split()[0:3])

    rows = [_reply(n) for n in range(5)]
    event.listen(Engine, "before_cursor_execute", before)
    try:
        insert_rows(OutboundMessage, rows)
    finally:
        event.remove(Engine, "before_cursor_execute", before)
    assert [s for s in statements if s[0] == "INSERT"] == [["INSERT", "INTO",
                                                            "outbound_message"]]
    ids = [row.id for row in rows]
    assert ids == sorted(ids) and len(set(ids)) == 5
    # the columns' defaults, set on the objects as a flush would, and every column loaded
    assert all(row.attempts == 0 and row.refused_recipients == [] and row.queued_at
               for row in rows)
    assert all(row.sent_at is None and row.claimed_at is None for row in rows)
    assert all(inspect(row).detached and not inspect(row).expired_attributes
               for row in rows)
    db.session.commit()
    stored = db.session.scalars(select(OutboundMessage).order_by(OutboundMessage.id)).all()
    assert [(r.id, r.subject, r.attempts) for r in stored] == [
        (row.id, row.subject, 0) for row in rows]


def test_a_row_attached_afterwards_is_not_inserted_again(app):
    [row] = rows = [_reply(1)]
    insert_rows(OutboundMessage, rows)
    db.session.add(row)  # as a cascade would: it is persistent, with its identity
    assert inspect(row).persistent
    row.attempts = 1
    db.session.commit()
    stored = db.session.scalars(select(OutboundMessage)).all()
    assert [(r.id, r.attempts) for r in stored] == [(row.id, 1)]


def test_a_row_built_without_events_is_a_new_object_like_any_other(app):
    built, constructed = _reply(1), OutboundMessage(
        key="receipt:test-1", kind="receipt", to="a@dst.dk", subject="Kvittering 1",
        text="Tak.")
    assert inspect(built).transient
    assert {k: v for k, v in vars(built).items() if not k.startswith("_")} == {
        k: v for k, v in vars(constructed).items() if not k.startswith("_")}
    # added to the session it is inserted by the flush, its defaults with it
    db.session.add(built)
    db.session.commit()
    stored = db.session.scalars(select(OutboundMessage)).one()
    assert (stored.id, stored.subject, stored.attempts) == (built.id, "Kvittering 1", 0)


def test_a_row_names_only_its_columns():
    with pytest.raises(TypeError, match="'subjekt'"):
        new_row(OutboundMessage, key="k", subjekt="Kvittering")


def _statements() -> tuple[list[tuple[str, int]], object]:
    statements: list[tuple[str, int]] = []

    def before(_conn, _cursor, statement, params, _context, many):
        statements.append((statement.split()[0], len(params) if many else 1))

    return statements, before


def test_changes_go_in_with_one_statement_and_are_not_written_again(app):
    rows = [_reply(n) for n in range(3)]
    db.session.add_all(rows)
    db.session.commit()
    rows = db.session.scalars(select(OutboundMessage).order_by(OutboundMessage.id)).all()
    statements, before = _statements()
    event.listen(Engine, "before_cursor_execute", before)
    try:
        update_rows(OutboundMessage, [(row, {"attempts": n + 1, "last_error": f"fejl {n}"})
                                      for n, row in enumerate(rows)])
        assert not db.session.dirty  # the session holds them as the database's
        db.session.flush()
    finally:
        event.remove(Engine, "before_cursor_execute", before)
    assert statements == [("UPDATE", 3)]
    assert [(row.attempts, row.last_error) for row in rows] == [
        (1, "fejl 0"), (2, "fejl 1"), (3, "fejl 2")]
    db.session.commit()
    db.session.expire_all()
    assert [(row.attempts, row.last_error) for row in rows] == [
        (1, "fejl 0"), (2, "fejl 1"), (3, "fejl 2")]


def test_changes_undone_leave_the_rows_as_the_rollback_left_the_database(app):
    row, other = _reply(1), _reply(2)
    db.session.add_all([row, other])
    db.session.commit()
    other.subject = "Ændret"  # a change pending for the flush, not written by update_rows
    row.attempts = 5  # ... and one that is, which the undo leaves pending again
    with db.session.begin_nested() as nested:
        undo = update_rows(OutboundMessage, [(row, {"attempts": 7, "last_error": "x"})])
        assert (row.attempts, row.last_error) == (7, "x")
        nested.rollback()
    undo()
    assert (row.attempts, row.last_error) == (5, None)
    db.session.commit()
    db.session.expire_all()
    assert (row.attempts, row.last_error, other.subject) == (5, None, "Ændret")


def test_every_row_s_changes_name_the_same_columns(app):
    rows = [_reply(n) for n in range(2)]
    db.session.add_all(rows)
    db.session.commit()
    with pytest.raises(ValueError, match="same columns"):
        update_rows(OutboundMessage, [(rows[0], {"attempts": 1}), (rows[1], {"to": "b@dst.dk"})])

"""Rows written outside the unit of work (service.domain.rows): one INSERT for the rows of
a table, each row with its id, its columns' defaults and every column set, detached
afterwards so that nothing inserts it again."""

from __future__ import annotations

import pytest
from sqlalchemy import event, inspect, select
from sqlalchemy.engine import Engine

from service.domain.models import OutboundMessage
from service.domain.rows import insert_rows, new_row
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

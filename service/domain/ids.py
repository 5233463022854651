"""Ids given to rows before they are inserted, so that a batch's rows of one table go in one
statement.

The ORM inserts the rows of one flush in one statement when it need not read their ids
back, or when the database says which row got which (PostgreSQL: a multi-row INSERT with
RETURNING in the rows' order). SQLite cannot say that, so there it inserts them one
statement a row, unless each row has its id already: :func:`give_ids` gives them, after the
table's highest id, which holds because the caller has the write lock (``savepoint``).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import func, select, text

from service.extensions import db


def next_ids(model: Any, count: int) -> list[int]:
    """``count`` ids for rows of ``model`` about to be added, in increasing order: on
    PostgreSQL from the table's sequence, on SQLite after its highest id (the caller has the
    write lock)."""
    if count <= 0:
        return []
    connection = db.session.connection()
    table = model.__table__
    if connection.dialect.name == "postgresql":
        return sorted(connection.execute(
            text("SELECT nextval(pg_get_serial_sequence(:table, 'id')) "
                 "FROM generate_series(1, :n)"), {"table": table.name, "n": count}).scalars())
    highest = connection.execute(select(func.coalesce(func.max(table.c.id), 0))).scalar_one()
    return list(range(highest + 1, highest + 1 + count))


def needs_ids() -> bool:
    """Whether rows inserted many at a time need their ids given first (SQLite)."""
    return db.session.connection().dialect.name == "sqlite"


def give_ids(rows: Sequence[Any]) -> None:
    """Give the rows of one model that have no id theirs, in their order, on SQLite (on
    PostgreSQL the flush inserts them in one statement as they are)."""
    missing = [row for row in rows if row.id is None]
    if not missing or not needs_ids():
        return
    for row, new in zip(missing, next_ids(type(missing[0]), len(missing)), strict=True):
        row.id = new

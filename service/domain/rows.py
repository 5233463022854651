"""Rows written outside the unit of work: built as ORM objects, inserted with one statement
per table, and left detached with their identity.

Added to the session, each object costs the ORM cascading, ordering, flushing and expiring
it again: for the intake's batches about as much as everything else done with a mail.
:func:`insert_rows` gives the rows their ids (:func:`service.domain.ids.next_ids`), inserts
them with one executemany statement in the caller's transaction, and detaches them, so that
what reads them next reads them as they were written, and a cascade that reaches one
attaches it without inserting it again.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import insert, inspect
from sqlalchemy.orm import make_transient_to_detached

from service.domain.ids import next_ids
from service.extensions import db

__all__ = ["column_values", "insert_rows"]


def column_values(row: Any) -> dict[str, Any]:
    """The row's columns as an INSERT takes them; a column left unset gets its default, or
    None, set on the object too (as a flush would: detached, it has every column)."""
    values: dict[str, Any] = {}
    state = row.__dict__
    for attr in inspect(type(row)).column_attrs:
        column = attr.columns[0]
        value = state.get(attr.key)
        if value is None and column.default is not None and not column.primary_key:
            default: Any = column.default
            value = default.arg(None) if default.is_callable else default.arg
            setattr(row, attr.key, value)
        elif attr.key not in state:
            setattr(row, attr.key, value)
        values[column.key] = value
    return values


def insert_rows(model: Any, rows: Sequence[Any]) -> None:
    """Insert ``rows`` (objects of ``model``, not in the session) with one statement, those
    without an id given theirs first in their order, and detach them."""
    if not rows:
        return
    missing = [row for row in rows if row.id is None]
    for row, new in zip(missing, next_ids(model, len(missing)), strict=True):
        row.id = new
    db.session.connection().execute(insert(model.__table__),
                                    [column_values(row) for row in rows])
    for row in rows:
        make_transient_to_detached(row)

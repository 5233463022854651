"""Rows written outside the unit of work: built as ORM objects, inserted with one statement
per table, and left detached with their identity.

Added to the session, each object costs the ORM cascading, ordering, flushing and expiring
it again: for the intake's batches about as much as everything else done with a mail.
:func:`insert_rows` gives the rows their ids (:func:`service.domain.ids.next_ids`), inserts
them with one executemany statement in the caller's transaction, and detaches them, so that
what reads them next reads them as they were written, and a cascade that reaches one
attaches it without inserting it again. :func:`update_rows` writes changes to rows the
session holds the same way: one executemany UPDATE, the session told the new values as the
database's.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from functools import cache
from typing import Any, TypeVar

from sqlalchemy import bindparam, insert, inspect, update
from sqlalchemy.orm import make_transient_to_detached
from sqlalchemy.orm.attributes import instance_state

from service.domain.ids import next_ids
from service.extensions import db

__all__ = ["column_values", "insert_rows", "new_row", "update_rows"]

T = TypeVar("T")


def new_row(model: type[T], **values: Any) -> T:
    """An object of ``model`` holding ``values`` (column attributes only), as
    ``model(**values)`` builds it but without the events the constructor fires for each
    value: a new object has no history to record, and for the intake's batches those events
    cost more than inserting the rows. Transient like any new object, it is inserted by a
    flush once added to a session, or by :func:`insert_rows`."""
    unknown = values.keys() - _keys(model)
    if unknown:
        raise TypeError(f"{model.__name__} has no column {sorted(unknown)[0]!r}")
    row: T = inspect(model).class_manager.new_instance()
    row.__dict__.update(values)
    return row


def column_values(row: Any) -> dict[str, Any]:
    """The row's columns as an INSERT takes them; a column left unset gets its default, or
    None, set on the object too (as a flush would: detached, it has every column). The row
    is not in a session, so what is set goes straight into its ``__dict__``: an attribute's
    events would only record a change that detaching commits at once."""
    values: dict[str, Any] = {}
    state = row.__dict__
    for key, column_key, default in _columns(type(row)):
        value = state.get(key)
        if value is None and default is not None:
            value = default.arg(None) if default.is_callable else default.arg
            state[key] = value
        elif key not in state:
            state[key] = value
        values[column_key] = value
    return values


@cache
def _keys(model: type) -> frozenset[str]:
    return frozenset(key for key, _column, _default in _columns(model))


@cache
def _columns(model: type) -> tuple[tuple[str, str, Any], ...]:
    """Each column of ``model``: its attribute, its name, and its default (None for none,
    and for the primary key: ids are given beforehand)."""
    out = []
    for attr in inspect(model).column_attrs:
        column = attr.columns[0]
        default = None if column.primary_key else column.default
        out.append((attr.key, column.key, default))
    return tuple(out)


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


def update_rows(model: Any, changes: Sequence[tuple[Any, dict[str, Any]]]) -> Callable[[], None]:
    """Write each row's new values (objects of ``model`` in the session, each with the same
    column attributes changed) with one UPDATE statement by id, in the caller's transaction.
    The objects are given the values as the database's: the session records no change, so
    its flush writes nothing again (through attribute events, the changes of a hundred
    messages cost the ORM more than the statement). For the same reason a rollback would
    not put them back: the returned function does, for when the caller's savepoint is rolled
    back."""
    if not changes:
        return lambda: None
    keys = list(changes[0][1])
    names = dict(_names(model))
    table = model.__table__
    statement = update(table).where(table.c.id == bindparam("row_id")).values(
        {names[key]: bindparam(f"new_{key}") for key in keys})
    params = []
    for row, values in changes:
        if values.keys() != set(keys):
            raise ValueError("every row's changes name the same columns")
        params.append({"row_id": row.id, **{f"new_{key}": values[key] for key in keys}})
    db.session.connection().execute(statement, params)
    before = []
    for row, values in changes:
        state, held = instance_state(row), row.__dict__
        # what it held, and the changes pending for the flush, which are written now
        before.append((row, {key: held[key] for key in keys if key in held},
                       {key: state.committed_state.pop(key) for key in keys
                        if key in state.committed_state}))
        held.update(values)

    def undo() -> None:
        for row, held, pending in before:
            row.__dict__.update(held)
            instance_state(row).committed_state.update(pending)
            unloaded = [key for key in keys if key not in held]
            if unloaded:
                db.session.expire(row, unloaded)

    return undo


@cache
def _names(model: type) -> tuple[tuple[str, str], ...]:
    return tuple((key, column_key) for key, column_key, _default in _columns(model))

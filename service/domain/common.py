"""Helpers the domain services share: committing, locking for a check-then-act, codes,
lookups by id or code."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

from sqlalchemy import Select
from sqlalchemy.exc import IntegrityError

from service.domain.errors import Conflict, Forbidden, Invalid
from service.extensions import db

T = TypeVar("T")

CODE_RE = re.compile(r"^[A-ZÆØÅ0-9]{2,16}$")
#: the largest id an INTEGER primary key holds on every backend
MAX_ID = 2**31 - 1


def valid_id(value: int) -> bool:
    """Could ``value`` be a row id? (A larger one overflows the database's integer.)"""
    return 0 < value <= MAX_ID


def normalise_code(value: str, field: str = "code") -> str:
    """Ministry and institution codes: 2–16 letters or digits, stored upper-case."""
    code = value.strip().upper()
    if not CODE_RE.match(code):
        raise Invalid("Koden skal være 2–16 bogstaver eller cifre, fx DST.", field=field)
    return code


def commit(conflict: Callable[[IntegrityError], Conflict] | None = None) -> None:
    """Commit the session; a uniqueness clash becomes a :class:`Conflict`."""
    try:
        db.session.commit()
    except IntegrityError as exc:
        db.session.rollback()
        if conflict is not None:
            raise conflict(exc) from exc
        raise Conflict("Ændringen strider mod eksisterende data.") from exc


def flush(conflict: Callable[[IntegrityError], Conflict]) -> None:
    """Flush the session; a uniqueness clash becomes ``conflict(exc)`` and the transaction
    is rolled back (a flush inside the request, before its commit, is no 500 either)."""
    try:
        db.session.flush()
    except IntegrityError as exc:
        error = conflict(exc)  # before the rollback expires what it may name
        db.session.rollback()
        raise error from exc


def write_lock() -> None:
    """On SQLite, hold the database's write lock from here to the commit (``BEGIN
    IMMEDIATE``, waiting ``busy_timeout`` for it): what this transaction reads from now on
    no other writer changes before it commits. pysqlite reads outside a transaction until
    the first write, so a check read before that write is no check at all; a connection
    already in a transaction has written (or began with this), and holds the lock.

    On PostgreSQL nothing: there a check-then-act locks its rows (:func:`locked`)."""
    connection = db.session.connection()
    dbapi = connection.connection.dbapi_connection
    if connection.dialect.name == "sqlite" and not dbapi.in_transaction:  # type: ignore[union-attr]
        connection.exec_driver_sql("BEGIN IMMEDIATE")


def locked(stmt: Select[tuple[T]]) -> T | None:
    """The row ``stmt`` selects, read again for a check-then-act and locked until the
    commit: ``FOR NO KEY UPDATE`` on PostgreSQL (a concurrent writer of the row waits here,
    then reads what the first committed; rows that merely refer to it are not held up),
    the write lock on SQLite (:func:`write_lock`). The loaded object is refreshed."""
    write_lock()
    return db.session.scalars(
        stmt.with_for_update(key_share=True).execution_options(populate_existing=True)
    ).first()


@contextmanager
def savepoint() -> Iterator[None]:
    """A SAVEPOINT in the session's transaction: what fails inside it is undone alone and the
    transaction carries on; what succeeds is committed with the transaction, never before.

    pysqlite opens its transaction only before a data change, so a SAVEPOINT sent first would
    open one of its own, and releasing it would commit. On SQLite the transaction is therefore
    begun first, ``BEGIN IMMEDIATE`` (:func:`write_lock`): it is going to write, so it waits
    for the write lock here (``busy_timeout``) rather than failing on a stale snapshot later."""
    write_lock()
    with db.session.begin_nested():
        yield


def apply_changes(obj: Any, changes: dict[str, Any], fields: tuple[str, ...]) -> dict[str, Any]:
    """Set the given fields on ``obj``; return {field: (old, new)} for those that changed."""
    changed: dict[str, Any] = {}
    for name in fields:
        if name in changes and getattr(obj, name) != changes[name]:
            changed[name] = (getattr(obj, name), changes[name])
            setattr(obj, name, changes[name])
    return changed


def require(condition: bool, message: str) -> None:
    if not condition:
        raise Forbidden(message)

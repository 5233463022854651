"""Helpers the domain services share: committing, codes, lookups by id or code."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

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


@contextmanager
def savepoint() -> Iterator[None]:
    """A SAVEPOINT in the session's transaction: what fails inside it is undone alone and the
    transaction carries on; what succeeds is committed with the transaction, never before.

    pysqlite opens its transaction only before a data change, so a SAVEPOINT sent first would
    open one of its own, and releasing it would commit. On SQLite the transaction is therefore
    begun first, ``BEGIN IMMEDIATE``: it is going to write, so it waits for the write lock
    here (``busy_timeout``) rather than failing on a stale snapshot later."""
    connection = db.session.connection()
    dbapi = connection.connection.dbapi_connection
    if connection.dialect.name == "sqlite" and not dbapi.in_transaction:  # type: ignore[union-attr]
        connection.exec_driver_sql("BEGIN IMMEDIATE")
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

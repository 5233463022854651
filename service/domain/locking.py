"""One poller per mailbox at a time, coordinated by the database.

On PostgreSQL a transaction-level advisory lock keyed by the mailbox name is held for the
whole poll by a transaction of its own, on a connection of its own, kept open until the poll
ends; a second poller finds it taken and skips the mailbox. A transaction-level lock, not a
session-level one, so that it holds behind a pooler in transaction mode (PgBouncer): the
pooler keeps one server connection for the open transaction, and ending the transaction, or
losing the connection, is what frees the lock, so none is ever left on a pooled server
connection for the next client to find. On SQLite (one machine, embedded) there is nothing
to coordinate with and the lock is a no-op.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import text

from service.extensions import db


def _key(name: str) -> int:
    return int.from_bytes(hashlib.sha256(name.encode()).digest()[:8], "big", signed=True)


@contextmanager
def mailbox_lock(name: str) -> Iterator[bool]:
    """Yields True if this process holds the mailbox, False if another poller does."""
    if db.engine.dialect.name != "postgresql":
        yield True
        return
    key = _key(name)
    with db.engine.connect() as conn:
        try:
            got = bool(
                conn.execute(text("SELECT pg_try_advisory_xact_lock(:k)"), {"k": key}).scalar()
            )
            yield got
        finally:
            conn.rollback()  # ends the transaction, and with it the lock

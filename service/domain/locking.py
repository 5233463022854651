"""One poller per mailbox at a time, coordinated by the database.

On PostgreSQL a session-level advisory lock keyed by the mailbox name is held for the whole
poll on a connection of its own; a second poller finds it taken and skips the mailbox. On
SQLite (one machine, embedded) there is nothing to coordinate with and the lock is a no-op.
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
        got = bool(conn.execute(text("SELECT pg_try_advisory_lock(:k)"), {"k": key}).scalar())
        conn.commit()
        try:
            yield got
        finally:
            if got:
                conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": key})
                conn.commit()

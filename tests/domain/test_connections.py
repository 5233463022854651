"""A pooled PostgreSQL connection that the server has closed is replaced when it is checked
out, and no request sees it; the check takes no round trip
(``service._drop_closed_connection``)."""

from __future__ import annotations

import time

import pytest
from sqlalchemy import create_engine, text

from service.extensions import db
from tests.support.factories import ok


def backend_pid() -> int:
    with db.engine.connect() as conn:
        return int(conn.execute(text("SELECT pg_backend_pid()")).scalar_one())


def test_a_connection_the_server_closed_is_replaced_unseen(app, client, admin, database_url):
    if db.engine.dialect.name != "postgresql":
        pytest.skip("a SQLite connection is a file handle: no server can close it")
    db.session.remove()
    db.engine.dispose()  # the pool now holds exactly the one connection made next
    old = backend_pid()
    other = create_engine(database_url)
    try:
        with other.connect() as conn:
            assert conn.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": old}).scalar()
    finally:
        other.dispose()
    time.sleep(0.2)  # the server's goodbye reaches the idle socket
    assert ok(client.get("/api/v1/ministries", headers=admin)) == []
    db.session.remove()
    assert backend_pid() != old


def test_a_healthy_pooled_connection_is_kept(app):
    if db.engine.dialect.name != "postgresql":
        pytest.skip("a SQLite connection is a file handle: no server can close it")
    db.session.remove()
    db.engine.dispose()
    assert backend_pid() == backend_pid()

"""What a request costs in round trips to PostgreSQL, read off the wire: libpq's trace of
every pooled connection the request checks out. Each round trip ends with the server's
``ReadyForQuery``, so counting those counts what the request waited for, including the
``BEGIN``, ``COMMIT`` and ``ROLLBACK`` that SQLAlchemy's statement events never see."""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import timedelta
from typing import IO, Any

import pytest
from sqlalchemy import event, update

from service import create_app
from service.clock import utcnow
from service.domain.models import ApiToken
from service.domain.tokens import create_token, revoke_token
from service.extensions import db
from tests.api.conftest import problem_of
from tests.api.test_response_cache import SKM_PLANS, read, warm
from tests.api.test_statement_count import counting
from tests.support.factories import ok, plan_body
from tests.support.pgbouncer import pgbouncer  # noqa: F401  (a fixture)


@dataclass
class Wire:
    """The messages the client sent (``Query "BEGIN"``, ``Parse …``) and the round trips."""

    sent: list[str] = field(default_factory=list)
    round_trips: int = 0
    #: what was sent on each checkout, in the order they were checked in again
    checkouts: list[list[str]] = field(default_factory=list)

    def commands(self) -> list[str]:
        """The simple-protocol commands sent, by their first word: ``BEGIN``, ``ROLLBACK``,
        ``COMMIT``, ``DEALLOCATE``…"""
        return [m.split(None, 1)[1].strip('" ').split()[0].upper()
                for m in self.sent if m.startswith("Query")]


def _read_trace(wire: Wire, trace: IO[bytes]) -> None:
    trace.seek(0)
    wire.checkouts.append([])
    for line in trace.read().decode(errors="replace").splitlines():
        direction, _length, message = (*line.split("\t", 2), "", "")[:3]
        if direction == "F":
            wire.sent.append(message)
            wire.checkouts[-1].append(message)
        elif direction == "B" and message.startswith("ReadyForQuery"):
            wire.round_trips += 1


@contextmanager
def on_the_wire() -> Iterator[Wire]:
    """Trace every connection checked out of the pool until the block ends, the session's
    end included."""
    from psycopg import pq

    wire = Wire()
    open_traces: dict[int, IO[bytes]] = {}

    def start(dbapi_connection: Any, _record: Any, _proxy: Any) -> None:
        trace = tempfile.TemporaryFile()  # noqa: SIM115  (closed at checkin)
        pgconn = dbapi_connection.pgconn
        pgconn.trace(trace.fileno())
        pgconn.set_trace_flags(pq.Trace.SUPPRESS_TIMESTAMPS | pq.Trace.REGRESS_MODE)
        open_traces[id(dbapi_connection)] = trace

    def stop(dbapi_connection: Any, _record: Any = None) -> None:
        trace = open_traces.pop(id(dbapi_connection), None)
        if trace is not None:
            dbapi_connection.pgconn.untrace()
            _read_trace(wire, trace)
            trace.close()

    engines = list(db.engines.values())  # the token check's pool too
    for engine in engines:
        event.listen(engine, "checkout", start)
        event.listen(engine, "checkin", stop)
    try:
        yield wire
        # as a served request's end does (the test client shares the test's app context,
        # whose session outlives the request)
        db.session.remove()
    finally:
        for engine in engines:
            event.remove(engine, "checkout", start)
            event.remove(engine, "checkin", stop)
        assert not open_traces, "a connection was still checked out"


#: the token check as sent: a statement psycopg has prepared, and one it has not (yet)
PREPARED = ["Bind", "Describe", "Execute", "Sync"]
UNPREPARED = ["Parse", *PREPARED]


@pytest.fixture
def postgres(app):
    if db.engine.dialect.name != "postgresql":
        pytest.skip("round trips are PostgreSQL's (SQLite runs in the process)")


def test_a_kept_answer_is_one_round_trip(postgres, client, admin, world):
    """The token check, with the data version, in autocommit: no BEGIN before it and no
    ROLLBACK after it, and nothing else."""
    warm(client, SKM_PLANS, admin)
    db.session.remove()
    with on_the_wire() as wire, counting() as statements:
        assert read(client, SKM_PLANS, admin)[0] == "hit"
    assert wire.round_trips == 1, wire.sent
    assert wire.commands() == [], wire.sent
    assert len(statements) == 1 and "data_version" in statements[0], statements


def test_a_page_built_costs_its_statements_and_one_transaction(postgres, client, admin,
                                                                world):
    """A miss: the token check, then the view's statements in one transaction of their
    own (BEGIN … ROLLBACK), and nothing more (no DEALLOCATE of prepared statements)."""
    warm(client, SKM_PLANS, admin)
    db.session.remove()
    with on_the_wire() as wire, counting() as statements:
        assert read(client, SKM_PLANS + "&page_size=2", admin)[0] == "miss"
    assert wire.commands() == ["BEGIN", "ROLLBACK"], wire.sent
    assert wire.round_trips == len(statements) + 2, (wire.sent, statements)


def test_the_token_check_stays_prepared_across_pages_built(postgres, client, admin, world):
    """Once psycopg has prepared the token check (its fifth run on a connection), a kept
    answer sends no Parse, not even after a page was built and its transaction rolled
    back (which deallocates what was prepared on the session's connection)."""
    warm(client, SKM_PLANS, admin)
    for _ in range(5):
        read(client, SKM_PLANS, admin)
    for page_size in (3, 4):
        assert read(client, SKM_PLANS + f"&page_size={page_size}", admin)[0] == "miss"
        db.session.remove()
        with on_the_wire() as wire:
            assert read(client, SKM_PLANS, admin)[0] == "hit"
        assert [message.split()[0] for message in wire.sent] == PREPARED, wire.sent
        assert wire.round_trips == 1, wire.sent


def test_a_write_commits_once_with_its_token_check_outside(postgres, client, admin, world):
    """Only the token check leaves the request's transaction: it is sent first, with no
    BEGIN before it, and the write is committed once."""
    db.session.remove()
    with on_the_wire() as wire:
        ok(client.post("/api/v1/plans", json=plan_body("DST", period_start=2028,
                                                        period_end=2029), headers=admin), 201)
    check, *rest = wire.checkouts
    assert [m.split()[0] for m in check] in (PREPARED, UNPREPARED), wire.checkouts
    assert all(sent[0] == 'Query\t "BEGIN"' for sent in rest), wire.checkouts
    assert wire.commands().count("COMMIT") == 1, wire.sent


def test_an_expired_token_is_refused_though_its_answer_is_kept(client, world):
    """Read outside the request's transaction, the check still sees an expiry the moment it
    is committed (a revocation: ``test_response_cache``)."""
    row, secret = create_token(role="admin", name="kort", expires_days=1)
    headers = {"Authorization": f"Bearer {secret}"}
    warm(client, SKM_PLANS, headers)
    db.session.execute(update(ApiToken).where(ApiToken.id == row.id)
                       .values(expires_at=utcnow() - timedelta(seconds=1)))
    db.session.commit()
    db.session.remove()
    problem_of(client.get(SKM_PLANS, headers=headers), 401)


def test_kept_answers_and_writes_behind_pgbouncer(app, admin, world, pgbouncer):  # noqa: F811
    """Through PgBouncer in transaction pooling, with psycopg preparing nothing, the token
    check in autocommit and the request's transaction may each get another server
    connection: reads are kept, a write is seen by the next read, and a revoked token is
    refused."""
    from tests.conftest import BASE_CONFIG

    pooled = create_app({**BASE_CONFIG, "DATABASE_URL": pgbouncer,
                         "DATABASE_PREPARED_STATEMENTS": False})
    url = "/api/v1/ministries"
    try:
        client = pooled.test_client()
        with pooled.app_context():
            warm(client, url, admin)
            for _ in range(10):  # more than psycopg's threshold to prepare
                assert read(client, url, admin)[0] == "hit"
            ok(client.post(url, json={"code": "KM", "name": "Kulturministeriet"},
                           headers=admin), 201)
            state, body, _ = read(client, url, admin)
            assert state == "miss" and "KM" in [m["code"] for m in body]
        revoke_token("test-admin")
        with pooled.app_context():
            problem_of(client.get(url, headers=admin), 401)
    finally:
        with pooled.app_context():
            db.session.remove()
            for engine in db.engines.values():
                engine.dispose()
        pooled.extensions["mrp.plugins"].close()

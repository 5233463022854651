"""Shared fixtures: ``app`` / ``client`` / ``runner`` as in Flask's tutorial, on SQLite and,
when ``MRP_TEST_DATABASE_URL`` names a PostgreSQL database, on PostgreSQL too.

Every test starts from an empty, migrated database. Building the app (and its OpenAPI
document) costs about half a second, so apps are built once per backend and configuration
and reused: each test gets the app with its configuration restored and every table emptied.
"""

from __future__ import annotations

import os
from collections import OrderedDict
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient, FlaskCliRunner
from sqlalchemy import text

from service import create_app
from service.extensions import db

pytest_plugins: list[str] = []
for _name in ("mailservers",):
    if (Path(__file__).parent / "support" / f"{_name}.py").exists():
        pytest_plugins.append(f"tests.support.{_name}")

POSTGRES_URL = os.environ.get("MRP_TEST_DATABASE_URL", "")
BACKENDS = ["sqlite"] + (["postgresql"] if POSTGRES_URL else [])

BASE_CONFIG: dict[str, Any] = {
    "TESTING": True,
    "SECRET_KEY": "test-secret",
    "PLUGIN_TIMEOUT": 2.0,
    # mails parsed in the poller's own process (a test may patch the parsing stage); the
    # pool of parse workers has tests of its own (tests/intake/pipeline/test_parse_pool.py)
    "INTAKE_WORKERS": 1,
}


def _migrate(url: str) -> None:
    from flask_migrate import upgrade

    app = create_app({**BASE_CONFIG, "DATABASE_URL": url})
    with app.app_context():
        upgrade()
        db.engine.dispose()
    app.extensions["mrp.plugins"].close()


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A SQLite file migrated from nothing, shared by the session's tests."""
    path = tmp_path_factory.mktemp("db") / "mrp.sqlite"
    _migrate(f"sqlite:///{path}")
    return path


@pytest.fixture(scope="session")
def postgres_migrated() -> str:
    app = create_app({**BASE_CONFIG, "DATABASE_URL": POSTGRES_URL})
    with app.app_context():
        with db.engine.begin() as conn:
            conn.execute(text("DROP SCHEMA public CASCADE"))
            conn.execute(text("CREATE SCHEMA public"))
        db.engine.dispose()
    app.extensions["mrp.plugins"].close()
    _migrate(POSTGRES_URL)
    return POSTGRES_URL


@pytest.fixture(params=BACKENDS)
def database_url(request: pytest.FixtureRequest) -> str:
    """The backend's migrated database (emptied by the ``app`` fixture before each test)."""
    if request.param == "sqlite":
        return f"sqlite:///{request.getfixturevalue('sqlite_template')}"
    return str(request.getfixturevalue("postgres_migrated"))


#: how long emptying the tables waits for another connection's locks before it names them
TRUNCATE_LOCK_TIMEOUT = "15s"

_BLOCKERS = text(
    "SELECT pid, state, application_name, now() - xact_start AS age, left(query, 200) AS query"
    " FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()"
    " AND state <> 'idle'"
)


def _truncate(tables: list[str]) -> None:
    with db.engine.begin() as conn:
        conn.execute(text(f"SET LOCAL lock_timeout = '{TRUNCATE_LOCK_TIMEOUT}'"))
        conn.execute(text(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE"))


def _empty_postgres(tables: list[str]) -> None:
    """TRUNCATE every table. A connection left in a transaction by an earlier test (a thread
    that outlived it, say) would make that wait for ever: after the lock timeout the
    connections holding the locks are named in a warning, ended, and the TRUNCATE retried,
    so one leak shows up as a warning that says where, not as a hung run."""
    from sqlalchemy.exc import OperationalError

    try:
        _truncate(tables)
        return
    except OperationalError as exc:
        if getattr(exc.orig, "sqlstate", None) != "55P03":  # lock_not_available
            raise
    with db.engine.begin() as conn:
        blockers = [dict(row._mapping) for row in conn.execute(_BLOCKERS)]
        for blocker in blockers:
            conn.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": blocker["pid"]})
    import warnings

    warnings.warn(f"emptying the tables waited on other connections, ended them: {blockers}",
                  stacklevel=2)
    db.engine.dispose()  # the pool may hold one of them
    _truncate(tables)


def _empty_tables() -> None:
    tables = [t.name for t in db.metadata.sorted_tables]
    if db.engine.dialect.name == "postgresql":
        _empty_postgres(tables)
        return
    with db.engine.connect() as conn:
        # without the foreign keys' actions: SQLite runs them row by row, and setting a
        # deleted report's superseded_by to NULL could make two current for a moment
        conn.exec_driver_sql("PRAGMA foreign_keys=OFF")
        for table in reversed(tables):
            conn.execute(text(f"DELETE FROM {table}"))
        conn.commit()
        conn.exec_driver_sql("PRAGMA foreign_keys=ON")


@pytest.fixture
def app_config() -> dict[str, Any]:
    """Override in a test module to change settings for its ``app``."""
    return {}


#: built apps by configuration, least recently used first; a few are kept (each holds a
#: connection pool), the others are closed
_APPS: OrderedDict[str, tuple[Flask, dict[str, Any]]] = OrderedDict()
KEEP_APPS = 4


def _close(app: Flask) -> None:
    with app.app_context():
        for engine in db.engines.values():  # the token check's pool too (PostgreSQL)
            engine.dispose()
    app.extensions["mrp.plugins"].close()


@pytest.fixture
def app(database_url: str, app_config: dict[str, Any], tmp_path: Path) -> Iterator[Flask]:
    config = {**BASE_CONFIG, "DATABASE_URL": database_url, **app_config}
    key = repr(sorted(config.items()))
    if key not in _APPS:
        built = create_app(config)
        _APPS[key] = (built, dict(built.config))
        while len(_APPS) > KEEP_APPS:
            _close(_APPS.popitem(last=False)[1][0])
    _APPS.move_to_end(key)
    app, pristine = _APPS[key]
    app.config.clear()
    app.config.update(pristine)
    app.instance_path = str(tmp_path / "instance")
    with app.app_context():
        _empty_tables()
        db.session.remove()
        yield app
        db.session.remove()
        _empty_tables()  # a copy of the shared database (tests/web/live.py) starts empty


@pytest.fixture(scope="session", autouse=True)
def _close_apps() -> Iterator[None]:
    yield
    for app, _config in _APPS.values():
        _close(app)


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def runner(app: Flask) -> FlaskCliRunner:
    return app.test_cli_runner()


@pytest.fixture
def token(app: Flask) -> Callable[..., dict[str, str]]:
    """``token("department", ministry="SKM")`` → request headers with a fresh bearer token."""
    from service.domain.tokens import create_token

    def make(role: str = "admin", **scope: str) -> dict[str, str]:
        _row, secret = create_token(role=role, name=f"test-{role}", **scope)
        return {"Authorization": f"Bearer {secret}"}

    return make


@pytest.fixture
def admin(token: Callable[..., dict[str, str]]) -> dict[str, str]:
    return token("admin")


@pytest.fixture
def world(client: FlaskClient, admin: dict[str, str]) -> dict[str, Any]:
    """Two ministries, three institutions, a draft plan each: SKM (UFST, MST) and FM (DST)."""
    from tests.support.factories import build_world

    return build_world(client, admin)

"""Shared fixtures: ``app`` / ``client`` / ``runner`` as in Flask's tutorial, on SQLite and,
when ``MRP_TEST_DATABASE_URL`` names a PostgreSQL database, on PostgreSQL too.

Every test gets an empty, migrated database: a copy of a template file on SQLite, truncated
tables on PostgreSQL.
"""

from __future__ import annotations

import os
import shutil
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
}


def _migrate(url: str) -> None:
    from flask_migrate import upgrade

    app = create_app({**BASE_CONFIG, "DATABASE_URL": url})
    with app.app_context():
        upgrade()
        db.engine.dispose()


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("db") / "template.sqlite"
    _migrate(f"sqlite:///{path}")
    return path


@pytest.fixture(scope="session")
def postgres_migrated() -> str:
    with_schema = POSTGRES_URL
    app = create_app({**BASE_CONFIG, "DATABASE_URL": with_schema})
    with app.app_context():
        with db.engine.begin() as conn:
            conn.execute(text("DROP SCHEMA public CASCADE"))
            conn.execute(text("CREATE SCHEMA public"))
        db.engine.dispose()
    _migrate(with_schema)
    return with_schema


def _truncate_postgres(url: str) -> None:
    app = create_app({**BASE_CONFIG, "DATABASE_URL": url})
    with app.app_context():
        tables = [t.name for t in db.metadata.sorted_tables]
        with db.engine.begin() as conn:
            conn.execute(
                text(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE")
            )
        db.engine.dispose()


@pytest.fixture(params=BACKENDS)
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        path = tmp_path / "mrp.sqlite"
        shutil.copy(request.getfixturevalue("sqlite_template"), path)
        return f"sqlite:///{path}"
    url = request.getfixturevalue("postgres_migrated")
    _truncate_postgres(url)
    return url


@pytest.fixture
def app_config() -> dict[str, Any]:
    """Override in a test module to change settings for its ``app``."""
    return {}


@pytest.fixture
def app(database_url: str, app_config: dict[str, Any], tmp_path: Path) -> Iterator[Flask]:
    app = create_app(
        {**BASE_CONFIG, "DATABASE_URL": database_url, **app_config}
    )
    app.instance_path = str(tmp_path / "instance")
    with app.app_context():
        yield app
        db.session.remove()
        db.engine.dispose()
    app.extensions["mrp.plugins"].close()


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

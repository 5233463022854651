"""mrp: goal-and-results plans for the Danish state.

``create_app(config=None)`` builds the application: config → extensions → plugins →
blueprints → CLI. Nothing is built at import time, and nothing heavy imported: the intake's
parse workers import the parsing alone (Flask and SQLAlchemy come with ``create_app``).
"""

from __future__ import annotations

import copy
import logging
import os
import secrets
import select
import time
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from service import config as settings

if TYPE_CHECKING:
    from flask import Flask
    from werkzeug.wrappers import Response

# python-docx (the annual report in Word) brings lxml, which openpyxl would otherwise switch
# to for every workbook: openpyxl keeps the standard library's XML, with defusedxml's checks
# on the workbooks people mail in, and writes every workbook as it did before
os.environ.setdefault("OPENPYXL_LXML", "False")

MIGRATIONS_DIR = Path(__file__).resolve().parent.parent / "migrations"

log = logging.getLogger("mrp")


def create_app(config: Mapping[str, Any] | None = None) -> Flask:
    from flask import Flask
    from sqlalchemy import event

    values = {**settings.load(), **(config or {})}
    instance = str(values.get("INSTANCE_PATH") or "")
    app = Flask(__name__, instance_relative_config=True,
                instance_path=str(Path(instance).resolve()) if instance else None)
    app.config.update(values)
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = _instance_secret(Path(app.instance_path))
    _configure_database(app)
    _configure_api(app)

    from service.extensions import AUTOCOMMIT, db, migrate

    db.init_app(app)
    migrate.init_app(app, db, directory=str(MIGRATIONS_DIR))
    with app.app_context():
        if db.engine.dialect.name == "sqlite":
            event.listen(db.engine, "connect", _sqlite_pragmas)
        elif db.engine.dialect.name == "postgresql":
            event.listen(db.engine, "checkout", _drop_closed_connection)
            event.listen(db.engines[AUTOCOMMIT], "checkout", _drop_closed_connection)

    from service import requestlimits

    requestlimits.init_app(app)

    from service.domain.plugins import init_app as init_plugins

    init_plugins(app)

    from service import api

    api.init_app(app)

    from service import web

    web.init_app(app)

    from service.domain.inbound import REPROCESS
    from service.intake.service import reprocess

    app.extensions[REPROCESS] = reprocess  # the API and the dashboard reprocess stored mail

    from service import cli

    cli.init_app(app)
    app.after_request(refuse_framing)
    _trust_proxies(app)
    return app


def _trust_proxies(app: Flask) -> None:
    """Behind ``TRUSTED_PROXIES`` reverse proxies, the client's address and scheme are the
    ones they forward (``X-Forwarded-For``, ``X-Forwarded-Proto``): a request that reached the
    first proxy over HTTPS is secure, and its cookie is marked so. Each proxy must set (or
    append to) both headers, or a client could claim them."""
    proxies = int(app.config.get("TRUSTED_PROXIES") or 0)
    if proxies > 0:
        from werkzeug.middleware.proxy_fix import ProxyFix

        app.wsgi_app = ProxyFix(  # type: ignore[method-assign]
            app.wsgi_app, x_for=proxies, x_proto=proxies, x_host=0, x_port=0, x_prefix=0
        )


#: no page of the service may be shown in a frame of another (clickjacking)
FRAME_ANCESTORS = "frame-ancestors 'none'"


def refuse_framing(response: Response) -> Response:
    """Every answer, the API's, its documentation's and error pages included, refuses to be
    framed: ``X-Frame-Options: DENY`` and ``frame-ancestors 'none'`` in its
    Content-Security-Policy, merged into the policy a view or the dashboard set."""
    policies = response.headers.getlist("Content-Security-Policy")
    response.headers.setlist(
        "Content-Security-Policy",
        [_framing_refused(policy) for policy in policies] or [FRAME_ANCESTORS],
    )
    response.headers["X-Frame-Options"] = "DENY"
    return response


def _framing_refused(policy: str) -> str:
    """``policy`` with ``frame-ancestors 'none'`` as its only frame-ancestors directive."""
    directives = [part.strip() for part in policy.split(";") if part.strip()]
    framing = [d for d in directives if d.split()[0].lower() == "frame-ancestors"]
    if framing == [FRAME_ANCESTORS]:
        return policy
    kept = [d for d in directives if d.split()[0].lower() != "frame-ancestors"]
    return "; ".join([*kept, FRAME_ANCESTORS])


def _instance_secret(instance: Path) -> str:
    """A random key made once per instance folder, shared by the processes that use it."""
    path = instance / "secret_key"
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return path.read_text().strip() or _instance_secret_retry(path)
    with os.fdopen(fd, "w") as handle:
        handle.write(secrets.token_urlsafe(48))
    return path.read_text().strip()


def _instance_secret_retry(path: Path) -> str:
    """Another process created the file an instant ago and is still writing it."""
    for _ in range(50):
        time.sleep(0.02)
        if text := path.read_text().strip():
            return text
    raise RuntimeError(f"{path} stays empty; delete it or set MRP_SECRET_KEY")


def _configure_database(app: Flask) -> None:
    from service.extensions import AUTOCOMMIT

    url = app.config.get("DATABASE_URL") or (
        "sqlite:///" + str(Path(app.instance_path) / "mrp.sqlite")
    )
    app.config["SQLALCHEMY_DATABASE_URI"] = url
    options = app.config.setdefault("SQLALCHEMY_ENGINE_OPTIONS", {})
    if url.startswith("postgresql+psycopg") and not app.config.get(
        "DATABASE_PREPARED_STATEMENTS", True
    ):
        # psycopg prepares a statement run five times on a connection; behind a pooler in
        # transaction mode the next transaction may run on a server connection without it
        options.setdefault("connect_args", {})["prepare_threshold"] = None
    if url.startswith("postgresql"):
        # the token check's own pool (``service.domain.tokens``), with the same options
        # (Flask-SQLAlchemy gives a bind none of SQLALCHEMY_ENGINE_OPTIONS)
        app.config.setdefault("SQLALCHEMY_BINDS", {})[AUTOCOMMIT] = {
            **copy.deepcopy(options), "url": url, "isolation_level": "AUTOCOMMIT",
        }


def _configure_api(app: Flask) -> None:
    app.config.update(
        API_TITLE="mrp — mål- og resultatplaner",
        API_VERSION="v1",
        OPENAPI_VERSION="3.0.3",
        OPENAPI_URL_PREFIX="/api",
        OPENAPI_JSON_PATH="openapi.json",
        OPENAPI_SWAGGER_UI_PATH="docs",
        OPENAPI_SWAGGER_UI_URL="/api/docs/static/",
        MAX_CONTENT_LENGTH=app.config.get("MAX_CONTENT_LENGTH") or 2 * 1024 * 1024,
        JSON_SORT_KEYS=False,
    )


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    """Foreign keys on, WAL for concurrent readers, wait rather than fail on a lock, and a
    ``lower()`` that knows every letter (the plan search is case-insensitive)."""
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()
    # SQLite's own lower() folds only ASCII; Python's folds Æ, Ø and Å as PostgreSQL does
    dbapi_connection.create_function("lower", 1, _lower, deterministic=True)


def _lower(text: Any) -> Any:
    return text.lower() if isinstance(text, str) else text


def _drop_closed_connection(dbapi_connection: Any, _record: Any, _proxy: Any) -> None:
    """A pooled PostgreSQL connection the server has closed (a restart, an administrator's
    ``pg_terminate_backend``, an idle timeout) is thrown away when it is checked out, and the
    pool opens a new one: the request never sees it.

    This is ``pool_pre_ping``'s job without its round trip (a ``SELECT 1`` on every request,
    measured at 1.4 ms of a 4.4 ms request here). A server that closes a connection sends its
    goodbye or an end of file, so the idle socket has something to read; a healthy idle
    connection has nothing (the application never LISTENs). A peer that vanished without a
    word is not seen, as it is not by a ping before its TCP timeout either."""
    if dbapi_connection.closed or select.select([dbapi_connection.fileno()], [], [], 0)[0]:
        from sqlalchemy import exc

        raise exc.DisconnectionError("the server closed this pooled connection")


__all__ = ["FRAME_ANCESTORS", "create_app", "refuse_framing"]

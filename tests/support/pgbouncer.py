"""PgBouncer in transaction pooling on loopback, in front of the test's PostgreSQL database.

A throw-away instance from its own configuration in a temporary folder: every client
transaction gets whichever server connection is free, of a pool smaller than the clients,
so anything that leans on a session (a session-level advisory lock, a server-side prepared
statement) breaks as it would behind a production pooler. PgBouncer refuses to run as root,
so as root it is started with ``-u postgres``. Skipped when ``pgbouncer`` is not installed,
except when ``CI=true`` (CI installs it): then the test fails.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy.engine import make_url

from tests.support.mailservers import free_port, wait_for_port

PGBOUNCER = shutil.which("pgbouncer") or "/usr/sbin/pgbouncer"
#: fewer server connections than the pollers together open (each holds up to two for its
#: locks while its work takes a third)
POOL_SIZE = 4


def require_pgbouncer() -> None:
    if not os.path.exists(PGBOUNCER):
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail("pgbouncer not installed (CI must run the PgBouncer tests)")
        pytest.skip("pgbouncer not installed (Debian package pgbouncer)")


def _config(folder: Path, server: object, port: int) -> Path:
    url = make_url(str(server))
    (folder / "users.txt").write_text(f'"{url.username}" "{url.password}"\n')
    ini = folder / "pgbouncer.ini"
    ini.write_text(
        "[databases]\n"
        f"* = host={url.host or '127.0.0.1'} port={url.port or 5432}\n"
        "[pgbouncer]\n"
        "listen_addr = 127.0.0.1\n"
        f"listen_port = {port}\n"
        "unix_socket_dir =\n"
        "auth_type = trust\n"
        f"auth_file = {folder / 'users.txt'}\n"
        "pool_mode = transaction\n"
        f"default_pool_size = {POOL_SIZE}\n"
        "max_client_conn = 200\n"
        "server_reset_query =\n"
        f"logfile = {folder / 'pgbouncer.log'}\n"
        f"pidfile = {folder / 'pgbouncer.pid'}\n"
    )
    return ini


def pooled_url(database_url: str, port: int) -> str:
    """The same database, user and password, reached through PgBouncer on ``port``."""
    return make_url(database_url).set(host="127.0.0.1", port=port).render_as_string(
        hide_password=False
    )


@pytest.fixture
def pgbouncer(app) -> Iterator[str]:
    """The URL of the test's PostgreSQL database through PgBouncer (transaction pooling)."""
    require_pgbouncer()
    database_url = app.config["DATABASE_URL"]
    if not database_url.startswith("postgresql"):
        pytest.skip("PgBouncer pools PostgreSQL connections; this run is on SQLite")
    folder = Path(tempfile.mkdtemp(prefix="mrp-pgbouncer-"))
    port = free_port()
    ini = _config(folder, database_url, port)
    args = [PGBOUNCER, str(ini)]
    if os.geteuid() == 0:
        shutil.chown(folder, "postgres")
        for path in folder.iterdir():
            shutil.chown(path, "postgres")
        args[1:1] = ["-u", "postgres"]
    proc = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            stdin=subprocess.DEVNULL)
    try:
        wait_for_port(port)
        yield pooled_url(database_url, port)
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
        shutil.rmtree(folder, ignore_errors=True)

"""The ``mrp`` command (DESIGN section 8): in-process through the ``runner`` fixture, and as a
real process where the process itself matters (``db upgrade`` on an empty file, ``serve``)."""

from __future__ import annotations

import json
import os
import re
import signal
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from service.cli import main
from service.extensions import db

MRP = str(Path(sys.executable).with_name("mrp"))
TOKEN_LINE = re.compile(r"^mrp_[A-Za-z0-9_-]{40,}$")
TASK_TYPES = {"operations", "project", "policy", "internal_administration"}


def mrp(runner: Any, *args: str) -> Any:
    """Run ``mrp ARGS`` against the test app."""
    return runner.invoke(main, list(args))


def last_line(output: str) -> str:
    lines = [line for line in output.splitlines() if line.strip()]
    assert lines, "no output"
    return lines[-1]


def bearer(secret: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {secret}"}


def process_env(database_url: str, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("MRP_")}
    env["MRP_DATABASE_URL"] = database_url
    env.update(extra)
    return env


# --- help ----------------------------------------------------------------------------------


def test_help_lists_the_commands(runner):
    result = mrp(runner, "--help")
    assert result.exit_code == 0, result.output
    commands = set(re.findall(r"^  (\w[\w-]*)\s", result.output.split("Commands:")[1], re.M))
    assert {"serve", "db", "tokens", "demo"} <= commands


def test_help_of_the_real_executable():
    done = subprocess.run(
        [MRP, "--help"], capture_output=True, text=True, timeout=60, env=process_env("sqlite://")
    )
    assert done.returncode == 0, done.stderr
    for command in ("serve", "db", "tokens", "demo"):
        assert re.search(rf"^  {command}\s", done.stdout, re.M), command


# --- db upgrade ----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def migrated_file(
    tmp_path_factory: pytest.TempPathFactory,
) -> tuple[Path, subprocess.CompletedProcess[str]]:
    """An empty SQLite file migrated by a real ``mrp db upgrade``."""
    path = tmp_path_factory.mktemp("cli") / "mrp.sqlite"
    done = subprocess.run(
        [MRP, "db", "upgrade"],
        capture_output=True,
        text=True,
        timeout=120,
        env=process_env(f"sqlite:///{path}"),
        cwd=path.parent,
    )
    return path, done


def test_db_upgrade_creates_the_schema_on_an_empty_database(migrated_file):
    path, done = migrated_file
    assert done.returncode == 0, done.stderr
    with sqlite3.connect(path) as conn:
        tables = {
            row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
        }
        head = conn.execute("SELECT version_num FROM alembic_version").fetchall()
    assert {
        "ministry",
        "institution",
        "plan",
        "goal",
        "indicator",
        "milestone",
        "followup",
        "inbound_message",
        "api_token",
        "audit_event",
    } <= tables
    assert len(head) == 1
    assert set(db.metadata.tables) <= tables  # every model has its table


def test_db_upgrade_twice_is_a_no_op(migrated_file):
    path, first = migrated_file
    assert first.returncode == 0, first.stderr
    done = subprocess.run(
        [MRP, "db", "upgrade"],
        capture_output=True,
        text=True,
        timeout=120,
        env=process_env(f"sqlite:///{path}"),
        cwd=path.parent,
    )
    assert done.returncode == 0, done.stderr
    assert "Running upgrade" not in done.stderr + done.stdout


# --- tokens --------------------------------------------------------------------------------


def test_department_token_is_printed_alone_on_the_last_line_and_works(runner, client, world):
    result = mrp(
        runner, "tokens", "create", "--role", "department", "--ministry", "SKM", "--name", "x"
    )
    assert result.exit_code == 0, result.output
    secret = last_line(result.output)
    assert TOKEN_LINE.match(secret), result.output
    assert result.stdout.strip() == secret  # stdout carries the secret and nothing else

    response = client.get("/api/v1/institutions", headers=bearer(secret))
    assert response.status_code == 200, response.get_data(as_text=True)
    assert {i["code"] for i in response.get_json()} == {"UFST", "MST"}  # SKM's, not FM's DST
    response = client.get("/api/v1/plans", headers=bearer(secret))
    assert response.status_code == 200
    assert {p["institution"] for p in response.get_json()} == {"UFST", "MST"}


def test_institution_token_sees_its_own_plans_only(runner, client, world):
    result = mrp(
        runner,
        "tokens",
        "create",
        "--role",
        "institution",
        "--institution",
        "UFST",
        "--name",
        "ufst-reporter",
    )
    assert result.exit_code == 0, result.output
    secret = last_line(result.output)
    assert TOKEN_LINE.match(secret)
    response = client.get("/api/v1/plans", headers=bearer(secret))
    assert response.status_code == 200
    assert [p["reference"] for p in response.get_json()] == ["UFST-2026"]
    other = world["plans"]["DST"]["id"]
    assert client.get(f"/api/v1/plans/{other}", headers=bearer(secret)).status_code == 404


def test_admin_token_sees_everything(runner, client, world):
    result = mrp(runner, "tokens", "create", "--role", "admin", "--name", "ops")
    assert result.exit_code == 0, result.output
    response = client.get("/api/v1/plans", headers=bearer(last_line(result.output)))
    assert response.status_code == 200
    assert {p["institution"] for p in response.get_json()} == {"UFST", "MST", "DST"}


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--role", "department"], "ministerområde"),
        (["--role", "department", "--institution", "UFST"], "ministerområde"),
        (["--role", "department", "--ministry", "SKM", "--institution", "UFST"], "ministerområde"),
        (["--role", "department", "--ministry", "NOPE"], "Ukendt ministerområde: NOPE"),
        (["--role", "institution"], "institution"),
        (["--role", "institution", "--ministry", "SKM"], "institution"),
        (["--role", "institution", "--institution", "NOPE"], "Ukendt institution: NOPE"),
        (["--role", "admin", "--ministry", "SKM"], "administratortoken"),
        (["--role", "superuser"], "superuser"),
    ],
)
def test_wrong_token_combinations_fail_clearly(runner, world, args, message):
    result = mrp(runner, "tokens", "create", "--name", "bad", *args)
    assert result.exit_code != 0
    assert message in result.output
    assert not TOKEN_LINE.search(result.output.splitlines()[-1] if result.output else "")
    assert "Traceback" not in result.output
    listed = mrp(runner, "tokens", "list")
    assert "\tbad\t" not in listed.output  # nothing was issued


def test_token_without_a_name_is_refused(runner, world):
    result = mrp(runner, "tokens", "create", "--role", "admin")
    assert result.exit_code == 2
    assert "--name" in result.output


@pytest.mark.parametrize("by", ["name", "id"])
def test_revoked_token_is_401(runner, client, world, by):
    created = mrp(
        runner, "tokens", "create", "--role", "department", "--ministry", "SKM", "--name", "leaving"
    )
    secret = last_line(created.output)
    assert client.get("/api/v1/plans", headers=bearer(secret)).status_code == 200
    ident = "leaving"
    if by == "id":
        ident = re.search(r"^(\d+)\tleaving\t", mrp(runner, "tokens", "list").output, re.M)[1]

    result = mrp(runner, "tokens", "revoke", ident)
    assert result.exit_code == 0, result.output
    assert "Revoked" in result.output
    response = client.get("/api/v1/plans", headers=bearer(secret))
    assert response.status_code == 401
    assert response.mimetype == "application/problem+json"
    listed = mrp(runner, "tokens", "list").output
    assert re.search(r"\tleaving\tdepartment\tSKM\trevoked$", listed, re.M), listed


def test_revoking_an_unknown_token_fails(runner, world):
    result = mrp(runner, "tokens", "revoke", "nobody")
    assert result.exit_code != 0
    assert "nobody" in result.output


def test_revoke_leaves_other_tokens_working(runner, client, world):
    keep = last_line(mrp(runner, "tokens", "create", "--role", "admin", "--name", "keep").output)
    drop = last_line(mrp(runner, "tokens", "create", "--role", "admin", "--name", "drop").output)
    assert mrp(runner, "tokens", "revoke", "drop").exit_code == 0
    assert client.get("/api/v1/plans", headers=bearer(drop)).status_code == 401
    assert client.get("/api/v1/plans", headers=bearer(keep)).status_code == 200


def test_token_list_never_shows_secrets(runner, world):
    from service.domain.models import ApiToken

    secrets = [
        last_line(mrp(runner, "tokens", "create", *args).output)
        for args in (
            ["--role", "admin", "--name", "root"],
            ["--role", "department", "--ministry", "SKM", "--name", "skm"],
            ["--role", "institution", "--institution", "DST", "--name", "dst"],
        )
    ]
    assert all(TOKEN_LINE.match(s) for s in secrets)
    result = mrp(runner, "tokens", "list")
    assert result.exit_code == 0, result.output
    rows = [line.split("\t") for line in result.output.splitlines()]
    assert rows[0][1:] == ["test-admin", "admin", "all", "active"]  # the fixture's own
    assert [row[1:] for row in rows[1:]] == [
        ["root", "admin", "all", "active"],
        ["skm", "department", "SKM", "active"],
        ["dst", "institution", "DST", "active"],
    ]
    hashes = [t.secret_hash for t in db.session.scalars(select(ApiToken))]
    for secret in secrets:
        assert secret not in result.output
        assert secret.removeprefix("mrp_")[:12] not in result.output
    for digest in hashes:
        assert digest not in result.output
    assert "mrp_" not in result.output


# --- demo ----------------------------------------------------------------------------------


def _counts() -> dict[str, int]:
    from service.domain.models import Goal, Indicator, Institution, Milestone, Ministry, Plan

    return {
        model.__tablename__: db.session.scalar(select(func.count()).select_from(model))
        for model in (Ministry, Institution, Plan, Goal, Indicator, Milestone)
    }


def test_demo_loads_all_four_task_types_and_is_idempotent(runner, client, admin):
    first = mrp(runner, "demo")
    assert first.exit_code == 0, first.output
    from service.clock import utcnow

    assert f"plan UFST-{utcnow().year}" in first.output  # the demo's plans follow the clock
    db.session.remove()
    after_first = _counts()
    assert after_first["plan"] >= 3
    assert after_first["goal"] >= 4

    plans = client.get("/api/v1/plans", headers=admin).get_json()
    goals = client.get("/api/v1/goals?page_size=100", headers=admin).get_json()
    assert {g["task_type"] for g in goals} == TASK_TYPES
    statuses = Counter(p["status"] for p in plans)
    assert statuses["approved"] >= 1 and statuses["draft"] >= 1

    second = mrp(runner, "demo")
    assert second.exit_code == 0, second.output
    assert "already loaded" in second.output
    db.session.remove()
    assert _counts() == after_first


# --- serve ---------------------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _get(url: str, timeout: float = 2.0) -> tuple[int, Any]:
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        with error:
            return error.code, json.loads(error.read())


def test_serve_runs_gunicorn_and_stops_cleanly_on_sigterm(migrated_file, tmp_path):
    path, done = migrated_file
    assert done.returncode == 0, done.stderr
    port = _free_port()
    log = tmp_path / "serve.log"
    with log.open("wb") as sink:
        process = subprocess.Popen(
            [MRP, "serve", "--port", str(port)],
            env=process_env(f"sqlite:///{path}", MRP_WEB_WORKERS="2"),
            stdout=sink,
            stderr=subprocess.STDOUT,
            cwd=tmp_path,
        )
        try:
            base = f"http://127.0.0.1:{port}"
            deadline = time.monotonic() + 30
            status, body = 0, None
            while time.monotonic() < deadline:
                assert process.poll() is None, log.read_text()
                try:
                    status, body = _get(base + "/api/v1/health")
                    break
                except OSError:
                    time.sleep(0.2)
            assert (status, body) == (200, {"status": "ok"}), log.read_text()
            status, body = _get(base + "/api/v1/plans")
            assert status == 401 and body["status"] == 401  # the real app, with its auth

            process.send_signal(signal.SIGTERM)
            returncode = process.wait(timeout=15)
        finally:
            if process.poll() is None:
                process.kill()
                process.wait()
    output = log.read_text()
    assert returncode == 0, output
    assert "gunicorn" in output.lower()
    assert f"Listening at: http://127.0.0.1:{port}" in output
    assert len(re.findall(r"Booting worker with pid", output)) == 2  # MRP_WEB_WORKERS
    assert "Shutting down" in output
    with pytest.raises(OSError), socket.create_connection(("127.0.0.1", port), timeout=1):
        pass

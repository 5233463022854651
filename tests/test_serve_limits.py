"""A real ``mrp serve`` (gunicorn) answers over-long request lines and headers in the
application's shape: problem+json under /api (a Danish page for the dashboard), whether the
application's own limits (service/requestlimits.py) or gunicorn's larger ones refuse it;
never gunicorn's HTML page."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from service.requestlimits import header_fields, server_limits, uri_length
from service.wsgi import problem_answer

MRP = str(Path(sys.executable).with_name("mrp"))


def _env(database_url: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("MRP_")}
    env.update(MRP_DATABASE_URL=database_url, MRP_WEB_WORKERS="1")
    return env


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _exchange(port: int, raw: bytes) -> tuple[int, dict[str, str], bytes]:
    """Send ``raw`` as it is and read the whole answer: (status, headers, body)."""
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        sock.sendall(raw)
        data = b""
        while chunk := sock.recv(65536):
            data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    headers = {}
    for line in lines[1:]:
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    return int(lines[0].split()[1]), headers, body


def _get(port: int, target: str, headers: tuple[str, ...] = ()) -> tuple[int, dict, bytes]:
    lines = [f"GET {target} HTTP/1.1", "Host: 127.0.0.1", "Connection: close", *headers]
    return _exchange(port, ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1"))


@pytest.fixture(scope="module", params=[1, 2], ids=["sync", "threads"])
def server(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
           ) -> Iterator[int]:
    """``mrp serve`` on a migrated SQLite file: the sync worker, and the threaded one."""
    folder = tmp_path_factory.mktemp("serve")
    url = f"sqlite:///{folder / 'mrp.sqlite'}"
    done = subprocess.run([MRP, "db", "upgrade"], capture_output=True, text=True, timeout=120,
                          env=_env(url), cwd=folder)
    assert done.returncode == 0, done.stderr
    port = _free_port()
    log = folder / "serve.log"
    with log.open("wb") as sink:
        process = subprocess.Popen(
            [MRP, "serve", "--port", str(port), "--threads", str(request.param)],
            env=_env(url), stdout=sink, stderr=subprocess.STDOUT, cwd=folder,
        )
        try:
            deadline = time.monotonic() + 30
            while True:
                assert process.poll() is None, log.read_text()
                try:
                    if _get(port, "/api/v1/health")[0] == 200:
                        break
                except OSError:
                    pass
                assert time.monotonic() < deadline, log.read_text()
                time.sleep(0.2)
            yield port
        finally:
            process.terminate()
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def _problem(answer: tuple[int, dict, bytes], status: int) -> dict:
    code, headers, body = answer
    assert code == status, (code, body[:300])
    assert headers["content-type"] == "application/problem+json", headers
    problem = json.loads(body)
    assert problem["status"] == status and problem["title"] and problem["detail"]
    assert problem["type"].startswith("urn:mrp:problem:")
    return problem


def test_a_long_uri_is_the_applications_414(server):
    problem = _problem(_get(server, "/api/v1/plans?ministry=" + "x" * 5000), 414)
    assert "4096" in problem["detail"]  # the application's answer, naming its limit
    assert _get(server, "/api/v1/health?x=" + "y" * 4000)[0] == 422  # under it: the app's 422


GUNICORN = "than the server takes"  # gunicorn's refusal, in the worker's words


def test_a_uri_past_gunicorns_limit_is_a_problem_too(server):
    assert GUNICORN in _problem(_get(server, "/api/v1/plans/" + "9" * 9000), 414)["detail"]


def test_a_large_header_is_the_applications_431(server):
    problem = _problem(_get(server, "/api/v1/plans", ("X-Big: " + "b" * 9000,)), 431)
    assert "X-Big" in problem["detail"]
    many = tuple(f"X-Header-{i}: {i}" for i in range(120))
    assert "100 header fields" in _problem(_get(server, "/api/v1/plans", many), 431)["detail"]


def test_a_header_past_gunicorns_limit_is_a_problem_too(server):
    huge = _problem(_get(server, "/api/v1/plans", ("X-Huge: " + "h" * 20000,)), 431)
    assert GUNICORN in huge["detail"]
    many = tuple(f"X-Header-{i}: {i}" for i in range(300))
    assert GUNICORN in _problem(_get(server, "/api/v1/plans", many), 431)["detail"]


def test_a_request_gunicorn_cannot_read_is_a_400_problem(server):
    _problem(_exchange(server, b"NOT HTTP AT ALL\r\n\r\n"), 400)


def test_the_dashboard_answers_in_danish(server):
    status, headers, body = _get(server, "/?period=" + "2" * 5000)
    assert status == 414 and headers["content-type"].startswith("text/html")
    assert "Adressen er for lang" in body.decode()
    status, headers, body = _get(server, "/login", ("Cookie: session=" + "c" * 9000,))
    assert status == 431 and "cookies" in body.decode()


def test_the_limits_are_measured_as_sent():
    assert uri_length({"RAW_URI": "/api/v1/plans?x=%C3%B8"}) == 22
    assert uri_length({"PATH_INFO": "/a", "QUERY_STRING": "b=1"}) == 6
    assert uri_length({"PATH_INFO": "/a", "QUERY_STRING": ""}) == 2
    fields = dict(header_fields({"HTTP_X_BIG": "123", "CONTENT_TYPE": "text/plain",
                                 "CONTENT_LENGTH": "", "wsgi.input": None}))
    assert fields == {"X-Big": 10, "Content-Type": 24}
    limits = server_limits({"HTTP_MAX_URI_BYTES": 4096, "HTTP_MAX_HEADERS": 100,
                            "HTTP_MAX_HEADER_BYTES": 8190})
    assert limits == {"limit_request_line": 8190, "limit_request_fields": 200,
                      "limit_request_field_size": 16380}
    assert server_limits({"HTTP_MAX_URI_BYTES": 10000, "HTTP_MAX_HEADERS": 100,
                          "HTTP_MAX_HEADER_BYTES": 8190})["limit_request_line"] == 0
    assert problem_answer(ValueError("not a parse error")) is None

"""A real ``mrp serve`` (gunicorn: several worker processes, several threads each) on the
test's database, and requests fired at it at the same instant.

The server is started once per database and kept for the session; each test's ``app``
empties the tables before it runs, and the test fills them through the in-process client,
then races the real server, then counts the rows."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import pytest

from tests.support.mailservers import free_port

MRP = str(Path(sys.executable).with_name("mrp"))
WORKERS, THREADS = 3, 4
T = TypeVar("T")


@dataclass(frozen=True)
class Answer:
    status: int
    content_type: str
    body: Any

    @property
    def problem(self) -> bool:
        return self.content_type == "application/problem+json" and self.body.get(
            "status") == self.status


def process_env(database_url: str, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("MRP_")}
    env.update(MRP_DATABASE_URL=database_url, MRP_SECRET_KEY="test-secret", **extra)
    return env


class LiveServer:
    """``mrp serve`` as a process of its own on a free loopback port."""

    def __init__(self, database_url: str, log: Path) -> None:
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.log = log
        with log.open("wb") as sink:
            self.process = subprocess.Popen(
                [MRP, "serve", "--port", str(self.port), "--workers", str(WORKERS),
                 "--threads", str(THREADS)],
                env=process_env(database_url), stdout=sink, stderr=subprocess.STDOUT,
            )
        deadline = time.monotonic() + 60
        while True:
            assert self.process.poll() is None, log.read_text()
            try:
                if self.request("GET", "/api/v1/health").status == 200:
                    break
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.2)

    def request(self, method: str, path: str, headers: dict[str, str] | None = None,
                body: Any = None) -> Answer:
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(self.base + path, data=data, method=method,
                                         headers=dict(headers or {}))
        if data is not None:
            request.add_header("Content-Type", "application/json")
        try:
            with urllib.request.urlopen(request, timeout=60) as response:
                status, ctype, raw = response.status, response.headers.get_content_type(), \
                    response.read()
        except urllib.error.HTTPError as error:
            with error:
                status, ctype, raw = error.code, error.headers.get_content_type(), error.read()
        return Answer(status, ctype, json.loads(raw) if raw else None)

    def post(self, path: str, headers: dict[str, str], body: Any = None) -> Answer:
        return self.request("POST", path, headers, {} if body is None else body)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()

    def errors(self) -> str:
        """What the server logged about unhandled errors (tracebacks)."""
        text = self.log.read_text(errors="replace")
        return "\n".join(line for line in text.splitlines()
                         if "Traceback" in line or "Error" in line)


_SERVERS: dict[str, LiveServer] = {}


@pytest.fixture
def live(app, database_url: str, tmp_path_factory: pytest.TempPathFactory) -> LiveServer:
    """The real server on this test's database (started on first use)."""
    server = _SERVERS.get(database_url)
    if server is None or server.process.poll() is not None:
        log = tmp_path_factory.mktemp("serve") / "serve.log"
        server = _SERVERS[database_url] = LiveServer(database_url, log)
    return server


@pytest.fixture(scope="session", autouse=True)
def _stop_servers() -> Iterator[None]:
    yield
    for server in _SERVERS.values():
        server.stop()


def at_once(n: int, call: Callable[[int], T]) -> list[T]:
    """``call(0)`` … ``call(n - 1)`` in n threads released together."""
    barrier = threading.Barrier(n)

    def run(i: int) -> T:
        barrier.wait()
        return call(i)

    with ThreadPoolExecutor(n) as pool:
        return list(pool.map(run, range(n)))


def statuses(answers: list[Answer]) -> list[int]:
    return sorted(a.status for a in answers)

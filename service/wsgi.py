"""WSGI entry points: ``service.wsgi:app`` for any server, and gunicorn embedded for
``mrp serve``."""

from __future__ import annotations

import json
from typing import Any

from gunicorn import util
from gunicorn.app.base import BaseApplication
from gunicorn.http import errors as http_errors
from gunicorn.workers.gthread import ThreadWorker
from gunicorn.workers.sync import SyncWorker

#: requests gunicorn cannot read, answered as the application answers errors (problem+json)
#: rather than with gunicorn's HTML page: (error class, status, reason, title, detail)
_Classes = type[Exception] | tuple[type[Exception], ...]
_UNREADABLE: tuple[tuple[_Classes, int, str, str, str], ...] = (
    (http_errors.LimitRequestLine, 414, "URI Too Long", "URI too long",
     "The request line (method, path and query) is longer than the server takes."),
    (http_errors.LimitRequestHeaders, 431, "Request Header Fields Too Large",
     "Request header fields too large",
     "A header, or all of them together, is larger than the server takes."),
    ((http_errors.InvalidRequestLine, http_errors.InvalidRequestMethod,
      http_errors.InvalidHTTPVersion, http_errors.InvalidHeader, http_errors.InvalidHeaderName,
      http_errors.ObsoleteFolding, http_errors.InvalidSchemeHeaders,
      http_errors.InvalidChunkSize, http_errors.ChunkMissingTerminator,
      http_errors.InvalidChunkExtension),
     400, "Bad Request", "Bad request", "The request is not HTTP the server can read."),
)
_SERVER_ERRORS = (http_errors.InvalidResponseHeader, http_errors.InvalidResponseHeaderName)


def problem_answer(exc: Exception) -> bytes | None:
    """The whole HTTP answer, problem+json, to a request gunicorn could not read; None for
    other errors (gunicorn's own handling stays for those)."""
    if isinstance(exc, _SERVER_ERRORS):
        return None
    for classes, status, reason, title, detail in _UNREADABLE:
        if isinstance(exc, classes):
            body = json.dumps({
                "type": "urn:mrp:problem:" + title.lower().replace(" ", "-"),
                "title": title, "status": status, "detail": detail,
            }).encode()
            head = (f"HTTP/1.1 {status} {reason}\r\nConnection: close\r\n"
                    f"Content-Type: application/problem+json\r\n"
                    f"Content-Length: {len(body)}\r\n\r\n")
            return head.encode("latin-1") + body
    return None


class _ProblemAnswers:
    """A gunicorn worker that answers a request it cannot read (over its limits, or not
    HTTP) with problem+json, as the application answers every error."""

    log: Any

    def handle_error(self, req: Any, client: Any, addr: Any, exc: Exception) -> None:
        answer = problem_answer(exc)
        if answer is None:
            super().handle_error(req, client, addr, exc)  # type: ignore[misc]
            return
        self.log.warning("Invalid request from ip=%s: %s", (addr or ("",))[0], exc)
        try:
            util.write_nonblock(client, answer)
        except Exception:
            self.log.debug("Failed to send error message.")


class ProblemSyncWorker(_ProblemAnswers, SyncWorker):  # type: ignore[misc]
    pass


class ProblemThreadWorker(_ProblemAnswers, ThreadWorker):  # type: ignore[misc]
    pass


class _Gunicorn(BaseApplication):  # type: ignore[misc]
    def __init__(self, options: dict[str, Any]) -> None:
        self.options = options
        super().__init__()

    def load_config(self) -> None:
        for key, value in self.options.items():
            self.cfg.set(key, value)

    def load(self) -> Any:
        from service import create_app

        return create_app()


def run_gunicorn(*, host: str, port: int, workers: int, threads: int = 1) -> None:
    """gunicorn with limits above the application's own (service/requestlimits.py), so
    that the application answers a request over them, and a worker that answers
    problem+json for what gunicorn itself refuses."""
    from service import config
    from service.requestlimits import server_limits

    _Gunicorn(
        {
            "bind": f"{host}:{port}",
            "workers": workers,
            "threads": threads,
            "worker_class": ProblemThreadWorker if threads > 1 else ProblemSyncWorker,
            "accesslog": "-",
            "timeout": 60,
            "graceful_timeout": 20,
            **server_limits(config.load()),
        }
    ).run()


def __getattr__(name: str) -> Any:
    if name == "app":  # `gunicorn service.wsgi:app` builds the app on first use
        from service import create_app

        return create_app()
    raise AttributeError(name)

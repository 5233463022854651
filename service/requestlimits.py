"""How long a request line and how large its headers may be, answered by the application
(414 and 431 in its own shape: problem+json for the API, a Danish page for the dashboard)
rather than by the WSGI server's HTML.

The limits are settings (``HTTP_MAX_URI_BYTES``, ``HTTP_MAX_HEADER_BYTES``,
``HTTP_MAX_HEADERS``); ``mrp serve`` gives gunicorn larger limits of its own
(:func:`server_limits`), so that a request over the application's limit still reaches the
application. The check runs before anything else of a request, the token check included.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask import Flask, current_app, request
from werkzeug.exceptions import RequestHeaderFieldsTooLarge, RequestURITooLarge

#: gunicorn refuses a longer request line whatever it is told (its ``MAX_REQUEST_LINE``)
GUNICORN_MAX_REQUEST_LINE = 8190
#: the request line beyond the target: ``OPTIONS `` and `` HTTP/1.1``
REQUEST_LINE_OVERHEAD = 20
#: gunicorn's most header fields (its ``MAX_HEADERS``)
GUNICORN_MAX_HEADERS = 32768


def uri_length(environ: Mapping[str, Any]) -> int:
    """Bytes of the request target as sent (path and query): the server's ``RAW_URI`` or
    ``REQUEST_URI`` where it gives one, else the decoded path and the query."""
    raw = environ.get("RAW_URI") or environ.get("REQUEST_URI")
    if isinstance(raw, str):
        return len(raw)
    query = environ.get("QUERY_STRING") or ""
    return len(environ.get("PATH_INFO") or "") + (len(query) + 1 if query else 0)


def header_fields(environ: Mapping[str, Any]) -> list[tuple[str, int]]:
    """(name, bytes of ``Name: value``) of each header field of the request."""
    fields = []
    for key, value in environ.items():
        if key.startswith("HTTP_"):
            name = key[5:]
        elif key in ("CONTENT_TYPE", "CONTENT_LENGTH") and value:
            name = key
        else:
            continue
        fields.append((name.replace("_", "-").title(), len(name) + 2 + len(str(value))))
    return fields


def _check_request() -> None:
    config = current_app.config
    environ = request.environ
    limit = int(config["HTTP_MAX_URI_BYTES"])
    if uri_length(environ) > limit:
        raise RequestURITooLarge(f"The request target (path and query) is longer than "
                                 f"{limit} bytes.")
    fields = header_fields(environ)
    most = int(config["HTTP_MAX_HEADERS"])
    if len(fields) > most:
        raise RequestHeaderFieldsTooLarge(f"The request has more than {most} header fields.")
    largest = int(config["HTTP_MAX_HEADER_BYTES"])
    for name, size in fields:
        if size > largest:
            raise RequestHeaderFieldsTooLarge(
                f"The header {name} is larger than {largest} bytes.")


def init_app(app: Flask) -> None:
    """Check every request first (before the other ``before_request`` functions)."""
    app.before_request_funcs.setdefault(None, []).insert(0, _check_request)


def server_limits(config: Mapping[str, Any]) -> dict[str, int]:
    """gunicorn's limits for an application with ``config``: above the application's, so that
    the application answers, within what gunicorn takes (its own answer, beyond them, is a
    problem too: service/wsgi.py)."""
    line = int(config["HTTP_MAX_URI_BYTES"]) + REQUEST_LINE_OVERHEAD
    return {
        # gunicorn takes at most 8190 bytes, or any length with 0
        "limit_request_line": GUNICORN_MAX_REQUEST_LINE if line < GUNICORN_MAX_REQUEST_LINE else 0,
        "limit_request_fields": min(GUNICORN_MAX_HEADERS, 2 * int(config["HTTP_MAX_HEADERS"])),
        "limit_request_field_size": max(8190, 2 * int(config["HTTP_MAX_HEADER_BYTES"])),
    }

"""One error shape for every error: ``application/problem+json`` (RFC 9457).

Domain exceptions, HTTP errors (including webargs' validation errors) and unexpected
exceptions all end here; the body names the offending fields under ``errors`` and never
carries a traceback.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from http import HTTPStatus
from typing import Any

from flask import Flask, Response, json
from flask_smorest import Api
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm.exc import StaleDataError
from werkzeug.exceptions import HTTPException, InternalServerError

from service.api.schemas.common import ProblemSchema
from service.domain.errors import Conflict, DomainError, Forbidden, Invalid, NotFound

log = logging.getLogger(__name__)

PROBLEM_TYPE = "urn:mrp:problem:"
DOMAIN_STATUS: dict[type[DomainError], int] = {
    NotFound: 404,
    Forbidden: 403,
    Conflict: 409,
    Invalid: 422,
}
TITLES = {
    400: "Bad request",
    401: "Unauthorized",
    403: "Forbidden",
    404: "Not found",
    405: "Method not allowed",
    406: "Not acceptable",
    409: "Conflict",
    413: "Request too large",
    414: "URI too long",
    415: "Unsupported media type",
    422: "Validation failed",
    431: "Request header fields too large",
    500: "Internal server error",
    503: "Service unavailable",
}
SLUGS = {422: "validation-error", 400: "bad-request", 401: "unauthorized"}


def flatten(messages: Any, prefix: str = "") -> dict[str, list[str]]:
    """webargs/marshmallow nested messages → {"indicators.0.target": ["…"]}."""
    out: dict[str, list[str]] = {}
    if isinstance(messages, Mapping):
        for key, value in messages.items():
            name = str(key) if not prefix else f"{prefix}.{key}"
            if key == "_schema":
                name = prefix or "_schema"
            for k, v in flatten(value, name).items():
                out.setdefault(k, []).extend(v)
    elif isinstance(messages, list | tuple):
        if all(isinstance(m, str) for m in messages):
            out[prefix or "_schema"] = [str(m) for m in messages]
        else:
            for i, value in enumerate(messages):
                for k, v in flatten(value, f"{prefix}.{i}" if prefix else str(i)).items():
                    out.setdefault(k, []).extend(v)
    else:
        out[prefix or "_schema"] = [str(messages)]
    return out


def problem(
    status: int,
    detail: str,
    *,
    slug: str | None = None,
    errors: Mapping[str, list[str]] | None = None,
    headers: Mapping[str, str] | None = None,
    **extra: Any,
) -> Response:
    body: dict[str, Any] = {
        "type": PROBLEM_TYPE + (slug or SLUGS.get(status) or TITLES.get(status, "error")
                                .lower().replace(" ", "-")),
        "title": TITLES.get(status, "Error"),
        "status": status,
        "detail": detail,
    }
    if errors:
        body["errors"] = dict(errors)
    body.update(extra)
    response = Response(
        json.dumps(body), status=status, mimetype="application/problem+json"
    )
    for key, value in (headers or {}).items():
        response.headers[key] = value
    return response


def _from_http(error: HTTPException) -> Response:
    data = getattr(error, "data", None) or {}
    errors: dict[str, list[str]] = {}
    messages = data.get("errors") or data.get("messages")
    if messages:
        if isinstance(messages, Mapping) and set(messages) <= {
            "json", "query", "path", "headers", "form", "files", "cookies", "view_args"
        }:
            for location_messages in messages.values():
                errors.update(flatten(location_messages))
        else:
            errors = flatten(messages)
    status = error.code or 500
    detail = data.get("message") or error.description or TITLES.get(status, "Error")
    if status == 422 and errors:
        detail = "The request has invalid fields: " + ", ".join(sorted(errors)) + "."
    headers = dict(data.get("headers") or {})
    if status == 405 and hasattr(error, "valid_methods") and error.valid_methods:
        headers["Allow"] = ", ".join(error.valid_methods)
    return problem(status, str(detail), errors=errors or None, headers=headers)


#: what each error answer means here, as the OpenAPI document says it
DESCRIPTIONS = {
    400: "The body is not JSON, or not UTF-8.",
    401: "No bearer token, or an unknown, revoked or expired one.",
    403: "The caller's role or scope may not do this.",
    404: "No such object, or one in another tenant's scope (never told apart).",
    406: "The Accept header allows none of the formats offered.",
    409: "The request clashes with the object's state: a duplicate, a locked field, a step "
         "its lifecycle does not allow.",
    413: "The body is larger than the service takes (2 MiB unless configured).",
    414: "The request line (method, path and query) is longer than the service takes.",
    422: "Invalid fields or query parameters (unknown ones too), named under `errors`.",
    431: "A header, or all of them together, is larger than the service takes.",
}
PROBLEM_MIMETYPE = "application/problem+json"


class ProblemApi(Api):
    """flask-smorest's Api, answering every error with problem+json, and documenting every
    error answer so: the problem schema under ``application/problem+json``."""

    ERROR_SCHEMA = ProblemSchema

    def handle_http_exception(self, error: HTTPException) -> Response:  # type: ignore[override]
        return _from_http(error)

    def _register_responses(self) -> None:
        """flask-smorest's responses by status name (``NOT_FOUND``, …), which the blueprints
        refer to, with the problem schema and media type for the errors."""
        for status in HTTPStatus:
            response: dict[str, Any] = {"description": DESCRIPTIONS.get(status, status.phrase)}
            if status >= 400:
                response["content"] = {PROBLEM_MIMETYPE: {"schema": self.ERROR_SCHEMA}}
            if status == 401:
                response["headers"] = {"WWW-Authenticate": {
                    "description": "`Bearer realm=\"mrp\"`", "schema": {"type": "string"}}}
            self.spec.components.response(status.name, response, lazy=True)
        self.spec.components.response(self.DEFAULT_ERROR_RESPONSE_NAME, {
            "description": "Any other error (500, 503): never a traceback.",
            "content": {PROBLEM_MIMETYPE: {"schema": self.ERROR_SCHEMA}},
        }, lazy=True)


def register(app: Flask) -> None:
    """Error handlers for what flask-smorest does not see: domain errors and crashes."""

    @app.errorhandler(DomainError)
    def _domain(error: DomainError) -> Response:
        from service.extensions import db

        db.session.rollback()  # a refused change leaves nothing half-done in the session
        status = next(
            (code for cls, code in DOMAIN_STATUS.items() if isinstance(error, cls)), 400
        )
        return problem(
            status, error.message, slug=error.code, errors=error.errors or None, **error.extra
        )

    @app.errorhandler(IntegrityError)
    @app.errorhandler(StaleDataError)
    def _clash(error: Exception) -> Response:
        """A write the database refused (a unique key) or found gone (a row deleted
        meanwhile) in a race no service guards: the request clashes with what another did
        at the same moment. A 409, never a 500."""
        _rollback()
        log.warning("a concurrent change refused: %s", _first_line(error))
        return problem(409, "Ændringen strider mod en anden, der blev gemt samtidig. "
                            "Hent dataene igen og prøv igen.", slug="conflict")

    @app.errorhandler(OperationalError)
    def _busy(error: OperationalError) -> Response:
        """The database is locked by other writers for longer than we wait (SQLite's
        ``busy_timeout``), or broke a deadlock or a serialisation by failing this
        transaction: the request may simply be sent again, a 503 with ``Retry-After``."""
        if not _transient(error):
            return _crash(error)
        _rollback()
        log.warning("database busy: %s", _first_line(error))
        return problem(503, "Databasen er optaget af andre ændringer. Prøv igen om et "
                            "øjeblik.", slug="busy", headers={"Retry-After": "1"})

    @app.errorhandler(Exception)
    def _crash(error: Exception) -> Response:
        if isinstance(error, HTTPException):
            return _from_http(error)
        if isinstance(error, RecursionError):  # JSON nested deeper than the parser recurses
            log.warning("request body nested too deeply")
            return problem(400, "The request body is nested too deeply.",
                           errors={"json": ["Invalid JSON body."]})
        log.exception("unhandled error")
        from service.extensions import db

        try:
            db.session.rollback()  # nothing half-done stays for the next request
        except Exception:  # the database itself may be what failed
            log.exception("rollback after an unhandled error failed")
        return _from_http(InternalServerError())


#: PostgreSQL's serialization_failure, deadlock_detected and lock_not_available
TRANSIENT_SQLSTATES = frozenset({"40001", "40P01", "55P03"})


def _transient(error: OperationalError) -> bool:
    cause = error.orig
    if getattr(cause, "sqlstate", None) in TRANSIENT_SQLSTATES:
        return True
    return type(cause).__module__ == "sqlite3" and "locked" in str(cause)


def _first_line(error: Exception) -> str:
    cause = getattr(error, "orig", None) or error
    return str(cause).splitlines()[0] if str(cause) else type(cause).__name__


def _rollback() -> None:
    from service.extensions import db

    try:
        db.session.rollback()
    except Exception:  # the database itself may be what failed
        log.exception("rollback failed")

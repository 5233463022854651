"""Bearer tokens: who is calling. Every API route needs a token except the public ones."""

from __future__ import annotations

from flask import Flask, Response, g, request

from service.api.problems import problem
from service.domain.actors import Actor
from service.domain.errors import Forbidden
from service.domain.tokens import authenticate_reading_version, record_last_use

API_PREFIX = "/api/v1/"
PUBLIC_PATHS = frozenset({"/api/v1/health"})


def current_actor() -> Actor:
    return g.actor  # type: ignore[no-any-return]


def require_admin() -> Actor:
    actor = current_actor()
    if not actor.is_admin:
        raise Forbidden("Kun en administrator kan dette.")
    return actor


def _unauthorized(detail: str) -> Response:
    return problem(
        401, detail, headers={"WWW-Authenticate": 'Bearer realm="mrp"'}
    )


def init_app(app: Flask) -> None:
    @app.before_request
    def _authenticate() -> Response | None:
        path = request.path
        if not path.startswith(API_PREFIX) or path in PUBLIC_PATHS:
            return None
        header = request.headers.get("Authorization", "")
        scheme, _, secret = header.partition(" ")
        if scheme.lower() != "bearer" or not secret.strip():
            return _unauthorized("Missing bearer token (Authorization: Bearer <token>).")
        actor, version = authenticate_reading_version(secret.strip())
        if actor is None:
            return _unauthorized("Unknown or revoked token.")
        g.actor = actor
        g.data_version = version  # for the response cache: read in the same round trip
        return None

    @app.after_request
    def _record_last_use(response: Response) -> Response:
        if "actor" in g:  # written once the answer is out, outside the request's statements
            response.call_on_close(_flush_last_use(app))
        return response


def _flush_last_use(app: Flask):
    def flush() -> None:
        with app.app_context():
            record_last_use()

    return flush

"""Error pages in Danish HTML for the dashboard; the API keeps its problem+json.

Errors raised in the dashboard's views get a page from the blueprint's handlers. Errors no
view saw (an unknown address, a wrong method) go to the app's handlers, which the API set
up; those are wrapped so that only paths outside ``/api`` get a page.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from flask import Flask, current_app, g, render_template, request
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException
from werkzeug.wrappers import Response

from service.domain.errors import Conflict, DomainError, Forbidden, Invalid, NotFound
from service.extensions import db
from service.web import API_PREFIX, bp

log = logging.getLogger("mrp.web")

TITLES = {
    400: "Forespørgslen kunne ikke bruges",
    403: "Adgang nægtet",
    404: "Siden findes ikke",
    405: "Handlingen er ikke tilladt her",
    409: "Handlingen kunne ikke gennemføres",
    413: "For stor forespørgsel",
    414: "For lang adresse",
    422: "Ugyldige oplysninger",
    431: "For store oplysninger i forespørgslen",
    500: "Der opstod en fejl",
}
TEXTS = {
    400: "Forespørgslen kunne ikke bruges. Gå tilbage og prøv igen.",
    403: "Du har ikke adgang til denne side eller handling.",
    404: "Siden findes ikke, eller du har ikke adgang til den.",
    405: "Handlingen er ikke tilladt på denne adresse.",
    414: "Adressen er for lang. Brug færre eller kortere filtre, eller gå tilbage og prøv igen.",
    431: "Forespørgslen har for mange eller for store felter i hovedet (fx cookies). Slet "
         "cookies for siden, og prøv igen.",
    500: "Der opstod en uventet fejl. Fejlen er logget; prøv igen om lidt.",
}
DOMAIN_STATUS: tuple[tuple[type[DomainError], int], ...] = (
    (NotFound, 404), (Forbidden, 403), (Conflict, 409), (Invalid, 422),
)

SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
        "object-src 'none'; base-uri 'none'; form-action 'self'{form_action}; "
        "frame-ancestors 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
}


def error_page(status: int, message: str | None = None) -> Response:
    body = render_template(
        "web/error.html",
        status=status,
        title=TITLES.get(status, TITLES[500] if status >= 500 else TITLES[400]),
        message=message or TEXTS.get(status) or TEXTS[500 if status >= 500 else 400],
        actor=getattr(g, "web_actor", None),
    )
    response = Response(body, status=status, mimetype="text/html")
    response.headers.update(security_headers())
    return response


def security_headers() -> dict[str, str]:
    """The dashboard's headers. Forms may post to this site only, and to the sign-in
    providers: signing out redirects the form's POST to the provider's end-session page."""
    origins = current_app.config.get("OIDC_ORIGINS") or ()
    extra = "".join(f" {origin}" for origin in origins)
    return {key: value.replace("{form_action}", extra)
            for key, value in SECURITY_HEADERS.items()}


@bp.after_request
def _security_headers(response: Response) -> Response:
    for key, value in security_headers().items():
        response.headers.setdefault(key, value)
    if request.endpoint != "web.static":
        response.headers.setdefault("Cache-Control", "no-store")
    return response


@bp.errorhandler(DomainError)
def _domain(error: DomainError) -> Response:
    db.session.rollback()
    status = next((code for cls, code in DOMAIN_STATUS if isinstance(error, cls)), 400)
    # NotFound's own text names the kind of object; the page says the same for any kind
    return error_page(status, None if status == 404 else error.message)


@bp.errorhandler(CSRFError)
def _csrf(_error: CSRFError) -> Response:
    return error_page(
        400,
        "Formularen var udløbet eller manglede sin sikkerhedsnøgle. "
        "Gå tilbage, genindlæs siden og prøv igen.",
    )


@bp.errorhandler(HTTPException)
def _http(error: HTTPException) -> Response:
    return error_page(error.code or 500)


@bp.errorhandler(Exception)
def _crash(error: Exception) -> Response:
    if isinstance(error, HTTPException):  # pragma: no cover - Flask routes these above
        return _http(error)
    db.session.rollback()
    log.exception("unhandled error on %s", request.path)
    return error_page(500)


def _is_api() -> bool:
    return request.path == API_PREFIX or request.path.startswith(API_PREFIX + "/")


def _wrap(previous: Callable[[Any], Any] | None, fallback: Callable[[Any], Response]
          ) -> Callable[[Any], Any]:
    def handler(error: Any) -> Any:
        if _is_api() and previous is not None:
            return previous(error)
        return fallback(error)

    return handler


def init_app(app: Flask) -> None:
    """Pages for errors outside any view (unknown addresses); the API's handlers stay in
    charge of ``/api``."""
    handlers = app.error_handler_spec[None][None]
    for cls, page in ((HTTPException, _http), (Exception, _crash)):
        app.register_error_handler(cls, _wrap(handlers.get(cls), page))

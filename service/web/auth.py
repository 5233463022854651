"""Signing in to the dashboard with an API token.

Signing in opens a session on the server (``service.domain.sessions``); Flask's signed cookie
(HTTP-only, SameSite, Secure over HTTPS) holds only that session's random id, never the
token. Every request resumes the session, so signing out, the idle and total limits, and a
revoked token end it at once, in every process, and a cookie copied before it ended no
longer signs anyone in.
"""

from __future__ import annotations

import unicodedata
from urllib.parse import unquote, urlsplit

from flask import (
    Flask,
    current_app,
    flash,
    g,
    has_request_context,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask.sessions import SecureCookieSessionInterface
from werkzeug.wrappers import Response

from service.domain.actors import Actor
from service.domain.sessions import EndReason, end_session, open_session, resume_session
from service.domain.tokens import authenticate
from service.web import bp
from service.web.oidc import end_provider_session, token_login_enabled

#: the session cookie's key for the server-side session's id
SESSION_KEY = "sid"
#: pages that need no sign-in
PUBLIC_ENDPOINTS = frozenset({"web.login", "web.static", "web.oidc_login", "web.oidc_login_with",
                              "web.oidc_callback"})
#: Unicode categories never followed in a ``next=`` target: control characters (CR, LF, tab,
#: which browsers drop from a URL, so ``/\t/evil`` would become ``//evil``) and line breaks
_REFUSED_CATEGORIES = frozenset({"Cc", "Cf", "Zl", "Zp"})


class SessionCookie(SecureCookieSessionInterface):
    """Flask's signed cookie, marked ``Secure`` whenever the request came over HTTPS (behind
    ``MRP_TRUSTED_PROXIES`` proxies: as their ``X-Forwarded-Proto`` says), and always when
    ``SESSION_COOKIE_SECURE`` is set."""

    def get_cookie_secure(self, app: Flask) -> bool:
        if app.config.get("SESSION_COOKIE_SECURE"):
            return True
        return has_request_context() and request.is_secure


def current_actor() -> Actor:
    return g.web_actor  # type: ignore[no-any-return]


def _unsafe_character(text: str) -> bool:
    return any(unicodedata.category(char) in _REFUSED_CATEGORIES for char in text)


def safe_next(target: str | None) -> str | None:
    """Only a path on this site (never ``//host`` or a scheme) is followed after sign-in, and
    none with control characters, raw or percent-encoded (``%0d%0a``, ``%250d``): every
    decoding of it is checked."""
    if not target or len(target) > 2000:
        return None
    forms = [target]
    while len(forms) < 4 and (decoded := unquote(forms[-1])) != forms[-1]:
        forms.append(decoded)
    if unquote(forms[-1]) != forms[-1]:  # encoded more often than anybody means to
        return None
    for text in forms:
        if _unsafe_character(text):
            return None
        if not text.startswith("/") or text.startswith("//") or "\\" in text:
            return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return None
    return target


def _new_session() -> None:
    """Forget everything, the CSRF token too (also the one this request has cached)."""
    session.clear()
    g.pop(current_app.config.get("WTF_CSRF_FIELD_NAME", "csrf_token"), None)


def _ended_message(reason: EndReason | None) -> str:
    if reason == EndReason.USER_DEACTIVATED:
        return "Din adgang til mrp er lukket, så du er logget ud."
    if reason == EndReason.TOKEN_REVOKED:
        return "Dit token er ikke længere gyldigt, så du er logget ud. Log ind igen."
    if reason == EndReason.IDLE:
        minutes = current_app.config.get("WEB_SESSION_IDLE_MINUTES", 60)
        return (f"Du har ikke brugt dashboardet i {minutes} minutter, så du er logget ud. "
                "Log ind igen.")
    if reason == EndReason.EXPIRED:
        hours = current_app.config.get("WEB_SESSION_HOURS", 10)
        return f"Du kan højst være logget ind i {hours} timer ad gangen. Log ind igen."
    return "Du er logget ud. Log ind igen."


@bp.before_request
def load_actor() -> Response | None:
    g.web_actor = None
    if request.endpoint == "web.static":  # the stylesheet needs no database round trip
        return None
    session_id = session.get(SESSION_KEY)
    if session_id is not None:
        resumed = resume_session(session_id) if isinstance(session_id, str) else None
        if resumed is None or resumed.actor is None:
            _new_session()
            flash(_ended_message(resumed.ended if resumed else None), "error")
        else:
            g.web_actor = resumed.actor
    if g.web_actor is None and request.endpoint not in PUBLIC_ENDPOINTS:
        target = request.full_path if request.method == "GET" else None
        target = target.rstrip("?") if target else None
        target = safe_next(target) if target != "/" else None
        return redirect(url_for("web.login", next=target))
    return None


def start_session(*, user_id: int | None = None, token_id: int | None = None) -> None:
    """Open a server-side session for a person or a token and put its id in the cookie. A
    new sign-in starts a new session (and a new CSRF token), and ends the one before."""
    previous = session.get(SESSION_KEY)
    _new_session()
    session[SESSION_KEY] = open_session(
        user_id=user_id, token_id=token_id,
        replaces=previous if isinstance(previous, str) else None)


def _login_page(next_url: str | None, error: str | None = None, status: int = 200
                ) -> tuple[str, int]:
    return render_template(
        "web/login.html", next=next_url, error=error,
        providers=current_app.config["OIDC_PROVIDER_LIST"],
        token_login=token_login_enabled(current_app.config),
    ), status


@bp.route("/login", methods=["GET", "POST"])
def login() -> Response | str | tuple[str, int]:
    next_url = safe_next(request.values.get("next"))
    if request.method == "GET":
        if g.web_actor is not None:
            return redirect(next_url or url_for("web.overview"))
        return _login_page(next_url)
    if not token_login_enabled(current_app.config):
        return _login_page(next_url, "Log ind med din organisations konto.", 403)
    secret = request.form.get("token", "").strip()
    actor = authenticate(secret) if secret else None
    if actor is None or actor.token_id is None:
        message = ("Tokenet er ukendt eller tilbagekaldt." if secret
                   else "Indsæt dit API-token.")
        return _login_page(next_url, message, 401)
    start_session(token_id=actor.token_id)
    return redirect(next_url or url_for("web.overview"), code=303)


@bp.post("/logout")
def logout() -> Response:
    """End the session here, then at the identity provider where it offers that."""
    session_id = session.get(SESSION_KEY)
    if isinstance(session_id, str):
        end_session(session_id, EndReason.SIGNED_OUT)
    at_provider = end_provider_session()
    _new_session()
    if at_provider is not None:
        return at_provider
    flash("Du er logget ud.", "info")
    return redirect(url_for("web.login"), code=303)


@bp.app_context_processor
def _signed_in() -> dict[str, object]:
    """The signed-in actor and a line saying whose data it sees, for every page."""
    from service.web.queries import scope_label

    actor = getattr(g, "web_actor", None)
    return {"actor": actor, "scope": scope_label(actor) if actor is not None else ""}

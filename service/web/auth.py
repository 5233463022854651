"""Signing in to the dashboard with an API token.

The token is kept in Flask's signed session cookie (HTTP-only, SameSite, Secure as
configured) and authenticated again on every request: a revoked token signs its holder out
at the next click.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import current_app, flash, g, redirect, render_template, request, session, url_for
from werkzeug.wrappers import Response

from service.domain.actors import Actor
from service.domain.tokens import authenticate
from service.web import bp

SESSION_KEY = "token"
#: pages that need no sign-in
PUBLIC_ENDPOINTS = frozenset({"web.login", "web.static"})


def current_actor() -> Actor:
    return g.web_actor  # type: ignore[no-any-return]


def _safe_next(target: str | None) -> str | None:
    """Only a path on this site (never ``//host`` or a scheme) is followed after sign-in."""
    if not target or not target.startswith("/") or target.startswith("//"):
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or "\\" in target:
        return None
    return target


def _new_session() -> None:
    """Forget everything, the CSRF token too (also the one this request has cached)."""
    session.clear()
    g.pop(current_app.config.get("WTF_CSRF_FIELD_NAME", "csrf_token"), None)


@bp.before_request
def load_actor() -> Response | None:
    g.web_actor = None
    if request.endpoint == "web.static":  # the stylesheet needs no database round trip
        return None
    secret = session.get(SESSION_KEY)
    if isinstance(secret, str) and secret:
        actor = authenticate(secret)
        if actor is None:
            _new_session()
            flash("Dit token er ikke længere gyldigt, så du er logget ud. Log ind igen.",
                  "error")
        else:
            g.web_actor = actor
    if g.web_actor is None and request.endpoint not in PUBLIC_ENDPOINTS:
        target = request.full_path if request.method == "GET" else None
        target = target.rstrip("?") if target else None
        return redirect(url_for("web.login", next=target if target != "/" else None))
    return None


@bp.route("/login", methods=["GET", "POST"])
def login() -> Response | str | tuple[str, int]:
    next_url = _safe_next(request.values.get("next"))
    if request.method == "GET":
        if g.web_actor is not None:
            return redirect(next_url or url_for("web.overview"))
        return render_template("web/login.html", next=next_url)
    secret = request.form.get("token", "").strip()
    actor = authenticate(secret) if secret else None
    if actor is None:
        message = ("Tokenet er ukendt eller tilbagekaldt." if secret
                   else "Indsæt dit API-token.")
        return render_template("web/login.html", next=next_url, error=message), 401
    _new_session()  # a new sign-in starts a new session (and a new CSRF token)
    session[SESSION_KEY] = secret
    return redirect(next_url or url_for("web.overview"), code=303)


@bp.post("/logout")
def logout() -> Response:
    _new_session()
    flash("Du er logget ud.", "info")
    return redirect(url_for("web.login"), code=303)


@bp.app_context_processor
def _signed_in() -> dict[str, object]:
    """The signed-in actor and a line saying whose data it sees, for every page."""
    from service.web.queries import scope_label

    actor = getattr(g, "web_actor", None)
    return {"actor": actor, "scope": scope_label(actor) if actor is not None else ""}

"""Signing in through the organisation's identity provider (OpenID Connect).

``/auth/login`` starts the sign-in (``/auth/login/<name>`` for one of several providers), the
provider sends the browser back to ``/auth/callback``, and a session is opened for the person
(``service.domain.sessions``). A person the service does not know gets a Danish page saying
whom to ask, and nothing is created unless a group of theirs is mapped to a role.
"""

from __future__ import annotations

import logging

from authlib.integrations.base_client import OAuthError
from flask import current_app, g, redirect, render_template, request, session, url_for
from joserfc.errors import JoseError
from requests import RequestException
from werkzeug.wrappers import Response

from service.domain.users import Identity, NoAccess, sign_in
from service.web import bp, oidc
from service.web.auth import safe_next, start_session

log = logging.getLogger("mrp.web")

#: the cookie's keys for a sign-in under way (Authlib keeps state, nonce and PKCE verifier
#: beside them)
PENDING_PROVIDER = "oidc_pending"
PENDING_NEXT = "oidc_next"

NO_ACCESS = {
    "unknown": "Du er logget ind hos {label}, men {email} har ikke adgang til mrp.",
    "inactive": "Din adgang til mrp ({email}) er lukket.",
    "unverified": "{label} har ikke bekræftet din e-mailadresse, så mrp kan ikke se, hvem du er.",
}


@bp.get("/auth/login")
def oidc_login() -> Response | str:
    providers = current_app.config["OIDC_PROVIDER_LIST"]
    next_url = safe_next(request.args.get("next"))
    if len(providers) == 1:
        return redirect(url_for("web.oidc_login_with", name=providers[0].name, next=next_url))
    return redirect(url_for("web.login", next=next_url))


@bp.get("/auth/login/<name>")
def oidc_login_with(name: str) -> Response | tuple[str, int]:
    provider = oidc.provider(name)
    if provider is None:
        return _failed("Den valgte login-udbyder findes ikke.", 404)
    session[PENDING_PROVIDER] = provider.name
    session[PENDING_NEXT] = safe_next(request.args.get("next"))
    try:
        return oidc.client(provider.name).authorize_redirect(
            url_for("web.oidc_callback", _external=True))
    except (RequestException, OAuthError, ValueError) as exc:
        log.warning("sign-in provider %s unreachable: %s", provider.name, exc)
        return _failed(f"{provider.label} svarer ikke lige nu. Prøv igen om lidt.", 503)


@bp.get("/auth/callback")
def oidc_callback() -> Response | tuple[str, int]:
    name = session.pop(PENDING_PROVIDER, None)
    next_url = session.pop(PENDING_NEXT, None)
    provider = oidc.provider(name) if isinstance(name, str) else None
    if provider is None:
        return _failed("Login-forløbet er udløbet eller blev ikke startet her. Start forfra.")
    if request.args.get("error"):
        log.info("sign-in at %s refused: %s", provider.name, request.args.get("error"))
        return _failed(f"{provider.label} afbrød login. Start forfra.")
    try:
        token = oidc.client(provider.name).authorize_access_token(
            leeway=int(current_app.config.get("OIDC_CLOCK_SKEW_SECONDS", 60)))
        claims = token.get("userinfo") or {}
        if not claims:
            raise OAuthError(description="no ID token")
    except (OAuthError, JoseError, ValueError, KeyError) as exc:
        log.warning("sign-in at %s refused: %s", provider.name, exc)
        return _failed("Login kunne ikke bekræftes. Start forfra.")
    except RequestException as exc:
        log.warning("sign-in provider %s unreachable: %s", provider.name, exc)
        return _failed(f"{provider.label} svarer ikke lige nu. Prøv igen om lidt.", 503)
    if str(claims.get("iss") or "").rstrip("/") != provider.issuer.rstrip("/"):
        log.warning("sign-in at %s refused: ID token from issuer %r", provider.name,
                    claims.get("iss"))
        return _failed("Login kunne ikke bekræftes. Start forfra.")
    identity = Identity(
        issuer=str(claims.get("iss") or ""),
        subject=str(claims.get("sub") or ""),
        email=str(claims["email"]) if claims.get("email") else None,
        email_verified=claims.get("email_verified") is True,
        name=str(claims["name"]) if claims.get("name") else None,
        groups=[str(x) for x in claims.get("groups") or [] if isinstance(x, str | int)],
    )
    try:
        user = sign_in(identity, current_app.config["OIDC_GROUP_ROLE_MAP"])
    except NoAccess as refused:
        log.info("sign-in of %s (%s) refused: %s", identity.email, identity.subject,
                 refused.reason)
        text = NO_ACCESS[refused.reason].format(label=provider.label,
                                                email=identity.email or "din konto")
        return render_template("web/no_access.html", text=text,
                               contact=current_app.config.get("WEB_ACCESS_CONTACT")), 403
    start_session(user_id=user.id)
    session[oidc.PROVIDER_KEY] = provider.name
    return redirect(next_url or url_for("web.overview"), code=303)


def _failed(text: str, status: int = 400) -> tuple[str, int]:
    g.setdefault("web_actor", None)
    return render_template("web/signin_failed.html", text=text), status

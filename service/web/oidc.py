"""Signing people in with OpenID Connect (DESIGN section 10), through Authlib.

The authorization code flow with PKCE (S256), ``state`` and ``nonce``; the provider's
endpoints and keys come from its discovery document. Authlib checks the ID token's signature,
issuer, audience, expiry and nonce; a person is then the active user whose verified e-mail
(or remembered subject) the token names (``service.domain.users.sign_in``).

One provider is set with ``MRP_OIDC_ISSUER``/``_CLIENT_ID``/``_CLIENT_SECRET``/``_SCOPES``;
several with ``MRP_OIDC_PROVIDERS``, a JSON list of the same keys (lower-case, without the
prefix) plus a ``name`` and a Danish ``label`` for the sign-in button.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode, urlsplit

from authlib.integrations.base_client import OAuthError
from flask import Flask, current_app, redirect, session, url_for
from requests import RequestException
from werkzeug.wrappers import Response

NAME_RE = re.compile(r"^[a-z0-9][a-z0-9_-]{0,39}$")
DEFAULT_SCOPES = "openid email profile"
#: the session cookie's key for the provider the person signed in with
PROVIDER_KEY = "oidc_provider"


class ConfigError(ValueError):
    """A sign-in setting that cannot be used; the app refuses to start with it."""


@dataclass(frozen=True)
class Provider:
    name: str
    label: str
    issuer: str
    client_id: str
    client_secret: str
    scopes: str = DEFAULT_SCOPES

    @property
    def origin(self) -> str:
        """Scheme and host of the issuer (where its end-session page is, as a rule)."""
        parts = urlsplit(self.issuer)
        return f"{parts.scheme}://{parts.netloc}"

    @property
    def metadata_url(self) -> str:
        return self.issuer.rstrip("/") + "/.well-known/openid-configuration"


def _provider(entry: Mapping[str, Any], where: str) -> Provider:
    missing = [k for k in ("issuer", "client_id") if not str(entry.get(k) or "").strip()]
    if missing:
        raise ConfigError(f"{where}: {', '.join(missing)} missing")
    name = str(entry.get("name") or "default")
    if not NAME_RE.match(name):
        raise ConfigError(f"{where}: name {name!r} must be lower-case letters, digits, - or _")
    scopes = str(entry.get("scopes") or DEFAULT_SCOPES)
    if "openid" not in scopes.split():
        raise ConfigError(f"{where}: scopes must include openid")
    return Provider(
        name=name,
        label=str(entry.get("label") or "Log ind med din organisations konto"),
        issuer=str(entry["issuer"]).strip(),
        client_id=str(entry["client_id"]).strip(),
        client_secret=str(entry.get("client_secret") or ""),
        scopes=scopes,
    )


def configured_providers(config: Mapping[str, Any]) -> list[Provider]:
    """The providers the settings name, checked; [] when sign-in is by token only."""
    providers: list[Provider] = []
    if config.get("OIDC_ISSUER"):
        providers.append(_provider({
            "name": "default", "label": config.get("OIDC_LABEL") or None,
            "issuer": config.get("OIDC_ISSUER"), "client_id": config.get("OIDC_CLIENT_ID"),
            "client_secret": config.get("OIDC_CLIENT_SECRET"),
            "scopes": config.get("OIDC_SCOPES"),
        }, "MRP_OIDC_ISSUER"))
    raw = config.get("OIDC_PROVIDERS") or ""
    if raw:
        try:
            entries = json.loads(raw) if isinstance(raw, str) else raw
        except ValueError as exc:
            raise ConfigError(f"MRP_OIDC_PROVIDERS is not JSON: {exc}") from None
        if not isinstance(entries, list) or not all(isinstance(e, dict) for e in entries):
            raise ConfigError("MRP_OIDC_PROVIDERS must be a JSON list of objects")
        providers += [_provider(e, f"MRP_OIDC_PROVIDERS[{i}]") for i, e in enumerate(entries)]
    names = [p.name for p in providers]
    if len(set(names)) != len(names):
        raise ConfigError("two sign-in providers have the same name")
    return providers


def group_roles(config: Mapping[str, Any]) -> dict[str, dict[str, str]]:
    """``MRP_OIDC_GROUP_ROLES``: group id → {"role", "ministry" | "institution"}."""
    raw = config.get("OIDC_GROUP_ROLES") or ""
    if not raw:
        return {}
    try:
        mapping = json.loads(raw) if isinstance(raw, str) else raw
    except ValueError as exc:
        raise ConfigError(f"MRP_OIDC_GROUP_ROLES is not JSON: {exc}") from None
    if not isinstance(mapping, dict) or not all(
        isinstance(v, dict) and v.get("role") in ("admin", "department", "institution")
        for v in mapping.values()
    ):
        raise ConfigError('MRP_OIDC_GROUP_ROLES must map group ids to {"role": …}')
    return {str(k): {str(a): str(b) for a, b in v.items()} for k, v in mapping.items()}


def token_login_enabled(config: Mapping[str, Any]) -> bool:
    """Token sign-in: as set, else on exactly when no provider is configured."""
    value = str(config.get("WEB_TOKEN_LOGIN") or "").strip().lower()
    if value in ("1", "true", "yes", "on"):
        return True
    if value in ("0", "false", "no", "off"):
        return False
    return not config.get("OIDC_PROVIDER_LIST")


def init_app(app: Flask) -> None:
    """Check the settings and register each provider with Authlib (nothing is fetched until
    somebody signs in)."""
    from authlib.integrations.flask_client import OAuth

    providers = configured_providers(app.config)
    app.config["OIDC_PROVIDER_LIST"] = providers
    app.config["OIDC_GROUP_ROLE_MAP"] = group_roles(app.config)
    app.config["OIDC_ORIGINS"] = tuple(dict.fromkeys(p.origin for p in providers))
    oauth = OAuth(app)
    for provider in providers:
        oauth.register(
            provider.name,
            client_id=provider.client_id,
            client_secret=provider.client_secret or None,
            server_metadata_url=provider.metadata_url,
            client_kwargs={"scope": provider.scopes, "code_challenge_method": "S256",
                           "timeout": 15},
        )
    app.extensions["mrp.oidc"] = oauth


def client(name: str) -> Any:
    """Authlib's client of one provider."""
    return current_app.extensions["mrp.oidc"].create_client(name)


def provider(name: str) -> Provider | None:
    return next((p for p in current_app.config["OIDC_PROVIDER_LIST"] if p.name == name), None)


def end_provider_session() -> Response | None:
    """Where the provider offers an end-session endpoint, send the browser there after our
    own session has ended (RP-initiated logout)."""
    name = session.get(PROVIDER_KEY)
    found = provider(name) if isinstance(name, str) else None
    if found is None:
        return None
    try:
        metadata = client(found.name).load_server_metadata()
    except (RequestException, OAuthError, ValueError):
        return None
    endpoint = metadata.get("end_session_endpoint")
    if not endpoint:
        return None
    query = urlencode({"client_id": found.client_id,
                       "post_logout_redirect_uri": url_for("web.login", _external=True)})
    return redirect(f"{endpoint}{'&' if '?' in endpoint else '?'}{query}", code=303)

"""OAuth2 client-credentials tokens for the intake mailbox and for sending mail (Microsoft
365 IMAP and SMTP).

Microsoft 365 accepts IMAP and SMTP logins from a daemon only with an access token obtained
by the client-credentials grant: ``POST`` to the tenant's token endpoint with ``client_id``,
``client_secret``, ``scope=https://outlook.office365.com/.default`` and
``grant_type=client_credentials``. The token is then sent with SASL ``XOAUTH2``
(:func:`xoauth2_response`).

Standard library only. A :class:`TokenSource` caches the token until shortly before it
expires, so a poller that runs every minute asks for a new token about once an hour; IMAP
and SMTP share it when their settings (and so their scopes) are the same.
"""

from __future__ import annotations

import json
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass

DEFAULT_SCOPE = "https://outlook.office365.com/.default"

#: a token is renewed this many seconds before the endpoint says it expires
EXPIRY_MARGIN = 60.0


class OAuth2Error(Exception):
    """The token endpoint could not be reached or refused to issue a token."""


@dataclass(frozen=True)
class OAuth2Settings:
    """Where and how to ask for a client-credentials token."""

    token_url: str
    client_id: str
    client_secret: str = ""
    scope: str = DEFAULT_SCOPE
    timeout: float = 30.0

    def __repr__(self) -> str:  # never print the secret
        return (
            f"OAuth2Settings(token_url={self.token_url!r}, client_id={self.client_id!r}, "
            f"scope={self.scope!r}, timeout={self.timeout!r})"
        )


@dataclass(frozen=True)
class Token:
    """An access token and the monotonic time at which it should no longer be used."""

    access_token: str
    expires_at: float
    token_type: str = "Bearer"

    def fresh(self, now: float | None = None) -> bool:
        return (time.monotonic() if now is None else now) < self.expires_at


def request_token(settings: OAuth2Settings) -> Token:
    """Ask the token endpoint for a new client-credentials token.

    Raises :class:`OAuth2Error` with the endpoint's ``error`` and ``error_description``
    when it refuses, and with the cause when it cannot be reached or answers nonsense.
    """
    if not settings.token_url:
        raise OAuth2Error("OAuth2 token URL is not configured")
    if not settings.client_id:
        raise OAuth2Error("OAuth2 client id is not configured")
    scheme = urllib.parse.urlsplit(settings.token_url).scheme
    if scheme not in {"https", "http"}:
        raise OAuth2Error(f"OAuth2 token URL must be http(s), not {scheme!r}")
    body = urllib.parse.urlencode(
        {
            "client_id": settings.client_id,
            "client_secret": settings.client_secret,
            "scope": settings.scope,
            "grant_type": "client_credentials",
        }
    ).encode("ascii")
    request = urllib.request.Request(
        settings.token_url,
        data=body,
        method="POST",
        headers={
            "Content-Type": "application/x-www-form-urlencoded",
            "Accept": "application/json",
        },
    )
    started = time.monotonic()
    try:
        with urllib.request.urlopen(request, timeout=settings.timeout) as response:
            payload = response.read()
    except urllib.error.HTTPError as exc:
        with exc:
            detail = _error_detail(exc.read())
        raise OAuth2Error(
            f"OAuth2 token endpoint refused the request (HTTP {exc.code}){detail}"
        ) from exc
    except (urllib.error.URLError, OSError) as exc:
        reason = getattr(exc, "reason", exc)
        raise OAuth2Error(f"OAuth2 token endpoint not reachable: {reason}") from exc
    try:
        data = json.loads(payload)
        access_token = data["access_token"]
        expires_in = float(data.get("expires_in", 3600))
        token_type = str(data.get("token_type", "Bearer"))
    except (ValueError, KeyError, TypeError) as exc:
        raise OAuth2Error("OAuth2 token endpoint answered without an access_token") from exc
    if not isinstance(access_token, str) or not access_token:
        raise OAuth2Error("OAuth2 token endpoint answered with an empty access_token")
    if token_type.lower() != "bearer":
        raise OAuth2Error(f"OAuth2 token type {token_type!r} is not a bearer token")
    margin = min(EXPIRY_MARGIN, expires_in / 2)
    return Token(access_token, started + expires_in - margin, token_type)


def xoauth2_response(user: str, token: str) -> str:
    """The SASL ``XOAUTH2`` initial client response, before base64:
    ``user=<user>\\x01auth=Bearer <token>\\x01\\x01``."""
    return f"user={user}\x01auth=Bearer {token}\x01\x01"


def _error_detail(payload: bytes) -> str:
    try:
        data = json.loads(payload)
    except ValueError:
        return ""
    if not isinstance(data, dict):
        return ""
    parts = [str(data[key]) for key in ("error", "error_description") if data.get(key)]
    return (": " + " — ".join(parts)) if parts else ""


class TokenSource:
    """Hands out a cached token, fetching a new one when it is about to expire.

    Thread-safe. ``fetch`` is the function that asks the endpoint (replaceable in tests).
    """

    def __init__(
        self,
        settings: OAuth2Settings,
        fetch: Callable[[OAuth2Settings], Token] = request_token,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.settings = settings
        self._fetch = fetch
        self._clock = clock
        self._token: Token | None = None
        self._lock = threading.Lock()

    def token(self) -> str:
        """A valid access token (cached or new). Raises :class:`OAuth2Error`."""
        with self._lock:
            if self._token is None or not self._token.fresh(self._clock()):
                self._token = self._fetch(self.settings)
            return self._token.access_token

    def invalidate(self) -> None:
        """Forget the cached token (after the server rejected it)."""
        with self._lock:
            self._token = None


_sources: dict[OAuth2Settings, TokenSource] = {}
_sources_lock = threading.Lock()


def get_token(settings: OAuth2Settings) -> str:
    """A valid access token for these settings, cached per settings in this process."""
    with _sources_lock:
        source = _sources.get(settings)
        if source is None:
            source = _sources[settings] = TokenSource(settings)
    return source.token()


def invalidate_token(settings: OAuth2Settings) -> None:
    """Forget the cached token for these settings."""
    with _sources_lock:
        source = _sources.get(settings)
    if source is not None:
        source.invalidate()


def clear_cache() -> None:
    """Forget every cached token (tests; a changed mailbox grant)."""
    with _sources_lock:
        _sources.clear()

"""Signing one test client in as one person after another (a second client would share the
test's application context, and with it the first one's CSRF token)."""

from __future__ import annotations

from collections.abc import Callable

from flask.testing import FlaskClient

from tests.web.conftest import page_csrf, secret_of, sign_in


def sign_in_as(client: FlaskClient, token: Callable[..., dict[str, str]], role: str,
               **scope: str) -> FlaskClient:
    """Sign out of any earlier session, then in with a new token for ``role``."""
    if "Log ud" in client.get("/login", follow_redirects=True).get_data(as_text=True):
        client.post("/logout", data={"csrf_token": page_csrf(client, "/")})
    sign_in(client, secret_of(token(role, **scope)))
    return client

"""OAuth2 client-credentials tokens, and XOAUTH2 logins with them on real IMAP servers."""

from __future__ import annotations

import socket
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer
from typing import Any

import pytest

from service.intake.imap import Mailbox
from service.intake.imap_connection import MailboxError
from service.mail import oauth2
from service.mail.oauth2 import OAuth2Error, OAuth2Settings, Token, TokenSource, request_token
from tests.support.mailservers import HOST, ImapAccount, OAuth2Endpoint


@pytest.fixture(autouse=True)
def fresh_token_cache() -> None:
    """Tokens are issued per mailbox user; each test starts without cached ones."""
    oauth2.clear_cache()


def test_request_token_posts_client_credentials(oauth2_endpoint: OAuth2Endpoint) -> None:
    before = len(oauth2_endpoint.requests)
    token = request_token(oauth2_endpoint.settings())
    assert token.access_token in oauth2_endpoint.tokens
    assert token.fresh()
    form = oauth2_endpoint.requests[before]
    assert form == {
        "client_id": "mrp-intake",
        "client_secret": "klient-hemmelighed",
        "scope": "https://outlook.office365.com/.default",
        "grant_type": "client_credentials",
    }


def test_refusal_carries_the_endpoints_reason(oauth2_endpoint: OAuth2Endpoint) -> None:
    with pytest.raises(OAuth2Error, match=r"HTTP 401.*invalid_client.*AADSTS7000215"):
        request_token(oauth2_endpoint.settings(client_secret="forkert"))


def test_unreachable_endpoint() -> None:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        port = sock.getsockname()[1]
    settings = OAuth2Settings(f"http://{HOST}:{port}/token", "id", "secret", timeout=2)
    with pytest.raises(OAuth2Error, match="not reachable"):
        request_token(settings)


def test_missing_settings_are_clear_errors() -> None:
    with pytest.raises(OAuth2Error, match="token URL is not configured"):
        request_token(OAuth2Settings("", "id"))
    with pytest.raises(OAuth2Error, match="must be http"):
        request_token(OAuth2Settings("file:///etc/passwd", "id"))


def test_secret_is_not_in_repr() -> None:
    assert "s3cret" not in repr(OAuth2Settings("https://x/token", "id", "s3cret"))


class _Nonsense(BaseHTTPRequestHandler):
    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        body = b"<html>login page</html>"
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:
        pass


def test_an_answer_without_token_is_an_error() -> None:
    httpd = HTTPServer((HOST, 0), _Nonsense)
    thread = threading.Thread(target=httpd.handle_request)
    thread.start()
    try:
        url = f"http://{HOST}:{httpd.server_address[1]}/token"
        with pytest.raises(OAuth2Error, match="without an access_token"):
            request_token(OAuth2Settings(url, "id", "secret", timeout=5))
    finally:
        thread.join(5)
        httpd.server_close()


def test_token_is_cached_until_shortly_before_expiry() -> None:
    now = [1000.0]
    issued: list[str] = []

    def fetch(settings: OAuth2Settings) -> Token:
        issued.append(f"t{len(issued)}")
        return Token(issued[-1], now[0] + 3600 - 60)

    source = TokenSource(OAuth2Settings("https://x/token", "id"), fetch, clock=lambda: now[0])
    assert source.token() == "t0"
    now[0] += 3000
    assert source.token() == "t0"
    now[0] += 600  # within the last minute before expiry
    assert source.token() == "t1"
    source.invalidate()
    assert source.token() == "t2"


def test_get_token_caches_per_settings(oauth2_endpoint: OAuth2Endpoint) -> None:
    settings = oauth2_endpoint.settings()
    before = len(oauth2_endpoint.requests)
    first = oauth2.get_token(settings)
    assert oauth2.get_token(settings) == first
    assert len(oauth2_endpoint.requests) == before + 1
    oauth2.invalidate_token(settings)
    assert oauth2.get_token(settings) != first


def test_short_lived_token_is_renewed(oauth2_endpoint: OAuth2Endpoint) -> None:
    token = request_token(oauth2_endpoint.settings())
    assert token.expires_at > 0
    oauth2_endpoint.expires_in = 0
    try:
        assert not request_token(oauth2_endpoint.settings()).fresh()
    finally:
        oauth2_endpoint.expires_in = 3600


# -- XOAUTH2 against the IMAP servers ---------------------------------------------------------


@pytest.mark.parametrize("security", ["ssl", "starttls"])
def test_xoauth2_login(
    imap_any: ImapAccount, oauth2_endpoint: OAuth2Endpoint, security: str
) -> None:
    oauth2_endpoint.mailbox_user = imap_any.username
    settings = imap_any.settings(
        security,
        password="",
        auth="xoauth2",
        oauth2=oauth2_endpoint.settings(),
    )
    with Mailbox(settings) as mailbox:
        # the server offered XOAUTH2 before login (imaplib keeps that list)
        assert "AUTH=XOAUTH2" in mailbox.client._imap.capabilities
        mailbox.append("INBOX", b"Subject: token\r\n\r\nhej\r\n")
        mailbox.select()
        assert len(mailbox.uids()) == 1


def test_xoauth2_token_for_another_user_is_refused(
    imap_any: ImapAccount, oauth2_endpoint: OAuth2Endpoint
) -> None:
    oauth2_endpoint.mailbox_user = "en-anden-postkasse"
    settings = imap_any.settings(
        auth="xoauth2", password="", oauth2=oauth2_endpoint.settings()
    )
    with pytest.raises(MailboxError, match="XOAUTH2 login"):
        Mailbox(settings).connect()


def test_xoauth2_with_a_token_endpoint_that_refuses(
    imap_server: ImapAccount, oauth2_endpoint: OAuth2Endpoint
) -> None:
    settings = imap_server.settings(
        auth="xoauth2", oauth2=oauth2_endpoint.settings(client_secret="forkert")
    )
    with pytest.raises(MailboxError, match=r"cannot get an OAuth2 token.*invalid_client"):
        Mailbox(settings).connect()


def test_xoauth2_without_oauth2_settings_is_a_configuration_error(
    imap_server: ImapAccount,
) -> None:
    with pytest.raises(ValueError, match="xoauth2 needs OAuth2 settings"):
        imap_server.settings(auth="xoauth2")

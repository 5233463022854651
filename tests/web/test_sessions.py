"""The dashboard's sessions are kept on the server: the cookie holds only a signed random id,
and signing out, idle time, the longest life and a revoked token end the session for good."""

from __future__ import annotations

import hashlib
import http.client
import re
from datetime import timedelta
from http.cookies import SimpleCookie
from urllib.parse import urlencode, urlsplit

import pytest
from sqlalchemy import func, select, update

from service.clock import utcnow
from service.domain.models import WebSession
from service.domain.sessions import EndReason
from service.domain.tokens import revoke_token
from service.extensions import db
from tests.web.conftest import csrf_token, page_csrf, secret_of, sign_in
from tests.web.live import LiveServer


def _cookie_value(response) -> str:
    cookie = SimpleCookie()
    cookie.load(response.headers["Set-Cookie"])
    return cookie["session"].value


def _rows() -> list[WebSession]:
    db.session.expire_all()
    return list(db.session.scalars(select(WebSession).order_by(WebSession.created_at)))


def _only_row() -> WebSession:
    rows = _rows()
    assert len(rows) == 1, rows
    return rows[0]


def _set(**values) -> None:
    db.session.execute(update(WebSession).values(**values))
    db.session.commit()


def test_the_cookie_holds_only_a_signed_session_id(app, client, admin):
    secret = secret_of(admin)
    token = csrf_token(client.get("/login").get_data(as_text=True))
    response = client.post("/login", data={"csrf_token": token, "token": secret})
    assert response.status_code == 303
    value = _cookie_value(response)
    assert secret not in value and secret[4:] not in value
    stored = app.session_interface.get_signing_serializer(app).loads(value)
    assert "sid" in stored and set(stored) <= {"sid", "csrf_token"}
    # the row is found by the id's hash; the id itself is not stored
    row = _only_row()
    assert row.id == hashlib.sha256(stored["sid"].encode()).hexdigest()
    assert stored["sid"] not in {row.id, row.end_reason}
    assert row.token.name == "test-admin" and row.ended_at is None
    assert row.created_at == row.last_seen_at
    # nor does the session id work as a bearer token
    response = client.get("/api/v1/plans", headers={"Authorization": f"Bearer {stored['sid']}"})
    assert response.status_code == 401
    # and a cookie not signed with the key is not read
    forged = app.session_interface.get_signing_serializer(app).dumps(stored)[:-2] + "xx"
    client.set_cookie("session", forged)
    assert client.get("/").status_code == 302


class Browser:
    """A plain HTTP client with one cookie jar, against a live server."""

    def __init__(self, url: str) -> None:
        parts = urlsplit(url)
        self.host, self.port = parts.hostname, parts.port
        self.cookie: str | None = None

    def request(self, method: str, path: str, form: dict[str, str] | None = None
                ) -> tuple[int, http.client.HTTPMessage, str]:
        headers = {"Cookie": f"session={self.cookie}"} if self.cookie else {}
        body = None
        if form is not None:
            body = urlencode(form)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        connection = http.client.HTTPConnection(self.host, self.port, timeout=10)
        try:
            connection.request(method, path, body=body, headers=headers)
            response = connection.getresponse()
            text = response.read().decode()
        finally:
            connection.close()
        for header in response.headers.get_all("Set-Cookie") or []:
            jar = SimpleCookie()
            jar.load(header)
            if "session" in jar:
                self.cookie = jar["session"].value or None
        return response.status, response.headers, text

    def sign_in(self, secret: str) -> None:
        _status, _headers, page = self.request("GET", "/login")
        status, headers, _page = self.request(
            "POST", "/login", {"csrf_token": csrf_token(page), "token": secret})
        assert status == 303, _page
        assert headers["Location"] == "/"


def test_a_cookie_copied_before_sign_out_is_refused_after_it(app, admin):
    with LiveServer(app) as server:
        browser = Browser(server.url)
        browser.sign_in(secret_of(admin))
        status, _headers, page = browser.request("GET", "/")
        assert status == 200 and "Administrator" in page
        captured = browser.cookie

        form = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
        status, headers, _page = browser.request("POST", "/logout", {"csrf_token": form})
        assert status == 303 and headers["Location"] == "/login"

        replay = Browser(server.url)
        replay.cookie = captured
        status, headers, _page = replay.request("GET", "/")
        assert status == 302 and headers["Location"] == "/login"
        # nor does a form posted with it do anything
        replay.cookie = captured
        status, headers, _page = replay.request("POST", "/logout", {"csrf_token": form})
        assert status == 302 and headers["Location"] == "/login"
        replay.cookie = captured
        status, _headers, page = replay.request("GET", "/intake")
        assert status == 302 and "Indbakke" not in page
        assert server.failed() == []

    row = _only_row()
    assert row.end_reason == EndReason.SIGNED_OUT and row.ended_at is not None


def test_signing_in_again_opens_a_new_session_and_ends_the_old(client, admin):
    sign_in(client, secret_of(admin))
    with client.session_transaction() as session:
        first = session["sid"]
    # the sign-in form posted again from a signed-in browser (an old tab, say)
    response = client.post("/login", data={"csrf_token": page_csrf(client, "/"),
                                           "token": secret_of(admin)})
    assert response.status_code == 303
    with client.session_transaction() as session:
        second = session["sid"]
    assert first != second
    old, new = _rows()
    assert old.end_reason == EndReason.REPLACED and new.ended_at is None
    assert client.get("/").status_code == 200


def test_idle_sessions_end(app, client, admin):
    app.config["WEB_SESSION_IDLE_MINUTES"] = 5
    assert re.search(r"højst\s+5\s+minutter uden brug", client.get("/login").get_data(as_text=True))
    sign_in(client, secret_of(admin))
    with client.session_transaction() as session:
        sid = session["sid"]
    _set(last_seen_at=utcnow() - timedelta(minutes=4))
    assert client.get("/").status_code == 200
    _set(last_seen_at=utcnow() - timedelta(minutes=5, seconds=1))
    response = client.get("/intake")
    assert response.status_code == 302
    assert response.headers["Location"] == "/login?next=/intake"
    assert "ikke brugt dashboardet i 5 minutter" in client.get("/login").get_data(as_text=True)
    row = _only_row()
    assert row.end_reason == EndReason.IDLE
    # and stays ended, though it would no longer look idle
    _set(last_seen_at=utcnow())
    with client.session_transaction() as session:
        session["sid"] = sid
    assert client.get("/").status_code == 302


def test_sessions_end_after_their_hours_however_busy(app, client, admin):
    sign_in(client, secret_of(admin))
    _set(created_at=utcnow() - timedelta(hours=9, minutes=59))
    assert client.get("/").status_code == 200
    _set(created_at=utcnow() - timedelta(hours=10), last_seen_at=utcnow())
    assert client.get("/").status_code == 302
    assert "højst være logget ind i 10 timer" in client.get("/login").get_data(as_text=True)
    assert _only_row().end_reason == EndReason.EXPIRED

    app.config["WEB_SESSION_HOURS"] = 1
    sign_in(client, secret_of(admin))
    _set(created_at=utcnow() - timedelta(minutes=61))
    assert client.get("/").status_code == 302


def test_revoking_the_token_ends_the_session_at_the_next_request(client, token):
    headers = token("admin")
    sign_in(client, secret_of(headers))
    assert client.get("/").status_code == 200
    revoke_token("test-admin")
    assert client.get("/").status_code == 302
    assert _only_row().end_reason == EndReason.TOKEN_REVOKED


def test_last_seen_is_written_at_most_once_a_minute(client, admin):
    sign_in(client, secret_of(admin))
    recent = utcnow() - timedelta(seconds=30)
    _set(last_seen_at=recent)
    for _ in range(3):
        assert client.get("/").status_code == 200
    assert _only_row().last_seen_at == recent
    stale = utcnow() - timedelta(seconds=61)
    _set(last_seen_at=stale)
    before = utcnow()
    assert client.get("/").status_code == 200
    assert _only_row().last_seen_at >= before


def test_old_sessions_are_deleted_at_sign_in(client, admin, token):
    sign_in(client, secret_of(admin))
    row = _only_row()
    token_id = row.token_id
    now = utcnow()
    db.session.add_all([
        WebSession(id="a" * 64, token_id=token_id, created_at=now - timedelta(days=3),
                   last_seen_at=now - timedelta(days=3), ended_at=now - timedelta(days=2),
                   end_reason="signed_out"),
        WebSession(id="b" * 64, token_id=token_id, created_at=now - timedelta(days=2),
                   last_seen_at=now - timedelta(days=2)),  # idle, never came back
        WebSession(id="c" * 64, token_id=token_id, created_at=now - timedelta(hours=2),
                   last_seen_at=now - timedelta(hours=2), ended_at=now - timedelta(hours=1),
                   end_reason="signed_out"),  # ended today: kept a day
    ])
    db.session.commit()
    client.post("/logout", data={"csrf_token": page_csrf(client, "/")})
    sign_in(client, secret_of(admin))
    ids = {r.id for r in _rows()}
    assert "a" * 64 not in ids and "b" * 64 not in ids
    assert "c" * 64 in ids and row.id in ids and len(ids) == 3
    assert db.session.scalar(select(func.count()).select_from(WebSession)
                             .where(WebSession.ended_at.is_(None))) == 1


@pytest.mark.parametrize("value", [None, 12, "", "x" * 500])
def test_a_strange_session_value_signs_nobody_in(client, value):
    with client.session_transaction() as session:
        session["sid"] = value
    assert client.get("/").status_code == 302
    assert client.get("/login").status_code == 200

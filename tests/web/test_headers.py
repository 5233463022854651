"""What every answer's headers promise: no page is framed by another site, sign-in never
follows a ``next=`` that could split a header or leave the site, and the session cookie is
``Secure`` whenever the request came over HTTPS, behind a trusted proxy too."""

from __future__ import annotations

import http.client
from urllib.parse import quote, urlsplit

import pytest
from werkzeug.wrappers import Response

from service import refuse_framing
from tests.web.conftest import csrf_token, page_csrf, secret_of
from tests.web.live import LiveServer

# -- framing ---------------------------------------------------------------------------------


def assert_refuses_framing(response, what: str) -> None:
    assert response.headers.get("X-Frame-Options") == "DENY", what
    policies = response.headers.getlist("Content-Security-Policy")
    assert policies, what
    for policy in policies:
        directives = [d.strip() for d in policy.split(";") if d.strip()]
        framing = [d for d in directives if d.lower().startswith("frame-ancestors")]
        assert framing == ["frame-ancestors 'none'"], (what, policy)


def test_every_kind_of_answer_refuses_framing(client, signed_in, plans, admin, monkeypatch):
    anonymous = client.application.test_client()
    dst = plans["DST"]["id"]
    signed = signed_in("admin")
    answers = {
        "sign-in page": anonymous.get("/login"),
        "redirect to sign-in": anonymous.get("/intake"),
        "stylesheet": anonymous.get("/assets/app.css"),
        "overview": signed.get("/"),
        "plan page": signed.get(f"/plans/{dst}"),
        "intake page": signed.get("/intake"),
        "template download": signed.get(f"/plans/{dst}/followup-template.xlsx?period=2026-H2"),
        "page not found": signed.get("/no-such-page"),
        "wrong method page": signed.delete("/"),
        "expired form page": signed.post("/logout", data={"csrf_token": "forged"}),
        "api docs": anonymous.get("/api/docs"),
        "api docs assets": anonymous.get("/api/docs/static/swagger-ui.css"),
        "openapi document": anonymous.get("/api/openapi.json"),
        "api health": anonymous.get("/api/v1/health"),
        "api list": client.get("/api/v1/plans", headers=admin),
        "api without token": anonymous.get("/api/v1/plans"),
        "api not found": client.get("/api/v1/plans/99999", headers=admin),
        "api wrong method": client.delete("/api/v1/health"),
        # a view's own policy keeps its directives and gains the frame-ancestors one
        "annual report page": client.get(
            "/api/v1/institutions/DST/annual-report?year=2026&format=html", headers=admin),
    }
    statuses = {what: response.status_code for what, response in answers.items()}
    assert statuses == {
        "sign-in page": 200, "redirect to sign-in": 302, "stylesheet": 200, "overview": 200,
        "plan page": 200, "intake page": 200, "template download": 200,
        "page not found": 404, "wrong method page": 405, "expired form page": 400,
        "api docs": 200, "api docs assets": 200, "openapi document": 200, "api health": 200,
        "api list": 200, "api without token": 401, "api not found": 404,
        "api wrong method": 405, "annual report page": 200,
    }
    for what, response in answers.items():
        assert_refuses_framing(response, what)
        response.close()
    annual = answers["annual report page"].headers["Content-Security-Policy"]
    assert "default-src 'none'" in annual and "style-src 'unsafe-inline'" in annual

    def boom(*_args, **_kwargs):
        raise RuntimeError("boom")

    from service.domain import tenancy

    monkeypatch.setattr("service.web.views.overview_query", boom)
    monkeypatch.setattr(tenancy, "list_ministries", boom)
    crashed = signed.get("/?period=2026-H1")
    assert crashed.status_code == 500
    assert_refuses_framing(crashed, "crash page")
    crashed = client.get("/api/v1/ministries", headers=admin)
    assert crashed.status_code == 500
    assert_refuses_framing(crashed, "api crash")


@pytest.mark.parametrize(("before", "after"), [
    (None, "frame-ancestors 'none'"),
    ("default-src 'none'", "default-src 'none'; frame-ancestors 'none'"),
    ("default-src 'self'; frame-ancestors https://partner.example; img-src data:",
     "default-src 'self'; img-src data:; frame-ancestors 'none'"),
    ("default-src 'self'; frame-ancestors 'none'", "default-src 'self'; frame-ancestors 'none'"),
])
def test_a_policy_gets_exactly_one_frame_ancestors_none(before, after):
    response = Response("x", headers={"X-Frame-Options": "SAMEORIGIN"})
    if before is not None:
        response.headers["Content-Security-Policy"] = before
    refuse_framing(response)
    assert response.headers.getlist("Content-Security-Policy") == [after]
    assert response.headers["X-Frame-Options"] == "DENY"


# -- next= ------------------------------------------------------------------------------------

#: targets that are refused for the overview: control characters raw and percent-encoded,
#: and ways out of the site that only appear once they are decoded
REFUSED_TARGETS = [
    "/intake\r\nSet-Cookie: evil=1",
    "/intake\nLocation: https://evil.example/",
    "/intake%0d%0aSet-Cookie:%20evil=1",
    "/intake%0D%0ASet-Cookie: evil=1",
    "/intake%0aX-Evil: 1",
    "/intake%250d%250aX-Evil: 1",
    "/\t/evil.example",
    "/%09/evil.example",
    "/%2F%2Fevil.example",
    "/%5Cevil.example",
    "/intake\x00",
    "/intake%00",
    "/intake\u2028x",
    "/intake\x7f",
]


@pytest.mark.parametrize("target", REFUSED_TARGETS)
def test_sign_in_refuses_targets_with_control_characters(client, admin, target):
    page = client.get("/login", query_string={"next": target})
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert 'name="next"' not in html and "evil" not in html
    response = client.post("/login", data={
        "csrf_token": csrf_token(html), "token": secret_of(admin), "next": target})
    assert response.status_code == 303
    assert response.headers["Location"] == "/"
    assert "evil" not in str(response.headers).lower()
    # a signed-in visit to the sign-in page falls back the same way
    response = client.get("/login", query_string={"next": target})
    assert response.status_code == 302 and response.headers["Location"] == "/"
    client.post("/logout", data={"csrf_token": page_csrf(client, "/")})


def test_sign_in_still_follows_ordinary_targets(client, admin):
    for target in ("/intake", "/?period=2026-H1&ministry=FM", "/plans/1", "/s%C3%B8g"):
        html = client.get("/login", query_string={"next": target}).get_data(as_text=True)
        response = client.post("/login", data={
            "csrf_token": csrf_token(html), "token": secret_of(admin), "next": target})
        assert response.headers["Location"] == target
        client.post("/logout", data={"csrf_token": page_csrf(client, "/")})


def _raw_get(url: str, path: str) -> tuple[int, list[tuple[str, str]]]:
    parts = urlsplit(url)
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=10)
    try:
        connection.request("GET", path)
        response = connection.getresponse()
        response.read()
        return response.status, response.getheaders()
    finally:
        connection.close()


def test_encoded_line_breaks_split_no_header_over_http(app):
    """Over a real connection: the encoded CR/LF in a page address or a ``next=`` neither
    fails nor reaches a header as a line break."""
    paths = [
        "/intake%0d%0aSet-Cookie:%20evil=1",
        "/plans/1%0D%0AX-Evil:%201",
        "/intake?state=%0d%0aSet-Cookie:%20evil=1",
        "/?period=2026-H1%0D%0AX-Evil:%201",
        "/login?next=" + quote("/intake\r\nSet-Cookie: evil=1", safe=""),
        "/login?next=/intake%0d%0aSet-Cookie:%20evil=1",
        "/login?next=%2Fintake%250d%250aX-Evil:%201",
    ]
    with LiveServer(app) as server:
        for path in paths:
            status, headers = _raw_get(server.url, path)
            assert status in (200, 302, 404), path
            names = {name.lower() for name, _value in headers}
            assert "x-evil" not in names, path
            for name, value in headers:
                assert "evil=1" not in value and "\r" not in value and "\n" not in value
                if name.lower() == "location":
                    assert value.startswith("/login") and "next=" not in value, path
        assert [r for r in server.requests if r[2] >= 500] == []


# -- Secure cookie ---------------------------------------------------------------------------


def _sign_in_cookie(client, admin, base_url: str, **headers: str) -> str:
    token = csrf_token(client.get("/login", base_url=base_url, headers=headers)
                       .get_data(as_text=True))
    response = client.post("/login", data={"csrf_token": token, "token": secret_of(admin)},
                           base_url=base_url, headers={"Referer": "https://localhost/login",
                                                       **headers})
    assert response.status_code == 303, response.get_data(as_text=True)
    return response.headers["Set-Cookie"]


def test_the_cookie_is_secure_over_https(client, admin):
    assert "Secure" in _sign_in_cookie(client, admin, "https://localhost")
    plain = _sign_in_cookie(client.application.test_client(), admin, "http://localhost")
    assert "Secure" not in plain and "HttpOnly" in plain


def test_a_forwarded_scheme_is_believed_only_from_a_trusted_proxy(client, admin):
    cookie = _sign_in_cookie(client, admin, "http://localhost", **{"X-Forwarded-Proto": "https"})
    assert "Secure" not in cookie


@pytest.mark.parametrize("app_config", [{"TRUSTED_PROXIES": 1}])
def test_behind_a_trusted_proxy_the_forwarded_scheme_decides(client, admin):
    cookie = _sign_in_cookie(client, admin, "http://localhost", **{"X-Forwarded-Proto": "https"})
    assert "Secure" in cookie and "HttpOnly" in cookie and "SameSite=Lax" in cookie
    plain = _sign_in_cookie(client.application.test_client(), admin, "http://localhost",
                            **{"X-Forwarded-Proto": "http"})
    assert "Secure" not in plain
    # the session it opened works over the proxy
    assert client.get("/", headers={"X-Forwarded-Proto": "https"}).status_code == 200


def test_the_secure_setting_still_forces_it_over_plain_http(app, client, admin):
    app.config["SESSION_COOKIE_SECURE"] = True
    cookie = _sign_in_cookie(client, admin, "http://localhost")
    assert "Secure" in cookie

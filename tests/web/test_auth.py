"""Signing in and out of the dashboard: the session cookie, CSRF, revoked tokens."""

from __future__ import annotations

from service.domain.tokens import revoke_token
from tests.web.conftest import csrf_token, page_csrf, secret_of, sign_in


def test_pages_need_sign_in(client):
    response = client.get("/")
    assert response.status_code == 302
    assert response.headers["Location"] == "/login"
    response = client.get("/plans/1")
    assert response.headers["Location"] == "/login?next=/plans/1"
    login = client.get("/login")
    assert login.status_code == 200
    html = login.get_data(as_text=True)
    assert '<html lang="da">' in html and "API-token" in html
    assert 'name="csrf_token"' in html


def test_sign_in_sets_a_protected_cookie_and_sign_out_clears_it(client, admin):
    token = csrf_token(client.get("/login").get_data(as_text=True))
    response = client.post("/login", data={"csrf_token": token, "token": secret_of(admin)})
    assert response.status_code == 303
    assert response.headers["Location"] == "/"
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Secure" not in cookie

    page = client.get("/")
    assert page.status_code == 200
    assert "Administrator" in page.get_data(as_text=True)

    response = client.post("/logout", data={"csrf_token": page_csrf(client, "/")})
    assert response.status_code == 303
    assert response.headers["Location"] == "/login"
    assert "Du er logget ud" in client.get("/login").get_data(as_text=True)
    assert client.get("/").status_code == 302
    with client.session_transaction() as session:
        assert "token" not in session


def test_cookie_flags_are_configurable(app, client, admin):
    app.config.update(SESSION_COOKIE_SECURE=True, SESSION_COOKIE_SAMESITE="Strict")
    https = "https://localhost"
    token = csrf_token(client.get("/login", base_url=https).get_data(as_text=True))
    response = client.post("/login", data={"csrf_token": token, "token": secret_of(admin)},
                           base_url=https, headers={"Referer": f"{https}/login"})
    assert response.status_code == 303
    cookie = response.headers["Set-Cookie"]
    assert "Secure" in cookie and "SameSite=Strict" in cookie and "HttpOnly" in cookie


def test_unknown_or_empty_token_is_refused(client):
    token = csrf_token(client.get("/login").get_data(as_text=True))
    response = client.post("/login", data={"csrf_token": token, "token": "mrp_nope"})
    assert response.status_code == 401
    assert "ukendt eller tilbagekaldt" in response.get_data(as_text=True)
    response = client.post("/login", data={"csrf_token": token, "token": ""})
    assert response.status_code == 401
    assert "Indsæt dit API-token" in response.get_data(as_text=True)
    assert client.get("/").status_code == 302


def test_forms_without_csrf_token_are_refused(client, admin):
    response = client.post("/login", data={"token": secret_of(admin)})
    assert response.status_code == 400
    assert response.mimetype == "text/html"
    assert "sikkerhedsnøgle" in response.get_data(as_text=True)
    assert client.get("/").status_code == 302  # not signed in

    sign_in(client, secret_of(admin))
    response = client.post("/logout", data={"csrf_token": "forged"})
    assert response.status_code == 400
    assert client.get("/").status_code == 200  # still signed in


def test_the_api_needs_no_csrf_token(client, admin):
    response = client.post("/api/v1/ministries", headers=admin,
                           json={"code": "KM", "name": "Kulturministeriet"})
    assert response.status_code == 201
    # and keeps its own errors
    response = client.get("/api/v1/plans/999", headers=admin)
    assert response.status_code == 404
    assert response.mimetype == "application/problem+json"
    response = client.delete("/api/v1/health")
    assert response.status_code == 405
    assert response.mimetype == "application/problem+json"


def test_a_revoked_token_signs_out(client, token):
    headers = token("admin")
    sign_in(client, secret_of(headers))
    assert client.get("/").status_code == 200
    revoke_token("test-admin")
    response = client.get("/")
    assert response.status_code == 302
    assert response.headers["Location"] == "/login"
    with client.session_transaction() as session:
        assert "token" not in session
    page = client.get("/login").get_data(as_text=True)
    assert "ikke længere gyldigt" in page


def test_next_is_followed_only_within_the_site(client, admin):
    for target, expected in (
        ("/intake", "/intake"),
        ("//evil.example/x", "/"),
        ("https://evil.example/", "/"),
        ("/\\evil.example", "/"),
    ):
        token = csrf_token(client.get("/login").get_data(as_text=True))
        response = client.post("/login", data={
            "csrf_token": token, "token": secret_of(admin), "next": target})
        assert response.headers["Location"] == expected, target
        client.post("/logout", data={"csrf_token": page_csrf(client, "/intake")})

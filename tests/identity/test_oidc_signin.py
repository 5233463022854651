"""Signing in through a real OpenID provider (node-oidc-provider on loopback), and every
refusal: a forged state, a replayed code, a wrong nonce, an expired ID token, a token from
another issuer, an unknown or unverified person.

The dashboard side is the app's test client on the address the provider redirects to; the
provider's own login and consent pages are walked over HTTP (``OidcProvider.sign_in``)."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
from flask import Flask
from sqlalchemy import func, select

from service.domain.actors import SYSTEM
from service.domain.models import User, WebSession
from service.domain.tenancy import create_ministry
from service.domain.users import create_user
from service.extensions import db
from tests.support.oidc import client_metadata, oidc_provider_factory  # noqa: F401

BASE = "http://127.0.0.1:5999"  # the address the test client plays; nothing listens there


@pytest.fixture
def provider(oidc_provider_factory):  # noqa: F811
    return oidc_provider_factory([client_metadata(BASE)])


@pytest.fixture
def app_config(provider) -> dict[str, Any]:
    return {"OIDC_ISSUER": provider.issuer, "OIDC_CLIENT_ID": "mrp",
            "OIDC_CLIENT_SECRET": "mrp-secret", "OIDC_LABEL": "Log ind med SKM-konto",
            "OIDC_SCOPES": "openid email profile groups",
            "OIDC_GROUP_ROLES": json.dumps({"grp-ufst": {"role": "institution",
                                                         "institution": "UFST"}}),
            "OIDC_CLOCK_SKEW_SECONDS": 0}


@pytest.fixture
def people(app: Flask) -> None:
    skm = create_ministry(SYSTEM, {"code": "SKM", "name": "Skatteministeriet"})
    from service.domain.tenancy import create_institution

    create_institution(SYSTEM, {"code": "UFST", "name": "Udviklings- og Forenklingsstyrelsen",
                                "ministry": skm.code, "reporting_addresses": []})
    create_user(SYSTEM, email="anne.jensen@skm.dk", name="A. Jensen", role="department",
                ministry="SKM")


def start(client: Any) -> str:
    """Begin the sign-in in the dashboard; return the provider's authorization URL."""
    answer = client.get("/auth/login", base_url=BASE)
    assert answer.status_code == 302
    answer = client.get(answer.headers["Location"], base_url=BASE)
    assert answer.status_code == 302, answer.get_data(as_text=True)
    return answer.headers["Location"]


def callback(client: Any, url: str) -> Any:
    parts = urlsplit(url)
    assert f"{parts.scheme}://{parts.netloc}" == BASE and parts.path == "/auth/callback", url
    return client.get(f"{parts.path}?{parts.query}", base_url=BASE)


def signed_in_name(client: Any) -> str | None:
    page = client.get("/", base_url=BASE)
    return page.get_data(as_text=True) if page.status_code == 200 else None


def sessions() -> int:
    return db.session.scalar(select(func.count()).select_from(WebSession)) or 0


def test_the_authorization_request_carries_pkce_state_and_nonce(client, people):
    query = parse_qs(urlsplit(start(client)).query)
    assert query["code_challenge_method"] == ["S256"] and len(query["code_challenge"][0]) >= 43
    assert query["state"][0] and query["nonce"][0]
    assert query["redirect_uri"] == [f"{BASE}/auth/callback"]
    assert query["scope"] == ["openid email profile groups"]


def test_a_known_person_signs_in_by_verified_email(client, provider, people):
    answer = callback(client, provider.sign_in(start(client), "anne"))
    assert answer.status_code == 303, answer.get_data(as_text=True)
    page = signed_in_name(client)
    assert page is not None and "Anne Jensen" in page  # the provider's name for her
    user = db.session.scalar(select(User).where(User.email == "anne.jensen@skm.dk"))
    assert user.oidc_subject == "anne" and user.oidc_issuer == provider.issuer
    assert user.last_sign_in_at is not None and user.name == "Anne Jensen"


def test_a_forged_state_is_refused(client, provider, people):
    url = provider.sign_in(start(client), "anne")
    query = parse_qs(urlsplit(url).query)
    query["state"] = ["forged-" + query["state"][0]]
    answer = client.get("/auth/callback?" + urlencode(query, doseq=True), base_url=BASE)
    assert answer.status_code == 400
    assert "Login kunne ikke bekræftes" in answer.get_data(as_text=True)
    assert sessions() == 0 and signed_in_name(client) is None


def test_a_replayed_code_is_refused(client, app, provider, people):
    url = provider.sign_in(start(client), "anne")
    assert callback(client, url).status_code == 303
    code = parse_qs(urlsplit(url).query)["code"][0]
    other = app.test_client()  # another browser, with a sign-in of its own under way
    state = parse_qs(urlsplit(start(other)).query)["state"][0]
    answer = other.get("/auth/callback?" + urlencode({"code": code, "state": state,
                                                      "iss": provider.issuer}), base_url=BASE)
    assert answer.status_code == 400
    assert signed_in_name(other) is None and sessions() == 1


def test_a_wrong_nonce_is_refused(client, provider, people):
    url = provider.sign_in(start(client), "anne")
    with client.session_transaction(base_url=BASE) as cookie:
        for key, value in cookie.items():
            if key.startswith("_state_"):
                value["data"]["nonce"] = "not-the-nonce-sent"
                cookie[key] = value
    answer = callback(client, url)
    assert answer.status_code == 400 and sessions() == 0


def test_an_expired_id_token_is_refused(oidc_provider_factory, app, people):  # noqa: F811
    """A provider whose clock is two hours behind issues ID tokens that expired an hour
    before they arrive."""
    behind = oidc_provider_factory(
        [client_metadata(BASE)], clock_offset=-7200,
        ttl={"IdToken": 3600, "Interaction": 86400, "Session": 86400})
    app.config.update(OIDC_ISSUER=behind.issuer)
    from service.web import oidc

    oidc.init_app(app)
    client = app.test_client()
    answer = callback(client, behind.sign_in(start(client), "anne"))
    assert answer.status_code == 400 and sessions() == 0


def test_a_token_from_another_issuer_is_refused(provider, app, people):
    """The configured issuer is not the one the provider's tokens name (its discovery
    answers for another issuer): the tokens are refused even though they verify."""
    app.config.update(OIDC_ISSUER=provider.issuer.replace("127.0.0.1", "localhost"))
    from service.web import oidc

    oidc.init_app(app)
    client = app.test_client()
    answer = callback(client, provider.sign_in(start(client), "anne"))
    assert answer.status_code == 400 and sessions() == 0


@pytest.mark.parametrize("login", ["eve", "mallory"])
def test_an_unknown_or_unverified_person_gets_a_danish_page_and_nothing_is_made(
    client, provider, people, login
):
    answer = callback(client, provider.sign_in(start(client), login))
    assert answer.status_code == 403
    text = answer.get_data(as_text=True)
    assert "Du har ikke adgang til mrp" in text and "administrator" in text
    assert db.session.scalar(select(func.count()).select_from(User)) == 1  # Anne only
    assert sessions() == 0


def test_a_mapped_group_creates_the_person(client, provider, people):
    assert callback(client, provider.sign_in(start(client), "ole")).status_code == 303
    ole = db.session.scalar(select(User).where(User.email == "ole@ufst.dk"))
    assert (ole.role, ole.institution.code, ole.name) == ("institution", "UFST", "Ole Hansen")


def test_deactivating_the_person_ends_their_session(client, provider, people):
    assert callback(client, provider.sign_in(start(client), "anne")).status_code == 303
    assert signed_in_name(client) is not None
    from service.domain.users import deactivate_user

    deactivate_user(SYSTEM, "anne.jensen@skm.dk")
    answer = client.get("/", base_url=BASE)
    assert answer.status_code == 302 and "/login" in answer.headers["Location"]
    page = client.get(answer.headers["Location"], base_url=BASE).get_data(as_text=True)
    assert "Din adgang til mrp er lukket" in page


def test_token_sign_in_is_off_when_a_provider_is_configured(client, admin, people):
    page = client.get("/login", base_url=BASE).get_data(as_text=True)
    assert "Log ind med SKM-konto" in page and 'name="token"' not in page
    answer = client.post("/login", base_url=BASE, data={"token": admin["Authorization"][7:]})
    assert answer.status_code in (400, 403) and sessions() == 0


def test_sign_out_ends_the_session_here_and_at_the_provider(client, provider, people):
    import re

    assert callback(client, provider.sign_in(start(client), "anne")).status_code == 303
    page = client.get("/", base_url=BASE).get_data(as_text=True)
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    answer = client.post("/logout", base_url=BASE, data={"csrf_token": csrf})
    assert answer.status_code == 303
    location = answer.headers["Location"]
    assert location.startswith(provider.issuer + "/session/end?")
    assert parse_qs(urlsplit(location).query)["post_logout_redirect_uri"] == [f"{BASE}/login"]
    assert db.session.scalar(select(WebSession.ended_at)) is not None
    assert signed_in_name(client) is None


def test_several_providers_each_get_a_button_and_their_own_sign_in(
    oidc_provider_factory, app, people  # noqa: F811
):
    first = oidc_provider_factory([client_metadata(BASE)])
    second = oidc_provider_factory([client_metadata(BASE, client_id="mrp-fm")])
    app.config.update(OIDC_ISSUER="", OIDC_PROVIDERS=json.dumps([
        {"name": "skm", "label": "Log ind med SKM-konto", "issuer": first.issuer,
         "client_id": "mrp", "client_secret": "mrp-secret"},
        {"name": "fm", "label": "Log ind med FM-konto", "issuer": second.issuer,
         "client_id": "mrp-fm", "client_secret": "mrp-secret"},
    ]))
    from service.web import oidc

    oidc.init_app(app)
    client = app.test_client()
    page = client.get("/login", base_url=BASE).get_data(as_text=True)
    assert "Log ind med SKM-konto" in page and "Log ind med FM-konto" in page
    assert client.get("/auth/login", base_url=BASE).headers["Location"].endswith("/login")
    answer = client.get("/auth/login/fm", base_url=BASE)
    assert answer.headers["Location"].startswith(second.issuer + "/auth?")
    assert "client_id=mrp-fm" in answer.headers["Location"]
    assert callback(client, second.sign_in(answer.headers["Location"], "anne")).status_code == 303
    assert "Anne Jensen" in signed_in_name(client)
    assert client.get("/auth/login/nope", base_url=BASE).status_code == 404


def test_bad_provider_settings_stop_the_app_at_start():
    from service import create_app
    from service.web.oidc import ConfigError

    for bad in ({"OIDC_PROVIDERS": "not json"},
                {"OIDC_PROVIDERS": json.dumps([{"name": "x"}])},
                {"OIDC_ISSUER": "https://idp.example", "OIDC_CLIENT_ID": "c",
                 "OIDC_SCOPES": "email"},
                {"OIDC_GROUP_ROLES": json.dumps({"g": {"role": "boss"}})}):
        with pytest.raises(ConfigError):
            create_app({"DATABASE_URL": "sqlite://", "SECRET_KEY": "x", **bad})

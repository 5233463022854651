"""A person signs in to the dashboard in headless Chromium through a real OpenID provider:
its login page, its consent page, back to the dashboard with their name on it, and out."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select

from service.domain.actors import SYSTEM
from service.domain.models import WebSession
from service.domain.users import create_user
from service.extensions import db
from tests.support.mailservers import free_port
from tests.support.oidc import OidcProvider, client_metadata, require_node
from tests.web.live import LiveServer, build_app, chrome, chromium_missing, close_app

pytestmark = pytest.mark.skipif(chromium_missing() is not None,
                                reason=str(chromium_missing()))


def test_sign_in_and_out_through_the_provider_in_chromium(tmp_path: Path):
    require_node()
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as seen
    from selenium.webdriver.support.ui import WebDriverWait

    port = free_port()
    issuer = f"http://127.0.0.1:{port}"
    app = build_app(tmp_path, OIDC_ISSUER=issuer, OIDC_CLIENT_ID="mrp",
                    OIDC_CLIENT_SECRET="mrp-secret", OIDC_LABEL="Log ind med SKM-konto")
    with app.app_context():
        from service.domain.demo import load_demo

        load_demo()
        create_user(SYSTEM, email="anne.jensen@skm.dk", name="Anne Jensen",
                    role="department", ministry="SKM")
    provider = None
    try:
        with LiveServer(app) as server:
            provider = OidcProvider(port=port, clients=[client_metadata(server.url)]).start()
            with chrome(tmp_path / "chrome") as driver:
                wait = WebDriverWait(driver, 20)
                driver.get(server.url + "/")
                wait.until(seen.presence_of_element_located(
                    (By.LINK_TEXT, "Log ind med SKM-konto"))).click()
                # the provider's own login page
                wait.until(seen.presence_of_element_located((By.NAME, "login")))
                assert driver.current_url.startswith(issuer)
                driver.find_element(By.NAME, "login").send_keys("anne")
                driver.find_element(By.NAME, "password").send_keys("any password")
                driver.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
                # its consent page
                wait.until(seen.text_to_be_present_in_element((By.TAG_NAME, "body"),
                                                              "Continue"))
                driver.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
                # back on the dashboard, signed in as the person
                person = wait.until(seen.presence_of_element_located(
                    (By.CSS_SELECTOR, "header .person")))
                assert person.text == "Anne Jensen"
                assert driver.current_url.startswith(server.url)
                driver.find_element(By.XPATH, "//button[normalize-space()='Log ud']").click()
                # the provider asks to end its session too, then sends the browser back
                wait.until(seen.presence_of_element_located(
                    (By.CSS_SELECTOR, "button[name=logout]"))).click()
                wait.until(seen.url_contains(server.url + "/login"))
                assert "Log ind med SKM-konto" in driver.page_source
                driver.get(server.url + "/")
                wait.until(seen.url_contains("/login"))
            with app.app_context():
                ended = db.session.scalars(select(WebSession.ended_at)).all()
                assert ended and all(at is not None for at in ended)
    finally:
        if provider is not None:
            provider.stop()
        close_app(app)

"""The dashboard in a real browser: headless Chromium (Debian's) driven by Selenium against
the app on a real server. Signs in, reads the overview's traffic lights, opens a plan, goes
to the intake, signs out; the console must stay free of errors and every request succeed,
and on a phone-sized screen no page may scroll sideways."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from service.vocabulary import period_text
from tests.web.driving import wait
from tests.web.live import (
    PERIOD,
    LiveServer,
    build_app,
    chrome,
    chromium_missing,
    close_app,
    populate,
    set_viewport,
)

PHONE = (390, 844)
LAPTOP = (1366, 900)


@pytest.fixture(scope="module")
def browser_ready() -> None:
    missing = chromium_missing()
    if missing is None:
        return
    if os.environ.get("CI") == "true":
        pytest.fail(f"{missing} (the CI machine must have chromium and chromium-driver)")
    pytest.skip(missing)


@pytest.fixture
def live(browser_ready: None, tmp_path: Path) -> Iterator[tuple[LiveServer, dict[str, str]]]:
    # migrated here: a copy of the shared WAL-mode file could miss what its log holds
    app = build_app(tmp_path)
    try:
        secrets = populate(app)
        with LiveServer(app) as server:
            yield server, secrets
    finally:
        close_app(app)


@pytest.fixture
def driver(live: Any, tmp_path: Path) -> Iterator[Any]:
    with chrome(tmp_path / "chrome-profile", *LAPTOP) as driver:
        yield driver


class Problems:
    """Console errors and failed requests, gathered as the pages are visited."""

    def __init__(self, driver: Any) -> None:
        self.driver = driver
        self.console: list[dict[str, Any]] = []
        self.network: list[str] = []
        self._urls: dict[str, str] = {}

    def collect(self) -> None:
        for entry in self.driver.get_log("browser"):
            if entry.get("level") == "SEVERE":
                self.console.append(entry)
        for entry in self.driver.get_log("performance"):
            message = json.loads(entry["message"])["message"]
            params = message.get("params", {})
            if message.get("method") == "Network.requestWillBeSent":
                self._urls[params.get("requestId")] = params.get("request", {}).get("url")
            elif message.get("method") == "Network.loadingFailed":
                url = self._urls.get(params.get("requestId"))
                self.network.append(f"{params.get('errorText')}: {params.get('type')} {url}")
            elif message.get("method") == "Network.responseReceived":
                response = params.get("response", {})
                if int(response.get("status", 0)) >= 400:
                    self.network.append(f"{response.get('status')} {response.get('url')}")


def _overflow(driver: Any) -> dict[str, int]:
    return driver.execute_script(
        "return {body: document.body.scrollWidth, doc: document.documentElement.scrollWidth,"
        " inner: window.innerWidth};"
    )


def test_sign_in_browse_and_sign_out(live: Any, driver: Any, tmp_path: Path) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as ec

    server, secrets = live
    problems = Problems(driver)

    # not signed in: the login page
    driver.get(server.url + "/")
    wait(driver, ec.presence_of_element_located((By.ID, "token")))
    assert driver.title.startswith("Log ind")
    driver.find_element(By.ID, "token").send_keys(secrets["skm"])
    driver.find_element(By.CSS_SELECTOR, "form.stack button[type=submit]").click()
    wait(driver, ec.presence_of_element_located((By.CSS_SELECTOR, "form.filters")))
    problems.collect()

    # the overview for a chosen period, through the filter form
    period = driver.find_element(By.ID, "f-period")
    period.clear()
    period.send_keys(PERIOD)
    driver.find_element(By.CSS_SELECTOR, "form.filters button[type=submit]").click()
    wait(driver, ec.text_to_be_present_in_element((By.TAG_NAME, "h1"), period_text(PERIOD)))
    lights = {
        (cell.get_attribute("data-status"), cell.text)
        for cell in driver.find_elements(By.CSS_SELECTOR, "td.light[data-status]")
    }
    assert ("off_track", "Ikke på rette spor") in lights
    assert ("achieved", "Opfyldt") in lights
    assert ("partially_achieved", "Delvist opfyldt") in lights
    red = driver.find_element(By.CSS_SELECTOR, 'td.light[data-status="off_track"] .lamp')
    assert red.value_of_css_property("background-color") == "rgba(198, 40, 40, 1)"
    plans = [a.text for a in driver.find_elements(By.CSS_SELECTOR, "table.overview th a")]
    assert plans == ["MST-2026", "UFST-2026"]  # SKM's own, not FM's DST-2026
    segments = driver.find_elements(By.CSS_SELECTOR, "svg.chart rect[data-count]")
    assert sum(int(s.get_attribute("data-count")) for s in segments) > 0
    problems.collect()

    # a plan
    driver.find_element(By.LINK_TEXT, "UFST-2026").click()
    wait(driver, ec.text_to_be_present_in_element((By.TAG_NAME, "h1"), "UFST-2026"))
    assert driver.find_element(By.ID, "h-goals").text.startswith("Mål (4)")
    assert driver.find_elements(By.CSS_SELECTOR, "details.followup")
    plan_path = driver.execute_script("return location.pathname;")
    problems.collect()

    # the intake, by the menu
    driver.find_element(By.LINK_TEXT, "Indbakke").click()
    wait(driver, ec.presence_of_element_located((By.CSS_SELECTOR, "table.intake")))
    row = driver.find_element(By.CSS_SELECTOR, "tr[data-state=quarantined]")
    assert "Planen findes ikke" in row.text
    problems.collect()

    # a phone: nothing scrolls sideways but the tables inside their own boxes
    set_viewport(driver, *PHONE, mobile=True)
    for path in (f"/?period={PERIOD}", "/intake", plan_path):
        driver.get(server.url + path)
        sizes = _overflow(driver)
        assert sizes["inner"] == PHONE[0], sizes
        assert sizes["body"] <= sizes["inner"] and sizes["doc"] <= sizes["inner"], (path, sizes)
        problems.collect()
    driver.get(f"{server.url}/?period={PERIOD}")
    shot = tmp_path / "overview-phone.png"
    assert driver.save_screenshot(str(shot)) and shot.stat().st_size > 10_000

    # sign out
    set_viewport(driver, *LAPTOP, mobile=False)
    driver.find_element(By.CSS_SELECTOR, "header .who button").click()
    wait(driver, ec.presence_of_element_located((By.ID, "token")))
    assert "Du er logget ud" in driver.page_source
    driver.get(server.url + "/intake")
    wait(driver, ec.presence_of_element_located((By.ID, "token")))
    problems.collect()

    assert problems.console == [], problems.console
    assert problems.network == [], problems.network
    assert server.failed() == []
    assert ("POST", "/logout", 303) in server.requests

"""Closing and reopening a plan in a real browser (headless Chromium, Selenium): the
confirmation page, its error summary and labelled reason field, and the plan page after."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.web.driving import wait
from tests.web.live import (
    PERIOD,
    LiveServer,
    build_app,
    chrome,
    chromium_missing,
    close_app,
    populate,
)


@pytest.fixture
def live(tmp_path: Path) -> Iterator[tuple[LiveServer, dict[str, str]]]:
    missing = chromium_missing()
    if missing is not None:
        if os.environ.get("CI") == "true":
            pytest.fail(f"{missing} (the CI machine must have chromium and chromium-driver)")
        pytest.skip(missing)
    app = build_app(tmp_path)
    try:
        secrets = populate(app)
        with LiveServer(app) as server:
            yield server, secrets
    finally:
        close_app(app)


def _sign_in(driver: Any, server: LiveServer, secret: str) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as ec

    driver.get(server.url + "/login")
    wait(driver, ec.presence_of_element_located((By.ID, "token")))
    driver.find_element(By.ID, "token").send_keys(secret)
    driver.find_element(By.CSS_SELECTOR, "form.stack button[type=submit]").click()
    wait(driver, ec.presence_of_element_located((By.CSS_SELECTOR, "form.filters")))


def _sign_out(driver: Any) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as ec

    driver.find_element(By.CSS_SELECTOR, "header .who button").click()
    wait(driver, ec.presence_of_element_located((By.ID, "token")))


def _severe(driver: Any) -> list[dict[str, Any]]:
    return [e for e in driver.get_log("browser") if e.get("level") == "SEVERE"
            and "status of 422" not in e.get("message", "")]


def test_close_with_confirmation_and_reopen(live: Any, tmp_path: Path) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as ec

    server, secrets = live
    with chrome(tmp_path / "profile") as driver:
        console: list[dict[str, Any]] = []
        _sign_in(driver, server, secrets["skm"])
        driver.get(f"{server.url}/?period={PERIOD}")
        driver.find_element(By.LINK_TEXT, "UFST-2026").click()
        wait(driver, ec.text_to_be_present_in_element((By.TAG_NAME, "h1"), "UFST-2026"))
        plan_path = driver.execute_script("return location.pathname;")
        console += _severe(driver)

        # one click on the plan's page only opens the confirmation page
        driver.find_element(By.ID, "close-plan").click()
        wait(driver, ec.presence_of_element_located((By.ID, "reason")))
        assert driver.execute_script("return location.pathname;") == plan_path + "/close"
        assert driver.find_element(By.TAG_NAME, "h1").text == "Luk planen UFST-2026?"
        main = driver.find_element(By.ID, "main").text
        assert "Opfølgninger på planen bliver afvist" in main
        assert "den løber til 31. december" in main
        reason = driver.find_element(By.ID, "reason")
        # labelled: the browser's own accessible name for the field, and a visible label
        assert reason.accessible_name == "Begrundelse"
        label = driver.find_element(By.CSS_SELECTOR, 'label[for="reason"]')
        assert label.is_displayed() and label.text == "Begrundelse"
        assert reason.get_attribute("aria-required") == "true"
        driver.save_screenshot(str(tmp_path / "close.png"))
        console += _severe(driver)

        # confirming without a reason: the error summarised at the top, linked to the field
        driver.find_element(By.CSS_SELECTOR, "form.decision-form button[type=submit]").click()
        wait(driver, ec.presence_of_element_located((By.CSS_SELECTOR, ".error-summary")))
        assert driver.title.startswith("Fejl: Luk planen UFST-2026")
        focused = driver.switch_to.active_element
        assert "error-summary" in (focused.get_attribute("class") or "")
        link = driver.find_element(By.CSS_SELECTOR, '.error-summary a[href="#reason"]')
        assert "Skriv, hvorfor planen lukkes" in link.text
        reason = driver.find_element(By.ID, "reason")
        assert reason.get_attribute("aria-invalid") == "true"
        assert "reason-error" in reason.get_attribute("aria-describedby")
        assert reason.accessible_name == "Begrundelse"
        driver.save_screenshot(str(tmp_path / "close-error.png"))
        link.click()
        assert driver.switch_to.active_element == reason
        reason.send_keys("Planen erstattes af en ny plan fra 2027")
        driver.find_element(By.CSS_SELECTOR, "form.decision-form button[type=submit]").click()
        wait(driver, ec.presence_of_element_located((By.ID, "closed-at")))
        assert driver.execute_script("return location.pathname;") == plan_path
        page = driver.find_element(By.ID, "main").text
        assert "UFST-2026 er lukket." in page
        assert "Planen erstattes af en ny plan fra 2027" in page
        assert not driver.find_elements(By.ID, "close-plan")
        assert not driver.find_elements(By.ID, "reopen-plan")  # not for a department
        console += _severe(driver)
        _sign_out(driver)

        # an admin reopens it
        _sign_in(driver, server, secrets["admin"])
        driver.get(server.url + plan_path)
        driver.find_element(By.ID, "reopen-plan").click()
        wait(driver, ec.presence_of_element_located((By.ID, "reason")))
        assert driver.find_element(By.TAG_NAME, "h1").text == "Genåbn planen UFST-2026?"
        assert driver.find_element(By.ID, "reason").accessible_name == "Begrundelse"
        driver.find_element(By.ID, "reason").send_keys("Lukket ved en fejl")
        driver.find_element(By.CSS_SELECTOR, "form.decision-form button[type=submit]").click()
        wait(driver, ec.presence_of_element_located((By.ID, "close-plan")))
        assert "UFST-2026 er genåbnet og godkendt igen." in driver.find_element(
            By.ID, "main").text
        console += _severe(driver)

    assert console == [], console
    failed = server.failed()
    assert failed == [("POST", plan_path + "/close", 422)], failed

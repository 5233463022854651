"""Finding a draft and approving it in a real browser (headless Chromium, Selenium): from
the overview's notice to the list of drafts, the plan's page, the confirmation page, and
the plan approved."""

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


def _draft(app: Any, secret: str) -> dict[str, Any]:
    """DST-2028, a draft of the FM department's with one goal that passes every rule."""
    from tests.support.factories import goal_body, ok, plan_body

    headers = {"Authorization": f"Bearer {secret}"}
    with app.app_context():
        client = app.test_client()
        plan = ok(client.post("/api/v1/plans", headers=headers, json=plan_body(
            "DST", title="Digital omstilling", period_start=2028, period_end=2028)), 201)
        goal = goal_body(deadline="2028-12-31")
        goal["indicators"][0]["baseline_year"] = 2027
        ok(client.post(f"/api/v1/plans/{plan['id']}/goals", json=goal, headers=headers), 201)
    return plan


@pytest.fixture
def live(tmp_path: Path) -> Iterator[tuple[LiveServer, dict[str, str], dict[str, Any]]]:
    missing = chromium_missing()
    if missing is not None:
        if os.environ.get("CI") == "true":
            pytest.fail(f"{missing} (the CI machine must have chromium and chromium-driver)")
        pytest.skip(missing)
    app = build_app(tmp_path)
    try:
        secrets = populate(app)
        draft = _draft(app, secrets["admin"])
        with LiveServer(app) as server:
            yield server, secrets, draft
    finally:
        close_app(app)


AXE = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"


def _axe(driver: Any) -> list[str]:
    """axe-core's WCAG 2 A and AA violations on the page (none checked without axe-core)."""
    if not AXE.exists():
        return []
    driver.execute_script(AXE.read_text(encoding="utf-8"))
    result = driver.execute_async_script(
        "const done = arguments[arguments.length - 1];"
        "axe.run(document, {runOnly: ['wcag2a', 'wcag2aa']}).then(r => done("
        "r.violations.map(v => v.id + ': ' + v.nodes.map(n => n.target.join(' ')).join(', '))"
        "));")
    return list(result)


def test_a_draft_is_found_from_the_overview_and_approved(live: Any, tmp_path: Path) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as ec

    server, secrets, draft = live
    with chrome(tmp_path / "profile") as driver:
        driver.get(server.url + "/login")
        wait(driver, ec.presence_of_element_located((By.ID, "token")))
        driver.find_element(By.ID, "token").send_keys(secrets["fm"])
        driver.find_element(By.CSS_SELECTOR, "form.stack button[type=submit]").click()
        wait(driver, ec.presence_of_element_located((By.CSS_SELECTOR, "form.filters")))
        driver.get(f"{server.url}/?period={PERIOD}")

        # the overview says a draft awaits approval, and links to the drafts
        violations = [f"overview {v}" for v in _axe(driver)]
        notice = driver.find_element(By.CSS_SELECTOR, "#drafts-notice a")
        assert notice.text == "1 plan er kladde og venter på godkendelse"
        notice.click()
        wait(driver, ec.text_to_be_present_in_element((By.TAG_NAME, "h1"), "Planer"))
        assert driver.execute_script("return location.pathname + location.search;") == (
            "/plans?status=draft")
        status = driver.find_element(By.ID, "f-status")
        assert status.accessible_name == "Status"
        assert status.get_attribute("value") == "draft"
        rows = driver.find_elements(By.CSS_SELECTOR, "table.plan-list tbody tr")
        assert [r.get_attribute("data-plan") for r in rows] == ["DST-2028"]
        assert driver.find_element(By.CSS_SELECTOR, "table.plan-list caption").text == "1 plan"
        driver.save_screenshot(str(tmp_path / "drafts.png"))
        violations += [f"plans {v}" for v in _axe(driver)]

        # the search finds it too, the filters kept in the address
        search = driver.find_element(By.ID, "f-q")
        assert search.accessible_name == "Søg i reference eller titel"
        search.send_keys("DIGITAL")
        driver.find_element(By.CSS_SELECTOR, "form.plan-filters button[type=submit]").click()
        wait(driver, ec.url_contains("q=DIGITAL"))
        assert "status=draft" in driver.current_url
        driver.find_element(By.LINK_TEXT, "DST-2028").click()
        wait(driver, ec.text_to_be_present_in_element((By.TAG_NAME, "h1"), "DST-2028"))
        assert driver.execute_script("return location.pathname;") == f"/plans/{draft['id']}"
        violations += [f"plan {v}" for v in _axe(driver)]

        # one click on the plan's page only opens the confirmation page
        driver.find_element(By.ID, "approve-plan").click()
        wait(driver, ec.text_to_be_present_in_element(
            (By.TAG_NAME, "h1"), "Godkend planen DST-2028?"))
        assert driver.execute_script("return location.pathname;") == (
            f"/plans/{draft['id']}/approve")
        main = driver.find_element(By.ID, "main").text
        assert "Det sker, når planen godkendes" in main
        assert "Institutionen kan indberette opfølgning" in main
        assert not driver.find_elements(By.ID, "approve-blocking")
        driver.save_screenshot(str(tmp_path / "approve.png"))
        violations += [f"approve {v}" for v in _axe(driver)]
        driver.find_element(By.CSS_SELECTOR, "form.decision-form button[type=submit]").click()
        wait(driver, ec.presence_of_element_located((By.ID, "close-plan")))
        assert driver.execute_script("return location.pathname;") == f"/plans/{draft['id']}"
        page = driver.find_element(By.ID, "main").text
        assert "DST-2028 er godkendt." in page
        assert not driver.find_elements(By.ID, "approve-plan")
        audit = driver.find_element(By.CSS_SELECTOR, "table.audit").text
        assert "Plan godkendt" in audit and "Kladde → Godkendt" in audit

        # and the overview has no drafts left to tell of
        driver.get(f"{server.url}/?period={PERIOD}")
        wait(driver, ec.presence_of_element_located((By.CSS_SELECTOR, "form.filters")))
        assert not driver.find_elements(By.ID, "drafts-notice")
        severe = [e for e in driver.get_log("browser") if e.get("level") == "SEVERE"]

    assert severe == [], severe
    assert violations == [], violations
    assert server.failed() == [], server.failed()

"""Plans and goals in a real browser (headless Chromium, Selenium): creating a plan, adding
a goal with an indicator and a milestone, changing it, reordering and withdrawing goals; and
a goal created with the keyboard alone, its fields visited in order, each with a visible
focus and a label."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.web.driving import wait
from tests.web.live import LiveServer, build_app, chrome, chromium_missing, close_app, populate


@pytest.fixture
def live(tmp_path: Path) -> Iterator[tuple[LiveServer, dict[str, str], Any]]:
    missing = chromium_missing()
    if missing is not None:
        if os.environ.get("CI") == "true":
            pytest.fail(f"{missing} (the CI machine must have chromium and chromium-driver)")
        pytest.skip(missing)
    app = build_app(tmp_path)
    try:
        secrets = populate(app)
        with LiveServer(app) as server:
            yield server, secrets, app
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


def _severe(driver: Any) -> list[dict[str, Any]]:
    return [e for e in driver.get_log("browser") if e.get("level") == "SEVERE"
            and "status of 422" not in e.get("message", "")]


def _fill(driver: Any, values: dict[str, str]) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select

    for field, value in values.items():
        element = driver.find_element(By.ID, field)
        if element.tag_name == "select":
            Select(element).select_by_value(value)
        elif element.get_attribute("type") == "date":
            driver.execute_script("arguments[0].value = arguments[1];", element, value)
        else:
            element.clear()
            element.send_keys(value)


def _submit(driver: Any, selector: str, wait_for: str) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as ec

    old = driver.find_element(By.TAG_NAME, "html")
    driver.find_element(By.CSS_SELECTOR, selector).click()
    wait(driver, ec.staleness_of(old))
    wait(driver, ec.presence_of_element_located((By.CSS_SELECTOR, wait_for)))


def test_create_a_plan_and_manage_its_goals(live: Any, tmp_path: Path) -> None:
    from selenium.webdriver.common.by import By

    server, secrets, _app = live
    with chrome(tmp_path / "profile") as driver:
        console: list[dict[str, Any]] = []
        _sign_in(driver, server, secrets["skm"])
        driver.get(server.url + "/plans/new")
        assert driver.find_element(By.ID, "title").accessible_name == "Planens titel"
        _fill(driver, {"institution": "GST", "title": "Mål- og resultatplan 2027",
                       "period_start": "2027", "period_end": "2027",
                       "top_manager_name": "Karen Holm", "top_manager_title": "Direktør"})
        _submit(driver, "form.plan-form button[type=submit]", "form.goal-form")
        assert "GST-2027 er oprettet som kladde" in driver.find_element(By.ID, "main").text
        assert driver.find_elements(By.CSS_SELECTOR, '#findings [data-rule="plan.no-goals"]')
        console += _severe(driver)

        # a goal with an indicator and a milestone
        _fill(driver, {"title": "Hurtigere inddrivelse", "task_type": "operations",
                       "goal_type": "output", "nature": "quantitative",
                       "success_criterion": "Højst 60 dage", "deadline": "2027-12-31",
                       "indicators-0-name": "Inddrivelsestid", "indicators-0-unit": "dage",
                       "indicators-0-baseline": "75", "indicators-0-baseline_year": "2026",
                       "indicators-0-target": "60", "indicators-0-direction": "decrease",
                       "milestones-0-title": "Nyt system i drift",
                       "milestones-0-due_date": "2027-06-30"})
        driver.save_screenshot(str(tmp_path / "goal-new.png"))
        _submit(driver, "#save-goal", ".flashes")
        assert "Målet M1 er tilføjet planen." in driver.find_element(By.ID, "main").text
        edit_path = driver.execute_script("return location.pathname;")
        assert edit_path.endswith("/edit")
        assert driver.find_element(By.ID, "indicators-0-baseline").get_attribute("value") == "75"
        assert driver.find_element(By.ID, "milestones-0-title").get_attribute(
            "value") == "Nyt system i drift"

        # a finding links to its field: remove the deadline and save
        _fill(driver, {"deadline": "", "title": "Hurtigere inddrivelse af gæld"})
        _submit(driver, "#save-goal", ".flashes")
        link = driver.find_element(By.CSS_SELECTOR, '#findings a[href="#deadline"]')
        link.click()
        assert driver.switch_to.active_element == driver.find_element(By.ID, "deadline")
        driver.save_screenshot(str(tmp_path / "goal-findings.png"))
        console += _severe(driver)

        # a second goal, then the order
        plan_link = driver.find_element(By.CSS_SELECTOR, "nav.crumbs a[href^='/plans/']")
        plan_path = plan_link.get_attribute("pathname")
        driver.get(server.url + plan_path)
        _submit(driver, "#add-goal", "form.goal-form")
        _fill(driver, {"title": "Bedre kundeservice", "task_type": "operations",
                       "goal_type": "quality", "nature": "qualitative",
                       "success_criterion": "Tilfredshed over 4", "deadline": "2027-12-31"})
        _submit(driver, "#save-goal", ".flashes")
        driver.get(server.url + plan_path)
        _submit(driver, "#order-goals", "form.order-form")
        _submit(driver, "#order-M2 button[value$=':up']", ".flashes")
        items = driver.find_elements(By.CSS_SELECTOR, "ol.goal-order li")
        assert [i.get_attribute("id") for i in items] == ["order-M2", "order-M1"]
        assert "Målet M2 er flyttet op." in driver.find_element(By.ID, "main").text
        console += _severe(driver)

        # withdraw M1
        driver.get(server.url + plan_path)
        _submit(driver, "#withdraw-M1", "form.decision-form")
        _submit(driver, "form.decision-form button[type=submit]", ".error-summary")
        assert driver.find_element(By.CSS_SELECTOR, '.error-summary a[href="#reason"]').text == (
            "Skriv, hvorfor målet udgår.")
        driver.find_element(By.ID, "reason").send_keys("Indgår i et andet mål")
        _submit(driver, "form.decision-form button[type=submit]", "#goal-M1")
        main = driver.find_element(By.ID, "main").text
        assert "Målet M1 er udgået." in main
        assert "Udgået" in driver.find_element(By.ID, "goal-M1").text
        assert not driver.find_elements(By.ID, "withdraw-M1")
        console += _severe(driver)

    assert console == [], console
    failed = server.failed()
    assert [f[0] for f in failed] == ["POST"] and failed[0][1].endswith("/withdraw"), failed


def _focus_style(driver: Any, element: Any) -> tuple[str, str, str]:
    return driver.execute_script(
        "const s = getComputedStyle(arguments[0]);"
        "return [s.outlineStyle, s.outlineWidth, s.boxShadow];", element)


def test_a_goal_created_with_the_keyboard_alone(live: Any, tmp_path: Path) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys

    from tests.support.factories import plan_body

    server, secrets, app = live
    with app.app_context():
        client = app.test_client()
        admin = {"Authorization": f"Bearer {secrets['admin']}"}
        response = client.post("/api/v1/plans", json=plan_body("MST", period_start=2027,
                                                               period_end=2027), headers=admin)
        assert response.status_code == 201, response.get_data(as_text=True)
        plan_id = response.get_json()["id"]

    typed = {
        "title": "Kortere ventetid på syn", "task_type": "Drift", "goal_type": "Output",
        "nature": "kvantitativ", "success_criterion": "Højst 10 dages ventetid",
        "owner": "Kontorchef", "indicators-0-name": "Ventetid", "indicators-0-unit": "dage",
        "indicators-0-target": "10", "indicators-0-direction": "reducere",
        "milestones-0-title": "Ny booking",
    }
    expected_order = ["code", "title", "description", "task_type", "goal_type", "nature",
                      "success_criterion", "deadline", "owner", "politically_fixed",
                      "indicators-0-name", "indicators-0-unit", "indicators-0-baseline",
                      "indicators-0-baseline_year", "indicators-0-target",
                      "indicators-0-direction", "indicators-0-data_source",
                      "milestones-0-title", "milestones-0-due_date", "milestones-0-done",
                      "save-goal"]
    with chrome(tmp_path / "profile") as driver:
        _sign_in(driver, server, secrets["skm"])
        driver.get(f"{server.url}/plans/{plan_id}/goals/new")

        def active() -> Any:
            return driver.switch_to.active_element

        def press(*keys: str) -> None:
            active().send_keys(*keys)

        # a date field takes its day, month and year in the order of the browser's language
        date_keys = driver.execute_script(
            "const parts = new Intl.DateTimeFormat(undefined, {day: '2-digit', month: "
            "'2-digit', year: 'numeric'}).formatToParts(new Date(2027, 11, 31));"
            "return parts.filter(p => p.type !== 'literal').map(p => p.value).join('');")

        # the skip link first, then into the page's content
        driver.find_element(By.TAG_NAME, "body").send_keys(Keys.TAB)
        assert active().text == "Spring til indholdet"
        press(Keys.ENTER)
        visited: list[str] = []
        unlabelled: list[str] = []
        invisible: list[str] = []
        for _step in range(80):
            press(Keys.TAB)
            element = active()
            ident = element.get_attribute("id") or element.tag_name
            if visited and visited[-1] == ident:
                continue  # a date field's day, month and year take a Tab each
            focused = _focus_style(driver, element)
            visited.append(ident)
            if ident == "code" and "shift-checked" not in visited:
                # Shift+Tab goes back to where it came from, Tab forward again
                press(Keys.SHIFT, Keys.TAB)
                assert active().get_attribute("id") != "code"
                press(Keys.TAB)
                assert active().get_attribute("id") == "code"
                visited.append("shift-checked")
            if ident in expected_order:
                if element.tag_name in ("input", "select", "textarea") and not (
                        element.accessible_name or "").strip():
                    unlabelled.append(ident)
                if ident in typed:
                    press(typed[ident])
                if ident == "milestones-0-done":
                    press(Keys.SPACE)
                if ident == "deadline":
                    press(date_keys)
            if ident == "save-goal":
                break
            # the focus style differs from the same element without focus
            unfocused = driver.execute_script(
                "const e = arguments[0]; e.blur();"
                "const s = getComputedStyle(e); const r = [s.outlineStyle, s.outlineWidth,"
                " s.boxShadow]; e.focus(); return r;", element)
            if ident in expected_order and focused == unfocused:
                invisible.append(ident)
        visited = [v for v in visited if v != "shift-checked"]
        in_form = [v for v in visited if v in expected_order]
        assert in_form == expected_order, visited
        assert unlabelled == [] and invisible == [], (unlabelled, invisible)
        driver.save_screenshot(str(tmp_path / "keyboard.png"))
        assert driver.find_element(By.ID, "task_type").get_attribute("value") == "operations"
        assert driver.find_element(By.ID, "nature").get_attribute("value") == "quantitative"
        assert driver.find_element(By.ID, "milestones-0-done").is_selected()
        assert driver.find_element(By.ID, "deadline").get_attribute("value") == "2027-12-31"

        old = driver.find_element(By.TAG_NAME, "html")
        press(Keys.ENTER)
        from selenium.webdriver.support import expected_conditions as ec

        wait(driver, ec.staleness_of(old))
        wait(driver, ec.presence_of_element_located((By.ID, "main")))
        main = driver.find_element(By.ID, "main").text
        assert "Målet M1 er tilføjet planen." in main, main[:600]

    with app.app_context():
        goal = client.get(f"/api/v1/plans/{plan_id}/goals", headers=admin).get_json()[0]
    assert (goal["title"], goal["task_type"], goal["goal_type"], goal["nature"]) == (
        "Kortere ventetid på syn", "operations", "output", "quantitative")
    assert goal["deadline"] == "2027-12-31"
    assert goal["indicators"][0]["direction"] == "decrease"
    assert goal["milestones"] == [{"title": "Ny booking", "due_date": None, "done": True}]

"""Every form of the dashboard driven at least once in a real browser (headless Chromium,
Selenium): the forms no other browser test drives are driven here, through their success
path and, where the form has one, an error path whose Danish error is tied to the field (the
error summary's link moves the focus to the field) and which axe finds nothing serious or
critical on. One browser per role for the whole module: here the department's forms, in
test_browser_forms_admin.py the administrator's.

The forms (``<form`` in service/web/templates/web/*.html) and the test that drives them:

- base.html, sign-out (``Log ud``): test_browser.py; here too (the session is gone after).
- login.html, token sign-in: every browser test; its error (a wrong token) here.
- overview.html, filters (period, institution, task type, status, disagreeing): the
  submit in test_browser.py; the period and institution filters and the period error here.
- overview.html, annual report (institution, year, three formats): here (HTML opened, Word
  and Markdown fetched from the page as files; a missing year's error).
- plan.html, follow-up template (period): here (fetched from the page as an .xlsx file).
- plan_list.html, filters and search: test_browser_plan_list.py (status); search, the
  institution and year filters and the year error (summary link) here.
- plan_new.html, goal_form.html, goal_order.html, goal_withdraw.html:
  test_browser_planforms.py (success and error paths).
- plan_decision.html (approve, close, reopen): test_browser_plan_list.py (approve),
  test_browser_decisions.py (close with its error, reopen).
- institution_new.html, create: here (the error summary, then created).
- institution.html, add address: test_browser_institutions.py (refused address, then
  added); here an address another institution has (the error linked to the field).
- institution.html, remove address (the button per address) and institution_remove.html,
  its confirmation: here.
- institution.html, rename: here (empty name's error, then renamed; audited).
- institution.html, move to another ministry (administrators): here (moved; audited). The
  select offers only existing ministries, so the form has no error a person can reach.
- intake.html, reprocess (per row): here.
- intake_message.html, register sender: test_browser_institutions.py.
- intake_message.html, discard with a reason: test_browser_institutions.py (error and success).
- intake_message.html, reprocess (a mail whose sender cannot be registered): here.
- users.html, create a user: here (an invalid address's error, then created).
- users.html, close and open access (per row): here. The page has no form to change a
  user's role.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.web.driving import (
    FETCH_FORM,
    axe_clean,
    main_text,
    serve,
    sign_in,
    submit,
    summary_link_focuses,
    wait,
)
from tests.web.live import PERIOD, LiveServer, chrome


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory
         ) -> Iterator[tuple[LiveServer, dict[str, Any], Any]]:
    with serve(tmp_path_factory.mktemp("forms")) as served:
        yield served


@pytest.fixture(scope="module")
def department(live: Any, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    """Chromium signed in as SKM's department, for the whole module."""
    server, secrets, _app = live
    with chrome(tmp_path_factory.mktemp("skm-profile")) as driver:
        sign_in(driver, server.url, secrets["skm"])
        yield driver


def test_overview_filters_period_and_institution(live: Any, department: Any) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as ec
    from selenium.webdriver.support.ui import Select

    server, _secrets, _app = live
    driver = department
    driver.get(f"{server.url}/?period={PERIOD}")
    wait(driver, ec.presence_of_element_located((By.CSS_SELECTOR, "table.overview")))
    plans = {r.get_attribute("data-plan") for r in
             driver.find_elements(By.CSS_SELECTOR, "table.overview tbody tr")}
    assert {"UFST-2026", "MST-2026"} <= plans

    # the period in Danish words and one institution
    period = driver.find_element(By.ID, "f-period")
    period.clear()
    period.send_keys("1. halvår 2026")
    Select(driver.find_element(By.ID, "f-institution")).select_by_value("UFST")
    submit(driver, "//form[@class='filters']//button[text()='Vis']",
            ec.text_to_be_present_in_element((By.TAG_NAME, "h1"), "1. halvår 2026"))
    assert "institution=UFST" in driver.current_url
    plans = [r.get_attribute("data-plan") for r in
             driver.find_elements(By.CSS_SELECTOR, "table.overview tbody tr")]
    assert plans == ["UFST-2026"]
    assert Select(driver.find_element(By.ID, "f-institution")
                  ).first_selected_option.get_attribute("value") == "UFST"

    # a period that is none: the Danish error, tied to the field, and the page accessible
    period = driver.find_element(By.ID, "f-period")
    period.clear()
    period.send_keys("sidste år")
    submit(driver, "//form[@class='filters']//button[text()='Vis']",
            ec.presence_of_element_located((By.ID, "e-period")))
    error = driver.find_element(By.ID, "e-period")
    assert "»sidste år« er ikke en periode" in error.text
    assert error.get_attribute("role") == "alert"
    field = driver.find_element(By.ID, "f-period")
    assert field.get_attribute("aria-invalid") == "true"
    assert field.get_attribute("aria-describedby") == "e-period"
    axe_clean(driver, "overview with a period error")


def test_plan_list_search_and_filters(live: Any, department: Any) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as ec
    from selenium.webdriver.support.ui import Select

    server, _secrets, _app = live
    driver = department
    driver.get(server.url + "/plans")
    wait(driver, ec.presence_of_element_located((By.ID, "f-q")))
    listed = driver.find_element(By.ID, "main").text
    assert "UFST-2026" in listed and "MST-2026" in listed

    # search
    driver.find_element(By.ID, "f-q").send_keys("MST")
    submit(driver, "//button[text()='Vis planer']",
            ec.url_contains("q=MST"))
    links = {a.text for a in driver.find_elements(By.CSS_SELECTOR, "#main table a")}
    assert "MST-2026" in links and "UFST-2026" not in links

    # institution and year, the search cleared
    driver.find_element(By.ID, "f-q").clear()
    Select(driver.find_element(By.ID, "f-institution")).select_by_value("UFST")
    driver.find_element(By.ID, "f-year").send_keys("2026")
    submit(driver, "//button[text()='Vis planer']", ec.url_contains("institution=UFST"))
    links = {a.text for a in driver.find_elements(By.CSS_SELECTOR, "#main table a")}
    assert "UFST-2026" in links and "MST-2026" not in links
    assert "year=2026" in driver.current_url

    # a year that is none: the summary links to the field
    year = driver.find_element(By.ID, "f-year")
    year.clear()
    year.send_keys("tyve")
    submit(driver, "//button[text()='Vis planer']",
            ec.presence_of_element_located((By.CSS_SELECTOR, ".error-summary")))
    assert driver.title.startswith("Fejl: Planer")
    assert "»tyve« er ikke et årstal" in summary_link_focuses(driver, "f-year")
    axe_clean(driver, "plan list with a year error")


def test_annual_report_form(live: Any, department: Any) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as ec
    from selenium.webdriver.support.ui import Select

    server, _secrets, _app = live
    driver = department
    driver.get(f"{server.url}/?period={PERIOD}")
    wait(driver, ec.presence_of_element_located((By.ID, "ar-institution")))
    Select(driver.find_element(By.ID, "ar-institution")).select_by_value("UFST")
    year = driver.find_element(By.ID, "ar-year")
    assert year.get_attribute("value") == "2026"
    form = driver.find_element(By.CSS_SELECTOR, "form.annual-report-form")

    # Word and Markdown: files, as the page fetches them with its session
    for fmt, mimetype, head in (
        ("docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
         "PK"),
        ("md", "text/markdown", None),
    ):
        button = form.find_element(By.CSS_SELECTOR, f"button[value={fmt}]")
        got = driver.execute_async_script(FETCH_FORM, form, button)
        assert got.get("status") == 200, got
        assert got["type"].startswith(mimetype), got
        assert got["disposition"].startswith("attachment"), got
        assert f"faglige-resultater-UFST-2026.{fmt}" in got["disposition"], got
        assert got["size"] > 100, got
        if head:
            assert got["head"] == head, got

    # HTML opens in the browser
    submit(driver, "//form[contains(@class, 'annual-report-form')]//button[text()='HTML']",
            ec.url_contains("format=html"))
    assert driver.find_element(By.TAG_NAME, "h1").text == "Faglige resultater 2026"
    text = driver.find_element(By.TAG_NAME, "body").text
    assert "Udviklings- og Forenklingsstyrelsen (UFST)" in text
    assert "UFST-2026" in text

    # without a year: back on the overview with the Danish error
    driver.get(f"{server.url}/?period={PERIOD}")
    wait(driver, ec.presence_of_element_located((By.ID, "ar-year")))
    driver.find_element(By.ID, "ar-year").clear()
    submit(driver, "//form[contains(@class, 'annual-report-form')]"
                    "//button[text()='Word (.docx)']",
            ec.presence_of_element_located((By.CSS_SELECTOR, ".flash-error")))
    flash = driver.find_element(By.CSS_SELECTOR, ".flash-error")
    assert flash.text == "Skriv årstallet for årsrapporten, fx 2026."
    assert flash.get_attribute("role") == "alert"
    assert driver.find_element(By.TAG_NAME, "h1").text.startswith("Overblik")
    axe_clean(driver, "overview with the annual report's error")


def test_followup_template_form(live: Any, department: Any) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as ec
    from selenium.webdriver.support.ui import Select

    server, _secrets, _app = live
    driver = department
    driver.get(f"{server.url}/?period={PERIOD}")
    driver.find_element(By.LINK_TEXT, "UFST-2026").click()
    wait(driver, ec.presence_of_element_located((By.ID, "t-period")))
    select = Select(driver.find_element(By.ID, "t-period"))
    select.select_by_value("2026-H1")
    assert select.first_selected_option.text == "1. halvår 2026"
    field = driver.find_element(By.ID, "t-period")
    form = field.find_element(By.XPATH, "./ancestor::form")
    button = form.find_element(By.CSS_SELECTOR, "button[type=submit]")
    got = driver.execute_async_script(FETCH_FORM, form, button)
    assert got.get("status") == 200, got
    assert "period=2026-H1" in got["url"]
    assert got["type"].startswith(
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"), got
    assert got["disposition"].startswith("attachment") and ".xlsx" in got["disposition"], got
    assert got["head"] == "PK", got


def test_intake_reprocess_from_the_list_and_the_message(live: Any, department: Any) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as ec

    from service.domain.models import InboundMessage, Ministry
    from service.extensions import db

    server, secrets, app = live
    driver = department
    mid = secrets["reprocess"]
    driver.get(server.url + "/intake")
    wait(driver, ec.presence_of_element_located((By.ID, f"message-{mid}")))
    driver.find_element(By.CSS_SELECTOR, f"#message-{mid} form button").click()
    wait(driver, ec.presence_of_element_located((By.CSS_SELECTOR, ".flashes")))
    with app.app_context():
        state = db.session.get(InboundMessage, mid).state
        db.session.remove()
    assert state in {"accepted", "rejected"}
    assert f"Besked {mid} er genbehandlet:" in main_text(driver)
    assert driver.current_url.rstrip("/").endswith("/intake")
    row = driver.find_elements(By.ID, f"message-{mid}")
    assert [r.get_attribute("data-state") for r in row] == (
        [state] if state == "rejected" else [])

    # the quarantined mail for a plan that does not exist: processed again from its page
    with app.app_context():
        other = db.session.scalar(db.select(InboundMessage.id).where(
            InboundMessage.reason == "unknown_plan"))
        db.session.remove()
    driver.get(f"{server.url}/intake/messages/{other}")
    wait(driver, ec.presence_of_element_located((By.ID, "message-facts")))
    assert not driver.find_elements(By.ID, "register")
    submit(driver, "//main/form//button[text()='Genbehandl']",
            ec.presence_of_element_located((By.CSS_SELECTOR, ".flashes")))
    # the mail names DST, which is FM's: processed again, SKM's department sees it no more
    flash = driver.find_element(By.CSS_SELECTOR, ".flashes").text
    assert flash.startswith(f"Besked {other}:") and "genbehandlet" in flash, flash
    assert driver.find_element(By.TAG_NAME, "h1").text.startswith("Indbakke")
    assert not driver.find_elements(By.ID, f"message-{other}")
    with app.app_context():
        skm = db.session.scalar(db.select(Ministry.id).where(Ministry.code == "SKM"))
        assert db.session.get(InboundMessage, other).ministry_id != skm
        db.session.remove()

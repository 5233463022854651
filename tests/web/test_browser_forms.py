"""Every form of the dashboard driven at least once in a real browser (headless Chromium,
Selenium): the forms no other browser test drives are driven here, through their success
path and, where the form has one, an error path whose Danish error is tied to the field (the
error summary's link moves the focus to the field) and which axe finds nothing serious or
critical on. One browser per role for the whole module.

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
- institution.html, add address: test_browser_institutions.py (refused address, then added).
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

import hashlib
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.web.axe import axe_missing, blocking, describe, run_axe
from tests.web.live import (
    PERIOD,
    LiveServer,
    build_app,
    chrome,
    chromium_missing,
    close_app,
    populate,
)

#: a fetch of the URL the form would submit to (with the button pressed), as the page does
FETCH_FORM = """
const [form, button, done] = arguments;
const params = new URLSearchParams(new FormData(form, button));
const url = form.action + '?' + params.toString();
fetch(url, {credentials: 'same-origin'}).then(async r => {
  const bytes = new Uint8Array(await r.arrayBuffer());
  done({status: r.status, url: url, type: r.headers.get('content-type'),
        disposition: r.headers.get('content-disposition'),
        head: String.fromCharCode(...bytes.slice(0, 2)), size: bytes.length});
}).catch(e => done({error: String(e)}));
"""


def _quarantined(app: Any, sender: str, uid: int) -> int:
    """A mail for UFST-2026 from ``sender`` in quarantine (unknown sender), owned by SKM."""
    from service.domain.models import InboundMessage, Plan
    from service.extensions import db
    from tests.support.intake_messages import mail, report

    with app.app_context():
        raw = mail(sender, "[UFST-2026] 2026-H1", report("UFST-2026"), n=uid)
        plan = db.session.scalar(db.select(Plan).where(Plan.reference == "UFST-2026"))
        msg = InboundMessage(
            mailbox="INBOX", uidvalidity=1, uid=200 + uid,
            sha256=hashlib.sha256(raw).hexdigest(), size=len(raw), raw=raw, sender=sender,
            subject="[UFST-2026] 2026-H1", state="quarantined", reason="unknown_sender",
            detail=f"{sender} er ikke registreret som indberetningsadresse.",
            plan_id=plan.id, ministry_id=plan.institution.ministry_id,
        )
        db.session.add(msg)
        db.session.commit()
        return msg.id


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory
         ) -> Iterator[tuple[LiveServer, dict[str, Any], Any]]:
    missing = chromium_missing() or axe_missing()
    if missing is not None:
        if os.environ.get("CI") == "true":
            pytest.fail(f"{missing} (the CI machine must have chromium and axe-core)")
        pytest.skip(missing)
    app = build_app(tmp_path_factory.mktemp("forms"))
    try:
        secrets: dict[str, Any] = dict(populate(app))
        # from UFST's registered address: accepted or rejected when processed again
        secrets["reprocess"] = _quarantined(app, "opfoelgning@ufst.dk", 1)
        with LiveServer(app) as server:
            yield server, secrets, app
    finally:
        close_app(app)


def _wait(driver: Any, condition: Any) -> Any:
    from selenium.webdriver.support.ui import WebDriverWait

    return WebDriverWait(driver, 15).until(condition)


def _sign_in(driver: Any, url: str, token: str) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as ec

    driver.get(url + "/login")
    _wait(driver, ec.presence_of_element_located((By.ID, "token")))
    driver.find_element(By.ID, "token").send_keys(token)
    driver.find_element(By.CSS_SELECTOR, "form.stack button[type=submit]").click()
    _wait(driver, ec.presence_of_element_located((By.CSS_SELECTOR, "header .who")))


@pytest.fixture(scope="module")
def department(live: Any, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    """Chromium signed in as SKM's department."""
    server, secrets, _app = live
    with chrome(tmp_path_factory.mktemp("skm-profile")) as driver:
        _sign_in(driver, server.url, secrets["skm"])
        yield driver


@pytest.fixture(scope="module")
def admin(live: Any, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    """Chromium of an administrator, not yet signed in."""
    with chrome(tmp_path_factory.mktemp("admin-profile")) as driver:
        yield driver


def _axe_clean(driver: Any, where: str) -> None:
    found = blocking(run_axe(driver))
    assert not found, describe(found, where)


def _summary_link_focuses(driver: Any, field_id: str) -> str:
    """Click the error summary's link to ``field_id``: the field gets the focus and is
    marked invalid. Returns the link's text."""
    from selenium.webdriver.common.by import By

    link = driver.find_element(By.CSS_SELECTOR, f'.error-summary a[href="#{field_id}"]')
    text = link.text
    link.click()
    field = driver.find_element(By.ID, field_id)
    assert driver.switch_to.active_element == field
    assert field.get_attribute("aria-invalid") == "true"
    return text


def _submit(driver: Any, xpath: str, wait_for: Any) -> None:
    from selenium.webdriver.common.by import By

    driver.find_element(By.XPATH, xpath).click()
    _wait(driver, wait_for)


def _main(driver: Any) -> str:
    from selenium.webdriver.common.by import By

    return driver.find_element(By.ID, "main").text


def _events(app: Any, entity: str, entity_id: int) -> list[tuple[str, Any, Any]]:
    from service.domain.models import AuditEvent
    from service.extensions import db

    with app.app_context():
        rows = db.session.scalars(db.select(AuditEvent).where(
            AuditEvent.entity == entity, AuditEvent.entity_id == entity_id
        ).order_by(AuditEvent.id)).all()
        result = [(e.action, e.before, e.after) for e in rows]
        db.session.remove()
        return result


# -- the department -------------------------------------------------------------------------


def test_overview_filters_period_and_institution(live: Any, department: Any) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as ec
    from selenium.webdriver.support.ui import Select

    server, _secrets, _app = live
    driver = department
    driver.get(f"{server.url}/?period={PERIOD}")
    _wait(driver, ec.presence_of_element_located((By.CSS_SELECTOR, "table.overview")))
    plans = {r.get_attribute("data-plan") for r in
             driver.find_elements(By.CSS_SELECTOR, "table.overview tbody tr")}
    assert {"UFST-2026", "MST-2026"} <= plans

    # the period in Danish words and one institution
    period = driver.find_element(By.ID, "f-period")
    period.clear()
    period.send_keys("1. halvår 2026")
    Select(driver.find_element(By.ID, "f-institution")).select_by_value("UFST")
    _submit(driver, "//form[@class='filters']//button[text()='Vis']",
            ec.text_to_be_present_in_element((By.TAG_NAME, "h1"), "1. halvår 2026"))
    assert "period=2026-H1" in driver.current_url or "1.+halv" in driver.current_url
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
    _submit(driver, "//form[@class='filters']//button[text()='Vis']",
            ec.presence_of_element_located((By.ID, "e-period")))
    error = driver.find_element(By.ID, "e-period")
    assert "»sidste år« er ikke en periode" in error.text
    assert error.get_attribute("role") == "alert"
    field = driver.find_element(By.ID, "f-period")
    assert field.get_attribute("aria-invalid") == "true"
    assert field.get_attribute("aria-describedby") == "e-period"
    _axe_clean(driver, "overview with a period error")


def test_plan_list_search_and_filters(live: Any, department: Any) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as ec
    from selenium.webdriver.support.ui import Select

    server, _secrets, _app = live
    driver = department
    driver.get(server.url + "/plans")
    _wait(driver, ec.presence_of_element_located((By.ID, "f-q")))
    listed = driver.find_element(By.ID, "main").text
    assert "UFST-2026" in listed and "MST-2026" in listed

    # search
    driver.find_element(By.ID, "f-q").send_keys("MST")
    _submit(driver, "//button[text()='Vis planer']",
            ec.url_contains("q=MST"))
    links = {a.text for a in driver.find_elements(By.CSS_SELECTOR, "#main table a")}
    assert "MST-2026" in links and "UFST-2026" not in links

    # institution and year, the search cleared
    driver.find_element(By.ID, "f-q").clear()
    Select(driver.find_element(By.ID, "f-institution")).select_by_value("UFST")
    driver.find_element(By.ID, "f-year").send_keys("2026")
    _submit(driver, "//button[text()='Vis planer']", ec.url_contains("institution=UFST"))
    links = {a.text for a in driver.find_elements(By.CSS_SELECTOR, "#main table a")}
    assert "UFST-2026" in links and "MST-2026" not in links
    assert "year=2026" in driver.current_url

    # a year that is none: the summary links to the field
    year = driver.find_element(By.ID, "f-year")
    year.clear()
    year.send_keys("tyve")
    _submit(driver, "//button[text()='Vis planer']",
            ec.presence_of_element_located((By.CSS_SELECTOR, ".error-summary")))
    assert driver.title.startswith("Fejl: Planer")
    assert "»tyve« er ikke et årstal" in _summary_link_focuses(driver, "f-year")
    _axe_clean(driver, "plan list with a year error")


def test_annual_report_form(live: Any, department: Any) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as ec
    from selenium.webdriver.support.ui import Select

    server, _secrets, _app = live
    driver = department
    driver.get(f"{server.url}/?period={PERIOD}")
    _wait(driver, ec.presence_of_element_located((By.ID, "ar-institution")))
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
    _submit(driver, "//form[contains(@class, 'annual-report-form')]//button[text()='HTML']",
            ec.url_contains("format=html"))
    text = driver.find_element(By.TAG_NAME, "body").text
    assert "2026" in text and ("UFST" in text or "Udviklings- og Forenklingsstyrelsen" in text)

    # without a year: back on the overview with the Danish error
    driver.get(f"{server.url}/?period={PERIOD}")
    _wait(driver, ec.presence_of_element_located((By.ID, "ar-year")))
    driver.find_element(By.ID, "ar-year").clear()
    _submit(driver, "//form[contains(@class, 'annual-report-form')]"
                    "//button[text()='Word (.docx)']",
            ec.presence_of_element_located((By.CSS_SELECTOR, ".flash-error")))
    flash = driver.find_element(By.CSS_SELECTOR, ".flash-error")
    assert flash.text == "Skriv årstallet for årsrapporten, fx 2026."
    assert flash.get_attribute("role") == "alert"
    assert driver.find_element(By.TAG_NAME, "h1").text.startswith("Overblik")
    _axe_clean(driver, "overview with the annual report's error")


def test_followup_template_form(live: Any, department: Any) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as ec
    from selenium.webdriver.support.ui import Select

    server, _secrets, _app = live
    driver = department
    driver.get(f"{server.url}/?period={PERIOD}")
    driver.find_element(By.LINK_TEXT, "UFST-2026").click()
    _wait(driver, ec.presence_of_element_located((By.ID, "t-period")))
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
    _wait(driver, ec.presence_of_element_located((By.ID, f"message-{mid}")))
    driver.find_element(By.CSS_SELECTOR, f"#message-{mid} form button").click()
    _wait(driver, ec.presence_of_element_located((By.CSS_SELECTOR, ".flashes")))
    with app.app_context():
        state = db.session.get(InboundMessage, mid).state
        db.session.remove()
    assert state in {"accepted", "rejected"}
    assert f"Besked {mid} er genbehandlet:" in _main(driver)
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
    _wait(driver, ec.presence_of_element_located((By.ID, "message-facts")))
    assert not driver.find_elements(By.ID, "register")
    _submit(driver, "//main/form//button[text()='Genbehandl']",
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


# -- the administrator ----------------------------------------------------------------------


def test_sign_in_with_a_wrong_token(live: Any, admin: Any) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as ec

    server, secrets, _app = live
    driver = admin
    driver.get(server.url + "/login")
    _wait(driver, ec.presence_of_element_located((By.ID, "token")))
    driver.find_element(By.ID, "token").send_keys("mrp_forkert")
    _submit(driver, "//form//button[text()='Log ind']",
            ec.presence_of_element_located((By.ID, "token-error")))
    token = driver.find_element(By.ID, "token")
    assert token.get_attribute("aria-invalid") == "true"
    assert token.get_attribute("aria-describedby") == "token-error"
    assert driver.find_element(By.ID, "token-error").text
    _axe_clean(driver, "sign-in with a wrong token")
    _sign_in(driver, server.url, secrets["admin"])
    assert driver.find_element(By.LINK_TEXT, "Brugere")


def test_institution_create_rename_move_and_remove_address(live: Any, admin: Any) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as ec
    from selenium.webdriver.support.ui import Select

    from service.domain.models import Institution
    from service.extensions import db

    server, _secrets, app = live
    driver = admin
    driver.get(server.url + "/institutions")
    driver.find_element(By.LINK_TEXT, "Opret en institution").click()
    _wait(driver, ec.presence_of_element_located((By.ID, "code")))

    # nothing filled in: the summary, its first link to the code
    _submit(driver, "//button[text()='Opret institutionen']",
            ec.presence_of_element_located((By.CSS_SELECTOR, ".error-summary")))
    assert driver.title.startswith("Fejl: Opret en institution")
    assert _summary_link_focuses(driver, "code") == "Skriv institutionens kode, fx DST."
    _axe_clean(driver, "institution form with errors")
    driver.find_element(By.ID, "code").send_keys("TST")
    driver.find_element(By.ID, "name").send_keys("Teststyrelsen")
    Select(driver.find_element(By.ID, "ministry")).select_by_value("SKM")
    driver.find_element(By.ID, "address").send_keys("post@test.dk")
    _submit(driver, "//button[text()='Opret institutionen']",
            ec.text_to_be_present_in_element((By.TAG_NAME, "h1"), "TST Teststyrelsen"))
    assert "TST Teststyrelsen er oprettet." in _main(driver)
    assert "post@test.dk" in driver.find_element(By.ID, "addresses").text
    with app.app_context():
        made = db.session.scalar(db.select(Institution).where(Institution.code == "TST"))
        tst, ministry = made.id, made.ministry.code
        db.session.remove()
    assert ministry == "SKM"

    # rename: an empty name refused, then a new name
    name = driver.find_element(By.ID, "name")
    name.clear()
    _submit(driver, "//button[text()='Gem navnet']",
            ec.presence_of_element_located((By.CSS_SELECTOR, ".error-summary")))
    assert driver.title.startswith("Fejl: TST")
    assert _summary_link_focuses(driver, "name") == "Skriv institutionens navn."
    _axe_clean(driver, "institution page with a rename error")
    driver.find_element(By.ID, "name").send_keys("Styrelsen for Test")
    _submit(driver, "//button[text()='Gem navnet']",
            ec.text_to_be_present_in_element((By.TAG_NAME, "h1"), "TST Styrelsen for Test"))
    assert "TST hedder nu Styrelsen for Test." in _main(driver)

    # move to FM (administrators only)
    Select(driver.find_element(By.ID, "ministry")).select_by_value("FM")
    _submit(driver, "//button[text()='Flyt institutionen']",
            ec.text_to_be_present_in_element((By.ID, "institution-ministry"), "FM"))
    assert "TST hører nu under FM Finansministeriet" in _main(driver)

    # remove the address: the confirmation page first, its way back, then the removal
    driver.find_element(By.XPATH, "//ul[@id='addresses']//button").click()
    _wait(driver, ec.text_to_be_present_in_element(
        (By.TAG_NAME, "h1"), "Fjern post@test.dk fra TST?"))
    driver.find_element(By.LINK_TEXT, "Fortryd og gå tilbage").click()
    _wait(driver, ec.text_to_be_present_in_element((By.ID, "addresses"), "post@test.dk"))
    driver.find_element(By.XPATH, "//ul[@id='addresses']//button").click()
    _wait(driver, ec.presence_of_element_located((By.CSS_SELECTOR, "section.decision")))
    _submit(driver, "//button[text()='Fjern adressen']",
            ec.text_to_be_present_in_element(
                (By.ID, "addresses"), "Institutionen har ingen indberetningsadresser."))
    assert "post@test.dk er ikke længere indberetningsadresse for TST" in _main(driver)

    with app.app_context():
        row = db.session.get(Institution, tst)
        assert (row.name, row.ministry.code, row.reporting_addresses) == (
            "Styrelsen for Test", "FM", [])
        db.session.remove()
    events = _events(app, "institution", tst)
    actions = [e[0] for e in events]
    assert actions[-3:] == ["rename", "move", "address_remove"], events
    assert events[-3][2] == {"name": "Styrelsen for Test"}
    assert events[-2][1:] == ({"ministry": "SKM"}, {"ministry": "FM"})
    assert events[-1][1] == {"address": "post@test.dk"}


def test_users_create_close_and_open_access(live: Any, admin: Any) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as ec
    from selenium.webdriver.support.ui import Select

    from service.domain.models import User
    from service.extensions import db

    server, _secrets, app = live
    driver = admin
    driver.find_element(By.LINK_TEXT, "Brugere").click()
    _wait(driver, ec.presence_of_element_located((By.ID, "user-email")))

    # an address that is none: the summary links to the field
    driver.find_element(By.ID, "user-email").send_keys("ikke en adresse")
    driver.find_element(By.ID, "user-name").send_keys("Karen Jensen")
    Select(driver.find_element(By.ID, "user-role")).select_by_value("department")
    Select(driver.find_element(By.ID, "user-ministry")).select_by_value("SKM")
    _submit(driver, "//button[text()='Opret bruger']",
            ec.presence_of_element_located((By.CSS_SELECTOR, ".error-summary")))
    assert "gyldig e-mailadresse" in _summary_link_focuses(driver, "user-email")
    _axe_clean(driver, "users page with an error")
    email = driver.find_element(By.ID, "user-email")
    email.clear()
    email.send_keys("Karen.Jensen@skm.dk")
    assert driver.find_element(By.ID, "user-name").get_attribute("value") == "Karen Jensen"
    _submit(driver, "//button[text()='Opret bruger']",
            ec.presence_of_element_located((By.CSS_SELECTOR, ".flashes")))
    assert "Karen Jensen (karen.jensen@skm.dk) kan nu logge ind." in _main(driver)
    with app.app_context():
        person = db.session.scalar(db.select(User).where(User.email == "karen.jensen@skm.dk"))
        pid, role, ministry, active = (person.id, person.role, person.ministry.code,
                                       person.active)
        db.session.remove()
    assert (role, ministry, active) == ("department", "SKM", True)
    row = driver.find_element(By.ID, f"user-row-{pid}")
    assert "Departement" in row.text or "department" not in row.text

    # close the access, then open it again
    row.find_element(By.XPATH, ".//button[contains(., 'Luk adgang')]").click()
    _wait(driver, ec.text_to_be_present_in_element((By.ID, f"user-row-{pid}"), "Lukket"))
    assert "Karen Jensen kan ikke længere logge ind." in _main(driver)
    with app.app_context():
        assert db.session.get(User, pid).active is False
        db.session.remove()
    driver.find_element(By.XPATH, f"//tr[@id='user-row-{pid}']//button").click()
    _wait(driver, ec.text_to_be_present_in_element((By.ID, f"user-row-{pid}"), "Aktiv"))
    with app.app_context():
        assert db.session.get(User, pid).active is True
        db.session.remove()


def test_sign_out(live: Any, admin: Any) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as ec

    server, _secrets, _app = live
    driver = admin
    driver.get(server.url + "/users")
    _submit(driver, "//header//button[text()='Log ud']",
            ec.presence_of_element_located((By.ID, "token")))
    assert not driver.find_elements(By.CSS_SELECTOR, "header .who")
    driver.get(server.url + "/users")
    _wait(driver, ec.presence_of_element_located((By.ID, "token")))
    assert "/login" in driver.current_url
    assert not [r for r in server.failed() if r[2] >= 500], server.failed()

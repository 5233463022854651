"""The administrator's forms in a real browser (headless Chromium, Selenium), one browser for
the module: a wrong token at sign-in, an institution created, renamed, moved to another
ministry, a refused address and a removed one (with its confirmation), a user created,
their access closed and opened, and sign-out. The list of every form of the dashboard and
the test that drives it is test_browser_forms.py's docstring."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.web.driving import (
    axe_clean,
    events,
    main_text,
    serve,
    sign_in,
    submit,
    summary_link_focuses,
    wait,
)
from tests.web.live import LiveServer, chrome


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory
         ) -> Iterator[tuple[LiveServer, dict[str, Any], Any]]:
    with serve(tmp_path_factory.mktemp("forms-admin")) as served:
        yield served


@pytest.fixture(scope="module")
def admin(live: Any, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    """Chromium of an administrator (not yet signed in: the first test signs in)."""
    with chrome(tmp_path_factory.mktemp("admin-profile")) as driver:
        yield driver


def test_sign_in_with_a_wrong_token(live: Any, admin: Any) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as ec

    server, secrets, _app = live
    driver = admin
    driver.get(server.url + "/login")
    wait(driver, ec.presence_of_element_located((By.ID, "token")))
    driver.find_element(By.ID, "token").send_keys("mrp_forkert")
    submit(driver, "//form//button[text()='Log ind']",
            ec.presence_of_element_located((By.ID, "token-error")))
    token = driver.find_element(By.ID, "token")
    assert token.get_attribute("aria-invalid") == "true"
    assert token.get_attribute("aria-describedby") == "token-error"
    assert driver.find_element(By.ID, "token-error").text
    axe_clean(driver, "sign-in with a wrong token")
    sign_in(driver, server.url, secrets["admin"])
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
    wait(driver, ec.presence_of_element_located((By.ID, "code")))

    # nothing filled in: the summary, its first link to the code
    submit(driver, "//button[text()='Opret institutionen']",
            ec.presence_of_element_located((By.CSS_SELECTOR, ".error-summary")))
    assert driver.title.startswith("Fejl: Opret en institution")
    assert summary_link_focuses(driver, "code") == "Skriv institutionens kode, fx DST."
    axe_clean(driver, "institution form with errors")
    driver.find_element(By.ID, "code").send_keys("TST")
    driver.find_element(By.ID, "name").send_keys("Teststyrelsen")
    Select(driver.find_element(By.ID, "ministry")).select_by_value("SKM")
    driver.find_element(By.ID, "address").send_keys("post@test.dk")
    submit(driver, "//button[text()='Opret institutionen']",
            ec.text_to_be_present_in_element((By.TAG_NAME, "h1"), "TST Teststyrelsen"))
    assert "TST Teststyrelsen er oprettet." in main_text(driver)
    assert "post@test.dk" in driver.find_element(By.ID, "addresses").text
    with app.app_context():
        made = db.session.scalar(db.select(Institution).where(Institution.code == "TST"))
        tst, ministry = made.id, made.ministry.code
        db.session.remove()
    assert ministry == "SKM"

    # rename: an empty name refused, then a new name
    name = driver.find_element(By.ID, "name")
    name.clear()
    submit(driver, "//button[text()='Gem navnet']",
            ec.presence_of_element_located((By.CSS_SELECTOR, ".error-summary")))
    assert driver.title.startswith("Fejl: TST")
    assert summary_link_focuses(driver, "name") == "Skriv institutionens navn."
    axe_clean(driver, "institution page with a rename error")
    driver.find_element(By.ID, "name").send_keys("Styrelsen for Test")
    submit(driver, "//button[text()='Gem navnet']",
            ec.text_to_be_present_in_element((By.TAG_NAME, "h1"), "TST Styrelsen for Test"))
    assert "TST hedder nu Styrelsen for Test." in main_text(driver)

    # move to FM (administrators only)
    Select(driver.find_element(By.ID, "ministry")).select_by_value("FM")
    submit(driver, "//button[text()='Flyt institutionen']",
            ec.text_to_be_present_in_element((By.ID, "institution-ministry"), "FM"))
    assert "TST hører nu under FM Finansministeriet" in main_text(driver)

    # an address another institution has: refused, the error linked to the field
    driver.find_element(By.ID, "address").send_keys("opfoelgning@ufst.dk")
    submit(driver, "//button[text()='Tilføj adressen']",
            ec.presence_of_element_located((By.CSS_SELECTOR, ".error-summary")))
    assert "er allerede indberetningsadresse for UFST" in summary_link_focuses(
        driver, "address")
    axe_clean(driver, "institution page with an address error")
    assert [a.text for a in driver.find_elements(By.CSS_SELECTOR, "#addresses .address")
            ] == ["post@test.dk"]

    # remove the address: the confirmation page first, its way back, then the removal
    driver.find_element(By.XPATH, "//ul[@id='addresses']//button").click()
    wait(driver, ec.text_to_be_present_in_element(
        (By.TAG_NAME, "h1"), "Fjern post@test.dk fra TST?"))
    driver.find_element(By.LINK_TEXT, "Fortryd og gå tilbage").click()
    wait(driver, ec.text_to_be_present_in_element((By.ID, "addresses"), "post@test.dk"))
    driver.find_element(By.XPATH, "//ul[@id='addresses']//button").click()
    wait(driver, ec.presence_of_element_located((By.CSS_SELECTOR, "section.decision")))
    submit(driver, "//button[text()='Fjern adressen']",
            ec.text_to_be_present_in_element(
                (By.ID, "addresses"), "Institutionen har ingen indberetningsadresser."))
    assert "post@test.dk er ikke længere indberetningsadresse for TST" in main_text(driver)

    with app.app_context():
        row = db.session.get(Institution, tst)
        assert (row.name, row.ministry.code, row.reporting_addresses) == (
            "Styrelsen for Test", "FM", [])
        db.session.remove()
    audited = events(app, "institution", tst)
    actions = [e[0] for e in audited]
    assert actions[-3:] == ["rename", "move", "address_remove"], audited
    assert audited[-3][2] == {"name": "Styrelsen for Test"}
    assert audited[-2][1:] == ({"ministry": "SKM"}, {"ministry": "FM"})
    assert audited[-1][1] == {"address": "post@test.dk"}


def test_users_create_close_and_open_access(live: Any, admin: Any) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as ec
    from selenium.webdriver.support.ui import Select

    from service.domain.models import User
    from service.extensions import db

    _server, _secrets, app = live
    driver = admin
    driver.find_element(By.LINK_TEXT, "Brugere").click()
    wait(driver, ec.presence_of_element_located((By.ID, "user-email")))

    # an address that is none: the summary links to the field
    driver.find_element(By.ID, "user-email").send_keys("ikke en adresse")
    driver.find_element(By.ID, "user-name").send_keys("Karen Jensen")
    Select(driver.find_element(By.ID, "user-role")).select_by_value("department")
    Select(driver.find_element(By.ID, "user-ministry")).select_by_value("SKM")
    submit(driver, "//button[text()='Opret bruger']",
            ec.presence_of_element_located((By.CSS_SELECTOR, ".error-summary")))
    assert "gyldig e-mailadresse" in summary_link_focuses(driver, "user-email")
    axe_clean(driver, "users page with an error")
    email = driver.find_element(By.ID, "user-email")
    email.clear()
    email.send_keys("Karen.Jensen@skm.dk")
    assert driver.find_element(By.ID, "user-name").get_attribute("value") == "Karen Jensen"
    submit(driver, "//button[text()='Opret bruger']",
            ec.presence_of_element_located((By.CSS_SELECTOR, ".flashes")))
    assert "Karen Jensen (karen.jensen@skm.dk) kan nu logge ind." in main_text(driver)
    with app.app_context():
        person = db.session.scalar(db.select(User).where(User.email == "karen.jensen@skm.dk"))
        pid, role, ministry, active = (person.id, person.role, person.ministry.code,
                                       person.active)
        db.session.remove()
    assert (role, ministry, active) == ("department", "SKM", True)
    from service.web.labels import ROLE_LABELS

    row = driver.find_element(By.ID, f"user-row-{pid}")
    assert "karen.jensen@skm.dk" in row.text and ROLE_LABELS["department"] in row.text
    assert "Skatteministeriet" in row.text and "Aktiv" in row.text

    # close the access, then open it again
    row.find_element(By.XPATH, ".//button[contains(., 'Luk adgang')]").click()
    wait(driver, ec.text_to_be_present_in_element((By.ID, f"user-row-{pid}"), "Lukket"))
    assert "Karen Jensen kan ikke længere logge ind." in main_text(driver)
    with app.app_context():
        assert db.session.get(User, pid).active is False
        db.session.remove()
    driver.find_element(By.XPATH, f"//tr[@id='user-row-{pid}']//button").click()
    wait(driver, ec.text_to_be_present_in_element((By.ID, f"user-row-{pid}"), "Aktiv"))
    with app.app_context():
        assert db.session.get(User, pid).active is True
        db.session.remove()


def test_sign_out(live: Any, admin: Any) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as ec

    server, _secrets, _app = live
    driver = admin
    driver.get(server.url + "/users")
    submit(driver, "//header//button[text()='Log ud']",
            ec.presence_of_element_located((By.ID, "token")))
    assert not driver.find_elements(By.CSS_SELECTOR, "header .who")
    driver.get(server.url + "/users")
    wait(driver, ec.presence_of_element_located((By.ID, "token")))
    assert "/login" in driver.current_url
    assert not [r for r in server.failed() if r[2] >= 500], server.failed()

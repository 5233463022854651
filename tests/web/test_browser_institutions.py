"""Reporting addresses and the resolving of quarantined mail in a real browser (headless
Chromium, Selenium): an address added on the institution's page (after a refused one, its
error linked to the field), and a quarantined mail for a plan resolved by registering its
sender and processing it again, another discarded with a reason."""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.web.driving import wait
from tests.web.live import LiveServer, build_app, chrome, chromium_missing, close_app, populate

NEW = "ny.medarbejder@ufst.dk"


def _quarantined(app: Any, sender: str, uid: int) -> int:
    """A mail for UFST-2026 from an unregistered address, quarantined and owned by the
    plan's ministry (SKM)."""
    from service.domain.models import InboundMessage, Plan
    from service.extensions import db
    from tests.support.intake_messages import mail, report

    with app.app_context():
        raw = mail(sender, "[UFST-2026] 2026-H1", report("UFST-2026"), n=uid)
        plan = db.session.scalar(db.select(Plan).where(Plan.reference == "UFST-2026"))
        msg = InboundMessage(
            mailbox="INBOX", uidvalidity=1, uid=100 + uid,
            sha256=hashlib.sha256(raw).hexdigest(), size=len(raw), raw=raw, sender=sender,
            subject="[UFST-2026] 2026-H1", state="quarantined", reason="unknown_sender",
            detail=f"{sender} er ikke registreret som indberetningsadresse.",
            plan_id=plan.id, ministry_id=plan.institution.ministry_id,
        )
        db.session.add(msg)
        db.session.commit()
        return msg.id


@pytest.fixture
def live(tmp_path: Path) -> Iterator[tuple[LiveServer, dict[str, Any]]]:
    missing = chromium_missing()
    if missing is not None:
        if os.environ.get("CI") == "true":
            pytest.fail(f"{missing} (the CI machine must have chromium and chromium-driver)")
        pytest.skip(missing)
    app = build_app(tmp_path)
    try:
        secrets: dict[str, Any] = dict(populate(app))
        secrets["resolve"] = _quarantined(app, NEW, 1)
        secrets["discard"] = _quarantined(app, "reklame@firma.dk", 2)
        with LiveServer(app) as server:
            yield server, secrets
    finally:
        close_app(app)


def test_register_an_address_and_resolve_quarantined_mail(live: Any, tmp_path: Path) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as ec

    server, secrets = live
    with chrome(tmp_path / "profile") as driver:
        driver.get(server.url + "/login")
        wait(driver, ec.presence_of_element_located((By.ID, "token")))
        driver.find_element(By.ID, "token").send_keys(secrets["skm"])
        driver.find_element(By.CSS_SELECTOR, "form.stack button[type=submit]").click()
        wait(driver, ec.presence_of_element_located((By.CSS_SELECTOR, "form.filters")))

        # the institutions, from the navigation; UFST's page
        driver.find_element(By.LINK_TEXT, "Institutioner").click()
        wait(driver, ec.text_to_be_present_in_element((By.TAG_NAME, "h1"), "Institutioner"))
        assert "DST" not in driver.find_element(By.CSS_SELECTOR, "table.institutions").text
        driver.find_element(By.LINK_TEXT, "UFST").click()
        wait(driver, ec.text_to_be_present_in_element((By.TAG_NAME, "h1"), "UFST"))

        # an address with ø before the @: refused, the error at the top linked to the field
        field = driver.find_element(By.ID, "address")
        assert field.accessible_name == "Tilføj en indberetningsadresse"
        field.send_keys("søren@ufst.dk")
        driver.find_element(By.XPATH, "//button[text()='Tilføj adressen']").click()
        wait(driver, ec.presence_of_element_located((By.CSS_SELECTOR, ".error-summary")))
        assert driver.title.startswith("Fejl: UFST")
        link = driver.find_element(By.CSS_SELECTOR, '.error-summary a[href="#address"]')
        assert "æ, ø eller å" in link.text
        link.click()
        field = driver.find_element(By.ID, "address")
        assert driver.switch_to.active_element == field
        assert field.get_attribute("aria-invalid") == "true"
        field.clear()
        field.send_keys("soeren@ufst.dk")
        driver.find_element(By.XPATH, "//button[text()='Tilføj adressen']").click()
        wait(driver, ec.text_to_be_present_in_element(
            (By.ID, "addresses"), "soeren@ufst.dk"))
        assert "soeren@ufst.dk er nu indberetningsadresse for UFST" in driver.find_element(
            By.ID, "main").text

        # the intake: the quarantined mail's page, register its sender and process it again
        driver.find_element(By.LINK_TEXT, "Indbakke").click()
        wait(driver, ec.presence_of_element_located(
            (By.ID, f"message-{secrets['resolve']}")))
        driver.find_element(By.CSS_SELECTOR, f"#message-{secrets['resolve']} td a").click()
        wait(driver, ec.presence_of_element_located((By.ID, "message-facts")))
        facts = driver.find_element(By.ID, "message-facts").text
        assert NEW in facts and "ikke registreret" in facts and "UFST-2026" in facts
        driver.find_element(By.ID, "register").click()
        wait(driver, ec.text_to_be_present_in_element(
            (By.ID, "main"), "Mailen er behandlet igen"))
        main = driver.find_element(By.ID, "main").text
        assert f"{NEW} er nu indberetningsadresse for UFST" in main
        state = driver.find_element(By.ID, "message-state").get_attribute("data-state")
        assert state in {"accepted", "rejected"}, main
        driver.save_screenshot(str(tmp_path / "resolved.png"))

        # the other: discard it, first without a reason
        driver.get(f"{server.url}/intake/messages/{secrets['discard']}")
        wait(driver, ec.presence_of_element_located((By.ID, "reason")))
        reason = driver.find_element(By.ID, "reason")
        assert reason.accessible_name == "Begrundelse"
        driver.find_element(By.XPATH, "//button[text()='Kassér mailen']").click()
        wait(driver, ec.presence_of_element_located((By.CSS_SELECTOR, ".error-summary")))
        link = driver.find_element(By.CSS_SELECTOR, '.error-summary a[href="#reason"]')
        link.click()
        reason = driver.find_element(By.ID, "reason")
        assert driver.switch_to.active_element == reason
        reason.send_keys("Reklame, ikke en rapport.")
        driver.find_element(By.XPATH, "//button[text()='Kassér mailen']").click()
        wait(driver, ec.presence_of_element_located((By.ID, "discarded")))
        assert "»Reklame, ikke en rapport.«" in driver.find_element(By.ID, "discarded").text
        assert driver.find_element(By.ID, "message-state").get_attribute(
            "data-state") == "discarded"
        driver.get(f"{server.url}/intake?state=discarded")
        row = driver.find_element(By.ID, f"message-{secrets['discard']}")
        assert "kasseret" in row.text
    assert not [r for r in server.failed() if r[2] >= 500]

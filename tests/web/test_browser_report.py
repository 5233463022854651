"""The institution reports in a real browser (headless Chromium, Selenium): from the plan's
page to the report page, a rapportkladde saved, the page left and found again with what was
typed, a submission with an error (the summary's link moves the focus to the field), then
the report sent and its kvittering with the findings; axe finds nothing serious or critical
on the report page, with its errors, or on the kvittering."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.web.driving import axe_clean, main_text, serve, sign_in, summary_link_focuses, wait
from tests.web.live import LiveServer, chrome

PERIOD = "2027-H1"


@pytest.fixture
def live(tmp_path: Any) -> Iterator[tuple[LiveServer, dict[str, Any], Any]]:
    with serve(tmp_path) as served:
        yield served


def _ids(app: Any) -> tuple[int, dict[str, int]]:
    from service.domain.models import Goal, Plan
    from service.extensions import db

    with app.app_context():
        plan = db.session.scalar(db.select(Plan).where(Plan.reference == "DST-2026"))
        goals = {g.code: g.id for g in db.session.scalars(
            db.select(Goal).where(Goal.plan_id == plan.id))}
        plan_id = plan.id
        db.session.remove()
    return plan_id, goals


def _followups(app: Any, plan_id: int) -> list[tuple[str, str, str, int | None]]:
    from service.domain.models import FollowUp
    from service.extensions import db

    with app.app_context():
        rows = db.session.scalars(db.select(FollowUp).where(
            FollowUp.plan_id == plan_id, FollowUp.period == PERIOD).order_by(FollowUp.id))
        found = [(f.channel, f.status, f.period, f.superseded_by_id) for f in rows]
        db.session.remove()
    return found


def test_the_institution_drafts_comes_back_and_submits(live: Any, tmp_path: Any) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as ec
    from selenium.webdriver.support.ui import Select

    server, secrets, app = live
    plan_id, goals = _ids(app)
    with chrome(tmp_path / "profile") as driver:
        sign_in(driver, server.url, secrets["dst"])
        driver.get(f"{server.url}/plans/{plan_id}")
        driver.find_element(By.ID, "report-link").click()
        wait(driver, ec.presence_of_element_located((By.ID, "report-form")))
        # another period, chosen on the page
        Select(driver.find_element(By.ID, "report-period-choice")).select_by_visible_text(
            "1. halvår 2027")
        driver.find_element(By.CSS_SELECTOR, "#report-period-form button").click()
        wait(driver, ec.text_to_be_present_in_element((By.TAG_NAME, "h1"),
                                                      "Rapportér for 1. halvår 2027"))
        # the previous period's report beside the goal
        assert "Sygdom i kontoret." in driver.find_element(By.ID, "previous-M1").text
        axe_clean(driver, "the report page")

        Select(driver.find_element(By.ID, f"g{goals['M1']}-status")).select_by_value(
            "on_track")
        driver.find_element(By.ID, f"g{goals['M1']}-value").send_keys("33,5")
        driver.find_element(By.ID, f"g{goals['M1']}-comment").send_keys("Sygdommen er ovre.")
        driver.find_element(By.ID, "report-save").click()
        wait(driver, ec.presence_of_element_located((By.ID, "report-draft-saved")))
        assert "Rapportkladden er gemt." in main_text(driver)
        assert _followups(app, plan_id) == []

        # away, and back through the plan's page
        driver.get(f"{server.url}/")
        driver.get(f"{server.url}/plans/{plan_id}?period={PERIOD}")
        assert "Rapportkladden for 1. halvår 2027 er gemt" in driver.find_element(
            By.ID, "plan-report").text
        driver.find_element(By.ID, "report-link").click()
        wait(driver, ec.presence_of_element_located((By.ID, "report-form")))
        assert driver.find_element(By.ID, f"g{goals['M1']}-value").get_attribute(
            "value") == "33,5"
        assert Select(driver.find_element(By.ID, f"g{goals['M1']}-status")
                      ).first_selected_option.get_attribute("value") == "on_track"

        # M2 at risk without a comment (a warning); M3 without a status (an error)
        Select(driver.find_element(By.ID, f"g{goals['M2']}-status")).select_by_value("at_risk")
        driver.find_element(By.ID, f"g{goals['M2']}-value").send_keys("93")
        driver.find_element(By.ID, "report-submit").click()
        wait(driver, ec.presence_of_element_located((By.CSS_SELECTOR, ".error-summary")))
        assert driver.title.startswith("Fejl: ")
        text = summary_link_focuses(driver, f"g{goals['M3']}-status")
        assert "M3" in text
        axe_clean(driver, "the report page with its errors")
        assert [(c, s) for c, s, _p, _x in _followups(app, plan_id)] == [("web", "rejected")]

        Select(driver.find_element(By.ID, f"g{goals['M3']}-status")).select_by_value(
            "on_track")
        driver.find_element(By.ID, f"g{goals['M3']}-comment").send_keys("Efter planen.")
        driver.find_element(By.ID, "report-submit").click()
        wait(driver, ec.presence_of_element_located((By.ID, "receipt-verdict")))
        verdict = driver.find_element(By.ID, "receipt-verdict").text
        assert verdict == ("Jeres opfølgning på DST-2026 for 1. halvår 2027 er modtaget og "
                           "registreret.")
        findings = driver.find_element(By.ID, "receipt-findings").text
        assert "Advarsler" in findings and "Mål M2 (advarsel):" in findings
        axe_clean(driver, "the kvittering")
        assert [(c, s) for c, s, _p, _x in _followups(app, plan_id)] == [
            ("web", "rejected"), ("web", "accepted")]

        # the plan's page links the kvittering
        driver.find_element(By.LINK_TEXT, "Tilbage til planen").click()
        wait(driver, ec.presence_of_element_located((By.ID, "h-history")))
        links = driver.find_elements(By.LINK_TEXT, "Kvittering for opfølgningen")
        assert links
        assert "Rapportkladden for" not in driver.find_element(By.ID, "plan-report").text

"""The department returns a report with a comment in a real browser (headless Chromium,
Selenium), from the review form on the plan's page (_review.html); the institution then reads
the answer in the plan's conversation (_conversation.html), after its reports, in order. axe
finds nothing serious or critical on either page."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import select

from tests.web.driving import axe_clean, serve, sign_in, wait
from tests.web.live import chrome

COMMENT = "Forklar, hvorfor M1 ikke er på rette spor, og hvad I gør ved det."
GOAL_COMMENT = "Hvornår er sygdommen overstået?"


def _current_report(app: Any) -> tuple[int, int]:
    """DST-2026's plan id and its current 2026-H2 report (after a rejected one)."""
    from service.domain.models import FollowUp, Plan
    from service.extensions import db

    with app.app_context():
        plan = db.session.scalar(select(Plan).where(Plan.reference == "DST-2026"))
        followup = db.session.scalar(select(FollowUp).where(
            FollowUp.plan_id == plan.id, FollowUp.period == "2026-H2",
            FollowUp.status == "accepted", FollowUp.superseded_by_id.is_(None)))
        return plan.id, followup.id


def test_the_department_returns_a_report_and_the_institution_reads_the_answer(
        tmp_path: Path) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as ec

    (tmp_path / "app").mkdir()
    with serve(tmp_path / "app") as (server, secrets, app):
        plan_id, fid = _current_report(app)
        with chrome(tmp_path / "department") as driver:
            sign_in(driver, server.url, secrets["fm"])
            driver.get(f"{server.url}/plans/{plan_id}?period=2026-H2")
            wait(driver, ec.presence_of_element_located((By.ID, f"review-{fid}-comment")))
            driver.find_element(By.ID, f"review-{fid}-comment").send_keys(COMMENT)
            driver.find_element(By.ID, f"review-{fid}-goal-M1").send_keys(GOAL_COMMENT)
            driver.find_element(
                By.CSS_SELECTOR, f"#review-{fid} button[value=returned]").click()
            wait(driver, ec.text_to_be_present_in_element(
                (By.ID, "main"), "Opfølgningen er sendt tilbage til institutionen."))
            assert driver.current_url.endswith(f"?period=2026-H2#followup-{fid}")
            axe_clean(driver, "the plan's page after the review")

        with chrome(tmp_path / "institution") as driver:
            sign_in(driver, server.url, secrets["dst"])
            driver.get(f"{server.url}/plans/{plan_id}")
            section = wait(driver, ec.presence_of_element_located((By.ID, "conversation")))
            driver.execute_script("arguments[0].scrollIntoView()", section)
            assert section.find_element(By.TAG_NAME, "h2").text == "Dialog med departementet"
            periods = [h.text for h in section.find_elements(By.TAG_NAME, "h3")]
            assert periods == ["1. halvår 2026", "2. halvår 2026"]
            steps = section.find_elements(
                By.CSS_SELECTOR, "ol[aria-labelledby='conversation-2026-H2'] > li")
            assert [s.get_attribute("data-kind") for s in steps] == [
                "report", "resubmission", "review"]
            assert "afvist" in steps[0].text and "registreret" in steps[1].text
            answer = steps[2]
            assert answer.is_displayed()
            assert answer.find_element(By.TAG_NAME, "strong").text == (
                "Departementets svar: sendt tilbage til institutionen")
            assert answer.find_element(By.CLASS_NAME, "review-comment").text == COMMENT
            assert answer.find_element(By.TAG_NAME, "dt").text == "M1"
            assert answer.find_element(By.TAG_NAME, "dd").text == GOAL_COMMENT
            assert "demo-fm" in answer.text
            # the institution answers nothing here: no review form is on its page
            assert driver.find_elements(By.CSS_SELECTOR, "form.review-form") == []
            axe_clean(driver, "the institution's plan page with the conversation")

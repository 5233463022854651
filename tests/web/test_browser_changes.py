"""A change request in a real browser (headless Chromium, Selenium): the institution proposes
a change to a goal of its approved plan from the plan's page, the department approves it on
the change requests page; the error summaries link to their fields, axe finds nothing
serious, and the change is applied and audited with the institution's reason."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
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
from tests.web.live import chrome

REASON = "Ny kontorstruktur fra 1. oktober"


@pytest.fixture
def live(tmp_path: Path) -> Iterator[tuple[Any, dict[str, Any], Any]]:
    with serve(tmp_path) as served:
        yield served


def _goal(app: Any, reference: str, code: str) -> tuple[int, int, str | None]:
    from service.domain.models import Goal, Plan
    from service.extensions import db

    with app.app_context():
        goal = db.session.scalar(db.select(Goal).join(Goal.plan).where(
            Plan.reference == reference, Goal.code == code))
        found = (goal.plan_id, goal.id, goal.owner)
        db.session.remove()
        return found


def test_the_institution_proposes_and_the_department_approves(live, tmp_path: Path) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as ec

    server, secrets, app = live
    plan_id, goal_id, owner = _goal(app, "DST-2026", "M1")
    assert owner != "Vicekontorchef Hansen"
    with chrome(tmp_path / "dst-profile") as driver:
        sign_in(driver, server.url, secrets["dst"])
        driver.get(f"{server.url}/plans/{plan_id}")
        submit(driver, '//a[@id="propose-M1"]',
               ec.presence_of_element_located((By.ID, "send-change")))
        assert "Foreslå ændring af mål M1" in driver.title
        axe_clean(driver, "the change request form")
        submit(driver, '//button[@id="send-change"]',
               ec.presence_of_element_located((By.CSS_SELECTOR, ".error-summary")))
        assert driver.title.startswith("Fejl: ")
        assert summary_link_focuses(driver, "reason") == "Skriv, hvorfor målet skal ændres."
        axe_clean(driver, "the change request form with errors")
        owner_field = driver.find_element(By.ID, "owner")
        owner_field.clear()
        owner_field.send_keys("Vicekontorchef Hansen")
        driver.find_element(By.ID, "reason").send_keys(REASON)
        submit(driver, '//button[@id="send-change"]',
               ec.presence_of_element_located((By.ID, "propose-M1")))
        assert "sendt til departementet som ændringsanmodning" in main_text(driver)
    assert _goal(app, "DST-2026", "M1")[2] == owner  # nothing changes before the decision

    with chrome(tmp_path / "fm-profile") as driver:
        sign_in(driver, server.url, secrets["fm"])
        driver.get(f"{server.url}/change-requests")
        card = wait(driver, ec.presence_of_element_located(
            (By.CSS_SELECTOR, "article.change-request")))
        request_id = int(card.get_attribute("id").removeprefix("change-"))
        assert "Ansvarlig:" in card.text and "→ Vicekontorchef Hansen" in card.text
        assert REASON in card.text
        axe_clean(driver, "the change requests page")
        # a rejection without a comment is refused, the summary links to the comment
        submit(driver, f'//button[@id="reject-{request_id}"]',
               ec.presence_of_element_located((By.CSS_SELECTOR, ".error-summary")))
        summary_link_focuses(driver, f"comment-{request_id}")
        axe_clean(driver, "the change requests page with errors")
        driver.find_element(By.ID, f"comment-{request_id}").send_keys("Godkendt")
        # the page it leaves has the same list: wait for the answer's own words
        submit(driver, f'//button[@id="approve-{request_id}"]',
               ec.text_to_be_present_in_element(
                   (By.ID, "main"), "er godkendt, og ændringen er gennemført"))
        assert "er godkendt, og ændringen er gennemført" in main_text(driver)
        driver.get(f"{server.url}/plans/{plan_id}")
        text = main_text(driver)
        assert "Vicekontorchef Hansen" in text
        assert "Ændringsanmodning godkendt" in text
    assert _goal(app, "DST-2026", "M1")[2] == "Vicekontorchef Hansen"
    updates = [e for e in events(app, "goal", goal_id) if e[0] == "update"]
    assert updates[-1][2] == {"owner": "Vicekontorchef Hansen"}
    from service.domain.models import AuditEvent
    from service.extensions import db

    with app.app_context():
        event = db.session.scalars(db.select(AuditEvent).where(
            AuditEvent.entity == "goal", AuditEvent.entity_id == goal_id,
            AuditEvent.action == "update").order_by(AuditEvent.id.desc())).first()
        assert event.reason == REASON and event.actor == "demo-fm"
        db.session.remove()

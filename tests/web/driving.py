"""Helpers of the browser tests that drive the dashboard's forms
(tests/web/test_browser_forms*.py): the served app with its data, signing in, submitting a
form and waiting, the error summary's link to its field, axe on the page, a form's file
fetched by the page itself, and the audit events the database holds."""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from tests.web.axe import axe_missing, blocking, describe, run_axe
from tests.web.live import LiveServer, build_app, chromium_missing, close_app, populate

#: a fetch of the URL a GET form submits to (with the given button pressed), made by the
#: page with its session; the answer's status, type, disposition, first two bytes and size
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


def quarantined(app: Any, sender: str, uid: int) -> int:
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


@contextmanager
def serve(workdir: Path) -> Iterator[tuple[LiveServer, dict[str, Any], Any]]:
    """The app over ``live.populate``'s data plus a quarantined mail from UFST's registered
    address (``secrets["reprocess"]``), on a live server; skipped (failed on CI) without
    Chromium or axe."""
    missing = chromium_missing() or axe_missing()
    if missing is not None:
        if os.environ.get("CI") == "true":
            pytest.fail(f"{missing} (the CI machine must have chromium and axe-core)")
        pytest.skip(missing)
    app = build_app(workdir)
    try:
        secrets: dict[str, Any] = dict(populate(app))
        # from UFST's registered address: accepted or rejected when processed again
        secrets["reprocess"] = quarantined(app, "opfoelgning@ufst.dk", 1)
        with LiveServer(app) as server:
            yield server, secrets, app
    finally:
        close_app(app)


#: what Chromium answers when the page is replaced while a condition reads one of its
#: elements (a form just submitted): the element is gone, as if stale
GONE = "does not belong to the document"


def wait(driver: Any, condition: Any) -> Any:
    """Wait up to 15 s for ``condition``; an element read while its page was being replaced
    counts as not yet (Selenium knows that as stale only in the other words Chromium uses)."""
    from selenium.common.exceptions import WebDriverException
    from selenium.webdriver.support.ui import WebDriverWait

    def met(driver: Any) -> Any:
        try:
            return condition(driver)
        except WebDriverException as error:
            if GONE in (error.msg or ""):
                return False
            raise

    return WebDriverWait(driver, 15).until(met)


def sign_in(driver: Any, url: str, token: str) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as ec

    driver.get(url + "/login")
    wait(driver, ec.presence_of_element_located((By.ID, "token")))
    driver.find_element(By.ID, "token").send_keys(token)
    driver.find_element(By.CSS_SELECTOR, "form.stack button[type=submit]").click()
    wait(driver, ec.presence_of_element_located((By.CSS_SELECTOR, "header .who")))


def axe_clean(driver: Any, where: str) -> None:
    """axe finds nothing serious or critical on the page the driver shows."""
    found = blocking(run_axe(driver))
    assert not found, describe(found, where)


def summary_link_focuses(driver: Any, field_id: str) -> str:
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


def submit(driver: Any, xpath: str, wait_for: Any) -> None:
    """Click the button at ``xpath`` and wait for ``wait_for``."""
    from selenium.webdriver.common.by import By

    driver.find_element(By.XPATH, xpath).click()
    wait(driver, wait_for)


def main_text(driver: Any) -> str:
    from selenium.webdriver.common.by import By

    return driver.find_element(By.ID, "main").text


def events(app: Any, entity: str, entity_id: int) -> list[tuple[str, Any, Any]]:
    """The audit events about one entity, oldest first: (action, before, after)."""
    from service.domain.models import AuditEvent
    from service.extensions import db

    with app.app_context():
        rows = db.session.scalars(db.select(AuditEvent).where(
            AuditEvent.entity == entity, AuditEvent.entity_id == entity_id
        ).order_by(AuditEvent.id)).all()
        result = [(e.action, e.before, e.after) for e in rows]
        db.session.remove()
        return result


__all__ = [
    "FETCH_FORM", "axe_clean", "events", "main_text", "quarantined", "serve", "sign_in",
    "submit", "summary_link_focuses", "wait",
]

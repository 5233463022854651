"""Every page of the dashboard, for every role, with data, in headless Chromium at 1366 px
and at 400 px: axe-core (WCAG 2.1 A and AA) finds nothing of serious or critical impact,
and no page scrolls sideways. The routes come from the app's URL map, so a page added
later without sample arguments here fails the coverage test."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import pytest
from flask import Flask
from sqlalchemy import select

from service.extensions import db
from tests.web.axe import axe_missing, blocking, describe, run_axe
from tests.web.live import (
    PERIOD,
    LiveServer,
    build_app,
    chrome,
    chromium_missing,
    close_app,
    populate,
    set_viewport,
)

WIDTHS = ((1366, 900, False), (400, 860, True))
#: the role each populated token signs in as
ROLES = {"admin": "admin", "department": "skm", "institution": "dst"}

#: sample URL arguments for every GET page of the dashboard; ``"plan:REF"`` and
#: ``"message:STATE"`` stand for the id of that plan or of a message in that state,
#: ``"followup:REF"`` for the plan's latest accepted follow-up (``/rejected``: rejected one)
SAMPLES: dict[str, list[dict[str, str]]] = {
    "web.overview": [{}, {"period": "2026-H1"}, {"period": PERIOD}],
    "web.plan": [{"plan_id": "plan:UFST-2026"}, {"plan_id": "plan:DST-2026"},
                 {"plan_id": "plan:GST-2026"}, {"plan_id": "plan:STAR-2026"},
                 {"plan_id": "plan:DST-2025"}],
    "web.plan_close": [{"plan_id": "plan:UFST-2026"}],
    "web.plan_reopen": [{"plan_id": "plan:UFST-2026"}],
    "web.followup_template_file": [{"plan_id": "plan:UFST-2026", "period": PERIOD}],
    "web.intake": [{}, {"state": "quarantined"}],
    "web.intake_raw": [{"message_id": "message:quarantined"}],
    "web.users_page": [{}],
    "web.login": [{}],
    "web.oidc_login": [{}],
    "web.oidc_login_with": [{"name": "no-such-provider"}],
    "web.oidc_callback": [{}],
    "web.static": [{"filename": "app.css"}],
    "web.plan_new": [{}],
    "web.goal_new": [{"plan_id": "plan:GST-2026"}, {"plan_id": "plan:UFST-2026"}],
    "web.goal_edit": [{"goal_id": "goal:UFST-2026/M1"}, {"goal_id": "goal:GST-2026/M1"}],
    "web.goal_order": [{"plan_id": "plan:UFST-2026"}],
    "web.goal_withdraw": [{"goal_id": "goal:UFST-2026/M2"}],
    "web.institutions_page": [{}],
    "web.institution_new": [{}],
    "web.institution_page": [{"code": "UFST"}, {"code": "DST"}],
    "web.intake_message": [{"message_id": "message:quarantined"}],
    "web.plan_list": [{}, {"status": "draft"}, {"q": "2026", "year": "2026"}],
    "web.plan_approve": [{"plan_id": "plan:GST-2026"}],
    "web.plan_export": [{"plan_id": "plan:UFST-2026", "fmt": "xlsx"}],
    "web.conversation_export": [{"plan_id": "plan:UFST-2026", "fmt": "csv"}],
    "web.plans_export": [{"fmt": "csv"}],
    "web.overview_export": [{"fmt": "csv", "period": PERIOD}],
    "web.annual_report_file": [{"institution": "UFST", "year": "2026", "format": "html"}],
    # the institution's own (a 403 page for the others): with the previous period beside
    "web.report_page": [{"plan_id": "plan:DST-2026", "period": "2027-H1"},
                        {"plan_id": "plan:DST-2026", "period": "2026-H2"}],
    "web.followup_receipt": [{"plan_id": "plan:DST-2026", "followup_id": "followup:DST-2026"},
                             {"plan_id": "plan:DST-2026",
                              "followup_id": "followup:DST-2026/rejected"},
                             {"plan_id": "plan:UFST-2026", "followup_id": "followup:UFST-2026"}],
    "web.change_requests": [{}, {"status": "all"}, {"plan": "plan:STAR-2026"}],
    "web.change_request_goal_new": [{"plan_id": "plan:UFST-2026"}],
    "web.change_request_new": [{"goal_id": "goal:STAR-2026/M1"},
                               {"goal_id": "goal:UFST-2026/M1"}],
}

_PROBE = """
const done = arguments[arguments.length - 1];
fetch(arguments[0], {redirect: 'manual', credentials: 'same-origin'})
  .then(r => done({type: r.type, status: r.status,
                   ctype: r.headers.get('content-type') || ''}))
  .catch(e => done({type: 'error', status: 0, ctype: String(e)}));
"""

_SIZES = """
return {doc: document.documentElement.scrollWidth, body: document.body.scrollWidth,
        inner: window.innerWidth};
"""

#: the chart drawn at the current width: its box, and the smallest text as drawn (the font size
#: scaled with the SVG's viewBox) and any two texts that overlap
_CHART = """
const svg = [...document.querySelectorAll('svg.chart')]
  .find(s => s.getClientRects().length > 0);
if (!svg) return null;
const box = svg.getBoundingClientRect();
const scale = box.width / svg.viewBox.baseVal.width;
const texts = [...svg.querySelectorAll('text')];
const sizes = texts.map(t => parseFloat(getComputedStyle(t).fontSize) * scale);
const rects = texts.map(t => t.getBoundingClientRect());
const overlaps = [];
for (let i = 0; i < rects.length; i++) for (let j = i + 1; j < rects.length; j++) {
  const a = rects[i], b = rects[j];
  if (a.left < b.right - 0.5 && b.left < a.right - 0.5 && a.top < b.bottom - 0.5
      && b.top < a.bottom - 0.5) overlaps.push([texts[i].textContent, texts[j].textContent]);
}
const legend = [...document.querySelectorAll('.chart-section .legend li')]
  .map(li => li.getBoundingClientRect());
return {width: box.width, right: box.right, inner: window.innerWidth,
        smallest: Math.min(...sizes), overlaps: overlaps,
        legendRight: Math.max(...legend.map(r => r.right))};
"""


#: the indicator history chart of a plan page's M1: its points and its smallest text as drawn
_HISTORY = """
const svg = document.getElementById('history-M1');
if (!svg) return null;
const scale = svg.getBoundingClientRect().width / svg.viewBox.baseVal.width;
const sizes = [...svg.querySelectorAll('text')]
  .map(t => parseFloat(getComputedStyle(t).fontSize) * scale);
return {points: svg.querySelectorAll('circle').length, smallest: Math.min(...sizes),
        width: svg.getBoundingClientRect().width};
"""


def _history_chart(driver: Any, url: str, plan_id: str) -> dict[str, Any] | None:
    driver.get(f"{url}/plans/{plan_id}")
    return driver.execute_script(_HISTORY)


def web_get_endpoints(app: Flask) -> set[str]:
    return {
        rule.endpoint for rule in app.url_map.iter_rules()
        if rule.endpoint.startswith("web.") and "GET" in (rule.methods or ())
    }


@pytest.fixture(scope="module")
def ready() -> None:
    missing = chromium_missing() or axe_missing()
    if missing is None:
        return
    if os.environ.get("CI") == "true":
        pytest.fail(f"{missing} (the CI machine must run the accessibility checks)")
    pytest.skip(missing)


@pytest.fixture(scope="module")
def site(ready: None, tmp_path_factory: pytest.TempPathFactory
         ) -> Iterator[tuple[Flask, LiveServer, dict[str, str]]]:
    app = build_app(tmp_path_factory.mktemp("a11y"))
    try:
        secrets = populate(app)
        _add_wide_plan(app, secrets["admin"])
        _add_earlier_plan(app, secrets["admin"])
        _add_weights(app, secrets["admin"])
        with LiveServer(app) as server:
            yield app, server, secrets
    finally:
        close_app(app)


#: a plan with this many goals, all reported in the longest words, widens the overview; at
#: 1366 px it must still fit (more goals scroll inside the table's box, first column fixed)
WIDE_GOALS = 6


def _add_wide_plan(app: Flask, admin_secret: str) -> None:
    """STAR-2026 (ministry BM): six goals, each reported "Ikke på rette spor" for PERIOD."""
    from tests.support.factories import goal_body, ok, plan_body

    client = app.test_client()
    admin = {"Authorization": f"Bearer {admin_secret}"}
    ok(client.post("/api/v1/ministries", headers=admin,
                   json={"code": "BM", "name": "Beskæftigelsesministeriet"}), 201)
    ok(client.post("/api/v1/institutions", headers=admin, json={
        "code": "STAR", "name": "Styrelsen for Arbejdsmarked og Rekruttering",
        "ministry": "BM", "reporting_addresses": ["opfoelgning@star.dk"]}), 201)
    plan = ok(client.post("/api/v1/plans", headers=admin, json=plan_body("STAR")), 201)
    codes = [f"M{n}" for n in range(1, WIDE_GOALS + 1)]
    for code in codes:
        ok(client.post(f"/api/v1/plans/{plan['id']}/goals", headers=admin,
                       json=goal_body(code)), 201)
    ok(client.post(f"/api/v1/plans/{plan['id']}/approve", headers=admin))
    report = ok(client.post(f"/api/v1/plans/{plan['id']}/followups", headers=admin, json={
        "period": PERIOD, "goals": [
            {"goal": code, "status": "off_track", "value": 40, "progress": 10,
             "comment": "Forsinket."} for code in codes]}), 201)
    # the plan's page shows a conversation: the department's answer to the report
    ok(client.post(f"/api/v1/followups/{report['id']}/review", headers=admin, json={
        "decision": "returned", "comment": "Beskriv, hvad I gør ved forsinkelserne.",
        "goals": [{"goal": "M1", "comment": "Hvornår er I tilbage på sporet?"}]}))
    goals = ok(client.get(f"/api/v1/plans/{plan['id']}/goals", headers=admin))
    # a pending change request: the change requests page shows its forms
    ok(client.post(f"/api/v1/goals/{goals[0]['id']}/change-requests", headers=admin, json={
        "changes": {"deadline": "2027-06-30", "owner": "Vicedirektør"},
        "reason": "Forsinket udbud"}), 201)



def _add_earlier_plan(app: Flask, admin_secret: str) -> None:
    """DST-2025, approved, its M1 reported for 2025-H1 and 2025-H2: DST-2026's M1 (the same
    code) draws its history across both plans on the plan page."""
    from tests.support.factories import goal_body, ok, plan_body

    client = app.test_client()
    admin = {"Authorization": f"Bearer {admin_secret}"}
    plan = ok(client.post("/api/v1/plans", headers=admin, json=plan_body(
        "DST", title="Mål- og resultatplan 2025", period_start=2025, period_end=2025)), 201)
    ok(client.post(f"/api/v1/plans/{plan['id']}/goals", headers=admin, json=goal_body(
        "M1", deadline="2025-12-31", indicators=[{
            "name": "Sagsbehandlingstid", "unit": "dage", "baseline": 52, "baseline_year": 2024,
            "target": 41, "direction": "decrease", "data_source": "Sagssystemet"}])), 201)
    ok(client.post(f"/api/v1/plans/{plan['id']}/approve", headers=admin))
    for period, value in (("2025-H1", 47.5), ("2025-H2", 42)):
        ok(client.post(f"/api/v1/plans/{plan['id']}/followups", headers=admin, json={
            "period": period, "goals": [{"goal": "M1", "status": "on_track", "value": value}]}),
           201)


def _add_weights(app: Flask, admin_secret: str) -> None:
    """FM weighs goals: DST-2026's page shows its attainment and each goal's points."""
    from tests.support.factories import ok

    client = app.test_client()
    admin = {"Authorization": f"Bearer {admin_secret}"}
    ok(client.put("/api/v1/ministries/FM/attainment", headers=admin,
                  json={"weights_enabled": True}))
    [plan] = ok(client.get("/api/v1/plans?reference=DST-2026", headers=admin))
    for n, goal in enumerate(ok(client.get(f"/api/v1/plans/{plan['id']}/goals",
                                           headers=admin))):
        ok(client.patch(f"/api/v1/goals/{goal['id']}", headers=admin,
                        json={"weight": 10 * (n + 1), "reason": "Vægtning"}))


#: the overview's table: its width and its box's (it must fit a laptop's screen)
_TABLE = """
const t = document.querySelector('table.overview');
return t ? {table: t.scrollWidth, box: t.parentElement.clientWidth,
            columns: t.querySelectorAll('thead th').length} : null;
"""


def _ids(app: Flask) -> dict[str, str]:
    from service.domain.models import FollowUp, Goal, InboundMessage, Plan

    with app.app_context():
        found = {f"plan:{ref}": str(pid) for ref, pid in db.session.execute(
            select(Plan.reference, Plan.id))}
        for ref, code, gid in db.session.execute(
                select(Plan.reference, Goal.code, Goal.id).join(Goal.plan)):
            found[f"goal:{ref}/{code}"] = str(gid)
        for state, mid in db.session.execute(select(InboundMessage.state, InboundMessage.id)):
            found.setdefault(f"message:{state}", str(mid))
        for ref, status, fid in db.session.execute(
                select(Plan.reference, FollowUp.status, FollowUp.id).join(FollowUp.plan)
                .order_by(FollowUp.id)):
            found[f"followup:{ref}" if status == "accepted" else f"followup:{ref}/{status}"] = \
                str(fid)
    return found


def _urls(app: Flask) -> list[tuple[str, str]]:
    """(endpoint, path) of every sample, in a stable order."""
    ids = _ids(app)
    out = []
    with app.test_request_context():
        from flask import url_for

        for endpoint in sorted(SAMPLES):
            for sample in SAMPLES[endpoint]:
                args = {k: ids.get(v, v) for k, v in sample.items()}
                unknown = [v for v in args.values()
                           if v.startswith(("plan:", "goal:", "message:", "followup:"))]
                assert not unknown, f"sample {sample} of {endpoint}: {unknown} not in the data"
                path = url_for(endpoint, **args)
                out.append((endpoint, path))
    return out


def uncovered(app: Flask) -> list[str]:
    """The dashboard's GET endpoints that have no sample arguments here."""
    return sorted(web_get_endpoints(app) - set(SAMPLES))


def _bare_app() -> Flask:
    from service import create_app

    return create_app({"TESTING": True, "DATABASE_URL": "sqlite://", "SECRET_KEY": "x"})


def test_every_dashboard_page_has_sample_arguments() -> None:
    app = _bare_app()
    try:
        missing = uncovered(app)
        assert not missing, "\n".join(
            f"add sample arguments for endpoint {e} to SAMPLES in {__file__}" for e in missing)
        stale = sorted(set(SAMPLES) - web_get_endpoints(app))
        assert not stale, f"SAMPLES names endpoints that are no GET pages: {stale}"
    finally:
        app.extensions["mrp.plugins"].close()


def test_a_new_page_without_samples_is_caught() -> None:
    app = _bare_app()
    try:
        app.add_url_rule("/new-page", endpoint="web.new_page", view_func=lambda: "new")
        app.add_url_rule("/new-form", endpoint="web.new_form", view_func=lambda: "new",
                         methods=["POST"])
        assert uncovered(app) == ["web.new_page"]
    finally:
        app.extensions["mrp.plugins"].close()


#: a page with what axe must find: a field without a label, grey text on white, no lang
BAD_PAGE = ("data:text/html;charset=utf-8,<title>x</title><main><p style='color:%23bbb'>"
            "Lav kontrast</p><input type=text></main>")


def test_axe_reports_what_is_wrong(ready: None, tmp_path: Path) -> None:
    with chrome(tmp_path / "chrome", 800, 600) as driver:
        driver.get(BAD_PAGE)
        found = blocking(run_axe(driver))
    ids = {v["id"] for v in found}
    assert {"label", "color-contrast", "html-has-lang"} <= ids, ids
    text = describe(found, "the bad page")
    assert "label (critical)" in text and "input" in text and "color-contrast" in text


def _sign_in(driver: Any, url: str, secret: str) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as ec
    from selenium.webdriver.support.ui import WebDriverWait

    driver.delete_all_cookies()
    driver.get(url + "/login")
    driver.find_element(By.ID, "token").send_keys(secret)
    driver.find_element(By.CSS_SELECTOR, "form.stack button[type=submit]").click()
    WebDriverWait(driver, 15).until(ec.presence_of_element_located((By.CSS_SELECTOR,
                                                                     "header .who")))


def _check_page(driver: Any, where: str, problems: list[str]) -> None:
    found = blocking(run_axe(driver))
    if found:
        problems.append(describe(found, where))
    sizes = driver.execute_script(_SIZES)
    if max(sizes["doc"], sizes["body"]) > sizes["inner"]:
        problems.append(f"{where} scrolls sideways: {sizes}")


@pytest.mark.parametrize("role", sorted(ROLES))
def test_every_page_is_accessible_and_fits(
    site: tuple[Flask, LiveServer, dict[str, str]], role: str, tmp_path: Path
) -> None:
    app, server, secrets = site
    urls = _urls(app)
    problems: list[str] = []
    checked: list[str] = []
    skipped: list[str] = []
    with chrome(tmp_path / "chrome", 1366, 900) as driver:
        driver.set_script_timeout(60)
        for width, height, mobile in WIDTHS:
            set_viewport(driver, width, height, mobile=mobile)
            driver.delete_all_cookies()
            if role == "admin":  # signed out once: the login page
                driver.get(server.url + "/login")
                _check_page(driver, f"/login signed out at {width} px", problems)
            _sign_in(driver, server.url, secrets[ROLES[role]])
            for endpoint, path in urls:
                probe = driver.execute_async_script(_PROBE, server.url + path)
                where = f"{path} ({endpoint}) as {role} at {width} px"
                if probe["type"] == "opaqueredirect" or 300 <= probe["status"] < 400:
                    skipped.append(f"{where}: redirect")
                    continue
                if not probe["ctype"].startswith("text/html"):
                    skipped.append(f"{where}: {probe['ctype']}")
                    continue
                driver.get(server.url + path)
                if driver.execute_script("return location.pathname;") == "/login":
                    _sign_in(driver, server.url, secrets[ROLES[role]])  # a page signed out
                    driver.get(server.url + path)
                _check_page(driver, where, problems)
                checked.append(where)
                table = driver.execute_script(_TABLE) if endpoint == "web.overview" else None
                if table and width >= 1366 and table["table"] > table["box"]:
                    problems.append(f"{where}: the overview's table is cut off: {table}")
            driver.get(f"{server.url}/?{urlencode({'period': PERIOD})}")
            chart = driver.execute_script(_CHART)
            assert chart is not None, "the overview has no chart"
            if chart["right"] > chart["inner"] or chart["legendRight"] > chart["inner"]:
                problems.append(f"the chart is wider than {width} px: {chart}")
            if chart["smallest"] < 12:
                problems.append(f"the chart's text is drawn at {chart['smallest']:.1f} px "
                                f"(< 12) at {width} px")
            if chart["overlaps"]:
                problems.append(f"the chart's texts overlap at {width} px: {chart['overlaps']}")
            # DST-2026's M1 runs on from DST-2025's (two reports each); SKM's department
            # sees UFST-2026's (two reports)
            reference, count = ("UFST-2026", 2) if role == "department" else ("DST-2026", 4)
            history = _history_chart(driver, server.url, _ids(app)[f"plan:{reference}"])
            assert history is not None, f"{reference}'s plan page draws no indicator history"
            if history["points"] != count:
                problems.append(f"{reference}'s M1 history has not {count} points: {history}")
            if history["smallest"] < 12:
                problems.append(f"the history chart's text is drawn at "
                                f"{history['smallest']:.1f} px (< 12) at {width} px")
    assert checked, skipped
    assert not problems, "\n\n".join(problems)

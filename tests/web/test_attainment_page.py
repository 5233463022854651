"""The plan page states the plan's attainment (målopfyldelse) for the chosen year and each
goal's points where the ministry weighs goals, and nothing of it where it does not."""

from __future__ import annotations

import re

from tests.support.factories import ok


def _weigh(client, admin, plan_id):
    goals = {g["code"]: g for g in ok(client.get(f"/api/v1/plans/{plan_id}/goals",
                                                 headers=admin))}
    for code, weight in (("M1", 20), ("M2", 20), ("M3", 10)):
        ok(client.patch(f"/api/v1/goals/{goals[code]['id']}", headers=admin,
                        json={"weight": weight, "reason": "Vægtning"}))


def _rows(html):
    return dict(re.findall(r'<tr data-goal="(M\d)">.*?<td>([^<]*)</td></tr>', html, re.S))


def test_the_plan_page_shows_the_attainment(client, admin, signed_in, plans, report):
    dst = plans["DST"]["id"]
    _weigh(client, admin, dst)
    report(dst, "2026-H2", M1="achieved", M2="on_track", M3="partially_achieved")
    browser = signed_in("department", ministry="FM")
    html = browser.get(f"/plans/{dst}").get_data(as_text=True)
    assert 'id="weight-M1">20 point</dd>' in html
    assert "Målopfyldelse" not in html  # the ministry does not weigh goals yet
    ok(client.put("/api/v1/ministries/FM/attainment", headers=admin,
                  json={"weights_enabled": True, "partial_share": 0.25}))
    html = browser.get(f"/plans/{dst}?period=2026-H2").get_data(as_text=True)
    # M1: 35 dage at its deadline misses 30: computed not achieved; M2 (35 against 95 %):
    # computed not achieved; M3 qualitative: reported partly met, 10 × 0.25
    assert ('<p id="attainment-text"><strong>Målopfyldelse 2026: 5 % (2,5 af 50 point)'
            '</strong></p>') in html
    assert "delvist opfyldt og udfordret 25 % af dem" in html
    assert _rows(html) == {"M1": "0 af 20 point", "M2": "0 af 20 point",
                           "M3": "2,5 af 10 point"}
    assert "Ikke opfyldt (beregnet), 2. halvår 2026" in html
    # the other year of the plan: no report yet
    later = browser.get(f"/plans/{dst}?period=2027").get_data(as_text=True)
    assert "Målopfyldelse 2027: ingen vægtede mål med status endnu" in later
    assert 'id="attainment-missing">Uden status i 2027: M1, M2, M3.' in later
    # the other ministry's plan shows none
    ufst = browser.get(f"/plans/{plans['UFST']['id']}")
    assert ufst.status_code == 404


def test_the_goal_form_sets_and_checks_the_weight(client, admin, signed_in, plans):
    from sqlalchemy import select

    from service.domain.models import AuditEvent, Goal
    from service.extensions import db
    from tests.web.conftest import page_csrf

    dst = plans["DST"]["id"]
    m1 = {g["code"]: g for g in ok(client.get(f"/api/v1/plans/{dst}/goals",
                                              headers=admin))}["M1"]
    web = signed_in("department", ministry="FM")
    path = f"/goals/{m1['id']}/edit"
    page = web.get(path).get_data(as_text=True)
    assert re.search(r'<label for="weight">Vægtning i point \(valgfri\)</label>', page)
    # the goal as tests.support.factories.goal_body made it, so nothing but the weight changes
    form = {
        "code": "M1", "title": "Kortere sagsbehandlingstid",
        "description": "Borgerne skal have svar hurtigere.", "task_type": "operations",
        "goal_type": "output", "nature": "quantitative",
        "success_criterion": "Gennemsnit højst 30 dage", "deadline": "2026-12-31",
        "owner": "Kontorchef", "indicators-0-name": "Sagsbehandlingstid",
        "indicators-0-unit": "dage", "indicators-0-baseline": "41",
        "indicators-0-baseline_year": "2025", "indicators-0-target": "30",
        "indicators-0-direction": "decrease", "indicators-0-data_source": "Sagssystemet",
    }
    bad = web.post(path, data={**form, "weight": "femten", "reason": "Vægtning",
                               "csrf_token": page_csrf(web, path)})
    assert bad.status_code == 422
    assert ('Vægtningen skal være et helt antal point fra 0 til 10.000, fx 15.'
            in bad.get_data(as_text=True))
    saved = web.post(path, data={**form, "weight": "15", "reason": "Vægtning aftalt",
                                 "csrf_token": page_csrf(web, path)})
    assert saved.status_code == 303, saved.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Goal, m1["id"]).weight == 15
    [event] = db.session.scalars(select(AuditEvent).where(
        AuditEvent.entity_id == m1["id"], AuditEvent.action == "update")).all()
    assert (event.before, event.after) == ({"weight": None}, {"weight": 15})
    assert 'value="15"' in web.get(path).get_data(as_text=True)
    log = web.get(f"/plans/{dst}").get_data(as_text=True)
    assert '<span class="field">Vægtning (point)</span>' in log

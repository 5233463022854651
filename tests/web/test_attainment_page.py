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

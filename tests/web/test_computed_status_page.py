"""The dashboard's overview shows the reported and the computed status side by side, and a
checkbox keeps only the goals where they disagree."""

from __future__ import annotations

import re

from tests.support.factories import ok


def _side_by_side(html: str) -> dict[str, tuple[str, str]]:
    """{"PLAN GOAL": (reported code, computed code)} from the side-by-side table."""
    return {
        goal: (reported, computed) for goal, reported, computed in re.findall(
            r'<tr data-goal="([^"]+)"[^>]*>.*?data-reported="([a-z_]*)".*?'
            r'data-computed="([a-z_]*)"', html, re.S)
    }


def test_overview_shows_computed_beside_reported_and_filters(client, admin, signed_in, plans):
    ok(client.post(f"/api/v1/plans/{plans['DST']['id']}/followups", headers=admin, json={
        "period": "2026-H1", "goals": [
            {"goal": "M1", "status": "grøn", "value": 35},
            {"goal": "M2", "status": "grøn", "value": 90.5},
            {"goal": "M3", "status": "gul", "comment": "Forsinket"},
        ]}), 201)
    browser = signed_in("department", ministry="FM")
    html = browser.get("/?period=2026-H1").get_data(as_text=True)
    assert 'id="f-disagrees" name="disagrees" value="1">' in html
    assert _side_by_side(html) == {
        "DST-2026 M1": ("on_track", "on_track"),
        "DST-2026 M2": ("on_track", "off_track"),
        "DST-2026 M3": ("at_risk", ""),
    }
    assert "Målt 90,5 %. Forventet 92,48 % ved udgangen af 1. halvår 2026" in html
    assert html.count("Uenig</strong>") == 1
    only = browser.get("/?period=2026-H1&disagrees=1").get_data(as_text=True)
    assert 'id="f-disagrees" name="disagrees" value="1" checked>' in only
    assert _side_by_side(only) == {"DST-2026 M2": ("on_track", "off_track")}
    assert re.findall(r'<tr data-plan="([^"]+)">', only) == ["DST-2026"]

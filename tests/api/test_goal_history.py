"""A goal's indicator history (GET /goals/{id}/history): the indicator's numbers and the
measured values across the plans that follow each other, by the same code or by the goal
named as ``previous_goal``; that field's rules, audit and tenancy."""

from __future__ import annotations

from datetime import date

import pytest

from tests.api.conftest import problem_of
from tests.support.factories import goal_body, ok, plan_body

EARLIER_GOAL = {"deadline": "2025-12-31", "indicators": [{
    "name": "Sagsbehandlingstid", "unit": "dage", "baseline": 50, "baseline_year": 2023,
    "target": 41, "direction": "decrease", "data_source": "Sagssystemet"}]}


def _report(client, headers, plan_id, period, value, status="on_track", **more):
    """A report of M1 (and of the goals in ``more``: code=value), accepted."""
    rows = [{"goal": "M1", "status": status, "value": value}]
    rows += [{"goal": code, "status": "on_track", "value": v} for code, v in more.items()]
    followup = ok(client.post(f"/api/v1/plans/{plan_id}/followups", headers=headers, json={
        "period": period, "goals": rows}), 201)
    assert followup["status"] == "accepted", followup["findings"]
    return followup


def _history(client, headers, goal_id):
    return ok(client.get(f"/api/v1/goals/{goal_id}/history", headers=headers))


@pytest.fixture
def two_plans(client, admin, world):
    """UFST-2024 (2024–2025, approved, M1 reported three times) and UFST-2026 (the world's
    plan, approved, M1 reported for 2026-H1)."""
    earlier = ok(client.post("/api/v1/plans", headers=admin, json=plan_body(
        "UFST", title="Mål- og resultatplan 2024–2025", period_start=2024, period_end=2025)),
        201)
    first = ok(client.post(f"/api/v1/plans/{earlier['id']}/goals", headers=admin,
                           json=goal_body("M1", **EARLIER_GOAL)), 201)
    ok(client.post(f"/api/v1/plans/{earlier['id']}/approve", headers=admin))
    _report(client, admin, earlier["id"], "2025-H1", 46)
    _report(client, admin, earlier["id"], "2024-H2", 48, "at_risk")
    _report(client, admin, earlier["id"], "2025-H2", 40, "achieved")
    later = ok(client.post(f"/api/v1/plans/{world['plans']['UFST']['id']}/approve",
                           headers=admin))
    row = _report(client, admin, later["id"], "2026-H1", 36)["goals"][0]
    return {"earlier": earlier, "later": later, "first": first,
            "second": world["goals"]["UFST"], "row": row}


def test_history_has_the_indicator_and_the_values_across_plans_by_code(
    client, admin, two_plans
):
    history = _history(client, admin, two_plans["second"]["id"])
    # the goal's own indicator, not the earlier plan's
    assert {k: history[k] for k in ("goal", "plan", "indicator", "unit", "baseline",
                                    "baseline_year", "target", "direction", "deadline")} == {
        "goal": "M1", "plan": "UFST-2026", "indicator": "Sagsbehandlingstid", "unit": "dage",
        "baseline": 41.0, "baseline_year": 2025, "target": 30.0, "direction": "decrease",
        "deadline": "2026-12-31"}
    assert history["expected_path"] == [{"date": "2025-12-31", "value": 41.0},
                                        {"date": "2026-12-31", "value": 30.0}]
    assert [(g["plan"], g["goal"]) for g in history["goals"]] == [
        ("UFST-2024", "M1"), ("UFST-2026", "M1")]
    first, second = two_plans["first"]["id"], two_plans["second"]["id"]
    assert [(v["period"], v["period_text"], v["measured"], v["status"], v["plan"],
             v["goal_id"]) for v in history["values"]] == [
        ("2024-H2", "2. halvår 2024", 48.0, "at_risk", "UFST-2024", first),
        ("2025-H1", "1. halvår 2025", 46.0, "on_track", "UFST-2024", first),
        ("2025-H2", "2. halvår 2025", 40.0, "achieved", "UFST-2024", first),
        ("2026-H1", "1. halvår 2026", 36.0, "on_track", "UFST-2026", second),
    ]
    last = history["values"][-1]
    # the expected value on the line from 41 (end of 2025) to 30 (end of 2026)
    share = (date(2026, 6, 30) - date(2025, 12, 31)).days / 365
    assert last["expected_value"] == pytest.approx(41 - 11 * share, abs=1e-6)
    assert last["expected_value"] == two_plans["row"]["expected_value"]
    assert last["computed_status"] == two_plans["row"]["computed_status"]
    # the end of the earlier plan: its own target met
    assert history["values"][2]["computed_status"] == "achieved"
    # the reports of its own plan, as the endpoint always gave them
    assert [r["period"] for r in history["reports"]] == ["2026-H1"]
    # the earlier goal's history stops at its own plan
    earlier = _history(client, admin, first)
    assert [v["period"] for v in earlier["values"]] == ["2024-H2", "2025-H1", "2025-H2"]
    assert earlier["target"] == 41.0


def test_a_superseded_report_gives_its_successors_value(client, admin, two_plans):
    _report(client, admin, two_plans["earlier"]["id"], "2025-H1", 44.5)
    values = _history(client, admin, two_plans["second"]["id"])["values"]
    assert [v["measured"] for v in values] == [48.0, 44.5, 40.0, 36.0]


def test_an_explicit_link_continues_another_code(client, admin, two_plans):
    later = two_plans["later"]["id"]
    goal = ok(client.post(f"/api/v1/plans/{later}/goals", headers=admin, json=goal_body(
        "M7", previous_goal=two_plans["first"]["id"], reason="Målet fortsætter M1.")), 201)
    assert goal["previous_goal"] == two_plans["first"]["id"]
    _report(client, admin, later, "2026-H1", 36, M7=35)
    history = _history(client, admin, goal["id"])
    assert [(v["plan"], v["goal"], v["measured"]) for v in history["values"]] == [
        ("UFST-2024", "M1", 48.0), ("UFST-2024", "M1", 46.0), ("UFST-2024", "M1", 40.0),
        ("UFST-2026", "M7", 35.0)]
    # the earlier M1 is now continued by M7, so the new plan's M1 no longer follows it
    own = _history(client, admin, two_plans["second"]["id"])
    assert [(g["plan"], g["goal"]) for g in own["goals"]] == [("UFST-2026", "M1")]
    assert [v["period"] for v in own["values"]] == ["2026-H1"]
    # shown on the goal, and audited with the goal it continues
    assert ok(client.get(f"/api/v1/goals/{goal['id']}", headers=admin))["previous_goal"] == (
        two_plans["first"]["id"])
    events = ok(client.get(f"/api/v1/plans/{later}/audit?page_size=100", headers=admin))
    created = next(e for e in events if e["action"] == "create" and e["entity_id"] == goal["id"])
    assert created["after"]["previous_goal"] == "UFST-2024 M1"


def test_previous_goal_is_set_and_cleared_by_patch_and_audited(client, admin, two_plans):
    second, first = two_plans["second"]["id"], two_plans["first"]["id"]
    later = two_plans["later"]["id"]
    assert ok(client.get(f"/api/v1/goals/{second}", headers=admin))["previous_goal"] is None
    changed = ok(client.patch(f"/api/v1/goals/{second}", headers=admin, json={
        "previous_goal": first, "reason": "Samme mål som i forrige plan."}))
    assert changed["previous_goal"] == first
    cleared = ok(client.patch(f"/api/v1/goals/{second}", headers=admin, json={
        "previous_goal": None, "reason": "Ikke længere samme mål."}))
    assert cleared["previous_goal"] is None
    events = [e for e in ok(client.get(f"/api/v1/plans/{later}/audit?page_size=100",
                                       headers=admin))
              if e["action"] == "update" and e["entity_id"] == second]
    assert [(e["before"], e["after"], e["reason"]) for e in events] == [
        ({"previous_goal": None}, {"previous_goal": "UFST-2024 M1"},
         "Samme mål som i forrige plan."),
        ({"previous_goal": "UFST-2024 M1"}, {"previous_goal": None},
         "Ikke længere samme mål."),
    ]
    # cleared, the same code still follows on by itself
    assert len(_history(client, admin, second)["goals"]) == 2


def test_previous_goal_must_be_of_an_earlier_plan_of_the_same_institution(
    client, admin, two_plans, world
):
    later, earlier = two_plans["later"]["id"], two_plans["earlier"]["id"]
    first, second = two_plans["first"]["id"], two_plans["second"]["id"]
    reason = {"reason": "Kobling"}
    cases = [
        # another institution's goal reads as no goal at all
        (f"/api/v1/plans/{later}/goals", "post",
         goal_body("M8", previous_goal=world["goals"]["DST"]["id"], **reason), "intet mål"),
        (f"/api/v1/plans/{later}/goals", "post",
         goal_body("M8", previous_goal=99999, **reason), "intet mål"),
        # a goal of the same plan is no earlier plan's
        (f"/api/v1/goals/{second}", "patch", {"previous_goal": second, **reason}, "sig selv"),
        (f"/api/v1/plans/{later}/goals", "post",
         goal_body("M8", previous_goal=second, **reason), "ikke til en tidligere plan"),
        # a later plan's goal
        (f"/api/v1/goals/{first}", "patch", {"previous_goal": second, **reason},
         "ikke til en tidligere plan"),
        # not an id
        (f"/api/v1/goals/{second}", "patch", {"previous_goal": "M1", **reason}, None),
        (f"/api/v1/goals/{second}", "patch", {"previous_goal": 0, **reason}, None),
    ]
    for path, method, body, words in cases:
        problem = problem_of(getattr(client, method)(path, headers=admin, json=body), 422)
        assert list(problem["errors"]) == ["previous_goal"], (body, problem)
        if words:
            assert words in problem["errors"]["previous_goal"][0], problem
    # nothing was stored
    assert len(ok(client.get(f"/api/v1/plans/{later}/goals", headers=admin))) == 1
    assert ok(client.get(f"/api/v1/goals/{second}", headers=admin))["previous_goal"] is None
    assert ok(client.get(f"/api/v1/goals/{first}", headers=admin))["previous_goal"] is None
    assert earlier


def test_history_is_scoped_and_a_link_never_crosses_institutions(
    client, admin, token, two_plans, world
):
    second = two_plans["second"]["id"]
    fm = token("department", ministry="FM")
    problem_of(client.get(f"/api/v1/goals/{second}/history", headers=fm), 404)
    problem_of(client.get(f"/api/v1/goals/{two_plans['first']['id']}/history", headers=fm),
               404)
    dst = token("institution", institution="DST")
    problem_of(client.get(f"/api/v1/goals/{second}/history", headers=dst), 404)
    ufst = token("institution", institution="UFST")
    assert len(_history(client, ufst, second)["values"]) == 4
    skm = token("department", ministry="SKM")
    assert len(_history(client, skm, second)["values"]) == 4
    # DST's own draft may not name UFST's goal (the same answer as for no goal)
    problem = problem_of(client.patch(
        f"/api/v1/goals/{world['goals']['DST']['id']}", headers=dst,
        json={"previous_goal": two_plans["first"]["id"]}), 422)
    assert "intet mål" in problem["errors"]["previous_goal"][0]
    # a DST plan with the same code does not reach into UFST's history
    dst_plan = world["plans"]["DST"]["id"]
    ok(client.post(f"/api/v1/plans/{dst_plan}/approve", headers=admin))
    _report(client, admin, dst_plan, "2026-H1", 39)
    assert [v["plan"] for v in _history(client, admin, world["goals"]["DST"]["id"])[
        "values"]] == ["DST-2026"]


def test_deleting_the_previous_goal_unlinks_it_audited(client, admin, world):
    draft = ok(client.post("/api/v1/plans", headers=admin, json=plan_body(
        "UFST", period_start=2025, period_end=2025)), 201)
    old = ok(client.post(f"/api/v1/plans/{draft['id']}/goals", headers=admin,
                         json=goal_body("M9", **EARLIER_GOAL)), 201)
    second = world["goals"]["UFST"]["id"]
    ok(client.patch(f"/api/v1/goals/{second}", headers=admin, json={"previous_goal": old["id"]}))
    assert client.delete(f"/api/v1/plans/{draft['id']}", headers=admin).status_code == 204
    assert ok(client.get(f"/api/v1/goals/{second}", headers=admin))["previous_goal"] is None
    events = ok(client.get(f"/api/v1/plans/{world['plans']['UFST']['id']}/audit?page_size=100",
                           headers=admin))
    unlinked = [e for e in events if e["reason"] == "Målet, det fortsatte, er slettet."]
    assert [(e["entity_id"], e["before"], e["after"]) for e in unlinked] == [
        (second, {"previous_goal": f"{draft['reference']} M9"}, {"previous_goal": None})]
    # and a goal deleted alone
    draft = ok(client.post("/api/v1/plans", headers=admin, json=plan_body(
        "UFST", period_start=2025, period_end=2025)), 201)
    old = ok(client.post(f"/api/v1/plans/{draft['id']}/goals", headers=admin,
                         json=goal_body("M9", **EARLIER_GOAL)), 201)
    ok(client.patch(f"/api/v1/goals/{second}", headers=admin, json={"previous_goal": old["id"]}))
    assert client.delete(f"/api/v1/goals/{old['id']}", headers=admin).status_code == 204
    assert ok(client.get(f"/api/v1/goals/{second}", headers=admin))["previous_goal"] is None

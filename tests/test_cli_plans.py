"""``mrp plans reopen``: an operator reopens a closed plan from the server, with a reason."""

from __future__ import annotations

from tests.support.factories import build_dst_plan, ok


def test_reopen_a_closed_plan_with_a_reason(runner, client, admin):
    plan = build_dst_plan(client, admin)
    ok(client.post(f"/api/v1/plans/{plan['id']}/close", headers=admin, json={"reason": "Slut"}))
    result = runner.invoke(args=["plans", "reopen", "dst-2026", "--reason", "Lukket ved en fejl",
                                 "--by", "Drift"])
    assert result.exit_code == 0, result.output
    assert "Reopened DST-2026: status approved." in result.output
    assert ok(client.get(f"/api/v1/plans/{plan['id']}", headers=admin))["status"] == "approved"
    event = ok(client.get(f"/api/v1/plans/{plan['id']}/audit", headers=admin))[-1]
    assert (event["action"], event["reason"], event["actor"]) == (
        "reopen", "Lukket ved en fejl", "Drift")


def test_reopen_refuses_what_it_cannot_do(runner, client, admin):
    plan = build_dst_plan(client, admin)
    missing = runner.invoke(args=["plans", "reopen", "DST-2026"])
    assert missing.exit_code == 2 and "--reason" in missing.output
    approved = runner.invoke(args=["plans", "reopen", "DST-2026", "--reason", "Fejl"])
    assert approved.exit_code == 1 and "Kun en lukket plan kan genåbnes." in approved.output
    unknown = runner.invoke(args=["plans", "reopen", "XYZ-2020", "--reason", "Fejl"])
    assert unknown.exit_code == 1 and "Planen XYZ-2020 findes ikke." in unknown.output
    ok(client.post(f"/api/v1/plans/{plan['id']}/close", headers=admin, json={"reason": "Slut"}))
    blank = runner.invoke(args=["plans", "reopen", "DST-2026", "--reason", " "])
    assert blank.exit_code == 1 and "Angiv en begrundelse" in blank.output

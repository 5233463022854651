"""/api/v1/plans/{id}/goals and /api/v1/goals/{id}: goals with nested indicators and
milestones."""

from __future__ import annotations

from tests.api.conftest import problem_of
from tests.support.factories import goal_body, ok

MILESTONES = [
    {"title": "Analyse", "due_date": "2026-03-31", "done": True},
    {"title": "Udrulning", "due_date": "2026-09-30"},
]


def _goals_url(world, code="UFST"):
    return f"/api/v1/plans/{world['plans'][code]['id']}/goals"


def test_goal_with_indicators_and_milestones(client, admin, world):
    goal = ok(client.post(_goals_url(world), headers=admin, json=goal_body(
        "M2", milestones=MILESTONES)), 201)
    assert goal["plan"] == "UFST-2026"
    assert goal["status"] == "active"
    assert goal["indicators"] == [{
        "name": "Sagsbehandlingstid", "unit": "dage", "baseline": 41, "baseline_year": 2025,
        "target": 30, "direction": "decrease", "data_source": "Sagssystemet",
        # the first target is valid from the plan's start
        "target_history": [{"target": 30, "valid_from": "2026-01-01", "change_request": None}]}]
    assert goal["milestones"] == [
        {"title": "Analyse", "due_date": "2026-03-31", "done": True},
        {"title": "Udrulning", "due_date": "2026-09-30", "done": False},
    ]
    assert isinstance(goal["findings"], list)
    again = ok(client.get(f"/api/v1/goals/{goal['id']}", headers=admin))
    assert again["milestones"] == goal["milestones"]
    assert again["indicators"] == goal["indicators"]


def test_code_defaults_to_next_m_number(client, admin, world):
    body = goal_body()
    del body["code"]
    assert ok(client.post(_goals_url(world), json=body, headers=admin), 201)["code"] == "M2"
    ok(client.post(_goals_url(world), json=goal_body("M7"), headers=admin), 201)
    ok(client.post(_goals_url(world), json=goal_body("X1"), headers=admin), 201)
    assert ok(client.post(_goals_url(world), json=body, headers=admin), 201)["code"] == "M8"


def test_duplicate_code_is_409_naming_code(client, admin, world):
    body = problem_of(client.post(_goals_url(world), json=goal_body("m1"), headers=admin), 409)
    assert list(body["errors"]) == ["code"]
    ok(client.post(_goals_url(world), json=goal_body("M2"), headers=admin), 201)
    renamed = problem_of(client.patch(f"/api/v1/goals/{world['goals']['UFST']['id']}",
                                      json={"code": "M2"}, headers=admin), 409)
    assert list(renamed["errors"]) == ["code"]


def test_same_code_in_another_plan_is_fine(client, admin, world):
    assert world["goals"]["DST"]["code"] == world["goals"]["UFST"]["code"] == "M1"


def test_unknown_task_type_is_422_naming_task_type(client, admin, world):
    body = problem_of(client.post(_goals_url(world), headers=admin, json=goal_body(
        "M2", task_type="magic")), 422)
    assert list(body["errors"]) == ["task_type"]
    patched = problem_of(client.patch(f"/api/v1/goals/{world['goals']['UFST']['id']}",
                                      json={"task_type": "magic"}, headers=admin), 422)
    assert list(patched["errors"]) == ["task_type"]


def test_patch_replaces_lists_and_keeps_the_rest(client, admin, world):
    goal_id = world["goals"]["UFST"]["id"]
    ok(client.patch(f"/api/v1/goals/{goal_id}", json={"milestones": MILESTONES}, headers=admin))
    changed = ok(client.patch(f"/api/v1/goals/{goal_id}", headers=admin, json={
        "title": "Hurtigere svar",
        "indicators": [{"name": "Svartid", "unit": "dage", "target": 20,
                        "direction": "decrease"}],
        "milestones": [{"title": "Kun denne"}]}))
    assert changed["title"] == "Hurtigere svar"
    assert [i["name"] for i in changed["indicators"]] == ["Svartid"]
    assert changed["indicators"][0]["baseline"] is None
    assert changed["milestones"] == [{"title": "Kun denne", "due_date": None, "done": False}]
    assert changed["success_criterion"] == "Gennemsnit højst 30 dage"
    untouched = ok(client.patch(f"/api/v1/goals/{goal_id}", json={"owner": "Direktør"},
                                headers=admin))
    assert [i["name"] for i in untouched["indicators"]] == ["Svartid"]
    assert len(untouched["milestones"]) == 1
    emptied = ok(client.patch(f"/api/v1/goals/{goal_id}", headers=admin,
                              json={"indicators": [], "milestones": []}))
    assert emptied["indicators"] == [] and emptied["milestones"] == []


def test_plan_goals_list_and_filters(client, admin, world):
    url = _goals_url(world)
    ok(client.post(url, headers=admin, json=goal_body(
        "M2", task_type="project", goal_type="activity", milestones=MILESTONES)), 201)
    assert [g["code"] for g in ok(client.get(url, headers=admin))] == ["M1", "M2"]
    assert [g["code"] for g in ok(client.get(f"{url}?task_type=project", headers=admin))] == [
        "M2"]
    assert [g["code"] for g in ok(client.get(f"{url}?goal_type=output", headers=admin))] == [
        "M1"]


def test_delete_goal_of_draft(client, admin, world):
    goal_id = world["goals"]["UFST"]["id"]
    assert client.delete(f"/api/v1/goals/{goal_id}", headers=admin).status_code == 204
    problem_of(client.get(f"/api/v1/goals/{goal_id}", headers=admin), 404)
    assert ok(client.get(_goals_url(world), headers=admin)) == []


def test_goal_of_missing_plan_is_404(client, admin, world):
    problem_of(client.post("/api/v1/plans/987654/goals", json=goal_body(), headers=admin), 404)
    problem_of(client.get("/api/v1/goals/987654", headers=admin), 404)

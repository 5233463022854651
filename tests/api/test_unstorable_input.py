"""Input that Python's decoder, the date arithmetic or the databases cannot hold is a 422
naming the field, never a 500: integers past Python's digit limit, NaN and Infinity, lone
UTF-16 surrogates, control characters in one-line text, periods outside the years a date
holds, and goal codes that mix numbers and letters."""

from __future__ import annotations

import json
from typing import Any

import pytest
from flask.testing import FlaskClient

from tests.api.conftest import problem_of
from tests.support.factories import goal_body, ok

HUGE = "1" + "0" * 5000  # more digits than int() converts (sys.get_int_max_str_digits)


def _write_routes(client: FlaskClient, world: dict[str, Any]) -> list[tuple[str, str]]:
    """(method, path) of every operation that takes a JSON body, with in-scope ids."""
    spec = ok(client.get("/api/openapi.json"))
    values = {
        "plan_id": str(world["plans"]["UFST"]["id"]), "goal_id": str(world["goals"]["UFST"]["id"]),
        "ident": "SKM", "code": "SKM", "name": "builtin", "rule": "plan.top-manager",
        "message_id": "1", "followup_id": "1", "request_id": "1",
    }
    routes = []
    for path, item in spec["paths"].items():
        for method, operation in item.items():
            if method == "parameters" or "requestBody" not in operation:
                continue
            filled = path
            for name, value in values.items():
                filled = filled.replace("{" + name + "}", value)
            if "/institutions/" in path:
                filled = filled.replace("/SKM", "/UFST")
            routes.append((method.upper(), filled))
    assert len(routes) >= 10
    return routes


def _send(client: FlaskClient, method: str, path: str, body: str, headers: dict[str, str]) -> Any:
    return client.open(path, method=method, data=body, content_type="application/json",
                       headers=headers)


def test_an_integer_past_the_digit_limit_is_422_naming_the_field_on_every_write_route(
    app, client, world, admin
):
    for method, path in _write_routes(client, world):
        body = problem_of(_send(client, method, path, '{"period_start": ' + HUGE + "}", admin), 422)
        assert body["errors"]["period_start"] == ["The number has too many digits."], path
        nested = '{"goals": [{"goal": "M1", "status": "on_track", "value": -' + HUGE + "}]}"
        body = problem_of(_send(client, method, path, nested, admin), 422)
        assert "goals.0.value" in body["errors"], path


def test_a_lone_surrogate_is_422_naming_the_field_on_every_write_route(app, client, world, admin):
    for method, path in _write_routes(client, world):
        for text, field in (
            ('{"name": "Skat\\ud800"}', "name"),
            ('{"title": "\\udfff"}', "title"),
            ('{"goals": [{"goal": "M1", "status": "on_track", "comment": "x\\udc00"}]}',
             "goals.0.comment"),
            ('{"settings": {"k\\ud800": 1}}', "settings"),
        ):
            body = problem_of(_send(client, method, path, text, admin), 422)
            assert field in body["errors"], (path, text, body)
            assert "surrogate" in body["errors"][field][0]
    # a pair that is a character is fine
    ok(client.post("/api/v1/ministries", headers=admin, content_type="application/json",
                   data='{"code": "KUM", "name": "\\ud83d\\ude00"}'), 201)


def test_nan_and_infinity_are_not_json(client, world, admin):
    for constant in ("NaN", "Infinity", "-Infinity"):
        body = problem_of(_send(client, "PUT", "/api/v1/plugins/builtin/ministries/SKM",
                                '{"settings": {"limit": ' + constant + "}}", admin), 422)
        assert body["errors"] == {"settings.limit": ["NaN and Infinity are not JSON numbers."]}


def test_control_characters_are_refused_in_titles_and_names(client, world, admin):
    plan, goal = world["plans"]["UFST"], world["goals"]["UFST"]
    for bad in ("Plan\x01", "Rød\x1b[31m", "To\nlinjer", "Tab\tted", "C1\x85"):
        body = problem_of(client.patch(f"/api/v1/plans/{plan['id']}", headers=admin,
                                       json={"title": bad}), 422)
        assert list(body["errors"]) == ["title"]
        body = problem_of(client.patch(f"/api/v1/goals/{goal['id']}", headers=admin,
                                       json={"title": bad}), 422)
        assert list(body["errors"]) == ["title"]
        body = problem_of(client.post(f"/api/v1/plans/{plan['id']}/goals", headers=admin,
                                      json=goal_body("M7", title=bad)), 422)
        assert list(body["errors"]) == ["title"]
        body = problem_of(client.post("/api/v1/ministries", headers=admin,
                                      json={"code": "KUM", "name": bad}), 422)
        assert list(body["errors"]) == ["name"]
    # multi-line text keeps its tabs and line breaks, and refuses the other control characters
    changed = ok(client.patch(f"/api/v1/goals/{goal['id']}", headers=admin, json={
        "description": "Første linje\r\n\tanden linje", "success_criterion": "a\nb"}))
    assert changed["description"] == "Første linje\r\n\tanden linje"
    body = problem_of(client.patch(f"/api/v1/goals/{goal['id']}", headers=admin,
                                   json={"description": "farve \x1b[31m"}), 422)
    assert list(body["errors"]) == ["description"]
    assert ok(client.get(f"/api/v1/goals/{goal['id']}", headers=admin))["title"] == goal["title"]


def test_the_document_gives_the_pattern(client):
    schemas = ok(client.get("/api/openapi.json"))["components"]["schemas"]
    title = schemas["Plan"]["properties"]["title"]["pattern"]
    assert title == "^[^\\u0000-\\u001F\\u007F-\\u009F]*$"
    assert "\\u0009" not in schemas["Goal"]["properties"]["description"]["pattern"]


@pytest.mark.parametrize("period", ["9999-H2", "9999-Q4", "9999", "0000-H1", "0001-H1",
                                    "-5-H1", "1899-H2", "2201"])
def test_a_period_outside_the_years_is_422_naming_period(client, approved, admin, period):
    for path in ("/api/v1/overview", "/api/v1/exports/overview"):
        body = problem_of(client.get(path, query_string={"period": period}, headers=admin), 422)
        assert list(body["errors"]) == ["period"], (path, period)
    plan_id = approved["id"]
    body = problem_of(client.get(f"/api/v1/plans/{plan_id}/followup-template.xlsx",
                                 query_string={"period": period}, headers=admin), 422)
    assert list(body["errors"]) == ["period"]


def test_the_years_at_the_edges_are_periods(client, approved, admin):
    for period in ("1900", "1900-H1", "2200-H2", "2200-Q4"):
        assert ok(client.get("/api/v1/overview", query_string={"period": period},
                             headers=admin))["period"] == period


@pytest.fixture
def mixed_codes(client: FlaskClient, admin: dict[str, str], world: dict[str, Any]
                ) -> dict[str, Any]:
    """UFST's plan, approved, with goals ``M1``, ``1``, ``M10``, ``2`` and ``M2`` that all
    lack a success criterion (the same warning for each)."""
    plan = world["plans"]["UFST"]
    deleted = client.delete(f"/api/v1/goals/{world['goals']['UFST']['id']}", headers=admin)
    assert deleted.status_code == 204
    for code in ("M1", "1", "M10", "2", "M2"):
        ok(client.post(f"/api/v1/plans/{plan['id']}/goals", headers=admin,
                       json=goal_body(code, success_criterion=None)), 201)
    return ok(client.post(f"/api/v1/plans/{plan['id']}/approve", headers=admin))


NATURAL = ["1", "2", "M1", "M2", "M10"]


def test_codes_of_numbers_and_letters_sort_together(client, admin, mixed_codes):
    plan_id = mixed_codes["id"]
    findings = ok(client.get(f"/api/v1/plans/{plan_id}/validation", headers=admin))["findings"]
    specific = [f["goal"] for f in findings if f["rule"] == "smart.specific"]
    assert specific == NATURAL
    overview = ok(client.get("/api/v1/overview?period=2026-H1", headers=admin))
    assert [p["plan"] for p in overview["plans"]] == ["UFST-2026"]
    response = client.get("/api/v1/exports/overview?period=2026-H1&format=csv", headers=admin)
    assert response.status_code == 200
    header, *rows = response.get_data(as_text=True).splitlines()
    goal = header.lstrip("\ufeff").split(";").index("Mål-ID")
    assert [row.split(";")[goal] for row in rows] == ["M1", "1", "M10", "2", "M2"]  # plan order


def test_refused_bodies_name_fields_inside_lists(client, world, admin):
    plan = world["plans"]["UFST"]
    data = json.dumps({"period": "2026-H1", "goals": [
        {"goal": "M1", "status": "on_track"}, {"goal": "M2\x07", "status": "on_track"}]})
    body = problem_of(client.post(f"/api/v1/plans/{plan['id']}/followups", headers=admin,
                                  data=data, content_type="application/json"), 422)
    assert list(body["errors"]) == ["goals.1.goal"]


def test_a_rule_code_with_control_characters_is_refused(client, world, admin):
    body = problem_of(client.put("/api/v1/ministries/SKM/rules/plan.x%1b%01", headers=admin,
                                 json={"severity": "off"}), 422)
    assert list(body["errors"]) == ["rule"]
    body = problem_of(client.put("/api/v1/ministries/SKM/rules/" + "r" * 101, headers=admin,
                                 json={"severity": "off"}), 422)
    assert list(body["errors"]) == ["rule"]
    ok(client.put("/api/v1/ministries/SKM/rules/plan.top-manager", headers=admin,
                  json={"severity": "off"}))

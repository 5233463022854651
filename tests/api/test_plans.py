"""/api/v1/plans: create, read, change, delete; references and periods."""

from __future__ import annotations

from tests.api.conftest import problem_of
from tests.support.factories import ok, plan_body


def test_reference_is_institution_and_first_year_with_suffix_on_clash(client, admin, world):
    assert world["plans"]["UFST"]["reference"] == "UFST-2026"
    second = ok(client.post("/api/v1/plans", json=plan_body("ufst"), headers=admin), 201)
    third = ok(client.post("/api/v1/plans", json=plan_body("UFST"), headers=admin), 201)
    other_year = ok(client.post("/api/v1/plans", json=plan_body(
        "UFST", period_start=2028, period_end=2029), headers=admin), 201)
    assert [second["reference"], third["reference"], other_year["reference"]] == [
        "UFST-2026-2", "UFST-2026-3", "UFST-2028"]


def test_reference_is_reused_after_delete_only_when_free(client, admin, world):
    second = ok(client.post("/api/v1/plans", json=plan_body("UFST"), headers=admin), 201)
    assert client.delete(f"/api/v1/plans/{world['plans']['UFST']['id']}",
                         headers=admin).status_code == 204
    third = ok(client.post("/api/v1/plans", json=plan_body("UFST"), headers=admin), 201)
    assert (second["reference"], third["reference"]) == ("UFST-2026-2", "UFST-2026")


def test_created_plan_is_a_draft_with_its_fields(client, admin, world):
    plan = ok(client.get(f"/api/v1/plans/{world['plans']['DST']['id']}", headers=admin))
    assert plan["status"] == "draft"
    assert plan["institution"] == "DST" and plan["ministry"] == "FM"
    assert plan["top_manager"] == {"name": "Anne Jensen", "title": "Direktør"}
    assert (plan["period_start"], plan["period_end"]) == (2026, 2027)
    assert plan["followup_cadence"] == "half-yearly"
    assert plan["approved_at"] is None and plan["approved_by"] is None


def test_cadence_defaults_to_half_yearly(client, admin, world):
    body = plan_body("MST")
    del body["followup_cadence"]
    assert ok(client.post("/api/v1/plans", json=body, headers=admin),
              201)["followup_cadence"] == "half-yearly"


def test_patch_changes_draft(client, admin, world):
    plan_id = world["plans"]["UFST"]["id"]
    changed = ok(client.patch(f"/api/v1/plans/{plan_id}", headers=admin, json={
        "title": "  Ny titel ", "period_end": 2028, "followup_cadence": "quarterly",
        "top_manager": {"name": "Bo Hansen", "title": None}}))
    assert changed["title"] == "Ny titel"
    assert changed["period_end"] == 2028
    assert changed["followup_cadence"] == "quarterly"
    assert changed["top_manager"] == {"name": "Bo Hansen", "title": None}
    assert changed["reference"] == "UFST-2026"
    cleared = ok(client.patch(f"/api/v1/plans/{plan_id}", json={"top_manager": None},
                              headers=admin))
    assert cleared["top_manager"] is None


def test_period_end_before_start_on_post(client, admin, world):
    body = problem_of(client.post("/api/v1/plans", headers=admin, json=plan_body(
        "UFST", period_start=2027, period_end=2026)), 422)
    assert list(body["errors"]) == ["period_end"]


def test_period_end_before_start_on_patch(client, admin, world):
    plan_id = world["plans"]["UFST"]["id"]
    both = problem_of(client.patch(f"/api/v1/plans/{plan_id}", headers=admin,
                                   json={"period_start": 2027, "period_end": 2026}), 422)
    assert list(both["errors"]) == ["period_end"]
    only_end = problem_of(client.patch(f"/api/v1/plans/{plan_id}", headers=admin,
                                       json={"period_end": 2025}), 422)
    assert list(only_end["errors"]) == ["period_end"]
    only_start = problem_of(client.patch(f"/api/v1/plans/{plan_id}", headers=admin,
                                         json={"period_start": 2030}), 422)
    assert list(only_start["errors"]) == ["period_end"]
    unchanged = ok(client.get(f"/api/v1/plans/{plan_id}", headers=admin))
    assert (unchanged["period_start"], unchanged["period_end"]) == (2026, 2027)


def test_unknown_institution_is_422_naming_institution(client, admin, world):
    body = problem_of(client.post("/api/v1/plans", json=plan_body("NOPE"), headers=admin), 422)
    assert list(body["errors"]) == ["institution"]


def test_delete_draft(client, admin, world):
    plan_id = world["plans"]["MST"]["id"]
    assert client.delete(f"/api/v1/plans/{plan_id}", headers=admin).status_code == 204
    problem_of(client.get(f"/api/v1/plans/{plan_id}", headers=admin), 404)
    problem_of(client.get(f"/api/v1/goals/{world['goals']['MST']['id']}", headers=admin), 404)


def test_delete_approved_plan_is_409(client, admin, approved):
    problem_of(client.delete(f"/api/v1/plans/{approved['id']}", headers=admin), 409)
    assert ok(client.get(f"/api/v1/plans/{approved['id']}", headers=admin))["status"] == (
        "approved")

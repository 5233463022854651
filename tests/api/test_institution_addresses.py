"""/api/v1/institutions/{code}/addresses: one reporting address at a time, checked, scoped
and audited; PATCH still replaces the whole list (tests/api/test_institutions.py)."""

from __future__ import annotations

import pytest

from tests.api.conftest import problem_of
from tests.support.factories import ok


def _add(client, headers, address, code="UFST"):
    return client.post(f"/api/v1/institutions/{code}/addresses", headers=headers,
                       json={"address": address})


def _events(action):
    from sqlalchemy import select

    from service.domain.models import AuditEvent
    from service.extensions import db

    return list(db.session.scalars(select(AuditEvent).where(AuditEvent.action == action)))


def test_department_adds_and_removes_one_address(client, department, world):
    added = ok(_add(client, department, " Ny.Medarbejder@UFST.dk "), 201)
    assert added["reporting_addresses"] == ["ny.medarbejder@ufst.dk", "opfoelgning@ufst.dk"]
    again = ok(_add(client, department, "ny.medarbejder@ufst.dk"), 201)  # idempotent
    assert again["reporting_addresses"] == added["reporting_addresses"]
    [event] = _events("address_add")
    assert (event.entity, event.after, event.actor_role) == (
        "institution", {"address": "ny.medarbejder@ufst.dk"}, "department")

    gone = client.delete("/api/v1/institutions/UFST/addresses/Ny.Medarbejder@ufst.dk",
                         headers=department)
    assert gone.status_code == 204, gone.get_data(as_text=True)
    assert ok(client.get("/api/v1/institutions/UFST", headers=department))[
        "reporting_addresses"] == ["opfoelgning@ufst.dk"]
    assert [e.before for e in _events("address_remove")] == [
        {"address": "ny.medarbejder@ufst.dk"}]
    body = problem_of(client.delete("/api/v1/institutions/UFST/addresses/ny.medarbejder@ufst.dk",
                                    headers=department), 404)
    assert "ny.medarbejder@ufst.dk" in body["detail"]


def test_adding_changes_the_data_version(client, department, world):
    first = client.get("/api/v1/institutions/UFST", headers=department)
    ok(_add(client, department, "ny@ufst.dk"), 201)
    second = client.get("/api/v1/institutions/UFST", headers=department)
    assert second.get_json()["reporting_addresses"] != first.get_json()["reporting_addresses"]


def test_address_of_another_institution_is_a_conflict_naming_it(client, department, world):
    body = problem_of(_add(client, department, "mrp@motorst.dk"), 409)
    assert "MST" in body["detail"] and list(body["errors"]) == ["address"]
    # one in another ministry is not named to the department
    body = problem_of(_add(client, department, "opfoelgning@dst.dk"), 409)
    assert "DST" not in body["detail"] and "andet ministerområde" in body["detail"]


@pytest.mark.parametrize("address", ["ikke en adresse", "a@b", "@ufst.dk", "a..b@ufst.dk"])
def test_invalid_address_is_422_in_danish(client, department, world, address):
    body = problem_of(_add(client, department, address), 422)
    assert list(body["errors"]) == ["address"]
    assert "ikke en gyldig e-mailadresse" in body["errors"]["address"][0]


def test_non_ascii_local_part_is_refused_unless_allowed(app, client, department, world):
    body = problem_of(_add(client, department, "søren@ufst.dk"), 422)
    assert "æ, ø eller å" in body["errors"]["address"][0]
    # the same check in the whole-list forms
    body = problem_of(client.patch("/api/v1/institutions/UFST", headers=department,
                                   json={"reporting_addresses": ["ok@ufst.dk", "åse@ufst.dk"]}),
                      422)
    assert list(body["errors"]) == ["reporting_addresses.1"]
    assert ok(_add(client, department, "mrp@blåbær.dk"), 201)  # a domain with æøå is fine
    app.config["REPORTING_ADDRESS_ALLOW_NON_ASCII"] = True
    added = ok(_add(client, department, "Søren@ufst.dk"), 201)
    assert "søren@ufst.dk" in added["reporting_addresses"]


def test_tenancy(client, department, institution, token, world):
    problem_of(_add(client, department, "ny@dst.dk", code="DST"), 404)
    problem_of(client.delete("/api/v1/institutions/DST/addresses/opfoelgning@dst.dk",
                             headers=department), 404)
    problem_of(_add(client, institution, "ny@ufst.dk"), 403)
    problem_of(client.delete("/api/v1/institutions/UFST/addresses/opfoelgning@ufst.dk",
                             headers=institution), 403)
    problem_of(_add(client, token("institution", institution="MST"), "ny@ufst.dk"), 404)


def test_body_is_checked(client, admin, world):
    problem_of(client.post("/api/v1/institutions/UFST/addresses", headers=admin, json={}), 422)
    body = problem_of(client.post("/api/v1/institutions/UFST/addresses", headers=admin,
                                  json={"address": "a@b.dk", "x": 1}), 422)
    assert "x" in body["errors"]


def test_create_rename_and_move_are_audited(client, admin, world):
    ok(client.post("/api/v1/institutions", headers=admin, json={
        "code": "SKAT", "name": "Skattestyrelsen", "ministry": "SKM"}), 201)
    ok(client.patch("/api/v1/institutions/SKAT", headers=admin,
                    json={"name": "Skattestyrelsen (ny)", "ministry": "FM"}))
    [created] = [e for e in _events("create") if e.after.get("code") == "SKAT"]
    assert created.entity == "institution" and created.after["ministry"] == "SKM"
    [changed] = [e for e in _events("update")
                 if e.entity == "institution" and e.entity_id == created.entity_id]
    assert changed.before == {"name": "Skattestyrelsen", "ministry": "SKM"}
    assert changed.after == {"name": "Skattestyrelsen (ny)", "ministry": "FM"}


def test_openapi_documents_the_address_routes(client):
    spec = client.get("/api/openapi.json").get_json()
    post = spec["paths"]["/api/v1/institutions/{ident}/addresses"]["post"]
    assert {"201", "403", "404", "409", "422"} <= set(post["responses"])
    delete = spec["paths"]["/api/v1/institutions/{ident}/addresses/{address}"]["delete"]
    assert {"204", "403", "404"} <= set(delete["responses"])

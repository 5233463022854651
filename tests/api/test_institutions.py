"""/api/v1/institutions: reporting addresses, codes, moving and deleting."""

from __future__ import annotations

from tests.api.conftest import problem_of
from tests.support.factories import ok


def _create(client, headers, **body):
    return client.post("/api/v1/institutions", headers=headers, json={
        "code": "SKAT", "name": "Skattestyrelsen", "ministry": "SKM", **body})


def test_addresses_are_lower_cased_and_deduplicated(client, admin, world):
    created = ok(_create(client, admin, reporting_addresses=[
        " Opfoelgning@SKAT.dk", "opfoelgning@skat.dk", "MRP@skat.DK"]), 201)
    assert created["reporting_addresses"] == ["mrp@skat.dk", "opfoelgning@skat.dk"]
    assert created["ministry"] == "SKM"
    assert ok(client.get("/api/v1/institutions/skat", headers=admin))["id"] == created["id"]


def test_invalid_address_names_its_index(client, admin, world):
    body = problem_of(
        _create(client, admin, reporting_addresses=["ok@skat.dk", "not an address"]), 422
    )
    assert list(body["errors"]) == ["reporting_addresses.1"]
    problem_of(client.get("/api/v1/institutions/SKAT", headers=admin), 404)


def test_patch_replaces_addresses(client, admin, world):
    changed = ok(client.patch("/api/v1/institutions/UFST", headers=admin, json={
        "name": "Udviklings- og Forenklingsstyrelsen",
        "reporting_addresses": ["NY@ufst.dk", "ny@UFST.dk", "opfoelgning@ufst.dk"]}))
    assert changed["reporting_addresses"] == ["ny@ufst.dk", "opfoelgning@ufst.dk"]
    assert changed["name"] == "Udviklings- og Forenklingsstyrelsen"
    again = ok(client.get("/api/v1/institutions/UFST", headers=admin))
    assert again["reporting_addresses"] == ["ny@ufst.dk", "opfoelgning@ufst.dk"]
    body = problem_of(client.patch("/api/v1/institutions/UFST", headers=admin,
                                   json={"reporting_addresses": ["a@b.dk", "@x"]}), 422)
    assert "reporting_addresses.1" in body["errors"]


def test_admin_moves_an_institution(client, admin, world):
    moved = ok(client.patch("/api/v1/institutions/MST", json={"ministry": "FM"}, headers=admin))
    assert moved["ministry"] == "FM"


def test_unknown_ministry_is_422_naming_ministry(client, admin, world):
    body = problem_of(_create(client, admin, ministry="XX"), 422)
    assert "ministry" in body["errors"]


def test_duplicate_code_is_409(client, admin, world):
    body = problem_of(_create(client, admin, code="ufst"), 409)
    assert "code" in body["errors"]


def test_delete_only_without_plans(client, admin, world):
    problem_of(client.delete("/api/v1/institutions/UFST", headers=admin), 409)
    ok(_create(client, admin), 201)
    assert client.delete("/api/v1/institutions/SKAT", headers=admin).status_code == 204
    problem_of(client.get("/api/v1/institutions/SKAT", headers=admin), 404)


def test_list_and_ministry_filter(client, admin, world):
    codes = [i["code"] for i in ok(client.get("/api/v1/institutions", headers=admin))]
    assert codes == ["DST", "MST", "UFST"]
    skm = ok(client.get("/api/v1/institutions?ministry=skm", headers=admin))
    assert [i["code"] for i in skm] == ["MST", "UFST"]

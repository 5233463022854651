"""/api/v1/ministries: register, read, rename, delete."""

from __future__ import annotations

from tests.api.conftest import problem_of
from tests.support.factories import ok


def test_create_read_rename_delete(client, admin):
    created = ok(client.post("/api/v1/ministries", json={"code": "km", "name": "Kulturmin."},
                             headers=admin), 201)
    assert created["code"] == "KM"
    assert isinstance(created["id"], int)
    assert ok(client.get(f"/api/v1/ministries/{created['id']}", headers=admin))["code"] == "KM"
    assert ok(client.get("/api/v1/ministries/km", headers=admin))["id"] == created["id"]
    renamed = ok(client.patch("/api/v1/ministries/KM", json={"name": "Kulturministeriet"},
                              headers=admin))
    assert renamed["name"] == "Kulturministeriet"
    assert client.delete("/api/v1/ministries/KM", headers=admin).status_code == 204
    problem_of(client.get("/api/v1/ministries/KM", headers=admin), 404)


def test_list_is_sorted_by_code(client, admin, world):
    listed = ok(client.get("/api/v1/ministries", headers=admin))
    assert [m["code"] for m in listed] == ["FM", "SKM"]


def test_duplicate_code_is_409_naming_code(client, admin, world):
    body = problem_of(
        client.post("/api/v1/ministries", json={"code": "skm", "name": "Igen"}, headers=admin),
        409,
    )
    assert "code" in body["errors"]


def test_invalid_code_is_422_naming_code(client, admin):
    body = problem_of(
        client.post("/api/v1/ministries", json={"code": "S K M!", "name": "x"}, headers=admin),
        422,
    )
    assert "code" in body["errors"]


def test_ministry_with_institutions_cannot_be_deleted(client, admin, world):
    problem_of(client.delete("/api/v1/ministries/SKM", headers=admin), 409)
    assert ok(client.get("/api/v1/ministries/SKM", headers=admin))["code"] == "SKM"


def test_missing_name_is_422(client, admin):
    body = problem_of(client.post("/api/v1/ministries", json={"code": "KM"}, headers=admin), 422)
    assert set(body["errors"]) == {"name"}

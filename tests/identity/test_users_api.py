"""People through the API and the CLI: an admin manages them; nobody else sees them."""

from __future__ import annotations

import pytest

from tests.api.conftest import problem_of
from tests.support.factories import ok

ANNE = {"email": "Anne.Jensen@SKM.dk", "name": "Anne Jensen", "role": "department",
        "ministry": "SKM"}


def test_admin_creates_lists_and_changes_a_user(client, admin, world):
    made = ok(client.post("/api/v1/users", json=ANNE, headers=admin), 201)
    assert made["email"] == "anne.jensen@skm.dk"  # stored lower-cased
    assert (made["role"], made["ministry"], made["active"]) == ("department", "SKM", True)
    assert made["last_sign_in_at"] is None
    listed = ok(client.get("/api/v1/users", headers=admin))
    assert [u["email"] for u in listed] == ["anne.jensen@skm.dk"]
    by_email = ok(client.get("/api/v1/users/ANNE.JENSEN@skm.dk", headers=admin))
    assert by_email["id"] == made["id"]
    moved = ok(client.patch(f"/api/v1/users/{made['id']}", headers=admin,
                            json={"role": "institution", "institution": "UFST"}))
    assert (moved["role"], moved["ministry"], moved["institution"]) == (
        "institution", None, "UFST")
    off = ok(client.patch(f"/api/v1/users/{made['id']}", headers=admin, json={"active": False}))
    assert off["active"] is False


def test_the_same_address_in_another_case_is_a_conflict(client, admin, world):
    ok(client.post("/api/v1/users", json=ANNE, headers=admin), 201)
    body = problem_of(client.post("/api/v1/users", headers=admin,
                                  json={**ANNE, "email": "anne.jensen@skm.DK"}), 409)
    assert "email" in body["errors"]


@pytest.mark.parametrize(("body", "field"), [
    ({**ANNE, "email": "not-an-address"}, "email"),
    ({**ANNE, "ministry": None}, "ministry"),
    ({**ANNE, "ministry": "XX"}, "ministry"),
    ({**ANNE, "role": "institution", "ministry": None, "institution": "NOPE"}, "institution"),
    ({**ANNE, "role": "boss"}, "role"),
    ({**ANNE, "name": " "}, "name"),
])
def test_bad_users_are_refused_naming_the_field(client, admin, world, body, field):
    answer = problem_of(client.post("/api/v1/users", json=body, headers=admin), 422)
    assert field in answer["errors"], answer
    assert ok(client.get("/api/v1/users", headers=admin)) == []


def test_only_an_admin_manages_people(client, admin, token, world):
    made = ok(client.post("/api/v1/users", json=ANNE, headers=admin), 201)
    for headers in (token("department", ministry="SKM"), token("institution", institution="UFST")):
        problem_of(client.get("/api/v1/users", headers=headers), 403)
        problem_of(client.post("/api/v1/users", json=ANNE, headers=headers), 403)
        problem_of(client.patch(f"/api/v1/users/{made['id']}", json={"active": False},
                                headers=headers), 403)
    problem_of(client.get("/api/v1/users"), 401)


def test_users_from_the_command_line(runner, world):
    made = runner.invoke(args=["users", "create", "--email", "ole@ufst.dk", "--name", "Ole",
                               "--role", "institution", "--institution", "UFST"])
    assert made.exit_code == 0, made.output
    listed = runner.invoke(args=["users", "list"]).output
    assert "ole@ufst.dk\tOle\tinstitution\tUFST\tactive\t-" in listed
    gone = runner.invoke(args=["users", "deactivate", "OLE@ufst.dk"])
    assert gone.exit_code == 0, gone.output
    assert "\tdeactivated\t" in runner.invoke(args=["users", "list"]).output
    again = runner.invoke(args=["users", "create", "--email", "ole@ufst.dk", "--name", "Ole",
                                "--role", "admin"])
    assert again.exit_code != 0 and "allerede" in again.output
    unknown = runner.invoke(args=["users", "deactivate", "nobody@x.dk"])
    assert unknown.exit_code != 0 and "findes ikke" in unknown.output


def test_an_admin_manages_people_on_the_dashboard(client, admin, world):
    from tests.web.conftest import csrf_token, secret_of, sign_in

    sign_in(client, secret_of(admin))
    page = client.get("/users").get_data(as_text=True)
    assert "Der er ingen brugere endnu" in page
    token = csrf_token(page)
    bad = client.post("/users", data={"csrf_token": token, "email": "nope", "name": "Ole",
                                      "role": "institution", "institution": "UFST"})
    assert bad.status_code == 422
    text = bad.get_data(as_text=True)
    assert 'href="#user-email"' in text and "gyldig e-mailadresse" in text
    made = client.post("/users", data={"csrf_token": token, "email": "Ole@UFST.dk",
                                       "name": "Ole", "role": "institution",
                                       "institution": "UFST", "ministry": "SKM"})
    assert made.status_code == 303
    page = client.get("/users").get_data(as_text=True)
    assert "ole@ufst.dk" in page and "Luk adgang" in page
    user_id = ok(client.get("/api/v1/users/ole@ufst.dk", headers=admin))["id"]
    off = client.post(f"/users/{user_id}/active", data={"csrf_token": token, "active": "0"})
    assert off.status_code == 303
    assert ok(client.get(f"/api/v1/users/{user_id}", headers=admin))["active"] is False


def test_only_an_admin_sees_the_people_page(client, token, world):
    from tests.web.conftest import secret_of, sign_in

    sign_in(client, secret_of(token("department", ministry="SKM")))
    assert client.get("/users").status_code == 403
    assert "Brugere" not in client.get("/").get_data(as_text=True).split("<main")[0]

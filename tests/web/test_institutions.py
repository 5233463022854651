"""The institution pages: the list, registering one, renaming, moving (admin), adding and
removing one reporting address (with a confirmation); Danish errors linked to their fields,
CSRF, and the institution role reading only."""

from __future__ import annotations

import pytest

from tests.web.conftest import csrf_token


def _html(response, status=200):
    assert response.status_code == status, response.get_data(as_text=True)[:2000]
    return response.get_data(as_text=True)


def _post(client, path, page, **data):
    token = csrf_token(client.get(page).get_data(as_text=True))
    return client.post(path, data={"csrf_token": token, **data})


def test_list_shows_code_name_ministry_addresses_and_plans(signed_in, plans):
    client = signed_in("admin")
    html = _html(client.get("/institutions"))
    assert 'href="/institutions/UFST"' in html and "opfoelgning@ufst.dk" in html
    assert "SKM Skatteministeriet" in html and 'aria-current="page">Institutioner' in html
    row = html[html.index('id="institution-DST"'):]
    assert "<td>1</td>" in row[:row.index("</tr>")]


def test_department_sees_its_ministry_only(signed_in, plans):
    client = signed_in("department", ministry="SKM")
    html = _html(client.get("/institutions"))
    assert "UFST" in html and "institution-DST" not in html
    _html(client.get("/institutions/DST"), 404)
    assert _post(client, "/institutions/DST/addresses", "/institutions",
                 address="ny@dst.dk").status_code == 404


def test_institution_role_reads_its_own_only(signed_in, plans):
    client = signed_in("institution", institution="UFST")
    html = _html(client.get("/institutions/UFST"))
    assert "opfoelgning@ufst.dk" in html and "Tilføj adressen" not in html
    assert "Gem navnet" not in html and "Fjern" not in html
    _html(client.get("/institutions/DST"), 404)
    _html(_post(client, "/institutions/UFST/addresses", "/institutions/UFST",
                address="ny@ufst.dk"), 403)
    _html(_post(client, "/institutions/UFST/name", "/institutions/UFST", name="X"), 403)
    _html(client.get("/institutions/new"), 403)


def test_create(signed_in, plans):
    client = signed_in("department", ministry="SKM")
    html = _html(client.get("/institutions/new"))
    assert '<label for="code">' in html and '<label for="ministry">' in html
    response = _post(client, "/institutions/new", "/institutions/new", code="skat",
                     name="Skattestyrelsen", ministry="SKM", address="Mrp@Skat.dk")
    assert response.status_code == 303 and response.headers["Location"] == "/institutions/SKAT"
    html = _html(client.get("/institutions/SKAT"))
    assert "Skattestyrelsen er oprettet" in html and "mrp@skat.dk" in html


def test_create_errors_are_summarised_and_linked(signed_in, plans):
    client = signed_in("admin")
    html = _html(_post(client, "/institutions/new", "/institutions/new", code="",
                       name="", ministry="SKM", address=""), 422)
    assert '<a href="#code">' in html and '<a href="#name">' in html
    assert 'id="code-error"' in html and 'aria-invalid="true"' in html
    html = _html(_post(client, "/institutions/new", "/institutions/new", code="UFST",
                       name="Igen", ministry="SKM"), 422)
    assert '<a href="#code">Institutionen UFST findes allerede.</a>' in html
    html = _html(_post(client, "/institutions/new", "/institutions/new", code="NY",
                       name="Ny", ministry="SKM", address="søren@ny.dk"), 422)
    assert '<a href="#address">' in html and "æ, ø eller å" in html


def test_rename(signed_in, plans):
    client = signed_in("department", ministry="SKM")
    response = _post(client, "/institutions/UFST/name", "/institutions/UFST",
                     name="Udviklings- og Forenklingsstyrelsen (UFST)")
    assert response.status_code == 303
    assert "hedder nu Udviklings- og Forenklingsstyrelsen (UFST)" in _html(
        client.get("/institutions/UFST"))
    html = _html(_post(client, "/institutions/UFST/name", "/institutions/UFST", name=" "), 422)
    assert '<a href="#name">Skriv institutionens navn.</a>' in html


def test_department_may_not_move(signed_in, plans):
    client = signed_in("department", ministry="SKM")
    assert "Flyt institutionen" not in _html(client.get("/institutions/UFST"))
    _html(_post(client, "/institutions/UFST/ministry", "/institutions/UFST", ministry="FM"), 403)


def test_admin_moves(signed_in, plans):
    client = signed_in("admin")
    response = _post(client, "/institutions/UFST/ministry", "/institutions/UFST", ministry="FM")
    assert response.status_code == 303
    html = _html(client.get("/institutions/UFST"))
    assert "hører nu under FM" in html
    html = _html(_post(client, "/institutions/UFST/ministry", "/institutions/UFST",
                       ministry="XX"), 422)
    assert '<a href="#ministry">Ukendt ministerområde: XX.</a>' in html


def test_add_and_remove_an_address(signed_in, plans):
    client = signed_in("department", ministry="SKM")
    response = _post(client, "/institutions/UFST/addresses", "/institutions/UFST",
                     address="Ny@UFST.dk")
    assert response.status_code == 303
    html = _html(client.get("/institutions/UFST"))
    assert "ny@ufst.dk er nu indberetningsadresse for UFST" in html
    # the remove button asks first
    html = _html(_post(client, "/institutions/UFST/addresses/remove", "/institutions/UFST",
                       address="ny@ufst.dk"))
    assert "Fjern ny@ufst.dk fra UFST?" in html and 'name="confirm" value="1"' in html
    assert '<span class="address">ny@ufst.dk</span>' in _html(client.get("/institutions/UFST"))
    response = _post(client, "/institutions/UFST/addresses/remove", "/institutions/UFST",
                     address="ny@ufst.dk", confirm="1")
    assert response.status_code == 303
    html = _html(client.get("/institutions/UFST"))
    assert "ikke længere indberetningsadresse" in html
    assert '<span class="address">ny@ufst.dk</span>' not in html


@pytest.mark.parametrize(("address", "words"), [
    ("ikke en adresse", "ikke en gyldig e-mailadresse"),
    ("søren@ufst.dk", "æ, ø eller å før @"),
    ("opfoelgning@dst.dk", "andet ministerområde"),
    ("", "Skriv en e-mailadresse"),
])
def test_address_errors_are_danish_and_linked(signed_in, plans, address, words):
    client = signed_in("department", ministry="SKM")
    html = _html(_post(client, "/institutions/UFST/addresses", "/institutions/UFST",
                       address=address), 422)
    summary = html[html.index('class="error-summary"'):]
    assert summary.index('<a href="#address">') < summary.index(words)
    assert 'id="address-error"' in html and 'aria-invalid="true"' in html


def test_non_ascii_is_allowed_by_the_setting(app, signed_in, plans):
    app.config["REPORTING_ADDRESS_ALLOW_NON_ASCII"] = True
    client = signed_in("department", ministry="SKM")
    assert _post(client, "/institutions/UFST/addresses", "/institutions/UFST",
                 address="søren@ufst.dk").status_code == 303
    assert "søren@ufst.dk" in _html(client.get("/institutions/UFST"))


@pytest.mark.parametrize("path", [
    "/institutions/new", "/institutions/UFST/name", "/institutions/UFST/ministry",
    "/institutions/UFST/addresses", "/institutions/UFST/addresses/remove",
])
def test_forms_refuse_a_missing_csrf_token(signed_in, plans, path):
    client = signed_in("admin")
    response = client.post(path, data={"address": "ny@ufst.dk", "name": "X", "code": "NY",
                                       "ministry": "FM", "confirm": "1"})
    assert response.status_code == 400
    assert "opfoelgning@ufst.dk" in _html(client.get("/institutions/UFST"))
    assert "ny@ufst.dk" not in _html(client.get("/institutions/UFST"))

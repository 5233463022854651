"""Who an inbound message belongs to when it changes: an institution moved to another
ministry takes its mail along; a message reprocessed into another ministry's keeping is no
longer shown to the department that reprocessed it; an address several ministries'
institutions share attributes no mail to either unless the mail names a plan."""

from __future__ import annotations

from tests.support.factories import ok, plan_body
from tests.support.intake_messages import ADDRESS, decided, mail, report


def _ids(client, headers) -> set[int]:
    return {m["id"] for m in ok(client.get("/api/v1/intake/messages", headers=headers))}


def test_a_moved_institution_takes_its_mail_along(client, admin, token, world):
    no_report = decided(mail(ADDRESS["MST"], "[MST-2026]", None, n=1))
    for_mst = decided(mail(ADDRESS["UFST"], "[MST-2026]", report("MST-2026"), n=2),
                      reason="sender_not_authorized")
    from_ufst = decided(mail(ADDRESS["UFST"], "[UFST-2026]", None, n=3))
    skm, fm = token("department", ministry="SKM"), token("department", ministry="FM")
    assert _ids(client, skm) == {no_report, for_mst, from_ufst} and _ids(client, fm) == set()

    ok(client.patch("/api/v1/institutions/MST", json={"ministry": "FM"}, headers=admin))
    # MST's own mail and the mail naming its plan follow it; UFST's stays
    assert _ids(client, skm) == {from_ufst}
    assert _ids(client, fm) == {no_report, for_mst}
    assert _ids(client, token("institution", institution="MST")) == {no_report}


def test_reprocessed_into_another_ministry_it_is_no_longer_shown(client, admin, token, world):
    msg = decided(mail(ADDRESS["UFST"], "[DST-2027] 2027-H1", report("DST-2027", "2027-H1"),
                       n=1), reason="unknown_plan")
    skm = token("department", ministry="SKM")
    assert ok(client.get(f"/api/v1/intake/messages/{msg}", headers=skm))["reason"] == (
        "unknown_plan")  # the plan does not exist: the mail is its sender's
    ok(client.post("/api/v1/plans", json=plan_body("DST", period_start=2027, period_end=2028),
                   headers=admin), 201)

    response = client.post(f"/api/v1/intake/messages/{msg}/reprocess", headers=skm)
    assert response.status_code == 404, response.get_json()
    body = response.get_json()
    assert "genbehandlet" in body["detail"] and "DST-2027" not in response.get_data(as_text=True)
    assert _ids(client, skm) == set()
    fm = ok(client.get(f"/api/v1/intake/messages/{msg}",
                       headers=token("department", ministry="FM")))
    assert (fm["reason"], fm["plan"], fm["attempts"]) == (
        "sender_not_authorized", "DST-2027", 2)


def test_an_address_of_two_ministries_attributes_by_plan_only(client, admin, token, world):
    shared = "faelles@statens-it.dk"
    for code in ("UFST", "DST"):
        ok(client.patch(f"/api/v1/institutions/{code}", headers=admin,
                        json={"reporting_addresses": [ADDRESS[code], shared]}))
    no_plan = decided(mail(shared, "Opfølgning", None, n=1))
    for_dst = decided(mail(shared, "[DST-2026]", report("DST-2026"), n=2),
                      state="rejected", reason=None)  # DST's plan is a draft
    assert _ids(client, admin) == {no_plan, for_dst}
    assert _ids(client, token("department", ministry="SKM")) == set()
    assert _ids(client, token("department", ministry="FM")) == {for_dst}
    assert _ids(client, token("institution", institution="DST")) == {for_dst}
    assert _ids(client, token("institution", institution="UFST")) == set()

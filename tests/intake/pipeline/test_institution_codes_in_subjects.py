"""Plan references in subjects are found for every institution code the API accepts: 2–16
letters (ÆØÅ too) or digits, in any order; no hyphens. The longest code, codes with digits
first, last and only, through the API and a real IMAP server."""

from __future__ import annotations

import pytest

from service.intake.subject import find_plan_reference, parse_subject
from tests.intake.pipeline.conftest import json_report, report_mail
from tests.support.factories import goal_body, ok, plan_body

LONGEST = "ABCDEFGHIJKLMNOP"  # 16
CODES = [LONGEST, "ÆØÅ1234567890ABC", "9DST", "DST2", "A1B2C3D4E5F6G7H8", "AB", "Q7X"]


@pytest.mark.parametrize("code", CODES)
@pytest.mark.parametrize("suffix", ["", "-2", "-12"])
def test_every_accepted_code_is_found_bare_and_bracketed(code, suffix):
    ref = f"{code}-2026{suffix}"
    for subject in (f"Opfølgning {ref} 1. halvår 2026", f"SV: [{ref}] H1 2026",
                    f"[ {ref.lower()} ] 2026-H1", f"{ref}: 2026-H1", f"({ref})"):
        assert find_plan_reference(subject) == ref, subject
    assert parse_subject(f"[{ref}] 2026-H1").period == "2026-H1"


@pytest.mark.parametrize("subject", [
    "[12-2026] 2026-H1", "Opfølgning [ 0042-2026-2 ]", "[1234567890123456-2027]"])
def test_a_code_of_digits_alone_is_found_in_brackets(subject):
    assert find_plan_reference(subject) == subject[subject.index("[") + 1:
                                                   subject.index("]")].strip()


@pytest.mark.parametrize(("subject", "expected"), [
    ("Mål- og resultatplan 2026-2027, 1. halvår 2026", None),  # a span of years
    ("Rapport 06-2026", None),  # a month
    (f"{LONGEST}Q-2026", None),  # 17 characters: no code the API accepts
    (f"X{LONGEST}-2026 og {LONGEST}-2026", f"{LONGEST}-2026"),
    ("H1-2026 for 9DST-2026", "9DST-2026"),  # a period, then a plan
    ("[H1-2026] alene", "H1-2026"),  # bracketed, and nothing else: institution H1's plan
    ("[H1-2026] for [DST-2026]", "DST-2026"),
    ("ABC-DEF-2026", None),  # no hyphens in codes
])
def test_what_is_not_a_plan(subject, expected):
    assert find_plan_reference(subject) == expected


def test_the_api_accepts_exactly_these_codes(client, admin):
    ok(client.post("/api/v1/ministries", json={"code": "FM", "name": "Finansministeriet"},
                   headers=admin), 201)

    def create(code: str):
        return client.post("/api/v1/institutions", headers=admin, json={
            "code": code, "name": f"Institution {code}", "ministry": "FM"})

    for code in [*CODES, "12", "1234567890123456"]:
        assert create(code).status_code == 201, code
    for code in (f"{LONGEST}Q", "ABC-DEF", "A", "AB CD", "AB_C"):
        assert create(code).status_code == 422, code


@pytest.mark.parametrize(("code", "bracketed"), [(LONGEST, False), ("9DST2026", False),
                                                 ("12", True)])
def test_a_report_naming_its_plan_only_in_the_subject_is_accepted(
    client, admin, mailbox, poll, code, bracketed
):
    ok(client.post("/api/v1/ministries", json={"code": "FM", "name": "Finansministeriet"},
                   headers=admin), 201)
    address = f"opfoelgning@{code.lower()}.dk"
    ok(client.post("/api/v1/institutions", headers=admin, json={
        "code": code, "name": f"Institution {code}", "ministry": "FM",
        "reporting_addresses": [address]}), 201)
    plan = ok(client.post("/api/v1/plans", json=plan_body(code), headers=admin), 201)
    ok(client.post(f"/api/v1/plans/{plan['id']}/goals", json=goal_body(), headers=admin), 201)
    ok(client.post(f"/api/v1/plans/{plan['id']}/approve", headers=admin))
    assert plan["reference"] == f"{code}-2026"
    ref = f"[{plan['reference']}]" if bracketed else plan["reference"]
    mailbox.append("INBOX", report_mail(  # ASCII: the subject is not folded
        address, f"Opfoelgning {ref} 2026-H1",
        attachment=json_report(plan=None, period=None, goals=[
            {"goal": "M1", "status": "on_track", "value": 35, "progress": 50}])))
    poll()
    [message] = ok(client.get("/api/v1/intake/messages", headers=admin))
    assert (message["state"], message["plan"]) == ("accepted", plan["reference"]), message

"""Every mail of the fixture corpus, and a few made here, through one real poll: the final
state and reason of each, the folder it ends in, its follow-up, and its raw bytes."""

from __future__ import annotations

from typing import Any

import pytest

from tests.intake.pipeline.conftest import (
    CORPUS,
    corpus,
    folder_counts,
    json_report,
    report_mail,
)
from tests.support.factories import ok

MAX_MESSAGE_BYTES = 1_000_000  # oversized.eml (14 MB) is then quarantined unread

#: corpus file → (state, reason); INTAKE_REQUIRE_DMARC is off here (see test_dmarc.py)
EXPECTED_CORPUS: dict[str, tuple[str, str | None]] = {
    "xlsx-template.eml": ("accepted", None),
    "csv-latin1.eml": ("accepted", None),
    "csv-reply.eml": ("accepted", None),
    "json-report.eml": ("accepted", None),
    "outlook-html.eml": ("accepted", None),
    "forwarded.eml": ("accepted", None),
    "winmail.eml": ("accepted", None),
    "inline-json.eml": ("accepted", None),
    "broken-mime.eml": ("accepted", None),
    # the registered address, and nothing but DMARC says otherwise
    "forged-sender.eml": ("accepted", None),
    "auto-reply.eml": ("ignored", "auto_reply"),
    "out-of-office.eml": ("ignored", "auto_reply"),
    "bounce.eml": ("ignored", "bounce"),
    "from-us.eml": ("ignored", "own_address"),
    "missing-headers.eml": ("quarantined", "unknown_sender"),
    "no-mime.eml": ("quarantined", "unknown_sender"),
    "zip-bomb.eml": ("quarantined", "too_large"),
    "oversized.eml": ("quarantined", "too_large"),
}

#: made here → (bytes, state, reason)
CRAFTED: dict[str, tuple[bytes, str, str]] = {
    "unregistered-sender": (
        report_mail("someone@example.org", attachment=json_report()),
        "quarantined", "unknown_sender"),
    "no-report": (
        report_mail(body="Rapporten kommer senere.\n"), "quarantined", "no_report"),
    "unknown-plan": (
        report_mail(attachment=json_report(plan="DST-2031")), "quarantined", "unknown_plan"),
    "other-institution": (
        report_mail("opfoelgning@ufst.dk", attachment=json_report()),
        "quarantined", "sender_not_authorized"),
}

FOLDERS = ("INBOX", "Processed", "Quarantine", "Ignored")
FOLDER_OF = {"accepted": "Processed", "rejected": "Processed", "quarantined": "Quarantine",
             "ignored": "Ignored"}


@pytest.fixture
def app_config(app_config: dict[str, Any]) -> dict[str, Any]:
    return {**app_config, "INTAKE_MAX_MESSAGE_BYTES": MAX_MESSAGE_BYTES}


def test_the_table_names_every_corpus_mail():
    assert sorted(EXPECTED_CORPUS) == sorted(p.name for p in CORPUS.glob("*.eml"))


def test_every_mail_reaches_its_state_folder_and_follow_up(
    client, admin, dst_plan, mailbox, poll
):
    # another ministry's institution, registered, to send for a plan not its own
    ok(client.post("/api/v1/ministries", json={"code": "SKM", "name": "Skatteministeriet"},
                   headers=admin), 201)
    ok(client.post("/api/v1/institutions", headers=admin, json={
        "code": "UFST", "name": "UFST", "ministry": "SKM",
        "reporting_addresses": ["opfoelgning@ufst.dk"]}), 201)

    raws = {name: corpus(name) for name in EXPECTED_CORPUS}
    raws.update({name: raw for name, (raw, _s, _r) in CRAFTED.items()})
    expected = dict(EXPECTED_CORPUS)
    expected.update({name: (state, reason) for name, (_raw, state, reason) in CRAFTED.items()})
    for raw in raws.values():
        mailbox.append("INBOX", raw)

    poll()

    messages = ok(client.get("/api/v1/intake/messages?page_size=100", headers=admin))
    assert len(messages) == len(raws)
    by_name: dict[str, dict[str, Any]] = {}
    for m in messages:
        response = client.get(f"/api/v1/intake/messages/{m['id']}/raw", headers=admin)
        if response.status_code == 404:  # only what was too large to fetch
            assert (m["state"], m["reason"]) == ("quarantined", "too_large")
            assert m["size"] >= len(raws["oversized.eml"])
            by_name["oversized.eml"] = m
            continue
        assert response.status_code == 200
        assert response.mimetype == "message/rfc822"
        names = [name for name, raw in raws.items() if raw == response.data]
        assert len(names) == 1, f"message {m['id']}: stored bytes match no mail sent"
        by_name[names[0]] = m
    assert sorted(by_name) == sorted(raws)

    got = {name: (m["state"], m["reason"]) for name, m in by_name.items()}
    assert got == expected

    # every mail left the intake folder for exactly the folder of its state
    want = dict.fromkeys(FOLDERS, 0)
    for state, _reason in expected.values():
        want[FOLDER_OF[state]] += 1
    assert folder_counts(mailbox, *FOLDERS) == want

    # exactly one follow-up per accepted report, and none for anything else
    followups = ok(client.get(f"/api/v1/plans/{dst_plan['id']}/followups?page_size=100",
                              headers=admin))
    accepted = {m["id"]: m for m in by_name.values() if m["state"] == "accepted"}
    assert sorted(f["inbound_message"] for f in followups) == sorted(accepted)
    assert all(accepted[f["inbound_message"]]["followup"] == f["id"] for f in followups)
    assert all(m["followup"] is None for m in by_name.values() if m["state"] != "accepted")
    assert {f["status"] for f in followups} == {"accepted"}
    # all report the same plan and period: only the latest is current
    assert sum(f["superseded_by"] is None for f in followups) == 1

"""INTAKE_REQUIRE_DMARC: only mail our own server marked dmarc=pass is read."""

from __future__ import annotations

from typing import Any

import pytest

from tests.intake.pipeline.conftest import corpus
from tests.support.factories import ok


@pytest.fixture
def app_config(app_config: dict[str, Any]) -> dict[str, Any]:
    return {**app_config, "INTAKE_REQUIRE_DMARC": True, "INTAKE_AUTHSERV_ID": "mx.mrp.example"}


def test_forged_sender_is_quarantined_and_a_passing_one_accepted(
    client, admin, dst_plan, mailbox, poll, smtp_server
):
    mailbox.append("INBOX", corpus("forged-sender.eml"))
    mailbox.append("INBOX", corpus("json-report.eml"))
    poll()

    messages = {m["message_id"]: m for m in
                ok(client.get("/api/v1/intake/messages", headers=admin))}
    forged, genuine = messages["<forged@evil.example>"], messages["<json-report@dst.dk>"]
    assert (forged["state"], forged["reason"]) == ("quarantined", "not_authenticated")
    assert forged["followup"] is None and forged["receipt"] == "none"
    assert genuine["state"] == "accepted"
    followups = ok(client.get(f"/api/v1/plans/{dst_plan['id']}/followups", headers=admin))
    assert [f["inbound_message"] for f in followups] == [genuine["id"]]
    # the forger gets no receipt; the genuine sender one
    assert [r.message["In-Reply-To"] for r in smtp_server.messages] == ["<json-report@dst.dk>"]
    mailbox.select("Quarantine")
    assert len(mailbox.uids()) == 1


def test_mail_without_our_servers_verdict_is_not_read(client, admin, dst_plan, mailbox, poll):
    # broken-mime.eml carries no Authentication-Results at all
    mailbox.append("INBOX", corpus("broken-mime.eml"))
    poll()

    [message] = ok(client.get("/api/v1/intake/messages", headers=admin))
    assert (message["state"], message["reason"]) == ("quarantined", "not_authenticated")

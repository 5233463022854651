"""A discarded mail is final: the poller never decides it again, even when the same mail
arrives once more, and it cannot be reprocessed."""

from __future__ import annotations

from tests.intake.pipeline.conftest import folder_counts, json_report, report_mail
from tests.support.factories import ok


def test_the_poller_leaves_a_discarded_mail_as_it_is(client, admin, dst_plan, mailbox, poll):
    raw = report_mail("kontor@dst.dk", attachment=json_report(), message_id="<k@dst.dk>")
    mailbox.append("INBOX", raw)
    poll()
    [message] = ok(client.get("/api/v1/intake/messages", headers=admin))
    assert (message["state"], message["reason"]) == ("quarantined", "unknown_sender")
    done = ok(client.post(f"/api/v1/intake/messages/{message['id']}/discard", headers=admin,
                          json={"reason": "Sendt fra en privat adresse."}))
    assert done["state"] == "discarded"

    # now the sender is registered: a new poll of the same mail would accept it, were it
    # decided again
    ok(client.patch("/api/v1/institutions/DST", headers=admin, json={
        "reporting_addresses": ["opfoelgning@dst.dk", "kontor@dst.dk"]}))
    mailbox.append("INBOX", raw)
    poll()
    [again] = ok(client.get("/api/v1/intake/messages", headers=admin))
    assert again["id"] == message["id"]
    assert (again["state"], again["attempts"], again["followup"]) == (
        "discarded", message["attempts"], None)
    assert again["discard_reason"] == "Sendt fra en privat adresse."
    assert folder_counts(mailbox, "INBOX", "Quarantine") == {"INBOX": 0, "Quarantine": 2}
    assert client.post(f"/api/v1/intake/messages/{message['id']}/reprocess",
                       headers=admin).status_code == 409

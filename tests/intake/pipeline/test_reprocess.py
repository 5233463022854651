"""POST /intake/messages/{id}/reprocess: the stored mail again, without the IMAP server."""

from __future__ import annotations

import pytest

from tests.intake.pipeline.conftest import corpus, json_report, report_mail
from tests.support.factories import ok
from tests.support.mailservers import free_port


@pytest.fixture
def quarantined(client, admin, dst_plan, mailbox, poll):
    """A report from an address DST has not registered yet, polled and quarantined."""
    mailbox.append("INBOX", report_mail("kontor@dst.dk", attachment=json_report(),
                                        message_id="<kontor@dst.dk>"))
    poll()
    [message] = ok(client.get("/api/v1/intake/messages", headers=admin))
    assert (message["state"], message["reason"]) == ("quarantined", "unknown_sender")
    return message


@pytest.fixture
def no_imap(app, monkeypatch):
    """From here on the mailbox is out of reach, and any attempt to use it fails the test."""
    from service.intake import imap

    app.config["IMAP_PORT"] = free_port()

    def refuse(self):
        raise AssertionError("the IMAP server was asked")

    monkeypatch.setattr(imap.Mailbox, "connect", refuse)


def test_registering_the_sender_then_reprocessing_accepts_it(
    client, admin, token, dst_plan, quarantined, no_imap
):
    department = token("department", ministry="FM")
    ok(client.patch("/api/v1/institutions/DST", headers=department, json={
        "reporting_addresses": ["opfoelgning@dst.dk", "Kontor@DST.dk"]}))

    # unattributed mail is the administrator's to reprocess
    assert client.post(f"/api/v1/intake/messages/{quarantined['id']}/reprocess",
                       headers=department).status_code == 404
    message = ok(client.post(f"/api/v1/intake/messages/{quarantined['id']}/reprocess",
                             headers=admin))
    assert (message["state"], message["reason"]) == ("accepted", None)
    assert message["attempts"] == 2
    assert message["plan"] == "DST-2026"
    assert message["receipt"] == "pending"
    # now attributed, DST's department sees it
    assert ok(client.get(f"/api/v1/intake/messages/{quarantined['id']}",
                         headers=department))["state"] == "accepted"
    [followup] = ok(client.get(f"/api/v1/plans/{dst_plan['id']}/followups", headers=admin))
    assert followup["id"] == message["followup"]
    assert followup["inbound_message"] == quarantined["id"]
    assert followup["submitted_by"] == "kontor@dst.dk"

    # once accepted, it stays as it is
    again = client.post(f"/api/v1/intake/messages/{quarantined['id']}/reprocess",
                        headers=admin)
    assert again.status_code == 409
    assert again.mimetype == "application/problem+json"
    assert len(ok(client.get(f"/api/v1/plans/{dst_plan['id']}/followups",
                             headers=admin))) == 1


def test_reprocessing_without_a_change_keeps_it_quarantined(
    client, admin, quarantined, no_imap
):
    message = ok(client.post(f"/api/v1/intake/messages/{quarantined['id']}/reprocess",
                             headers=admin))
    assert (message["state"], message["reason"]) == ("quarantined", "unknown_sender")
    assert message["attempts"] == 2


def test_an_institution_cannot_reprocess(client, admin, token, quarantined):
    response = client.post(f"/api/v1/intake/messages/{quarantined['id']}/reprocess",
                           headers=token("institution", institution="DST"))
    assert response.status_code in (403, 404)  # not its to reprocess, nor to see
    message = ok(client.get(f"/api/v1/intake/messages/{quarantined['id']}", headers=admin))
    assert message["attempts"] == 1


def test_reprocessing_starts_the_attribution_afresh(
    client, admin, token, dst_plan, mailbox, poll
):
    # UFST's address sends a report on DST's plan: the message names DST-2026, so it is
    # FM's (the plan's ministry), not SKM's (the sender's)
    ok(client.post("/api/v1/ministries", json={"code": "SKM", "name": "Skatteministeriet"},
                   headers=admin), 201)
    ok(client.post("/api/v1/institutions", headers=admin, json={
        "code": "UFST", "name": "UFST", "ministry": "SKM",
        "reporting_addresses": ["opfoelgning@ufst.dk"]}), 201)
    mailbox.append("INBOX", report_mail("opfoelgning@ufst.dk", attachment=json_report()))
    poll()
    assert ok(client.get("/api/v1/intake/messages",
                         headers=token("department", ministry="SKM"))) == []
    skm = token("department", ministry="FM")  # the department that sees it
    [message] = ok(client.get("/api/v1/intake/messages", headers=skm))
    assert (message["reason"], message["plan"]) == ("sender_not_authorized", "DST-2026")

    # the address was UFST's by mistake: it goes; reprocessed, the mail is nobody's
    ok(client.patch("/api/v1/institutions/UFST", headers=admin,
                    json={"reporting_addresses": ["mrp@ufst.dk"]}))
    again = ok(client.post(f"/api/v1/intake/messages/{message['id']}/reprocess",
                           headers=admin))
    assert (again["state"], again["reason"], again["plan"]) == (
        "quarantined", "unknown_sender", None)
    assert ok(client.get("/api/v1/intake/messages", headers=skm)) == []
    assert client.get(f"/api/v1/intake/messages/{message['id']}/raw",
                      headers=skm).status_code == 404


def test_a_reprocessed_older_report_does_not_supersede_a_newer_one(
    client, admin, dst_plan, quarantined, mailbox, poll
):
    # after the quarantined report, DST sends its report from the registered address
    mailbox.append("INBOX", corpus("json-report.eml"))
    poll()
    [newer] = ok(client.get(f"/api/v1/plans/{dst_plan['id']}/followups", headers=admin))

    ok(client.patch("/api/v1/institutions/DST", headers=admin, json={
        "reporting_addresses": ["opfoelgning@dst.dk", "kontor@dst.dk"]}))
    message = ok(client.post(f"/api/v1/intake/messages/{quarantined['id']}/reprocess",
                             headers=admin))
    assert message["state"] == "accepted"

    followups = {f["id"]: f for f in
                 ok(client.get(f"/api/v1/plans/{dst_plan['id']}/followups", headers=admin))}
    older = followups[message["followup"]]
    assert older["superseded_by"] == newer["id"] and older["current"] is False
    assert followups[newer["id"]]["superseded_by"] is None
    assert followups[newer["id"]]["current"] is True
    overview = ok(client.get("/api/v1/overview?period=2026-H1", headers=admin))
    assert overview["plans"][0]["report"]["followup"] == newer["id"]

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

    # the unknown sender's mail names DST-2026: FM's department sees it and reprocesses it,
    # another ministry's does not
    ok(client.post("/api/v1/ministries", json={"code": "SKM", "name": "Skatteministeriet"},
                   headers=admin), 201)
    assert client.post(f"/api/v1/intake/messages/{quarantined['id']}/reprocess",
                       headers=token("department", ministry="SKM")).status_code == 404
    message = ok(client.post(f"/api/v1/intake/messages/{quarantined['id']}/reprocess",
                             headers=department))
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

    # the address was UFST's by mistake: it goes; reprocessed, the sender is nobody's, and
    # the mail is the department's of the plan its subject names
    ok(client.patch("/api/v1/institutions/UFST", headers=admin,
                    json={"reporting_addresses": ["mrp@ufst.dk"]}))
    again = ok(client.post(f"/api/v1/intake/messages/{message['id']}/reprocess",
                           headers=admin))
    assert (again["state"], again["reason"], again["plan"]) == (
        "quarantined", "unknown_sender", "DST-2026")
    assert [m["id"] for m in ok(client.get("/api/v1/intake/messages", headers=skm))] == [
        message["id"]]
    assert ok(client.get("/api/v1/intake/messages",
                         headers=token("department", ministry="SKM"))) == []
    assert ok(client.get("/api/v1/intake/messages",
                         headers=token("institution", institution="UFST"))) == []


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


def test_the_department_resolves_a_new_colleagues_mail_on_its_page(
    client, admin, token, dst_plan, quarantined, no_imap
):
    """A report from an address registered nowhere, naming FM's plan DST-2026 in its
    subject: FM's department finds it on the dashboard, registers the address for DST there
    and has the mail processed again, in one step."""
    from tests.web.conftest import csrf_token, secret_of, sign_in

    department = token("department", ministry="FM")
    sign_in(client, secret_of(department))
    page = client.get(f"/intake/messages/{quarantined['id']}")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "Registrér kontor@dst.dk for DST og behandl igen" in html

    response = client.post(f"/intake/messages/{quarantined['id']}/register",
                           data={"csrf_token": csrf_token(html)})
    assert response.status_code == 303, response.get_data(as_text=True)
    message = ok(client.get(f"/api/v1/intake/messages/{quarantined['id']}", headers=department))
    assert (message["state"], message["reason"]) == ("accepted", None)
    dst = ok(client.get("/api/v1/institutions/DST", headers=department))
    assert "kontor@dst.dk" in dst["reporting_addresses"]

"""GET /intake/messages: filters, and who sees which message (also /raw and /reprocess)."""

from __future__ import annotations

import pytest

from tests.intake.pipeline.conftest import corpus, json_report, report_mail
from tests.support.factories import ok


@pytest.fixture
def polled(client, admin, dst_plan, mailbox, poll):
    """Four messages: DST's accepted report, UFST's mail without a report (UFST is in another
    ministry), an unregistered sender's report naming DST-2026 (so FM's, the plan's
    ministry's) and an auto-reply (unattributed)."""
    ok(client.post("/api/v1/ministries", json={"code": "SKM", "name": "Skatteministeriet"},
                   headers=admin), 201)
    ok(client.post("/api/v1/institutions", headers=admin, json={
        "code": "UFST", "name": "UFST", "ministry": "SKM",
        "reporting_addresses": ["opfoelgning@ufst.dk"]}), 201)
    mails = {
        "dst": corpus("json-report.eml"),
        "ufst": report_mail("opfoelgning@ufst.dk", message_id="<ufst@ufst.dk>"),
        "stranger": report_mail("ukendt@example.org", attachment=json_report(),
                                message_id="<stranger@example.org>"),
        "auto": corpus("auto-reply.eml"),
    }
    for raw in mails.values():
        mailbox.append("INBOX", raw)
    poll()
    ids = {"<json-report@dst.dk>": "dst", "<ufst@ufst.dk>": "ufst",
           "<stranger@example.org>": "stranger", "<auto-reply@dst.dk>": "auto"}
    return {ids[m["message_id"]]: m["id"]
            for m in ok(client.get("/api/v1/intake/messages", headers=admin))}


def _names(client, headers, polled, query=""):
    by_id = {v: k for k, v in polled.items()}
    return sorted(by_id[m["id"]] for m in
                  ok(client.get(f"/api/v1/intake/messages{query}", headers=headers)))


def test_filters(client, admin, polled):
    assert _names(client, admin, polled) == ["auto", "dst", "stranger", "ufst"]
    assert _names(client, admin, polled, "?state=quarantined") == ["stranger", "ufst"]
    assert _names(client, admin, polled, "?state=accepted") == ["dst"]
    assert _names(client, admin, polled, "?reason=unknown_sender") == ["stranger"]
    assert _names(client, admin, polled, "?reason=no_report") == ["ufst"]
    assert _names(client, admin, polled, "?sender=Opfoelgning@DST.dk") == ["auto", "dst"]
    assert _names(client, admin, polled, "?plan=dst-2026") == ["dst", "stranger"]
    assert _names(client, admin, polled, "?state=quarantined&sender=ukendt@example.org") == [
        "stranger"]
    response = client.get("/api/v1/intake/messages?state=lost", headers=admin)
    assert response.status_code == 422


def test_each_sees_its_own(client, token, polled):
    # the stranger's mail names FM's plan: FM's department sees it, no institution does
    assert _names(client, token("department", ministry="FM"), polled) == ["dst", "stranger"]
    assert _names(client, token("department", ministry="SKM"), polled) == ["ufst"]
    assert _names(client, token("institution", institution="DST"), polled) == ["dst"]
    assert _names(client, token("institution", institution="UFST"), polled) == ["ufst"]


@pytest.mark.parametrize("suffix,method", [("", "get"), ("/raw", "get"),
                                           ("/reprocess", "post")])
def test_another_tenants_message_is_not_found(client, admin, token, polled, suffix, method):
    skm = token("department", ministry="SKM")
    fm = token("department", ministry="FM")

    def call(headers, message):
        return getattr(client, method)(
            f"/api/v1/intake/messages/{polled[message]}{suffix}", headers=headers)

    for headers, message in ((skm, "dst"), (fm, "ufst"), (skm, "stranger"), (skm, "auto"),
                             (token("institution", institution="DST"), "stranger")):
        response = call(headers, message)
        assert response.status_code == 404, (message, response.get_json())
        assert response.mimetype == "application/problem+json"
    if method == "get":
        assert call(token("institution", institution="UFST"), "dst").status_code == 404
        assert call(fm, "dst").status_code == 200
        assert call(admin, "stranger").status_code == 200
    # nothing was reprocessed along the way
    states = {m["id"]: m["attempts"] for m in
              ok(client.get("/api/v1/intake/messages", headers=admin))}
    assert set(states.values()) == {1}


def test_raw_is_the_mail_as_received(client, token, polled):
    response = client.get(f"/api/v1/intake/messages/{polled['dst']}/raw",
                          headers=token("institution", institution="DST"))
    assert response.status_code == 200
    assert response.data == corpus("json-report.eml")
    assert response.headers["Content-Disposition"] == (
        f'attachment; filename="message-{polled["dst"]}.eml"')

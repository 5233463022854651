"""The department's answer to a mailed report goes, by the next poll, to the address the
report came from, once, in Danish."""

from __future__ import annotations

from service.domain.models import OutboundMessage
from service.extensions import db
from tests.intake.pipeline.conftest import corpus
from tests.support.factories import ok


def test_a_returned_mailed_report_is_answered_to_its_sender_once(
    app, client, admin, token, dst_plan, mailbox, poll, smtp_server
):
    ok(client.patch("/api/v1/institutions/DST", headers=admin, json={
        "reporting_addresses": ["opfoelgning@dst.dk", "mrp@dst.dk"]}))
    mailbox.append("INBOX", corpus("json-report.eml"))
    poll()
    assert len(smtp_server.messages) == 1  # the receipt
    [followup] = ok(client.get(f"/api/v1/plans/{dst_plan['id']}/followups", headers=admin))
    fm = token("department", ministry="FM")
    ok(client.post(f"/api/v1/followups/{followup['id']}/review", headers=fm, json={
        "decision": "returned", "comment": "Uddyb fremdriften på M3.",
        "goals": [{"goal": "M3", "comment": "Hvornår lanceres statistikbanken?"}]}))
    assert len(smtp_server.messages) == 1  # stored by the request, not sent by it
    poll()
    assert len(smtp_server.messages) == 2
    answer = smtp_server.messages[1]
    assert answer.rcpt_tos == ["opfoelgning@dst.dk"]
    message = answer.message
    assert message["Subject"] == (
        "Opfølgning [DST-2026] 1. halvår 2026: departementets svar – sendt tilbage")
    text = message.get_content()
    assert "Til Danmarks Statistik" in text
    assert "for 1. halvår 2026" in text
    assert "Departementet sender opfølgningen tilbage" in text
    assert "Uddyb fremdriften på M3." in text
    assert "- M3: Hvornår lanceres statistikbanken?" in text
    assert "En rettet rapport sendes til" in text
    poll()
    assert len(smtp_server.messages) == 2  # sent once
    db.session.expire_all()
    [row] = OutboundMessage.query.filter_by(kind="review_answer").all()
    assert row.sent_at is not None and row.attempts == 1
    shown = ok(client.get(f"/api/v1/followups/{followup['id']}",
                          headers=token("institution", institution="DST")))
    assert shown["review"]["decision"] == "returned"

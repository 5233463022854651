"""The department's answer to a report made through the API goes to the institution's
reporting addresses with the next ``mrp reminders send``, once; a server that cannot take
it keeps it for the next run."""

from __future__ import annotations

from service.domain.models import OutboundMessage
from service.extensions import db
from tests.reminders.test_reminders import send
from tests.support.factories import build_dst_plan, ok


def _acknowledged(client, admin, token) -> int:
    plan = build_dst_plan(client, admin)
    ok(client.patch("/api/v1/institutions/DST", headers=admin, json={
        "reporting_addresses": ["opfoelgning@dst.dk", "mrp@dst.dk"]}))
    report = ok(client.post(f"/api/v1/plans/{plan['id']}/followups", headers=admin, json={
        "period": "2026-H1", "goals": [{"goal": "M1", "status": "on_track", "value": 35}]}),
        201)
    ok(client.post(f"/api/v1/followups/{report['id']}/review",
                   headers=token("department", ministry="FM"),
                   json={"decision": "acknowledged", "comment": "Tak for en god opfølgning.",
                         "goals": [{"goal": "M1", "comment": "Flot udvikling."}]}))
    return report["id"]


def test_the_answer_goes_with_the_next_run_once(client, admin, token, runner, smtp_server):
    _acknowledged(client, admin, token)
    result = send(runner, "2026-01-10")  # no reminder is due then
    assert result.exit_code == 0, result.output
    assert "review answers: sent 1" in result.output
    [received] = smtp_server.messages
    assert sorted(received.rcpt_tos) == ["mrp@dst.dk", "opfoelgning@dst.dk"]
    assert received.message["Subject"] == (
        "Opfølgning [DST-2026] 1. halvår 2026: departementets svar – kvitteret")
    text = received.message.get_content()
    assert "Departementet kvitterer for opfølgningen." in text
    assert "Tak for en god opfølgning." in text
    assert "- M1: Flot udvikling." in text
    assert "Gennemgået af test-department" in text
    again = send(runner, "2026-01-11")
    assert again.exit_code == 0
    assert len(smtp_server.messages) == 1


def test_an_unreachable_server_keeps_the_answer_for_the_next_run(
    app, client, admin, token, runner, smtp_server
):
    from tests.support.mailservers import free_port

    _acknowledged(client, admin, token)
    port = app.config["SMTP_PORT"]
    app.config["SMTP_PORT"] = free_port()
    result = send(runner, "2026-01-10")
    assert result.exit_code == 0, result.output
    assert "review answers: sent 0, failed 0, waiting 1" in result.output
    db.session.expire_all()
    [row] = OutboundMessage.query.filter_by(kind="review_answer").all()
    assert row.sent_at is None and row.attempts == 0 and row.last_error
    app.config["SMTP_PORT"] = port
    assert "review answers: sent 1" in send(runner, "2026-01-11").output
    assert len(smtp_server.messages) == 1

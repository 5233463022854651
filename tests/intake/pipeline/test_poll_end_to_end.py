"""The whole loop against real servers: mail in, follow-up stored, mail moved, receipt out."""

from __future__ import annotations

from tests.intake.pipeline.conftest import corpus
from tests.support.factories import ok


def test_json_report_is_accepted_moved_and_answered(
    app, client, admin, dst_plan, mailbox, runner, smtp_server
):
    mailbox.append("INBOX", corpus("json-report.eml"))
    result = runner.invoke(args=["intake", "poll", "--once"])
    assert result.exit_code == 0, result.output
    assert "accepted 1" in result.output

    messages = ok(client.get("/api/v1/intake/messages", headers=admin))
    assert [m["state"] for m in messages] == ["accepted"]
    assert messages[0]["plan"] == "DST-2026"
    followups = ok(client.get(f"/api/v1/plans/{dst_plan['id']}/followups", headers=admin))
    assert len(followups) == 1
    assert followups[0]["status"] == "accepted"
    assert {g["goal"]: g["status"] for g in followups[0]["goals"]} == {
        "M1": "on_track", "M2": "at_risk", "M3": "achieved"}

    mailbox.select("INBOX")
    assert mailbox.uids() == []
    mailbox.select("Processed")
    assert len(mailbox.uids()) == 1

    assert len(smtp_server.messages) == 1
    receipt = smtp_server.messages[0].message
    assert receipt["In-Reply-To"] == "<json-report@dst.dk>"
    assert receipt["Auto-Submitted"] == "auto-replied"
    assert "DST-2026" in receipt.get_content()

    # a second run finds nothing new and sends nothing twice
    again = runner.invoke(args=["intake", "poll", "--once"])
    assert again.exit_code == 0
    assert len(smtp_server.messages) == 1
    assert len(ok(client.get(f"/api/v1/plans/{dst_plan['id']}/followups", headers=admin))) == 1

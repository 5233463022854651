"""A mailed report whose reported status is more optimistic than the computed one: the
receipt, sent through a real SMTP server (aiosmtpd), names both (``followup.status-disagrees``)."""

from __future__ import annotations

from service.mail.receipts import RULES_HEADING
from tests.intake.pipeline.conftest import json_report, report_mail
from tests.support.factories import ok

OPTIMISTIC = json_report(goals=[
    {"goal": "M1", "status": "på rette spor", "value": 35, "progress": 50},
    {"goal": "M2", "status": "grøn", "value": "90,5", "progress": 40},  # computed: off track
    {"goal": "M3", "status": "on_track", "progress": 60},
])


def test_the_receipt_names_the_reported_and_the_computed_status(
    client, admin, dst_plan, mailbox, poll, smtp_server
):
    mailbox.append("INBOX", report_mail(attachment=OPTIMISTIC, message_id="<optimist@dst.dk>",
                                        subject="[DST-2026] Opfølgning 2026-H1"))
    poll()

    [message] = ok(client.get("/api/v1/intake/messages", headers=admin))
    assert message["state"] == "accepted"
    [received] = smtp_server.messages
    text = received.message.get_content()
    assert "er modtaget og registreret" in text
    [line] = [line for line in text.splitlines() if "den beregnede status er" in line]
    assert line == (
        "  - Mål M2 (advarsel): Mål M2 er meldt »På rette spor«, men den beregnede status er "
        "»Ikke på rette spor«: Målt 90,5 %. Forventet 92,48 % ved udgangen af 1. halvår 2026 "
        "på vej mod 95 % i december 2026. Det er 20 % af den forventede fremdrift. Ret status, "
        "eller forklar forskellen i kommentaren."
    )
    # the rule's code stands apart, for support
    support = text.split(RULES_HEADING, 1)[1]
    assert "Regel followup.status-disagrees (Mål M2)" in support
    followup = ok(client.get(f"/api/v1/followups/{message['followup']}", headers=admin))
    assert {g["goal"]: g["computed_status"] for g in followup["goals"]} == {
        "M1": "on_track", "M2": "off_track", "M3": None}

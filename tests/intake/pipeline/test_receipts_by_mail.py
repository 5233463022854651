"""Receipts through a real SMTP server (aiosmtpd): who gets one, what it says, what cannot
get into its headers, and what happens while the SMTP server is down."""

from __future__ import annotations

from tests.intake.pipeline.conftest import corpus, json_report, report_mail
from tests.support.factories import ok
from tests.support.mailservers import free_port

REJECTED = json_report(goals=[
    {"goal": "M1", "status": "lilla", "value": 35, "progress": 50},
    {"goal": "M2", "status": "at_risk", "value": 93.5, "progress": 40},  # no comment: warning
    {"goal": "M3", "status": "on_track", "progress": 60},
])


def _receipts_to(smtp_server, address):
    return [r for r in smtp_server.messages if address in r.rcpt_tos]


def test_accepted_mail_gets_a_danish_reply(dst_plan, mailbox, poll, smtp_server):
    mailbox.append("INBOX", corpus("csv-reply.eml"))
    poll()

    [received] = smtp_server.messages
    assert received.rcpt_tos == ["opfoelgning@dst.dk"]
    receipt = received.message
    assert receipt["From"] == "opfoelgning@mrp.example"
    assert receipt["In-Reply-To"] == "<csv-reply@dst.dk>"
    assert receipt["References"].split() == [
        "<plan-7@mrp.example>", "<reminder-17@mrp.example>", "<csv-reply@dst.dk>"]
    assert receipt["Auto-Submitted"] == "auto-replied"
    assert receipt["Subject"] == "Kvittering: Opfølgning DST-2026 H1 2026 – påmindelse"
    text = receipt.get_content()
    assert "Jeres opfølgning på DST-2026 for 1. halvår 2026 er modtaget og registreret." in text
    assert "  - M2: Udfordret, målt værdi 93,5, fremdrift 40 %" in text


def test_rejected_mail_gets_its_findings_errors_first(
    client, admin, dst_plan, mailbox, poll, smtp_server
):
    mailbox.append("INBOX", report_mail(attachment=REJECTED, message_id="<afvist@dst.dk>",
                                        subject="[DST-2026] Opfølgning 2026-H1"))
    poll()

    [message] = ok(client.get("/api/v1/intake/messages", headers=admin))
    assert message["state"] == "rejected"
    [received] = smtp_server.messages
    receipt = received.message
    assert receipt["In-Reply-To"] == "<afvist@dst.dk>"
    assert receipt["References"] == "<afvist@dst.dk>"
    assert receipt["Auto-Submitted"] == "auto-replied"
    text = receipt.get_content()
    assert "er afvist, fordi den indeholder fejl" in text
    # the rule codes stand apart, for the specialist, not in the findings' lines
    assert "  Regel followup.status (Mål M1)" in text
    assert "  Regel followup.explain (Mål M2)" in text
    error_line = next(line for line in text.splitlines() if line.startswith("  - Mål M1 ("))
    warning_line = next(line for line in text.splitlines() if line.startswith("  - Mål M2 ("))
    assert "[" not in error_line and "[" not in warning_line
    assert text.index("Fejl, der skal rettes") < text.index(error_line) \
        < text.index("Advarsler") < text.index(warning_line) \
        < text.index("Rapportens indhold (ikke registreret)")


def test_quarantined_and_ignored_mail_gets_no_reply(client, admin, dst_plan, mailbox, poll,
                                                    smtp_server):
    for name in ("auto-reply.eml", "out-of-office.eml", "bounce.eml", "from-us.eml",
                 "missing-headers.eml", "zip-bomb.eml"):
        mailbox.append("INBOX", corpus(name))
    mailbox.append("INBOX", report_mail("fremmed@example.org", attachment=json_report()))
    # a registered sender's mail without a report is answered (test_quarantine_answers.py)
    mailbox.append("INBOX", report_mail("fremmed@example.org", body="Ingen rapport.\n"))
    poll()

    states = {m["state"] for m in ok(client.get("/api/v1/intake/messages", headers=admin))}
    assert states == {"ignored", "quarantined"}
    assert smtp_server.messages == []
    # and the no-reply stays no-reply on the next run
    poll()
    assert smtp_server.messages == []


def test_a_subject_with_line_breaks_does_not_add_headers(
    client, admin, dst_plan, mailbox, poll, smtp_server
):
    raw = report_mail(attachment=json_report(), message_id="<crlf@dst.dk>").replace(
        b"Subject: [DST-2026] =?utf-8?q?Opf=C3=B8lgning?= 2026-H1",
        b"Subject: =?utf-8?q?[DST-2026]_2026-H1=0D=0ABcc:_offer@evil.example=0D=0A"
        b"X-Injected:_yes?=",
    )
    assert b"X-Injected" in raw
    mailbox.append("INBOX", raw)
    poll()

    [message] = ok(client.get("/api/v1/intake/messages", headers=admin))
    assert message["state"] == "accepted"
    [received] = smtp_server.messages
    assert received.rcpt_tos == ["opfoelgning@dst.dk"]
    receipt = received.message
    assert receipt["Bcc"] is None and receipt["X-Injected"] is None
    assert receipt["Subject"].strip() == (  # a long subject is folded after "Subject:"
        "Kvittering: [DST-2026] 2026-H1 Bcc: offer@evil.example X-Injected: yes")
    header_block = received.raw.split(b"\r\n\r\n", 1)[0]
    assert b"\nBcc:" not in header_block and b"\nX-Injected:" not in header_block


def test_receipts_wait_for_the_smtp_server_and_are_sent_once(
    app, client, admin, dst_plan, mailbox, poll, smtp_server
):
    app.config["SMTP_PORT"] = free_port()  # nothing listens there
    mailbox.append("INBOX", corpus("json-report.eml"))
    poll()

    [message] = ok(client.get("/api/v1/intake/messages", headers=admin))
    assert (message["state"], message["receipt"]) == ("accepted", "failed")
    assert message["followup"] is not None
    mailbox.select("INBOX")
    assert mailbox.uids() == []
    mailbox.select("Processed")
    assert len(mailbox.uids()) == 1
    assert smtp_server.messages == []

    app.config["SMTP_PORT"] = smtp_server.port
    poll()
    poll()

    assert len(smtp_server.messages) == 1
    assert smtp_server.messages[0].message["In-Reply-To"] == "<json-report@dst.dk>"
    [message] = ok(client.get("/api/v1/intake/messages", headers=admin))
    assert message["receipt"] == "sent"
    followups = ok(client.get(f"/api/v1/plans/{dst_plan['id']}/followups", headers=admin))
    assert len(followups) == 1


def test_a_receipt_that_cannot_be_made_does_not_hold_up_the_others(
    client, admin, dst_plan, mailbox, poll, smtp_server
):
    # a registered address no receipt can be addressed to (a quoted comma): the API refuses
    # to register it now, so it is one stored before addresses were checked
    from sqlalchemy import select

    from service.domain.models import Institution, ReportingAddress
    from service.extensions import db

    dst = db.session.scalar(select(Institution).where(Institution.code == "DST"))
    db.session.add(ReportingAddress(institution_id=dst.id, address='"a,b"@dst.dk'))
    db.session.commit()
    mailbox.append("INBOX", report_mail('"a,b"@dst.dk', attachment=json_report(),
                                        message_id="<odd@dst.dk>"))
    mailbox.append("INBOX", corpus("json-report.eml"))
    poll()

    receipts = {m["message_id"]: m["receipt"] for m in
                ok(client.get("/api/v1/intake/messages", headers=admin))}
    assert receipts == {"<odd@dst.dk>": "failed", "<json-report@dst.dk>": "sent"}
    assert [r.message["In-Reply-To"] for r in smtp_server.messages] == [
        "<json-report@dst.dk>"]


REPLY_CHAIN = ["<plan-7@mrp.example>", "<reminder-17@mrp.example>", "<csv-reply@dst.dk>"]


def test_a_receipt_of_this_run_is_written_from_the_mail_as_it_was_read(
    app, dst_plan, mailbox, poll, smtp_server
):
    """The receipt to a mail read in this run answers the Message-ID and References the
    intake read it with: the stored mail is not read back to write it."""
    from sqlalchemy import event

    from service.extensions import db

    statements: list[str] = []

    def executed(conn, cursor, statement, *args) -> None:
        statements.append(statement)

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", executed)
    try:
        mailbox.append("INBOX", corpus("csv-reply.eml"))
        poll()
    finally:
        event.remove(engine, "before_cursor_execute", executed)

    [received] = smtp_server.messages
    assert received.message["In-Reply-To"] == "<csv-reply@dst.dk>"
    assert received.message["References"].split() == REPLY_CHAIN
    assert statements and not [s for s in statements if "inbound_message.raw" in s]


def test_a_receipt_left_from_an_earlier_run_answers_the_mails_references(
    app, dst_plan, mailbox, poll, smtp_server
):
    """A receipt sent on a later run (the SMTP server was down) is threaded as one sent at
    once: its References are read from the stored mail's headers."""
    app.config["SMTP_PORT"] = free_port()  # nothing listens there
    mailbox.append("INBOX", corpus("csv-reply.eml"))
    poll()
    assert smtp_server.messages == []

    app.config["SMTP_PORT"] = smtp_server.port
    poll()
    [received] = smtp_server.messages
    assert received.message["In-Reply-To"] == "<csv-reply@dst.dk>"
    assert received.message["References"].split() == REPLY_CHAIN

"""Every mail the service sends is an OutboundMessage (DESIGN section 11): stored with its
text before it is sent, sent at most once, retried when the server was down, shown in the API
and on the dashboard; and every receipt says where to send a corrected report and whom to
ask. Through real servers (pymap, aiosmtpd)."""

from __future__ import annotations

import threading
from typing import Any

import pytest
from sqlalchemy import select

from service.domain.models import OutboundMessage
from service.extensions import db
from tests.api.conftest import openapi_document
from tests.intake.pipeline.conftest import json_report, report_mail
from tests.support.factories import ok
from tests.support.mailservers import free_port

CONTACT = "mrp-support@fm.example"
INTAKE = "indberetning@mrp.example"


@pytest.fixture
def app_config(app_config: dict[str, Any]) -> dict[str, Any]:
    return {**app_config, "INTAKE_ADDRESS": INTAKE, "CONTACT": CONTACT}


def folded_subject_mail(**kwargs: Any) -> bytes:
    """A report mail whose subject a mail program folded as encoded words and plain text
    (``=?utf-8?q?…_=E2=80=93?=`` CRLF `` rettet``)."""
    raw = report_mail(**kwargs)
    head, body = raw.split(b"\r\n\r\n", 1)
    lines = [line for line in head.split(b"\r\n") if not line.startswith(b"Subject:")]
    lines.append(b"Subject: =?utf-8?q?=5BDST-2026=5D_Opf=C3=B8lgning_2026-H1_=E2=80=93?=\r\n"
                 b" rettet")
    return b"\r\n".join(lines) + b"\r\n\r\n" + body


def check_documented(body: Any, path: str) -> None:
    """``body`` is what the OpenAPI document says ``GET path`` answers with 200."""
    import jsonschema

    spec = openapi_document()
    schema = spec["paths"][path]["get"]["responses"]["200"]["content"]["application/json"][
        "schema"]
    jsonschema.Draft7Validator({**schema, "components": spec["components"]}).validate(body)


def test_receipt_is_stored_with_its_text_and_shown(client, admin, dst_plan, mailbox, poll,
                                                   smtp_server):
    report = json_report(goals=[
        {"goal": "M1", "status": "halvgrøn", "value": 35, "progress": 50},
        {"goal": "M2", "status": "on_track", "value": 93.5, "progress": 40},
        {"goal": "M3", "status": "on_track", "progress": 60},
    ])
    mailbox.append("INBOX", folded_subject_mail(attachment=report, message_id="<r@dst.dk>"))
    poll()

    [received] = smtp_server.messages
    subject = received.message["Subject"]
    assert subject == "Kvittering: [DST-2026] Opfølgning 2026-H1 – rettet"
    text = received.message.get_content()
    assert f"til {INTAKE}" in text and CONTACT in text
    assert 'M1: "halvgrøn" (ikke en kendt status)' in text
    assert "ingen status" not in text

    [message] = ok(client.get("/api/v1/intake/messages", headers=admin))
    assert message["subject"] == "[DST-2026] Opfølgning 2026-H1 – rettet"
    detail = ok(client.get(f"/api/v1/intake/messages/{message['id']}", headers=admin))
    check_documented(detail, "/api/v1/intake/messages/{message_id}")
    [receipt] = detail["receipts"]
    assert receipt["kind"] == "receipt"
    assert receipt["to"] == "opfoelgning@dst.dk"
    assert receipt["subject"] == subject
    assert receipt["text"].replace("\r\n", "\n") == text.replace("\r\n", "\n")
    assert receipt["sent_at"] is not None and receipt["attempts"] == 1
    assert receipt["last_error"] is None

    from tests.web.conftest import secret_of, sign_in

    sign_in(client, secret_of(admin))
    page = client.get("/intake?state=rejected")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "<details" in html and 'class="mail-text"' in html
    assert "halvgrøn" in html and INTAKE in html
    # and on the message's own page, whole
    page = client.get(f"/intake/messages/{message['id']}")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert 'id="h-receipts"' in html and 'class="mail-text"' in html
    assert "halvgrøn" in html and INTAKE in html and CONTACT in html


def test_a_receipt_is_stored_before_it_is_sent_and_sent_once(
    app, client, admin, dst_plan, mailbox, poll, smtp_server
):
    port = app.config["SMTP_PORT"]
    app.config["SMTP_PORT"] = free_port()  # nothing listens there
    mailbox.append("INBOX", report_mail(attachment=json_report(), message_id="<q@dst.dk>"))
    poll()

    [message] = ok(client.get("/api/v1/intake/messages", headers=admin))
    [queued] = ok(client.get(f"/api/v1/intake/messages/{message['id']}",
                             headers=admin))["receipts"]
    assert queued["sent_at"] is None and queued["queued_at"] is not None
    assert "cannot connect" in queued["last_error"]
    assert smtp_server.messages == []

    app.config["SMTP_PORT"] = port
    poll()
    poll()
    [received] = smtp_server.messages
    [sent] = ok(client.get(f"/api/v1/intake/messages/{message['id']}",
                           headers=admin))["receipts"]
    assert sent["sent_at"] is not None and sent["last_error"] is None
    assert sent["text"] == queued["text"]  # composed once
    assert received.message["Message-ID"] is not None
    assert received.message.get_content().replace("\r\n", "\n") == queued["text"]


def test_two_senders_at_once_send_each_receipt_once(app, client, admin, dst_plan, mailbox,
                                                     poll, smtp_server):
    from service.intake import settings as intake_settings
    from service.mail.outbox import _send_pending
    from service.mail.settings import smtp

    port = app.config["SMTP_PORT"]
    app.config["SMTP_PORT"] = free_port()
    for n in range(3):
        mailbox.append("INBOX", report_mail(attachment=json_report(),
                                            message_id=f"<c{n}@dst.dk>",
                                            subject=f"[DST-2026] Opfølgning 2026-H1 nr. {n}"))
        poll()  # one report after the other: each supersedes the one before
    app.config["SMTP_PORT"] = port
    smtp_server.delay = 0.3  # the two senders overlap
    errors: list[BaseException] = []

    def sender() -> None:
        try:
            with app.app_context():  # its own session; no advisory lock: the claim decides
                _send_pending(smtp(app.config), intake_settings.options(app.config), 100, {})
                db.session.remove()
        except BaseException as error:
            errors.append(error)

    threads = [threading.Thread(target=sender) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert errors == []
    tos = sorted(m.message["In-Reply-To"] for m in smtp_server.messages)
    assert tos == ["<c0@dst.dk>", "<c1@dst.dk>", "<c2@dst.dk>"]
    db.session.expire_all()
    rows = list(db.session.scalars(select(OutboundMessage)))
    assert len(rows) == 3 and all(r.sent_at is not None for r in rows)


def test_a_registered_sender_is_told_what_was_missing(client, admin, dst_plan, mailbox, poll,
                                                       smtp_server):
    mailbox.append("INBOX", report_mail(body="Rapporten kommer her.\n",
                                        message_id="<ingen@dst.dk>"))
    mailbox.append("INBOX", report_mail(attachment=json_report(plan="XYZ-2026"),
                                        message_id="<ukendt@dst.dk>",
                                        subject="Opfølgning 2026-H1"))
    poll()

    answers = {m.message["In-Reply-To"]: m for m in smtp_server.messages}
    assert sorted(answers) == ["<ingen@dst.dk>", "<ukendt@dst.dk>"]
    missing = answers["<ingen@dst.dk>"]
    assert missing.rcpt_tos == ["opfoelgning@dst.dk"]
    assert missing.message["Auto-Submitted"] == "auto-replied"
    assert missing.message["Subject"] == "Ikke registreret: [DST-2026] Opfølgning 2026-H1"
    text = missing.message.get_content()
    assert "ingen rapport vedhæftet" in text and INTAKE in text and CONTACT in text
    assert "planreferencen" in answers["<ukendt@dst.dk>"].message.get_content()

    messages = ok(client.get("/api/v1/intake/messages", headers=admin))
    assert {m["state"] for m in messages} == {"quarantined"}
    for m in messages:
        [answer] = ok(client.get(f"/api/v1/intake/messages/{m['id']}",
                                 headers=admin))["receipts"]
        assert answer["kind"] == "quarantine_answer" and answer["sent_at"] is not None
    poll()
    assert len(smtp_server.messages) == 2  # answered once


def test_a_registered_sender_is_told_a_mail_was_too_heavy_to_read(client, admin, dst_plan,
                                                                  mailbox, poll, smtp_server):
    from tests.intake.pipeline.heavy import nested_mail

    mailbox.append("INBOX", nested_mail(40, message_id="<lag@dst.dk>"))
    poll()

    [answer] = smtp_server.messages
    assert answer.message["In-Reply-To"] == "<lag@dst.dk>"
    assert answer.rcpt_tos == ["opfoelgning@dst.dk"]
    text = answer.message.get_content()
    assert "for tung at læse" in text and "ikke videresendt" in text and INTAKE in text
    [message] = ok(client.get("/api/v1/intake/messages", headers=admin))
    assert (message["state"], message["reason"]) == ("quarantined", "parse_budget_exceeded")


def test_unknown_senders_and_automatic_mail_get_no_answer(client, admin, dst_plan, mailbox,
                                                          poll, smtp_server):
    from tests.intake.pipeline.conftest import corpus

    mailbox.append("INBOX", report_mail("fremmed@example.org", body="Ingen rapport.\n"))
    mailbox.append("INBOX", report_mail("fremmed@example.org",
                                        attachment=json_report(plan="XYZ-2026")))
    for name in ("auto-reply.eml", "bounce.eml", "from-us.eml"):
        mailbox.append("INBOX", corpus(name))
    poll()
    poll()

    messages = ok(client.get("/api/v1/intake/messages", headers=admin))
    assert len(messages) == 5
    assert smtp_server.messages == []
    assert all(m["receipt"] == "none" for m in messages)
    assert db.session.scalars(select(OutboundMessage)).all() == []


def test_the_receipts_of_a_run_go_over_one_smtp_session(app, client, admin, dst_plan, mailbox,
                                                        poll, smtp_server):
    port = app.config["SMTP_PORT"]
    app.config["SMTP_PORT"] = free_port()
    for n in range(3):
        mailbox.append("INBOX", report_mail(attachment=json_report(),
                                            message_id=f"<s{n}@dst.dk>"))
        poll()
    app.config["SMTP_PORT"] = port
    poll()

    assert len(smtp_server.messages) == 3
    assert len(set(smtp_server.peers)) == 1


def test_receipts_are_claimed_and_recorded_per_batch(app, client, admin, dst_plan, mailbox,
                                                     poll, smtp_server, monkeypatch):
    """Six receipts in batches of three: each batch is composed or read, claimed and
    recorded in one commit each (sending one by one took two per receipt), over one SMTP
    session, and every receipt goes once."""
    from sqlalchemy import event
    from sqlalchemy.orm import Session

    from service.intake import settings as intake_settings
    from service.mail import outbox
    from service.mail.settings import smtp

    port = app.config["SMTP_PORT"]
    app.config["SMTP_PORT"] = free_port()  # the receipts wait for the next run
    for n in range(6):
        mailbox.append("INBOX", report_mail(attachment=json_report(),
                                            message_id=f"<b{n}@dst.dk>"))
    poll()
    app.config["SMTP_PORT"] = port
    monkeypatch.setattr(outbox, "SEND_BATCH", 3)
    commits: list[int] = []

    def after_commit(_session: Session) -> None:
        commits.append(1)

    event.listen(Session, "after_commit", after_commit)
    try:
        with app.app_context():
            counts = outbox.send_pending(smtp(app.config), intake_settings.options(app.config))
    finally:
        event.remove(Session, "after_commit", after_commit)
    assert counts == {"sent": 6, "failed": 0, "waiting": 0}
    assert len(smtp_server.messages) == 6 and len(set(smtp_server.peers)) == 1
    assert len(commits) <= 2 * 3  # two batches: stored, claimed, recorded
    messages = ok(client.get("/api/v1/intake/messages", headers=admin))
    assert {m["receipt"] for m in messages} == {"sent"}
    with app.app_context():
        rows = db.session.scalars(select(OutboundMessage)).all()
        assert len(rows) == 6
        assert all(r.sent_at is not None and r.attempts == 1 and r.claimed_at for r in rows)
    poll()
    assert len(smtp_server.messages) == 6  # none again


def test_a_poll_sends_every_receipt_of_its_own_mails_and_some_left_before(
        app, client, admin, dst_plan, mailbox, poll, smtp_server, monkeypatch):
    """However many receipts earlier runs left (the server was down), a poll's own mails get
    theirs; of those left, at most ``RECEIPTS_LEFT`` go with it."""
    from service.intake import service

    monkeypatch.setattr(service, "RECEIPTS_LEFT", 1)
    port = app.config["SMTP_PORT"]
    app.config["SMTP_PORT"] = free_port()
    for n in range(3):
        mailbox.append("INBOX", report_mail(attachment=json_report(),
                                            message_id=f"<left{n}@dst.dk>"))
    poll()
    assert smtp_server.messages == []
    app.config["SMTP_PORT"] = port
    for n in range(2):
        mailbox.append("INBOX", report_mail(attachment=json_report(),
                                            message_id=f"<own{n}@dst.dk>"))
    poll()
    answered = sorted(str(m.message["In-Reply-To"]) for m in smtp_server.messages)
    assert answered == ["<left0@dst.dk>", "<own0@dst.dk>", "<own1@dst.dk>"]
    poll()
    poll()
    assert len(smtp_server.messages) == 5

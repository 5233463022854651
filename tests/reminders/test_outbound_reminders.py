"""Reminders are OutboundMessages too (DESIGN section 11): stored with their text before they
are sent, one per plan, period and kind, and sent as first written when a run could not."""

from __future__ import annotations

from sqlalchemy import select

from service.domain.models import OutboundMessage
from service.extensions import db
from tests.support.factories import build_dst_plan
from tests.support.mailservers import free_port


def stored() -> list[OutboundMessage]:
    db.session.expire_all()
    return list(db.session.scalars(select(OutboundMessage).order_by(OutboundMessage.id)))


def test_a_reminder_is_stored_before_it_is_sent_and_sent_as_written(
    app, client, admin, runner, smtp_server
):
    plan = build_dst_plan(client, admin)
    port = app.config["SMTP_PORT"]
    app.config["SMTP_PORT"] = free_port()  # nothing listens there
    result = runner.invoke(args=["reminders", "send", "--today", "2026-07-20"])
    assert result.exit_code == 1, result.output

    [queued] = stored()
    assert (queued.kind, queued.plan_id, queued.period) == ("reminder", plan["id"], "2026-H1")
    assert queued.sent_at is None and "cannot connect" in (queued.last_error or "")
    assert queued.to == "opfoelgning@dst.dk" and "Påmindelse" in queued.subject
    text, message_id = queued.text, queued.message_id

    app.config["SMTP_PORT"] = port
    result = runner.invoke(args=["reminders", "send", "--today", "2026-07-21"])
    assert result.exit_code == 0, result.output
    [received] = smtp_server.messages
    [sent] = stored()
    assert sent.sent_at is not None and sent.last_error is None
    assert sent.text == text and received.message["Message-ID"] == message_id
    body = received.message.get_body(("plain",)).get_content()
    assert body.replace("\r\n", "\n") == text.replace("\r\n", "\n")

    runner.invoke(args=["reminders", "send", "--today", "2026-07-22"])
    assert len(smtp_server.messages) == 1 and len(stored()) == 1

"""Receipts of `mrp intake poll` sent with SMTP XOAUTH2 (Microsoft 365): aiosmtpd checks
every bearer token at the token endpoint over HTTP. A token is fetched once per process and
renewed when the server refuses it; receipts that cannot go out wait, uncounted, for a later
run, and each is sent once."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select

from service.domain.locking import mailbox_lock
from service.domain.models import InboundMessage
from service.extensions import db
from service.mail import oauth2
from service.mail.outbox import RECEIPTS_LOCK
from tests.intake.pipeline.conftest import json_report, report_mail
from tests.support.factories import ok
from tests.support.mailservers import CLIENT_ID, CLIENT_SECRET, free_port


@pytest.fixture(autouse=True)
def fresh_token_cache() -> None:
    oauth2.clear_cache()


@pytest.fixture
def app_config(app_config: dict[str, Any], smtp_server_xoauth2, oauth2_endpoint) -> dict[str, Any]:
    server = smtp_server_xoauth2
    return {
        **app_config,
        "SMTP_HOST": server.host,
        "SMTP_PORT": server.port,
        "SMTP_SECURITY": "starttls",
        "SMTP_SSL_CONTEXT": server.ssl_context,
        "SMTP_AUTH": "xoauth2",
        "SMTP_USERNAME": server.username,
        "SMTP_TIMEOUT": 30.0,  # a loaded machine can be slow to answer
        "OAUTH2_TOKEN_URL": oauth2_endpoint.token_url,
        "OAUTH2_CLIENT_ID": CLIENT_ID,
        "OAUTH2_CLIENT_SECRET": CLIENT_SECRET,
    }


@pytest.fixture
def server(smtp_server_xoauth2):
    return smtp_server_xoauth2


@pytest.fixture
def token_requests(oauth2_endpoint):
    """``token_requests()``: how many tokens were asked for since the test began."""
    before = len(oauth2_endpoint.requests)
    return lambda: len(oauth2_endpoint.requests) - before


def mail(mailbox, n: int) -> str:
    message_id = f"<rapport-{n}@dst.dk>"
    mailbox.append("INBOX", report_mail(attachment=json_report(), message_id=message_id))
    return message_id


def replied_to(server) -> list[str]:
    return [m.message["In-Reply-To"] for m in server.messages]


def receipts(client, admin) -> dict[str, str]:
    return {m["message_id"]: m["receipt"]
            for m in ok(client.get("/api/v1/intake/messages", headers=admin))}


def attempts() -> list[int]:
    db.session.expire_all()
    return [m.receipt_attempts for m in db.session.scalars(
        select(InboundMessage).order_by(InboundMessage.id))]


def test_receipts_go_out_with_one_token_for_the_run(
    client, admin, dst_plan, mailbox, poll, server, token_requests
):
    ids = [mail(mailbox, n) for n in range(3)]
    poll()

    assert sorted(replied_to(server)) == sorted(ids)
    assert receipts(client, admin) == dict.fromkeys(ids, "sent")
    assert token_requests() == 1  # one token for the three receipts
    assert server.logins == [server.username]  # one SMTP session for the run's receipts
    later = mail(mailbox, 3)
    poll()
    assert replied_to(server)[-1] == later
    assert token_requests() == 1  # still fresh: kept by the process


def test_an_expired_token_is_renewed_and_the_receipt_sent_once(
    client, admin, dst_plan, mailbox, poll, server, token_requests
):
    first = mail(mailbox, 1)
    poll()
    server.expire_tokens()  # the cached token is no good any more
    second = mail(mailbox, 2)
    poll()

    assert replied_to(server) == [first, second]  # in the same run
    assert token_requests() == 2
    assert len(server.tokens_refused) == 1 and server.error_answers == [b""]
    assert receipts(client, admin) == {first: "sent", second: "sent"}
    poll()
    assert replied_to(server) == [first, second]


def test_refused_tokens_keep_the_receipts_for_a_later_run(
    client, admin, app, dst_plan, mailbox, poll, server, token_requests
):
    server.refuse_all = True
    ids = [mail(mailbox, n) for n in range(2)]
    for run in range(1, 7):  # more runs than a receipt's attempts
        poll()
        assert token_requests() == 2 * run  # a token and one renewal, not one per receipt
    assert server.messages == []
    assert receipts(client, admin) == dict.fromkeys(ids, "failed")  # and waiting
    assert attempts() == [0, 0]  # not the receipts' fault: no attempt counted

    server.refuse_all = False
    poll()
    poll()
    assert sorted(replied_to(server)) == sorted(ids)
    assert receipts(client, admin) == dict.fromkeys(ids, "sent")


def test_a_token_endpoint_that_refuses_keeps_the_receipts(
    client, admin, app, dst_plan, mailbox, poll, server
):
    app.config["OAUTH2_CLIENT_SECRET"] = "forkert"
    message_id = mail(mailbox, 1)
    poll()
    assert server.messages == []
    [message] = db.session.scalars(select(InboundMessage)).all()
    assert "invalid_client" in (message.receipt_error or "")
    app.config["OAUTH2_CLIENT_SECRET"] = CLIENT_SECRET
    poll()
    poll()
    assert replied_to(server) == [message_id]


def test_an_unreachable_server_keeps_the_receipts_however_long(
    client, admin, app, runner, dst_plan, mailbox, poll, server
):
    app.config["SMTP_PORT"] = free_port()  # nothing listens there
    ids = [mail(mailbox, n) for n in range(2)]
    for _ in range(6):
        poll()
    assert attempts() == [0, 0]
    assert "receipts waiting for retry: 2" in runner.invoke(args=["intake", "status"]).output
    app.config["SMTP_PORT"] = server.port
    poll()
    poll()
    assert sorted(replied_to(server)) == sorted(ids)


def test_one_poller_at_a_time_sends_the_receipts_left_before(app, dst_plan, mailbox, poll,
                                                              server):
    """A poll's own receipts go with it, whoever sends others (a receipt is claimed before
    it goes: two pollers never send one both); those left from earlier runs, one poller at
    a time."""
    if db.engine.dialect.name != "postgresql":
        pytest.skip("pollers coordinate through PostgreSQL advisory locks")
    port = app.config["SMTP_PORT"]
    app.config["SMTP_PORT"] = free_port()  # the server is down: the receipt is left
    left = mail(mailbox, 1)
    poll()
    app.config["SMTP_PORT"] = port
    own = mail(mailbox, 2)
    with mailbox_lock(RECEIPTS_LOCK) as held:  # another poller is sending the ones left
        assert held
        poll()
        assert replied_to(server) == [own]
    poll()
    assert replied_to(server) == [own, left]


def test_the_smtp_scope_setting_is_asked_for(app, dst_plan, mailbox, poll, server,
                                             oauth2_endpoint):
    scope = "https://outlook.office.com/.default"
    app.config["SMTP_OAUTH2_SCOPE"] = scope
    oauth2_endpoint.scopes.add(scope)
    try:
        before = len(oauth2_endpoint.requests)
        message_id = mail(mailbox, 1)
        poll()
    finally:
        oauth2_endpoint.scopes.discard(scope)
    assert [r["scope"] for r in oauth2_endpoint.requests[before:]] == [scope]
    assert replied_to(server) == [message_id]

"""Sending with SASL XOAUTH2 to a real SMTP server (aiosmtpd, STARTTLS) that checks each
bearer token at the token endpoint over HTTP; which failures mean the server cannot take
mail now; and one TLS context per process."""

from __future__ import annotations

import ssl
from collections.abc import Iterator
from email.message import EmailMessage
from typing import Any

import pytest

from service.mail import oauth2, smtp
from service.mail.smtp import SmtpError, SmtpSettings, SmtpUnavailable, send
from tests.support.mailservers import Certificate, OAuth2Endpoint, SmtpServer, free_port


@pytest.fixture(autouse=True)
def fresh_token_cache() -> None:
    oauth2.clear_cache()


def receipt(to: str = "rapport@dst.dk") -> EmailMessage:
    message = EmailMessage()
    message["From"] = "mrp@fm.dk"
    message["To"] = to
    message["Subject"] = "Kvittering"
    message.set_content("Modtaget.\n")
    return message


def token_requests(endpoint: OAuth2Endpoint, since: int) -> int:
    return len(endpoint.requests) - since


def test_a_good_token_sends(smtp_server_xoauth2: SmtpServer,
                            oauth2_endpoint: OAuth2Endpoint) -> None:
    server = smtp_server_xoauth2
    before = len(oauth2_endpoint.requests)
    assert send(server.settings(), receipt()) == []
    [received] = server.messages
    assert received.rcpt_tos == ["rapport@dst.dk"]
    [token] = server.tokens_accepted
    assert server.responses == [
        f"user=kvittering@mrp.example\x01auth=Bearer {token}\x01\x01".encode()]
    assert server.logins == ["kvittering@mrp.example"]
    assert oauth2_endpoint.requests[before]["scope"] == "https://outlook.office365.com/.default"
    assert oauth2_endpoint.requests[before]["grant_type"] == "client_credentials"


def test_the_token_is_cached_across_messages(smtp_server_xoauth2: SmtpServer,
                                             oauth2_endpoint: OAuth2Endpoint) -> None:
    server = smtp_server_xoauth2
    before = len(oauth2_endpoint.requests)
    for n in range(3):
        send(server.settings(), receipt(f"rapport{n}@dst.dk"))
    assert len(server.messages) == 3
    assert token_requests(oauth2_endpoint, before) == 1
    assert len(set(server.tokens_accepted)) == 1


def test_an_expired_token_is_renewed_and_the_message_sent_once(
    smtp_server_xoauth2: SmtpServer, oauth2_endpoint: OAuth2Endpoint
) -> None:
    server = smtp_server_xoauth2
    send(server.settings(), receipt())
    server.expire_tokens()  # the server no longer takes the cached token
    before = len(oauth2_endpoint.requests)
    assert send(server.settings(), receipt("anden@dst.dk")) == []
    assert [m.rcpt_tos for m in server.messages] == [["rapport@dst.dk"], ["anden@dst.dk"]]
    assert token_requests(oauth2_endpoint, before) == 1
    first, renewed = server.tokens_accepted
    assert server.tokens_refused == [first] and renewed != first
    assert server.error_answers == [b""]  # the error challenge answered with an empty line


def test_the_first_token_refused_is_renewed(smtp_server_xoauth2: SmtpServer,
                                            oauth2_endpoint: OAuth2Endpoint) -> None:
    server = smtp_server_xoauth2
    server.refuse_next = 1
    before = len(oauth2_endpoint.requests)
    send(server.settings(), receipt())
    assert len(server.messages) == 1
    assert token_requests(oauth2_endpoint, before) == 2


def test_every_token_refused_is_unavailable_after_one_retry(
    smtp_server_xoauth2: SmtpServer, oauth2_endpoint: OAuth2Endpoint
) -> None:
    server = smtp_server_xoauth2
    server.refuse_all = True
    before = len(oauth2_endpoint.requests)
    with pytest.raises(SmtpUnavailable, match=r"XOAUTH2 login as 'kvittering@mrp\.example'.*"
                       r"refused, also with a new token: 535 5\.7\.3.*\"status\": \"401\""):
        send(server.settings(), receipt())
    assert server.messages == []
    assert token_requests(oauth2_endpoint, before) == 2
    assert len(server.tokens_refused) == 2
    assert server.error_answers == [b"", b""]
    # the refused token is not kept: the next send asks for a new one
    server.refuse_all = False
    send(server.settings(), receipt())
    assert token_requests(oauth2_endpoint, before) == 3
    assert len(server.messages) == 1


def test_a_token_for_another_mailbox_is_refused(smtp_server_xoauth2: SmtpServer,
                                                oauth2_endpoint: OAuth2Endpoint) -> None:
    """The introspection names the mailbox the token was issued for."""
    oauth2_endpoint.mailbox_user = "en-anden@mrp.example"
    with pytest.raises(SmtpUnavailable, match="XOAUTH2 login"):
        send(smtp_server_xoauth2.settings(), receipt())
    assert smtp_server_xoauth2.messages == []


def test_a_token_endpoint_that_refuses_is_unavailable(smtp_server_xoauth2: SmtpServer,
                                                      oauth2_endpoint: OAuth2Endpoint) -> None:
    settings = smtp_server_xoauth2.settings(
        oauth2=oauth2_endpoint.settings(client_secret="forkert"))
    with pytest.raises(SmtpUnavailable, match=r"cannot get an OAuth2 token.*invalid_client"):
        send(settings, receipt())
    assert smtp_server_xoauth2.messages == []


def test_the_smtp_scope_is_asked_for(smtp_server_xoauth2: SmtpServer,
                                     oauth2_endpoint: OAuth2Endpoint) -> None:
    scope = "https://outlook.office.com/.default"
    oauth2_endpoint.scopes.add(scope)
    try:
        before = len(oauth2_endpoint.requests)
        send(smtp_server_xoauth2.settings(oauth2=oauth2_endpoint.settings(scope=scope)),
             receipt())
        assert oauth2_endpoint.requests[before]["scope"] == scope
    finally:
        oauth2_endpoint.scopes.discard(scope)
    assert len(smtp_server_xoauth2.messages) == 1


def test_a_token_that_expires_is_not_used_again(smtp_server_xoauth2: SmtpServer,
                                                oauth2_endpoint: OAuth2Endpoint) -> None:
    oauth2_endpoint.expires_in = 0
    try:
        before = len(oauth2_endpoint.requests)
        send(smtp_server_xoauth2.settings(), receipt())
        send(smtp_server_xoauth2.settings(), receipt())
    finally:
        oauth2_endpoint.expires_in = 3600
    assert token_requests(oauth2_endpoint, before) == 2
    assert smtp_server_xoauth2.tokens_refused == []


def test_a_server_without_xoauth2_is_unavailable(smtp_server_starttls: SmtpServer,
                                                 oauth2_endpoint: OAuth2Endpoint) -> None:
    settings = smtp_server_starttls.settings(auth="xoauth2",
                                             oauth2=oauth2_endpoint.settings())
    with pytest.raises(SmtpUnavailable, match="does not offer AUTH XOAUTH2"):
        send(settings, receipt())


def test_xoauth2_needs_the_oauth2_settings_and_the_mailbox() -> None:
    with pytest.raises(ValueError, match="xoauth2 needs"):
        SmtpSettings("127.0.0.1", 587, auth="xoauth2", username="kvittering@mrp.example")
    with pytest.raises(ValueError, match="xoauth2 needs"):
        SmtpSettings("127.0.0.1", 587, auth="xoauth2",
                     oauth2=oauth2.OAuth2Settings("https://x/token", "id"))
    with pytest.raises(ValueError, match="auth must be one of"):
        SmtpSettings("127.0.0.1", 587, auth="cram-md5")  # type: ignore[arg-type]


# -- the server's fault or the message's -----------------------------------------------------


def test_refused_recipients_are_the_messages_fault(smtp_server_refusing: SmtpServer) -> None:
    with pytest.raises(SmtpError, match=r"gammel@abc\.dk") as caught:
        send(smtp_server_refusing.settings(), receipt("gammel@abc.dk"))
    assert not isinstance(caught.value, SmtpUnavailable)


def test_a_refused_sender_is_the_servers(smtp_server: SmtpServer) -> None:
    """Every message has our sender address: a refusal of it holds for all of them."""
    smtp_server.refuse_sender = ("550 5.7.60 SMTP; Client does not have permissions to send "
                                 "as this sender")
    with pytest.raises(SmtpUnavailable, match=r"550 5\.7\.60"):
        send(smtp_server.settings(), receipt())
    smtp_server.refuse_sender = "552 5.3.4 Message size exceeds fixed maximum message size"
    with pytest.raises(SmtpError, match="552") as caught:
        send(smtp_server.settings(), receipt())
    assert not isinstance(caught.value, SmtpUnavailable)
    assert smtp_server.messages == []


def test_an_unreachable_server_is_unavailable(smtp_server: SmtpServer) -> None:
    with pytest.raises(SmtpUnavailable, match="cannot connect"):
        send(smtp_server.settings(port=free_port()), receipt())


# -- one TLS context per process --------------------------------------------------------------


@pytest.fixture
def counted_contexts(monkeypatch: pytest.MonkeyPatch,
                     mail_certificate: Certificate) -> Iterator[list[Any]]:
    """Counts the system contexts made; they trust the test certificate like the system's
    CAs would a real server's."""
    made: list[Any] = []
    real = ssl.create_default_context

    def create_default_context(*args: Any, **kwargs: Any) -> ssl.SSLContext:
        made.append(kwargs.get("cafile"))
        return real(cafile=kwargs.get("cafile") or str(mail_certificate.cert))

    smtp.tls_context.cache_clear()
    monkeypatch.setattr(ssl, "create_default_context", create_default_context)
    yield made
    smtp.tls_context.cache_clear()


def test_no_tls_context_without_tls(smtp_server: SmtpServer, counted_contexts: list[Any]) -> None:
    for _ in range(3):
        send(smtp_server.settings(ssl_context=None), receipt())
    assert len(smtp_server.messages) == 3
    assert counted_contexts == []


def test_one_tls_context_for_every_message(smtp_server_starttls: SmtpServer,
                                           counted_contexts: list[Any]) -> None:
    for _ in range(3):
        send(smtp_server_starttls.settings(ssl_context=None), receipt())
    assert len(smtp_server_starttls.messages) == 3
    assert counted_contexts == [None]


def test_one_tls_context_per_ca_file(smtp_server_starttls: SmtpServer,
                                     counted_contexts: list[Any],
                                     mail_certificate: Certificate) -> None:
    ca_file = str(mail_certificate.cert)
    for _ in range(2):
        send(smtp_server_starttls.settings(ssl_context=None, ca_file=ca_file), receipt())
    assert len(smtp_server_starttls.messages) == 2
    assert counted_contexts == [ca_file]

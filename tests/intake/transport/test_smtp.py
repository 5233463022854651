"""Sending receipts to a real SMTP server (aiosmtpd on loopback)."""

from __future__ import annotations

import socket
import ssl
from email.message import EmailMessage

import pytest

from service.mail.receipts import OriginalMail, build_receipt
from service.mail.smtp import SmtpError, SmtpSettings, send
from tests.support.mailservers import HOST, SmtpServer


def receipt() -> EmailMessage:
    return build_receipt(
        original=OriginalMail("Rapportør <rapport@dst.dk>", "Opfølgning 2026-H1", "<r1@dst.dk>"),
        mail_from="mrp@fm.dk",
        accepted=True,
        plan="DST-2026",
        period="2026-H1",
    )


def test_send_plain(smtp_server: SmtpServer) -> None:
    send(smtp_server.settings(), receipt())
    [received] = smtp_server.messages
    assert received.mail_from == "mrp@fm.dk"
    assert received.rcpt_tos == ["rapport@dst.dk"]
    assert received.message["Subject"] == "Kvittering: Opfølgning 2026-H1"
    assert received.message["In-Reply-To"] == "<r1@dst.dk>"
    assert "er modtaget og registreret" in received.message.get_content()


def test_send_starttls_with_login(smtp_server_starttls: SmtpServer) -> None:
    send(smtp_server_starttls.settings(), receipt())
    assert len(smtp_server_starttls.messages) == 1
    assert smtp_server_starttls.logins == ["kvittering"]


def test_wrong_smtp_password(smtp_server_starttls: SmtpServer) -> None:
    with pytest.raises(SmtpError, match="failed"):
        send(smtp_server_starttls.settings(password="forkert"), receipt())
    assert smtp_server_starttls.messages == []


def test_refused_recipients_are_returned_when_the_others_took_it(
    smtp_server_refusing: SmtpServer,
) -> None:
    message = receipt()
    message.replace_header("To", "rapport@dst.dk, gammel@abc.dk")
    assert send(smtp_server_refusing.settings(), message) == ["gammel@abc.dk"]
    [received] = smtp_server_refusing.messages
    assert received.rcpt_tos == ["rapport@dst.dk"]


def test_all_recipients_refused_is_an_error(smtp_server_refusing: SmtpServer) -> None:
    message = receipt()
    message.replace_header("To", "gammel@abc.dk")
    with pytest.raises(SmtpError, match=r"gammel@abc\.dk"):
        send(smtp_server_refusing.settings(), message)
    assert smtp_server_refusing.messages == []


def test_starttls_required_but_missing_is_refused(smtp_server: SmtpServer) -> None:
    with pytest.raises(SmtpError, match="does not offer STARTTLS"):
        send(smtp_server.settings(security="starttls"), receipt())
    assert smtp_server.messages == []


def test_starttls_with_an_untrusted_certificate(smtp_server_starttls: SmtpServer) -> None:
    settings = smtp_server_starttls.settings(ssl_context=ssl.create_default_context())
    with pytest.raises(SmtpError, match="certificate verify failed"):
        send(settings, receipt())


def test_unreachable_smtp_server() -> None:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        port = sock.getsockname()[1]
    with pytest.raises(SmtpError, match="cannot connect"):
        send(SmtpSettings(HOST, port, security="none", timeout=2), receipt())


def test_unknown_security_is_a_configuration_error() -> None:
    with pytest.raises(ValueError, match="security"):
        SmtpSettings(HOST, 25, security="tls")  # type: ignore[arg-type]

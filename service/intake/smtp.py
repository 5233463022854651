"""Sending receipts with smtplib: TLS as configured, login when credentials are set."""

from __future__ import annotations

import smtplib
import socket
import ssl
from dataclasses import dataclass, field
from email.message import EmailMessage
from typing import Literal

Security = Literal["ssl", "starttls", "none"]
SECURITIES: tuple[str, ...] = ("ssl", "starttls", "none")


class SmtpError(Exception):
    """The receipt could not be handed to the SMTP server; try again on the next run."""


@dataclass(frozen=True)
class SmtpSettings:
    """How to reach the server that sends receipts (``MRP_SMTP_*``)."""

    host: str
    port: int
    security: Security = "starttls"
    username: str = ""
    password: str = field(default="", repr=False)
    timeout: float = 30.0
    #: TLS context; default: the system's trusted CAs with hostname checking
    ssl_context: ssl.SSLContext | None = field(default=None, compare=False, hash=False)

    def __post_init__(self) -> None:
        if self.security not in SECURITIES:
            raise ValueError(f"SMTP security must be one of {SECURITIES}, not {self.security!r}")


def send(settings: SmtpSettings, message: EmailMessage) -> list[str]:
    """Hand ``message`` to the SMTP server (envelope from ``From``/``Sender``, recipients
    from ``To``/``Cc``/``Bcc``). Returns the recipients the server refused while it took the
    message for the others (sending again would repeat it to those); raises
    :class:`SmtpError` when nothing was taken."""
    s = settings
    context = s.ssl_context or ssl.create_default_context()
    where = f"{s.host}:{s.port}"
    try:
        if s.security == "ssl":
            client: smtplib.SMTP = smtplib.SMTP_SSL(
                s.host, s.port, timeout=s.timeout, context=context
            )
        else:
            client = smtplib.SMTP(s.host, s.port, timeout=s.timeout)
    except (OSError, smtplib.SMTPException) as exc:
        raise SmtpError(f"cannot connect to SMTP server {where}: {_describe(exc)}") from exc
    try:
        client.ehlo()
        if s.security == "starttls":
            if not client.has_extn("starttls"):
                raise SmtpError(
                    f"SMTP server {where} does not offer STARTTLS; refusing to send "
                    "without TLS"
                )
            client.starttls(context=context)
            client.ehlo()
        if s.username:
            client.login(s.username, s.password)
        return sorted(client.send_message(message))  # all refused: SMTPRecipientsRefused
    except SmtpError:
        raise
    except (OSError, smtplib.SMTPException, ValueError) as exc:
        raise SmtpError(f"sending via {where} failed: {_describe(exc)}") from exc
    finally:
        try:
            client.quit()
        except (OSError, smtplib.SMTPException):
            client.close()


def _describe(exc: BaseException) -> str:
    if isinstance(exc, socket.timeout | TimeoutError):
        return "timed out"
    return str(exc) or type(exc).__name__

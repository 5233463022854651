"""Sending mail with smtplib: TLS as configured, then a password login, a SASL XOAUTH2 login
with an OAuth2 client-credentials token (Microsoft 365), or no login.

A failure is one of two kinds. :class:`SmtpUnavailable`: nothing can be sent now — the
server cannot be reached, TLS fails, the login or the token is refused, the server closes
the service (``421``) or refuses our sender address. That is not the message's fault:
callers keep every message for the next run without counting it against the message. Any
other :class:`SmtpError`: the server refused this message (its recipients, its size, its
content), or the connection broke while it was being sent.

XOAUTH2 tokens come from :mod:`service.mail.oauth2`, cached per process until shortly
before they expire. A server that refuses a token (``334`` with a JSON error, answered with
an empty line, then ``535``) gets one more try: the cached token is dropped, a new one
fetched, and the message sent on a new connection. Nothing has been sent before the login,
so the retry cannot send a message twice.
"""

from __future__ import annotations

import functools
import logging
import smtplib
import socket
import ssl
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from email.message import EmailMessage
from typing import Literal

from service.mail import pipelining
from service.mail.oauth2 import (
    OAuth2Error,
    OAuth2Settings,
    get_token,
    invalidate_token,
    xoauth2_response,
)
from service.mail.wire import WireMessage

Security = Literal["ssl", "starttls", "none"]
SECURITIES: tuple[str, ...] = ("ssl", "starttls", "none")
Auth = Literal["password", "xoauth2"]
AUTHS: tuple[str, ...] = ("password", "xoauth2")

log = logging.getLogger("mrp.intake")


class SmtpError(Exception):
    """The message could not be handed to the SMTP server; try again on the next run."""


class SmtpUnavailable(SmtpError):
    """Nothing can be sent now (server unreachable, TLS failed, login or token refused,
    service closed, our sender refused): keep every message for the next run."""


class _TokenRefused(Exception):
    """The server answered the XOAUTH2 login with 535: the token is expired or revoked."""


@dataclass(frozen=True)
class SmtpSettings:
    """How to reach the server that sends receipts and reminders (``MRP_SMTP_*``)."""

    host: str
    port: int
    security: Security = "starttls"
    username: str = ""
    password: str = field(default="", repr=False)
    timeout: float = 30.0
    #: ``password`` (a login when ``username`` is set) or ``xoauth2`` (``oauth2`` tokens)
    auth: Auth = "password"
    oauth2: OAuth2Settings | None = None
    #: CA bundle to trust instead of the system's (ignored when ``ssl_context`` is given)
    ca_file: str = ""
    #: TLS context; default: :func:`tls_context` for ``ca_file``, made once per process
    ssl_context: ssl.SSLContext | None = field(default=None, compare=False, hash=False)

    def __post_init__(self) -> None:
        if self.security not in SECURITIES:
            raise ValueError(f"SMTP security must be one of {SECURITIES}, not {self.security!r}")
        if self.auth not in AUTHS:
            raise ValueError(f"SMTP auth must be one of {AUTHS}, not {self.auth!r}")
        if self.auth == "xoauth2" and (self.oauth2 is None or not self.username):
            raise ValueError("SMTP auth xoauth2 needs OAuth2 settings and the username "
                             "(the mailbox to send as)")

    @property
    def where(self) -> str:
        return f"{self.host}:{self.port}"


@functools.lru_cache(maxsize=8)
def tls_context(ca_file: str = "") -> ssl.SSLContext:
    """The client TLS context: the system's trusted CAs (or ``ca_file``'s) with hostname
    checking. Made on first use and kept for the process: loading the CA store takes about
    40 ms, too much to pay for every message."""
    return ssl.create_default_context(cafile=ca_file or None)


def send(settings: SmtpSettings, message: EmailMessage) -> list[str]:
    """Hand ``message`` to the SMTP server (envelope from ``From``/``Sender``, recipients
    from ``To``/``Cc``/``Bcc``). Returns the recipients the server refused while it took the
    message for the others (sending again would repeat it to those); raises
    :class:`SmtpUnavailable` when the server cannot take mail now, and :class:`SmtpError`
    when it refused this message."""
    with Connection(settings) as connection:
        return connection.send(message)


class Connection:
    """One SMTP session for several messages (the receipts of a poll run): opened, with TLS
    and the login, for the first message, and again after a message broke it. ``send`` is
    :func:`send`'s, message by message."""

    def __init__(self, settings: SmtpSettings) -> None:
        self.settings = settings
        self._client: smtplib.SMTP | None = None

    def __enter__(self) -> Connection:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    def send(self, message: EmailMessage | WireMessage) -> list[str]:
        if self._client is None:
            self._client = _open_logged_in(self.settings)
        try:
            return _send_on(self._client, self.settings.where, message)
        except SmtpError:
            self.close()  # the session may be broken: the next message opens a new one
            raise

    def send_all(self, messages: Sequence[WireMessage]) -> list[list[str] | SmtpError]:
        """Send written messages in order, each one's text with the next one's commands
        when the server offers PIPELINING: for each, the recipients refused while the others
        took it, or the :class:`SmtpError` it failed with (the messages after it go over a
        new session). When the server cannot take mail, the list ends with that
        :class:`SmtpUnavailable`: the messages after it were not tried."""
        results: list[list[str] | SmtpError] = []
        while len(results) < len(messages):
            try:
                if self._client is None:
                    self._client = _open_logged_in(self.settings)
                for refused in _send_each_on(self._client, self.settings.where,
                                             messages[len(results):]):
                    results.append(refused)
            except SmtpError as error:
                self.close()  # the session may be broken: the next message opens a new one
                results.append(error)
                if isinstance(error, SmtpUnavailable):
                    break
            except Exception as error:  # a fault of ours: that message's alone
                log.exception("sending via %s failed", self.settings.where)
                self.close()
                results.append(SmtpError(f"sending via {self.settings.where} failed: "
                                         f"{type(error).__name__}: {error}"))
        return results

    def close(self) -> None:
        client, self._client = self._client, None
        if client is not None:
            _quit(client)


def _open_logged_in(settings: SmtpSettings) -> smtplib.SMTP:
    """A session with TLS and the login; a refused OAuth2 token is renewed once."""
    try:
        return _open(settings)
    except _TokenRefused as refused:
        assert settings.oauth2 is not None
        invalidate_token(settings.oauth2)
        log.info("SMTP server %s refused the OAuth2 token (%s); trying once with a new one",
                 settings.where, refused)
    try:
        return _open(settings)
    except _TokenRefused as refused:
        assert settings.oauth2 is not None
        invalidate_token(settings.oauth2)
        raise SmtpUnavailable(
            f"SMTP XOAUTH2 login as {settings.username!r} at {settings.where} refused, "
            f"also with a new token: {refused}"
        ) from None


def _quit(client: smtplib.SMTP) -> None:
    try:
        client.quit()
    except (OSError, smtplib.SMTPException):
        client.close()


def _send_on(client: smtplib.SMTP, where: str,
             message: EmailMessage | WireMessage) -> list[str]:
    """One message; a written one (every receipt and reply) as :func:`_send_each_on` sends
    it, in two round trips when the server offers PIPELINING."""
    if isinstance(message, WireMessage):  # written and addressed already
        [refused] = _send_each_on(client, where, [message])
        return refused
    try:
        return sorted(client.send_message(message))  # all refused: SMTPRecipientsRefused
    except (OSError, smtplib.SMTPException, ValueError) as exc:
        raise _failure(where, exc) from exc


def _send_each_on(client: smtplib.SMTP, where: str,
                  messages: Sequence[WireMessage]) -> Iterator[list[str]]:
    """Written messages, pipelined one into the next when the server offers PIPELINING
    (:func:`pipelining.sendmail_each`): each one's refused recipients, until one fails
    (:func:`_failure`)."""
    envelopes = ((m.sender, list(m.recipients), m.data) for m in messages)
    try:
        if pipelining.offers_pipelining(client):
            for refused in pipelining.sendmail_each(client, envelopes):
                yield sorted(refused)
        else:
            for envelope in envelopes:
                yield sorted(client.sendmail(*envelope))
    except (OSError, smtplib.SMTPException, ValueError) as exc:
        raise _failure(where, exc) from exc


def _failure(where: str, exc: BaseException) -> SmtpError:
    """What sending a message raises for ``exc``: :class:`SmtpUnavailable` when nothing can
    be sent now (:func:`_not_the_message`), else the message's own :class:`SmtpError`."""
    kind = SmtpUnavailable if _not_the_message(exc) else SmtpError
    return kind(f"sending via {where} failed: {_describe(exc)}")


def _open(s: SmtpSettings) -> smtplib.SMTP:
    """One connection: TLS, login."""
    where = s.where
    try:
        if s.security == "ssl":
            client: smtplib.SMTP = smtplib.SMTP_SSL(
                s.host, s.port, timeout=s.timeout, context=_context(s)
            )
        else:
            client = smtplib.SMTP(s.host, s.port, timeout=s.timeout)
    except (OSError, smtplib.SMTPException) as exc:
        raise SmtpUnavailable(f"cannot connect to SMTP server {where}: {_describe(exc)}") from exc
    try:
        try:
            client.ehlo()
            if s.security == "starttls":
                if not client.has_extn("starttls"):
                    raise SmtpUnavailable(
                        f"SMTP server {where} does not offer STARTTLS; refusing to send "
                        "without TLS"
                    )
                client.starttls(context=_context(s))
                client.ehlo()
            _login(client, s)
        except (SmtpError, _TokenRefused):
            raise
        except (OSError, smtplib.SMTPException, ValueError) as exc:
            raise SmtpUnavailable(f"SMTP session with {where} failed: {_describe(exc)}") from exc
    except BaseException:
        _quit(client)
        raise
    return client


def _context(s: SmtpSettings) -> ssl.SSLContext:
    return s.ssl_context or tls_context(s.ca_file)


def _login(client: smtplib.SMTP, s: SmtpSettings) -> None:
    if s.auth == "xoauth2":
        assert s.oauth2 is not None
        _xoauth2(client, s, s.oauth2)
    elif s.username:
        try:
            client.login(s.username, s.password)
        except smtplib.SMTPException as exc:
            raise SmtpUnavailable(
                f"SMTP login as {s.username!r} at {s.where} failed: {_describe(exc)}"
            ) from exc


def _xoauth2(client: smtplib.SMTP, s: SmtpSettings, oauth2: OAuth2Settings) -> None:
    offered = (client.esmtp_features.get("auth") or "").upper().split()
    if "XOAUTH2" not in offered:
        raise SmtpUnavailable(
            f"SMTP server {s.where} does not offer AUTH XOAUTH2 "
            f"(it offers {' '.join(offered) or 'no AUTH'})"
        )
    try:
        token = get_token(oauth2)
    except OAuth2Error as exc:
        raise SmtpUnavailable(f"cannot get an OAuth2 token for SMTP: {exc}") from exc
    errors: list[bytes] = []

    def respond(challenge: bytes | None = None) -> str:
        if challenge is None:  # the initial response, sent with AUTH
            return xoauth2_response(s.username, token)
        errors.append(challenge)  # a failed login: the error as JSON, ended by an empty line
        return ""

    try:
        client.auth("XOAUTH2", respond, initial_response_ok=True)
    except smtplib.SMTPAuthenticationError as exc:
        detail = _describe(exc) + "".join(
            f" ({e.decode('utf-8', 'replace')})" for e in errors[-1:])
        if exc.smtp_code == 535:
            raise _TokenRefused(detail) from exc
        raise SmtpUnavailable(
            f"SMTP XOAUTH2 login as {s.username!r} at {s.where} refused: {detail}"
        ) from exc


def _not_the_message(exc: BaseException) -> bool:
    """Whether a failure while sending one message is the server's rather than the
    message's: it closes the service (``421``), or it refuses our sender address (the same
    for every message: a missing Send As permission, say) for another reason than the size.
    Anything else (a refused recipient, a refused body, a dropped connection) counts
    against the message, so that one bad message cannot hold up the others for ever."""
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        return bool(exc.recipients) and all(
            code == 421 for code, _ in exc.recipients.values())
    if isinstance(exc, smtplib.SMTPSenderRefused):
        return exc.smtp_code != 552
    return isinstance(exc, smtplib.SMTPResponseException) and exc.smtp_code == 421


def _describe(exc: BaseException) -> str:
    if isinstance(exc, socket.timeout | TimeoutError):
        return "timed out"
    if isinstance(exc, smtplib.SMTPResponseException):
        text = exc.smtp_error.decode("utf-8", "replace") if isinstance(
            exc.smtp_error, bytes) else str(exc.smtp_error)
        return f"{exc.smtp_code} {text}"
    return str(exc) or type(exc).__name__

"""The connection to an intake mailbox: its settings, connecting (TLS by default; STARTTLS or
plain text only when configured, never a silent fallback), logging in with a password or an
OAuth2 token (``XOAUTH2``), and turning every connection, authentication or protocol failure
into :class:`MailboxError`. The commands on the mailbox are :class:`service.intake.imap.Mailbox`'s.
"""

from __future__ import annotations

import contextlib
import imaplib
import socket
import ssl
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from types import TracebackType
from typing import Literal, Self

from imapclient import IMAPClient
from imapclient.exceptions import IMAPClientError
from imapclient.imapclient import SocketTimeout

from service.mail.oauth2 import OAuth2Error, OAuth2Settings, get_token, invalidate_token

Security = Literal["ssl", "starttls", "none"]
Auth = Literal["password", "xoauth2"]

SECURITIES: tuple[str, ...] = ("ssl", "starttls", "none")
AUTHS: tuple[str, ...] = ("password", "xoauth2")


class MailboxError(Exception):
    """Connection, TLS, authentication or protocol failure. Leave the mail in place and
    retry on the next run."""


@dataclass(frozen=True)
class ImapSettings:
    """How to reach and use the intake mailbox (``MRP_IMAP_*``)."""

    host: str
    port: int
    username: str
    password: str = field(default="", repr=False)
    security: Security = "ssl"
    folder: str = "INBOX"
    processed: str = "Processed"
    quarantine: str = "Quarantine"
    ignored: str = "Ignored"
    timeout: float = 30.0
    auth: Auth = "password"
    oauth2: OAuth2Settings | None = None
    batch_size: int = 100
    #: TLS context for ``ssl`` and ``starttls``; default: the system's trusted CAs with
    #: hostname checking. Tests pass one that trusts their self-signed certificate.
    ssl_context: ssl.SSLContext | None = field(default=None, compare=False, hash=False)

    def __post_init__(self) -> None:
        if self.security not in SECURITIES:
            raise ValueError(f"IMAP security must be one of {SECURITIES}, not {self.security!r}")
        if self.auth not in AUTHS:
            raise ValueError(f"IMAP auth must be one of {AUTHS}, not {self.auth!r}")
        if self.auth == "xoauth2" and self.oauth2 is None:
            raise ValueError("IMAP auth xoauth2 needs OAuth2 settings")
        if self.batch_size < 1:
            raise ValueError("IMAP batch size must be at least 1")

    @property
    def folders(self) -> tuple[str, str, str]:
        """The three destination folders: processed, quarantine, ignored."""
        return (self.processed, self.quarantine, self.ignored)


def _is_failure(exc: BaseException) -> bool:
    return isinstance(exc, IMAPClientError | imaplib.IMAP4.error | OSError | EOFError)


class Connection:
    """One connection to an intake mailbox, opened by :meth:`connect` or as a context
    manager; :class:`service.intake.imap.Mailbox` adds the commands."""

    def __init__(
        self,
        settings: ImapSettings,
        token_provider: Callable[[OAuth2Settings], str] = get_token,
    ) -> None:
        self.settings = settings
        self._token_provider = token_provider
        self._client: IMAPClient | None = None
        self._delimiter: str | None = None
        self._prefix: str | None = None
        self._selected: str | None = None

    # -- connection ---------------------------------------------------------------------

    def __enter__(self) -> Self:
        self.connect()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    @property
    def client(self) -> IMAPClient:
        if self._client is None:
            raise MailboxError("mailbox is not connected")
        return self._client

    def connect(self) -> None:
        """Connect, secure the connection as configured and log in."""
        if self._client is not None:
            return
        s = self.settings
        context = s.ssl_context or ssl.create_default_context()
        where = f"{s.host}:{s.port}"
        try:
            client = IMAPClient(
                s.host,
                port=s.port,
                ssl=s.security == "ssl",
                ssl_context=context if s.security == "ssl" else None,
                timeout=SocketTimeout(connect=s.timeout, read=s.timeout),
            )
        except Exception as exc:
            if not _is_failure(exc):
                raise
            raise MailboxError(f"cannot connect to IMAP server {where}: {_describe(exc)}") from exc
        self._client = client
        _no_delay(client)
        try:
            if s.security == "starttls":
                if not client.has_capability("STARTTLS"):
                    raise MailboxError(
                        f"IMAP server {where} does not offer STARTTLS; refusing to continue "
                        "without TLS (set security to 'ssl', or to 'none' deliberately)"
                    )
                client.starttls(context)
            self._login()
        except MailboxError:
            self._abandon()
            raise
        except Exception as exc:
            self._abandon()
            if not _is_failure(exc):
                raise
            raise MailboxError(f"IMAP session with {where} failed: {_describe(exc)}") from exc

    def _login(self) -> None:
        s = self.settings
        client = self.client
        if s.auth == "xoauth2":
            assert s.oauth2 is not None
            try:
                token = self._token_provider(s.oauth2)
            except OAuth2Error as exc:
                raise MailboxError(f"cannot get an OAuth2 token: {exc}") from exc
            try:
                client.oauth2_login(s.username, token)
            except IMAPClientError as exc:
                invalidate_token(s.oauth2)
                raise MailboxError(
                    f"IMAP XOAUTH2 login as {s.username!r} refused: {_describe(exc)}"
                ) from exc
        else:
            try:
                client.login(s.username, s.password)
            except IMAPClientError as exc:
                raise MailboxError(
                    f"IMAP login as {s.username!r} refused: {_describe(exc)}"
                ) from exc

    def close(self) -> None:
        """Log out and close the connection. Never expunges."""
        client, self._client = self._client, None
        self._selected = None
        if client is None:
            return
        try:
            client.logout()
        except Exception:
            _shutdown(client)

    def _abandon(self) -> None:
        client, self._client = self._client, None
        if client is not None:
            _shutdown(client)

    @contextlib.contextmanager
    def _guard(self, what: str) -> Iterator[None]:
        try:
            yield
        except MailboxError:
            raise
        except Exception as exc:
            if not _is_failure(exc):
                raise
            if isinstance(exc, OSError | EOFError | imaplib.IMAP4.abort):
                self._abandon()
            raise MailboxError(f"IMAP {what} failed: {_describe(exc)}") from exc

    # -- capabilities and folders -------------------------------------------------------

    def capabilities(self) -> frozenset[str]:
        with self._guard("CAPABILITY"):
            return frozenset(
                c.decode("ascii", "replace").upper() for c in self.client.capabilities()
            )

    def has_capability(self, name: str) -> bool:
        return name.upper() in self.capabilities()


def _describe(exc: BaseException) -> str:
    if isinstance(exc, socket.timeout | TimeoutError):
        return "timed out"
    text = str(exc) or type(exc).__name__
    return text if len(text) <= 300 else text[:300] + "…"


def _no_delay(client: IMAPClient) -> None:
    """imaplib writes a command and its literal in separate small packets; without
    TCP_NODELAY each APPEND can wait for a delayed ACK (≈ 40 ms)."""
    with contextlib.suppress(OSError, AttributeError):
        client.socket().setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)


def _shutdown(client: IMAPClient) -> None:
    try:
        client.shutdown()
    except Exception:
        sock = getattr(client._imap, "sock", None)
        if sock is not None:
            sock.close()

"""The intake mailbox: a small client over imapclient.

``Mailbox(settings)`` connects (TLS by default; STARTTLS or plain text only when configured,
never a silent fallback), logs in with a password or with an OAuth2 token (``XOAUTH2``), and
offers what the poller needs: the UIDVALIDITY and UIDs of the intake folder, message sizes
before download, ``BODY.PEEK[]`` fetches in batches (messages stay unseen), and moving a set
of messages to Processed, Quarantine or Ignored in one command without touching any other
message.

Every connection, authentication or protocol failure is raised as :class:`MailboxError`: the
caller leaves the mail where it is and tries again on the next run.

Folder names are written with ``/`` as the hierarchy separator in the settings
(``Intake/Processed``); the mailbox translates them to the server's own separator, read
from ``LIST`` (pymap uses ``/``, Dovecot's maildir ``.``), and puts them under the personal
namespace prefix when the server has one (``INBOX.`` on some servers).
"""

from __future__ import annotations

import contextlib
import imaplib
import socket
import ssl
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from types import TracebackType
from typing import Any, Literal, Self

from imapclient import IMAPClient
from imapclient.exceptions import IMAPClientError
from imapclient.imapclient import SocketTimeout

from service.mail.oauth2 import OAuth2Error, OAuth2Settings, get_token, invalidate_token

from ..chunks import chunks

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


class Mailbox:
    """One connection to the intake mailbox. Use as a context manager::

        with Mailbox(settings) as mailbox:
            uidvalidity = mailbox.select()
            sizes = mailbox.sizes(mailbox.uids())
            batch = list(mailbox.fetch(small_uids))
            ...
            mailbox.move_many([uid for uid, _raw in batch], settings.processed)
    """

    #: use MOVE when the server offers it; False forces COPY + \\Deleted + UID EXPUNGE
    use_move: bool = True

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

    @property
    def delimiter(self) -> str:
        """The server's hierarchy separator, from ``LIST "" ""``."""
        if self._delimiter is None:
            with self._guard("LIST"):
                listing = self.client.list_folders("", "")
            delimiter = ""
            for _flags, sep, _name in listing:
                if sep:
                    delimiter = sep.decode() if isinstance(sep, bytes) else str(sep)
                    break
            self._delimiter = delimiter or "/"
        return self._delimiter

    @property
    def prefix(self) -> str:
        """The personal namespace prefix (``""`` on most servers, ``INBOX.`` on some)."""
        if self._prefix is None:
            prefix = ""
            if self.has_capability("NAMESPACE"):
                with self._guard("NAMESPACE"):
                    personal = self.client.namespace().personal
                if personal:
                    prefix = str(personal[0][0] or "")
            self._prefix = prefix
        return self._prefix

    def server_name(self, folder: str) -> str:
        """A configured folder name (``/``-separated) → the name on this server."""
        if folder.upper() == "INBOX":
            return "INBOX"
        name = folder.replace("/", self.delimiter) if self.delimiter != "/" else folder
        prefix = self.prefix
        if prefix and not name.startswith(prefix) and not name.upper().startswith("INBOX"):
            name = prefix + name
        return name

    def folders(self) -> list[str]:
        """All folder names on the server, as the server spells them."""
        with self._guard("LIST"):
            return [str(name) for _flags, _sep, name in self.client.list_folders()]

    def ensure_folders(self, names: Iterable[str] | None = None) -> list[str]:
        """Create the destination folders (default: Processed, Quarantine, Ignored) where
        missing. Returns the server names of the folders created."""
        wanted = list(self.settings.folders if names is None else names)
        existing = {name for name in self.folders()}
        created: list[str] = []
        for folder in wanted:
            name = self.server_name(folder)
            if name in existing:
                continue
            with self._guard(f"CREATE {name}"):
                try:
                    self.client.create_folder(name)
                except IMAPClientError:
                    # created meanwhile by another poller?
                    if not self.client.folder_exists(name):
                        raise
                else:
                    created.append(name)
            existing.add(name)
        return created

    # -- reading ------------------------------------------------------------------------

    def select(self, folder: str | None = None) -> int:
        """Select the intake folder (read-write) and return its UIDVALIDITY."""
        name = self.server_name(folder or self.settings.folder)
        with self._guard(f"SELECT {name}"):
            response = self.client.select_folder(name)
        self._selected = name
        try:
            return int(response[b"UIDVALIDITY"])
        except (KeyError, TypeError, ValueError) as exc:
            raise MailboxError(f"IMAP server sent no UIDVALIDITY for {name}") from exc

    def _require_selected(self) -> None:
        if self._selected is None:
            raise MailboxError("no folder selected; call select() first")

    def uids(self) -> list[int]:
        """All UIDs in the selected folder, ascending (``UID SEARCH ALL``)."""
        self._require_selected()
        with self._guard("UID SEARCH"):
            return sorted(int(uid) for uid in self.client.search("ALL"))

    def larger(self, size: int) -> list[int]:
        """UIDs of the messages in the selected folder over ``size`` bytes (``RFC822.SIZE``),
        ascending (``UID SEARCH LARGER``): the server answers from what it knows, where
        asking each message's size is a FETCH per message."""
        self._require_selected()
        with self._guard("UID SEARCH LARGER"):
            return sorted(int(uid) for uid in self.client.search(["LARGER", str(size)]))

    def sizes(self, uids: Iterable[int]) -> dict[int, int]:
        """UID → ``RFC822.SIZE``, without downloading the messages. UIDs that no longer
        exist are left out."""
        self._require_selected()
        result: dict[int, int] = {}
        for batch in chunks(list(uids), self.settings.batch_size):
            with self._guard("UID FETCH RFC822.SIZE"):
                data = self.client.fetch(batch, ["RFC822.SIZE"])
            for uid, item in data.items():
                size = item.get(b"RFC822.SIZE")
                if size is not None:
                    result[int(uid)] = int(size)
        return result

    def fetch(self, uids: Iterable[int]) -> Iterator[tuple[int, bytes]]:
        """``(uid, raw bytes)`` for each UID, in the order given, fetched with
        ``BODY.PEEK[]`` in batches of ``batch_size`` (the messages stay unseen). UIDs that
        no longer exist are skipped."""
        self._require_selected()
        for batch in chunks(list(uids), self.settings.batch_size):
            with self._guard("UID FETCH BODY.PEEK[]"):
                data = self.client.fetch(batch, ["BODY.PEEK[]"])
            for uid in batch:
                item = data.get(uid)
                if item is None:
                    continue
                raw = item.get(b"BODY[]")
                if raw is None:
                    continue
                yield uid, bytes(raw)

    def flags(self, uids: Iterable[int]) -> dict[int, tuple[str, ...]]:
        """UID → flags (``\\Seen``, ``\\Deleted``, …)."""
        self._require_selected()
        result: dict[int, tuple[str, ...]] = {}
        for batch in chunks(list(uids), self.settings.batch_size):
            with self._guard("UID FETCH FLAGS"):
                data = self.client.get_flags(batch)
            for uid, flags in data.items():
                result[int(uid)] = tuple(_text(f) for f in flags)
        return result

    # -- writing ------------------------------------------------------------------------

    def move(self, uid: int, folder: str) -> None:
        """Move one message out of the selected folder (see :meth:`move_many`)."""
        self.move_many([uid], folder)

    def move_many(self, uids: Iterable[int], folder: str) -> None:
        """Move these messages out of the selected folder into ``folder``, in one command.

        ``UID MOVE`` of the UID set when the server offers MOVE; otherwise ``UID COPY``,
        ``\\Deleted`` on exactly those messages and ``UID EXPUNGE`` of exactly those UIDs
        (UIDPLUS). A plain ``EXPUNGE``, which would also remove other messages someone flagged
        ``\\Deleted``, is never sent: a server with neither MOVE nor UIDPLUS is refused before
        anything is copied.
        """
        self._require_selected()
        wanted = sorted(set(uids))
        if not wanted:
            return
        name = self.server_name(folder)
        caps = self.capabilities()
        what = _uid_set(wanted)
        if self.use_move and "MOVE" in caps:
            with self._guard(f"UID MOVE {what} {name}"):
                self.client.move(wanted, name)
            return
        if "UIDPLUS" not in caps:
            raise MailboxError(
                "IMAP server supports neither MOVE nor UIDPLUS; cannot move messages "
                "without expunging others"
            )
        with self._guard(f"UID COPY {what} {name}"):
            self.client.copy(wanted, name)
        with self._guard(f"UID STORE {what} +FLAGS (\\Deleted)"):
            self.client.add_flags(wanted, [b"\\Deleted"], silent=True)
        with self._guard(f"UID EXPUNGE {what}"):
            self.client.uid_expunge(wanted)

    def append(
        self,
        folder: str,
        raw: bytes,
        flags: Iterable[str] = (),
        when: datetime | None = None,
    ) -> int | None:
        """Append a message; returns its UID when the server says (UIDPLUS APPENDUID)."""
        name = self.server_name(folder)
        with self._guard(f"APPEND {name}"):
            response = self.client.append(name, raw, flags=tuple(flags), msg_time=when)
        return _appenduid(response)


def _appenduid(response: Any) -> int | None:
    text = _text(response) if response is not None else ""
    # "[APPENDUID <uidvalidity> <uid>] ..."
    marker = "[APPENDUID "
    start = text.upper().find(marker)
    if start < 0:
        return None
    parts = text[start + len(marker) :].split("]", 1)[0].split()
    try:
        return int(parts[1])
    except (IndexError, ValueError):
        return None


def _uid_set(uids: list[int]) -> str:
    """Sorted UIDs as an IMAP sequence set, for messages: ``3:5,9``."""
    parts: list[str] = []
    start = prev = uids[0]
    for uid in uids[1:]:
        if uid != prev + 1:
            parts.append(f"{start}:{prev}" if prev != start else str(start))
            start = uid
        prev = uid
    parts.append(f"{start}:{prev}" if prev != start else str(start))
    text = ",".join(parts)
    return text if len(text) <= 60 else text[:60] + "…"


def _text(value: object) -> str:
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    return str(value)


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

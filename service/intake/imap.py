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

from collections.abc import Iterable, Iterator
from datetime import datetime
from typing import Any

from imapclient.exceptions import IMAPClientError

from service.chunks import chunks
from service.intake.imap_connection import Connection, MailboxError


class Mailbox(Connection):
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

    # -- folders ------------------------------------------------------------------------

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

"""The intake mailbox client against real IMAP servers: pymap (in-process) and Dovecot."""

from __future__ import annotations

import contextlib
import socket
import ssl
import threading
import time
from collections.abc import Iterator
from email.message import EmailMessage

import pytest

from service.intake.imap import Mailbox
from service.intake.imap_connection import ImapSettings, MailboxError
from tests.support.mailservers import HOST, ImapAccount


def small_mail(n: int, size: int = 0) -> bytes:
    message = EmailMessage()
    message["From"] = "rapport@dst.dk"
    message["To"] = "mrp@fm.dk"
    message["Subject"] = f"Opfølgning {n}"
    message["Message-ID"] = f"<mail-{n}@dst.dk>"
    message.set_content(f"Rapport nummer {n}\n" + "x" * size)
    return message.as_bytes()


def fill(account: ImapAccount, count: int, folder: str = "INBOX") -> None:
    with Mailbox(account.settings()) as mailbox:
        for n in range(count):
            mailbox.append(folder, small_mail(n))


# -- connecting -----------------------------------------------------------------------------


@pytest.mark.parametrize("security", ["ssl", "starttls", "none"])
def test_login_with_each_security(imap_any: ImapAccount, security: str) -> None:
    with Mailbox(imap_any.settings(security)) as mailbox:
        assert mailbox.select() > 0
        assert mailbox.uids() == []
        tls = mailbox.client._imap.sock
        assert isinstance(tls, ssl.SSLSocket) == (security != "none")


def test_starttls_is_never_skipped_when_the_server_lacks_it(imap_server: ImapAccount) -> None:
    assert imap_server.no_starttls_port is not None
    settings = imap_server.settings("starttls", port=imap_server.no_starttls_port)
    with pytest.raises(MailboxError, match="does not offer STARTTLS"):
        Mailbox(settings).connect()


def test_ssl_refuses_an_untrusted_certificate(imap_any: ImapAccount) -> None:
    settings = imap_any.settings("ssl", ssl_context=ssl.create_default_context())
    with pytest.raises(MailboxError, match="certificate verify failed"):
        Mailbox(settings).connect()


def test_wrong_password_is_a_mailbox_error(imap_any: ImapAccount) -> None:
    with pytest.raises(MailboxError, match="login"):
        Mailbox(imap_any.settings(password="falsk")).connect()


def test_closed_port_fails_quickly() -> None:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        port = sock.getsockname()[1]  # bound, not listening: refused
    settings = ImapSettings(HOST, port, "u", "p", security="none", timeout=2.0)
    started = time.monotonic()
    with pytest.raises(MailboxError, match="cannot connect"):
        Mailbox(settings).connect()
    assert time.monotonic() - started < 2.0


def test_silent_server_times_out() -> None:
    """A server that accepts the connection and never greets: the socket timeout fires."""
    with socket.socket() as listener:
        listener.bind((HOST, 0))
        listener.listen(1)
        port = listener.getsockname()[1]
        settings = ImapSettings(HOST, port, "u", "p", security="ssl", timeout=0.5)
        started = time.monotonic()
        with pytest.raises(MailboxError, match="timed out"):
            Mailbox(settings).connect()
        assert time.monotonic() - started < 3.0


def test_mailbox_methods_need_a_connection_and_a_selected_folder(
    imap_server: ImapAccount,
) -> None:
    with pytest.raises(MailboxError, match="not connected"):
        Mailbox(imap_server.settings()).select()
    with Mailbox(imap_server.settings()) as mailbox, pytest.raises(MailboxError, match="select"):
        mailbox.uids()


# -- reading --------------------------------------------------------------------------------


def test_select_returns_a_stable_uidvalidity(imap_any: ImapAccount) -> None:
    with Mailbox(imap_any.settings()) as mailbox:
        first = mailbox.select()
    with Mailbox(imap_any.settings()) as mailbox:
        assert mailbox.select() == first


def test_fetch_250_in_batches_leaves_them_unseen(imap_any: ImapAccount) -> None:
    fill(imap_any, 250)
    with Mailbox(imap_any.settings(batch_size=100)) as mailbox:
        mailbox.select()
        uids = mailbox.uids()
        assert len(uids) == 250 and uids == sorted(uids)
        calls: list[int] = []
        original = mailbox.client.fetch

        def counting_fetch(messages: list[int], data: list[str]) -> dict:
            calls.append(len(messages))
            return original(messages, data)

        mailbox.client.fetch = counting_fetch  # type: ignore[method-assign]
        fetched = list(mailbox.fetch(uids))
        mailbox.client.fetch = original  # type: ignore[method-assign]
        assert calls == [100, 100, 50]
        assert [uid for uid, _ in fetched] == uids
        assert b"Rapport nummer 0" in fetched[0][1]
        assert b"Rapport nummer 249" in fetched[-1][1]
        flags = mailbox.flags(uids)
        assert all("\\Seen" not in f for f in flags.values())


def test_sizes_before_download(imap_any: ImapAccount) -> None:
    with Mailbox(imap_any.settings()) as mailbox:
        mailbox.append("INBOX", small_mail(1))
        mailbox.append("INBOX", small_mail(2, size=200_000))
        mailbox.select()
        uids = mailbox.uids()
        sizes = mailbox.sizes(uids)
        assert set(sizes) == set(uids)
        small, big = (sizes[uid] for uid in uids)
        assert small < 1_000 < 200_000 < big
        assert mailbox.larger(100_000) == [uids[1]]
        assert mailbox.larger(big) == []
        assert mailbox.larger(small - 1) == uids
        assert all("\\Seen" not in f for f in mailbox.flags(uids).values())


def test_fetch_skips_uids_that_are_gone(imap_any: ImapAccount) -> None:
    fill(imap_any, 2)
    with Mailbox(imap_any.settings()) as mailbox:
        mailbox.select()
        uids = mailbox.uids()
        assert [uid for uid, _ in mailbox.fetch([*uids, uids[-1] + 1000])] == uids


# -- folders and moving ---------------------------------------------------------------------


def test_ensure_folders_uses_the_servers_delimiter(imap_any: ImapAccount) -> None:
    settings = imap_any.settings(processed="Intake/Processed")
    with Mailbox(settings) as mailbox:
        assert mailbox.delimiter == imap_any.delimiter
        created = mailbox.ensure_folders()
        nested = f"Intake{imap_any.delimiter}Processed"
        assert sorted(created) == sorted([nested, "Quarantine", "Ignored"])
        assert mailbox.ensure_folders() == []
        assert {nested, "Quarantine", "Ignored"} <= set(mailbox.folders())


@contextlib.contextmanager
def commands_sent(mailbox: Mailbox) -> Iterator[list[str]]:
    """The IMAP commands (name and first argument) the mailbox sends within the block."""
    sent: list[str] = []
    original = mailbox.client._imap._command

    def recording(name: str, *args: object) -> object:
        sent.append(" ".join([name, *map(str, args[:1])]))
        return original(name, *args)

    mailbox.client._imap._command = recording  # type: ignore[method-assign]
    try:
        yield sent
    finally:
        mailbox.client._imap._command = original  # type: ignore[method-assign]


@pytest.mark.parametrize("use_move", [True, False], ids=["MOVE", "COPY+UID-EXPUNGE"])
def test_move_one_message(imap_any: ImapAccount, use_move: bool) -> None:
    fill(imap_any, 4)
    with Mailbox(imap_any.settings()) as mailbox:
        mailbox.use_move = use_move
        mailbox.ensure_folders()
        mailbox.select()
        first, second, third, fourth = mailbox.uids()
        # someone else flagged a message \Deleted: it must survive our move
        mailbox.client.add_flags([third], [b"\\Deleted"])
        with commands_sent(mailbox) as sent:
            mailbox.move(first, "Processed")
            mailbox.move(second, "Quarantine")
        assert mailbox.uids() == [third, fourth]
        assert "\\Deleted" in mailbox.flags([third])[third]
        commands = [c.split()[:2] for c in sent]
        if use_move:
            assert ["UID", "MOVE"] in commands and ["UID", "COPY"] not in commands
        else:
            assert ["UID", "MOVE"] not in commands
            assert ["UID", "COPY"] in commands and ["UID", "EXPUNGE"] in commands
        assert ["EXPUNGE"] not in [c[:1] for c in commands]
        mailbox.select("Processed")
        [(_, raw)] = list(mailbox.fetch(mailbox.uids()))
        assert b"Rapport nummer 0" in raw
        mailbox.select("Quarantine")
        [(_, raw)] = list(mailbox.fetch(mailbox.uids()))
        assert b"Rapport nummer 1" in raw


@pytest.mark.parametrize("use_move", [True, False], ids=["MOVE", "COPY+UID-EXPUNGE"])
def test_move_many_moves_a_set_in_one_command(imap_any: ImapAccount, use_move: bool) -> None:
    fill(imap_any, 6)
    with Mailbox(imap_any.settings()) as mailbox:
        mailbox.use_move = use_move
        mailbox.ensure_folders()
        mailbox.select()
        uids = mailbox.uids()
        flagged = uids[2]
        # someone else flagged a message \Deleted: it must survive our moves
        mailbox.client.add_flags([flagged], [b"\\Deleted"])
        with commands_sent(mailbox) as sent:
            mailbox.move_many([uids[0], uids[1], uids[3]], "Processed")
            mailbox.move_many([uids[5]], "Quarantine")
            mailbox.move_many([], "Ignored")  # nothing to move: nothing sent
        assert mailbox.uids() == [flagged, uids[4]]
        assert "\\Deleted" in mailbox.flags([flagged])[flagged]
        commands = [c.split()[:2] for c in sent]
        if use_move:
            assert commands == [["UID", "MOVE"]] * 2
        else:
            assert commands.count(["UID", "COPY"]) == 2
            assert commands.count(["UID", "EXPUNGE"]) == 2
            assert ["UID", "MOVE"] not in commands
        assert ["EXPUNGE"] not in [c[:1] for c in commands]
        mailbox.select("Processed")
        moved = [raw for _uid, raw in mailbox.fetch(mailbox.uids())]
        assert sorted(int(raw.split(b"Rapport nummer ")[1][:1]) for raw in moved) == [0, 1, 3]
        mailbox.select("Quarantine")
        [(_, raw)] = list(mailbox.fetch(mailbox.uids()))
        assert b"Rapport nummer 5" in raw


def test_move_without_move_or_uidplus_is_refused(imap_server: ImapAccount) -> None:
    fill(imap_server, 1)

    class OldServer(Mailbox):
        def capabilities(self) -> frozenset[str]:
            return super().capabilities() - {"MOVE", "UIDPLUS"}

    with OldServer(imap_server.settings()) as mailbox:
        mailbox.ensure_folders()
        mailbox.select()
        [uid] = mailbox.uids()
        with pytest.raises(MailboxError, match="neither MOVE nor UIDPLUS"):
            mailbox.move(uid, "Processed")
        with pytest.raises(MailboxError, match="neither MOVE nor UIDPLUS"):
            mailbox.move_many([uid], "Processed")
        assert mailbox.uids() == [uid]
        assert "\\Deleted" not in mailbox.flags([uid])[uid]


def test_move_to_a_missing_folder_is_a_mailbox_error(imap_any: ImapAccount) -> None:
    fill(imap_any, 1)
    with Mailbox(imap_any.settings()) as mailbox:
        mailbox.select()
        [uid] = mailbox.uids()
        with pytest.raises(MailboxError):
            mailbox.move(uid, "Findes-ikke")
    with Mailbox(imap_any.settings()) as mailbox:
        mailbox.select()
        assert mailbox.uids() == [uid]


def test_a_dropped_connection_is_a_mailbox_error(imap_server: ImapAccount) -> None:
    with Mailbox(imap_server.settings()) as mailbox:
        mailbox.select()
        mailbox.client._imap.sock.shutdown(socket.SHUT_RDWR)
        with pytest.raises(MailboxError):
            mailbox.uids()


def test_two_pollers_do_not_share_state(imap_server: ImapAccount) -> None:
    fill(imap_server, 3)
    results: list[list[int]] = []

    def poll() -> None:
        with Mailbox(imap_server.settings()) as mailbox:
            mailbox.select()
            results.append(mailbox.uids())

    threads = [threading.Thread(target=poll) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(10)
    assert len(results) == 2 and results[0] == results[1] and len(results[0]) == 3

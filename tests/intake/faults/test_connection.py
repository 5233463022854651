"""The IMAP connection dropped in the middle of a batch: the run ends with an error, what
was committed stays, the rest stays in the intake folder, and the next run completes it.

The poller fetches a batch in one command and stores it, then decides and moves the batch
before it while the parse workers read this one; the connection drops as the second batch's
mails are handed over (after its FETCH), so that batch is stored, the first is decided and
committed, and the first's move finds no connection (nor does the third batch's fetch, begun
while the first was decided, whose error the run reports)."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import select

from tests.intake.faults.conftest import (
    append_all,
    check_consistency,
    expected_mixed,
    final_states,
)


@pytest.fixture
def app_config(app_config: dict[str, Any]) -> dict[str, Any]:
    return {**app_config, "IMAP_BATCH_SIZE": 3}


def drop_connection_at(monkeypatch: pytest.MonkeyPatch, nth: int) -> list[int]:
    """The poller's connection is shut down as the ``nth`` fetched mail of the run is handed
    over (the second of the second batch of three): once, then the patch is inert."""
    from service.intake.imap import Mailbox

    real_fetch = Mailbox.fetch
    dropped: list[int] = []
    handed = [0]

    def fetch(self: Mailbox, uids: Any) -> Iterator[tuple[int, bytes]]:
        for uid, raw in real_fetch(self, uids):
            handed[0] += 1
            if handed[0] == nth and not dropped:
                dropped.append(uid)
                self.client.socket().shutdown(socket.SHUT_RDWR)
            yield uid, raw

    monkeypatch.setattr(Mailbox, "fetch", fetch)
    return dropped


def test_connection_dropped_mid_batch(dst_plan, mailbox, mixed, poll, monkeypatch, smtp_server):
    from service.domain.models import IntakeRun
    from service.extensions import db

    append_all(mailbox, mixed.values())
    dropped = drop_connection_at(monkeypatch, 5)

    code, output = poll()
    assert dropped, "the fault never struck"
    assert code == 1
    assert "failed: MailboxError" in output
    half = check_consistency(mailbox, mixed.values(), complete=False)
    moved = sum(len(half.folders[f]) for f in ("Processed", "Quarantine", "Ignored"))
    assert moved == 0  # the 1st batch's move found no connection
    assert len(half.states) == 6  # every fetched mail was stored first
    # the 1st batch decided and committed before its move; the 2nd stored, decided next run
    assert list(half.states.values()).count("received") == 3
    assert len(half.folders["INBOX"]) == len(mixed)
    run = db.session.scalar(select(IntakeRun).order_by(IntakeRun.id.desc()))
    assert run.ok is False and "IMAP" in (run.error or "")
    db.session.remove()

    code, output = poll()
    assert code == 0, output
    snap = check_consistency(mailbox, mixed.values(), complete=True)
    assert final_states(mixed) == expected_mixed()
    accepted = sum(1 for s in expected_mixed().values() if s == "accepted")
    assert snap.followups == accepted
    replies = [m.message["In-Reply-To"] for m in smtp_server.messages]
    assert len(replies) == len(set(replies)) == accepted


def test_server_unreachable_leaves_everything(dst_plan, mailbox, mixed, app, poll):
    """Nothing listening on the configured port: an error, nothing stored, nothing moved."""
    from tests.support.mailservers import free_port

    append_all(mailbox, mixed.values())
    app.config["IMAP_PORT"] = free_port()
    code, output = poll()
    assert code == 1
    assert "cannot connect" in output
    snap = check_consistency(mailbox, mixed.values(), complete=False)
    assert snap.states == {}
    assert len(snap.folders["INBOX"]) == len(mixed)

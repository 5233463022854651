"""The poller killed with SIGKILL in the middle of a run: the next run finishes the job,
and nothing is duplicated or lost.

The poller works in batches of five here, so the fault strikes in the second batch (the 6th
to 10th mails: one accepted, two ignored, two quarantined, moved to three folders) with the
first batch done and the third (the last four mails) stored: a batch is stored, and handed to
the parse workers, before the one before it is decided. The first and third batches hold several
reports on the same plan and period and are recorded a message at a time; the second is
recorded in one savepoint and one flush: both ways are crossed by the crashes."""

from __future__ import annotations

import signal

import pytest

from tests.intake.faults.conftest import (
    append_all,
    check_consistency,
    expected_mixed,
    final_states,
    run_poller,
)

BATCH = "5"

#: fault → (mails already moved when the process dies, messages left ``received``); every
#: fault strikes in the 2nd batch, whose raw mails were stored and committed first, as were
#: the 3rd batch's (4 mails, ``received``)
FAULTS = {
    # the 2nd batch's outcomes are committed, none of its mails moved
    ("kill-before-move", "1"): (5, 4),
    # the 2nd batch's first folder (Processed: one mail) is moved, the other two folders'
    # mails not, and none of it is recorded as moved
    ("kill-after-move", "1"): (6, 4),
    # two of the 2nd batch's messages were decided inside the batch's transaction, never
    # committed: the whole batch is still ``received``
    ("kill-before-process", "7"): (5, 9),
    # the 2nd batch is decided in full, the commit never happens
    ("kill-before-commit", "1"): (5, 9),
}


@pytest.fixture
def batched_env(poller_env: dict[str, str]) -> dict[str, str]:
    return {**poller_env, "MRP_IMAP_BATCH_SIZE": BATCH}


@pytest.mark.parametrize("fault", list(FAULTS), ids=[f"{m}-{n}" for m, n in FAULTS])
def test_a_killed_poller_is_finished_by_the_next_run(
    fault, dst_plan, mailbox, mixed, batched_env, smtp_server, poll
):
    append_all(mailbox, mixed.values())

    killed = run_poller(batched_env, *fault)
    assert killed.returncode == -signal.SIGKILL, killed.stderr

    half = check_consistency(mailbox, mixed.values(), complete=False)
    moved = sum(len(half.folders[f]) for f in ("Processed", "Quarantine", "Ignored"))
    expected_moved, expected_received = FAULTS[fault]
    assert moved == expected_moved
    assert len(half.folders["INBOX"]) == len(mixed) - moved
    assert len(half.states) == len(mixed)  # every batch was stored raw before it died
    assert list(half.states.values()).count("received") == expected_received
    # the 1st batch's receipts went while the run went on, and were recorded
    assert half.receipts_sent == len(smtp_server.messages) > 0

    done = run_poller(batched_env)
    assert done.returncode == 0, done.stderr
    snap = check_consistency(mailbox, mixed.values(), complete=True)
    assert final_states(mixed) == expected_mixed()
    accepted = sum(1 for s in expected_mixed().values() if s == "accepted")
    assert snap.followups == accepted
    assert snap.receipts_pending == 0
    replies = [m.message["In-Reply-To"] for m in smtp_server.messages]
    assert len(replies) == len(set(replies)) == accepted

    code, output = poll()  # in-process this time
    assert code == 0, output
    assert "nothing new" in output
    assert check_consistency(mailbox, mixed.values(), complete=True).followups == accepted
    assert len(smtp_server.messages) == accepted


def test_killed_twice_in_a_row(dst_plan, mailbox, mixed, batched_env, smtp_server):
    """Two crashes at different points before a run that completes: in the middle of the
    first batch's decisions, then before the second batch's move."""
    append_all(mailbox, mixed.values())
    assert run_poller(batched_env, "kill-before-process", "2").returncode == -signal.SIGKILL
    first = check_consistency(mailbox, mixed.values(), complete=False)
    assert list(first.states.values()) == ["received"] * 10  # the 2nd batch stored too
    assert run_poller(batched_env, "kill-before-move", "1").returncode == -signal.SIGKILL
    second = check_consistency(mailbox, mixed.values(), complete=False)
    assert len(second.folders["INBOX"]) == len(mixed) - 5
    done = run_poller(batched_env)
    assert done.returncode == 0, done.stderr
    check_consistency(mailbox, mixed.values(), complete=True)
    assert final_states(mixed) == expected_mixed()

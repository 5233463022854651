"""The poller killed with SIGKILL in the middle of a run: the next run finishes the job,
and nothing is duplicated or lost."""

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

#: fault → mails already moved when the process dies (the fault strikes at the 6th mail)
FAULTS = {
    "kill-before-move": 5,  # the 6th is stored and final, not moved
    "kill-after-move": 6,  # the 6th is moved, but that is not recorded
    "kill-before-process": 5,  # the 6th is stored raw (received), not processed
}


@pytest.mark.parametrize("fault", list(FAULTS))
def test_a_killed_poller_is_finished_by_the_next_run(
    fault, dst_plan, mailbox, mixed, poller_env, smtp_server, poll
):
    append_all(mailbox, mixed.values())

    killed = run_poller(poller_env, fault, "5")
    assert killed.returncode == -signal.SIGKILL, killed.stderr

    half = check_consistency(mailbox, mixed.values(), complete=False)
    moved = sum(len(half.folders[f]) for f in ("Processed", "Quarantine", "Ignored"))
    assert moved == FAULTS[fault]
    assert len(half.folders["INBOX"]) == len(mixed) - moved
    assert len(half.states) == 6  # the 6th was stored before the process died
    assert smtp_server.messages == []  # receipts come after the poll; it never got there

    done = run_poller(poller_env)
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


def test_killed_twice_in_a_row(dst_plan, mailbox, mixed, poller_env, smtp_server):
    """Two crashes at different points before a run that completes."""
    append_all(mailbox, mixed.values())
    assert run_poller(poller_env, "kill-before-process", "2").returncode == -signal.SIGKILL
    assert run_poller(poller_env, "kill-before-move", "4").returncode == -signal.SIGKILL
    check_consistency(mailbox, mixed.values(), complete=False)
    done = run_poller(poller_env)
    assert done.returncode == 0, done.stderr
    check_consistency(mailbox, mixed.values(), complete=True)
    assert final_states(mixed) == expected_mixed()

"""Pollers behind PgBouncer in transaction pooling: the coordination still holds.

A session-level advisory lock does not survive transaction pooling: the lock stays on
whichever server connection ran the statement, which the pooler hands to the next client,
so a second poller may be let in, the unlock may run on another connection, and a lock left
behind keeps every later poll out. The pollers' lock is a transaction-level one, held by a
transaction kept open for the poll (PgBouncer keeps one server connection for it), and
psycopg prepares no statements when ``MRP_DATABASE_PREPARED_STATEMENTS`` is off.
"""

from __future__ import annotations

import pytest

from tests.intake.faults.conftest import (
    append_all,
    check_consistency,
    json_mail,
    start_poller,
)
from tests.support.pgbouncer import pgbouncer  # noqa: F401  (a fixture)

MAILS = 40

pytestmark = pytest.mark.postgres


def _finish(proc) -> tuple[int, str, str]:
    out, err = proc.communicate(timeout=180)
    return proc.returncode, out, err


def _fetched(out: str) -> int:
    return int(out.split("fetched ", 1)[1].split(";", 1)[0]) if "fetched " in out else 0


@pytest.fixture
def pooled_env(poller_env, pgbouncer) -> dict[str, str]:  # noqa: F811
    return {**poller_env, "MRP_DATABASE_URL": pgbouncer,
            "MRP_DATABASE_PREPARED_STATEMENTS": "false"}


def test_pollers_through_pgbouncer_do_each_mail_once(dst_plan, mailbox, pooled_env,
                                                     smtp_server):
    raws = [json_mail(n) for n in range(1, MAILS + 1)]
    append_all(mailbox, raws)

    results = [_finish(p) for p in [start_poller(pooled_env) for _ in range(3)]]

    for code, _out, err in results:
        assert code == 0, err
    assert sum(_fetched(out) for _c, out, _e in results) == MAILS
    snap = check_consistency(mailbox, raws, complete=True)
    assert snap.followups == MAILS and snap.receipts_pending == 0
    # each receipt sent once: the receipts' lock holds behind the pooler too
    replied = [m.message["In-Reply-To"] for m in smtp_server.messages]
    assert len(replied) == MAILS and len(set(replied)) == MAILS


def test_no_lock_is_left_behind_in_the_pool(dst_plan, mailbox, pooled_env):
    """Poll after poll through the pooler, each finds the mailbox free: no lock stays on a
    server connection the pool hands to the next client."""
    raws: list[bytes] = []
    for round_ in range(3):
        batch = [json_mail(100 * (round_ + 1) + n) for n in range(1, 6)]
        raws += batch
        append_all(mailbox, batch)
        code, out, err = _finish(start_poller(pooled_env))
        assert code == 0, err
        assert "skipped" not in out, out
        assert _fetched(out) == len(batch), out
        assert "receipts are being sent by another poller" not in err, err
    snap = check_consistency(mailbox, raws, complete=True)
    assert snap.receipts_pending == 0

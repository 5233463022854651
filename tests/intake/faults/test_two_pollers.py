"""Two pollers on the same mailbox at once, on PostgreSQL: the advisory lock lets one work
and the other skip, and every mail is processed exactly once."""

from __future__ import annotations

import time

import pytest
from sqlalchemy import func, select

from tests.intake.faults.conftest import (
    append_all,
    check_consistency,
    json_mail,
    start_poller,
)

MAILS = 60

pytestmark = pytest.mark.postgres


@pytest.fixture
def postgres_only(app):
    if not app.config["DATABASE_URL"].startswith("postgresql"):
        pytest.skip("SQLite has no advisory locks: one poller per database file")


def stored() -> int:
    from service.domain.models import InboundMessage
    from service.extensions import db

    db.session.remove()
    n = db.session.scalar(select(func.count()).select_from(InboundMessage)) or 0
    db.session.remove()
    return n


def finish(proc) -> tuple[int, str, str]:
    out, err = proc.communicate(timeout=120)
    return proc.returncode, out, err


def test_the_second_poller_finds_the_lock_taken(postgres_only, dst_plan, mailbox, poller_env):
    raws = [json_mail(n) for n in range(1, MAILS + 1)]
    append_all(mailbox, raws)

    # slow enough to be caught at it even when starting a process takes seconds (a busy machine)
    first = start_poller(poller_env, "slow-move", "0.25")
    try:
        deadline = time.monotonic() + 60
        while stored() == 0:
            assert time.monotonic() < deadline, "the first poller never started"
            assert first.poll() is None, first.communicate()
            time.sleep(0.05)
        second = start_poller(poller_env)
        code2, out2, err2 = finish(second)
    finally:
        code1, out1, err1 = finish(first)
    assert code1 == 0, err1
    assert code2 == 0, err2
    assert "skipped (another poller holds it)" in out2
    assert f"fetched {MAILS}; accepted {MAILS}" in out1
    snap = check_consistency(mailbox, raws, complete=True)
    assert snap.followups == MAILS


def test_pollers_started_together_do_each_mail_once(
    postgres_only, dst_plan, mailbox, poller_env
):
    raws = [json_mail(n) for n in range(1, MAILS + 1)]
    append_all(mailbox, raws)
    procs = [start_poller(poller_env) for _ in range(3)]
    results = [finish(p) for p in procs]
    for code, _out, err in results:
        assert code == 0, err
    fetched = sum(
        int(out.split("fetched ", 1)[1].split(";", 1)[0]) for _c, out, _e in results
        if "fetched" in out
    )
    assert fetched == MAILS  # every mail fetched once, by whichever poller held the lock
    snap = check_consistency(mailbox, raws, complete=True)
    assert snap.followups == MAILS

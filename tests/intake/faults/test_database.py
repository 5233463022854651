"""The database unavailable: the poll fails cleanly with a logged error and a non-zero exit
code, and no mail moves. The database failing in the middle of a run (as a batch's raw
mails are stored, as they are committed, as the batch's outcomes are committed): what was
committed stays, the rest of the mail stays, and the next run completes it."""

from __future__ import annotations

import shutil
from typing import Any

import pytest
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError

from service.intake.imap import Mailbox
from tests.conftest import POSTGRES_URL
from tests.intake.faults.conftest import (
    append_all,
    check_consistency,
    expected_mixed,
    final_states,
    poller_environment,
    run_poller,
)
from tests.support.mailservers import free_port


@pytest.mark.parametrize("backend", [
    "sqlite",
    pytest.param("postgresql", marks=pytest.mark.skipif(
        not POSTGRES_URL, reason="MRP_TEST_DATABASE_URL is not set")),
])
def test_database_unavailable(backend, tmp_path, imap_server, smtp_server, mail_certificate,
                              mixed):
    if backend == "sqlite":
        gone = tmp_path / "gone"
        gone.mkdir()
        shutil.rmtree(gone)  # a folder that was removed (root ignores read-only folders)
        url = f"sqlite:///{gone / 'mrp.sqlite'}"
    else:
        url = make_url(POSTGRES_URL).set(port=free_port()).render_as_string(
            hide_password=False)
    with Mailbox(imap_server.settings()) as mailbox:
        append_all(mailbox, mixed.values())
        env = poller_environment(url, imap_server, smtp_server, mail_certificate)

        done = run_poller(env)

        assert done.returncode != 0
        assert "database unavailable" in done.stderr
        assert "Traceback" not in done.stderr, done.stderr
        mailbox.select("INBOX")
        assert len(mailbox.uids()) == len(mixed)
        for folder in mailbox.folders():
            if folder != "INBOX":
                mailbox.select(folder)
                assert mailbox.uids() == [], folder
    assert smtp_server.messages == []


@pytest.fixture
def app_config(app_config: dict[str, Any]) -> dict[str, Any]:
    return {**app_config, "IMAP_BATCH_SIZE": 4}


def refused(statement: str) -> OperationalError:
    return OperationalError(statement, {}, ConnectionRefusedError("server closed the connection"))


#: where the database goes away in the 2nd batch (the 5th to 8th mails) → messages stored
#: after the failed run, how many of them are still ``received``, and mails moved. A batch
#: is stored before the one before it is decided (the parse workers read it meanwhile)
WHERE = {
    # as the 2nd batch's raw mails are stored: nothing of it is kept, and the 1st, stored,
    # is not decided
    "raw-store": (4, 4, 0),
    "raw-commit": (4, 4, 0),  # as they are committed: the same
    # as its outcomes are committed: the 1st batch was decided and moved; the 2nd and 3rd
    # were stored
    "outcome-commit": (12, 8, 4),
}


@pytest.mark.parametrize("where", list(WHERE))
def test_database_fails_mid_run(where, dst_plan, mailbox, mixed, poll, monkeypatch):
    """The database goes away in the 2nd batch (the connection is refused): what was
    committed stays, nothing is moved that was not, and the next run finishes the job."""
    from service.extensions import db
    from service.intake import batches

    calls = {"n": 0}

    def second(real, statement: str, flush: bool = False):
        def failing(*args, **kwargs):
            calls["n"] += 1
            if calls["n"] == 2:
                if flush:  # the statements went through; the commit does not
                    db.session.flush()
                raise refused(statement)
            return real(*args, **kwargs)

        return failing

    name = {"raw-store": "store_raws", "raw-commit": "_commit_keeping_loaded",
            "outcome-commit": "_commit_outcomes"}[where]
    real = getattr(batches, name)
    monkeypatch.setattr(batches, name, second(
        real, "INSERT INTO inbound_message ..." if where == "raw-store" else "COMMIT",
        flush=where != "raw-store"))
    append_all(mailbox, mixed.values())
    code, output = poll()
    assert calls["n"] >= 2, "the fault never struck"
    assert code == 1
    assert "database error" in output
    half = check_consistency(mailbox, mixed.values(), complete=False)
    stored, received, moved = WHERE[where]
    assert len(half.states) == stored
    assert list(half.states.values()).count("received") == received
    assert len(half.folders["INBOX"]) == len(mixed) - moved

    monkeypatch.setattr(batches, name, real)
    code, output = poll()
    assert code == 0, output
    check_consistency(mailbox, mixed.values(), complete=True)
    assert final_states(mixed) == expected_mixed()

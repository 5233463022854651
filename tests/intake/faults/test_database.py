"""The database unavailable: the poll fails cleanly with a logged error and a non-zero exit
code, and no mail moves. The database failing in the middle of a run: what was committed
stays, the rest of the mail stays, and the next run completes it."""

from __future__ import annotations

import shutil

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


def test_database_fails_mid_run(dst_plan, mailbox, mixed, poll, monkeypatch):
    """The database goes away as the 5th mail is stored (the connection is refused)."""
    from service.intake import poller

    real_store = poller.store_raw
    calls = {"n": 0}

    def store_raw(*args, **kwargs):
        calls["n"] += 1
        if calls["n"] == 5:
            raise OperationalError("INSERT INTO inbound_message ...", {},
                                   ConnectionRefusedError("server closed the connection"))
        return real_store(*args, **kwargs)

    monkeypatch.setattr(poller, "store_raw", store_raw)
    append_all(mailbox, mixed.values())
    code, output = poll()
    assert code == 1
    assert "database error" in output
    half = check_consistency(mailbox, mixed.values(), complete=False)
    assert len(half.states) == 4
    assert len(half.folders["INBOX"]) == len(mixed) - 4

    monkeypatch.setattr(poller, "store_raw", real_store)
    code, output = poll()
    assert code == 0, output
    check_consistency(mailbox, mixed.values(), complete=True)
    assert final_states(mixed) == expected_mixed()

"""On SQLite the poller takes the write lock to record a batch's outcomes, not while it
reads and parses the batch's mails: API writes wait only for the recording."""

from __future__ import annotations

import sqlite3

import pytest

from tests.intake.pipeline.conftest import json_report, report_mail


@pytest.fixture
def database_url(sqlite_template):
    """SQLite, whichever backends the run covers."""
    return f"sqlite:///{sqlite_template}"


def can_write(app) -> bool:
    """Can another connection take the write lock right now (without waiting)?"""
    path = app.config["DATABASE_URL"].removeprefix("sqlite:///")
    other = sqlite3.connect(path, timeout=0, isolation_level=None)
    try:
        other.execute("BEGIN IMMEDIATE")
        other.execute("ROLLBACK")
        return True
    except sqlite3.OperationalError as error:
        assert "locked" in str(error)
        return False
    finally:
        other.close()


def test_reading_takes_no_write_lock_and_recording_does(app, dst_plan, mailbox, poll,
                                                        monkeypatch):
    from service.intake import pipeline

    seen: dict[str, list[bool]] = {"reading": [], "recording": []}
    real_read, real_settle = pipeline._read, pipeline._settle

    def read(*args, **kwargs):
        seen["reading"].append(can_write(app))
        return real_read(*args, **kwargs)

    def settle(*args, **kwargs):
        seen["recording"].append(can_write(app))
        return real_settle(*args, **kwargs)

    monkeypatch.setattr(pipeline, "_read", read)
    monkeypatch.setattr(pipeline, "_settle", settle)
    for period in ("2026-H1", "2026-H2"):
        mailbox.append("INBOX", report_mail(attachment=json_report(period=period)))
    poll()
    assert seen == {"reading": [True, True], "recording": [False, False]}
    assert can_write(app)

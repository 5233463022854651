"""A batch's follow-ups and states are recorded together, in one savepoint and one flush,
also when several of its reports are on the same plan and period (each supersedes the one
before, and the flush inserts it after the one that supersedes it); when anything of it
fails, the batch is recorded again one message at a time, so only the failing message is
quarantined."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import event

from tests.intake.pipeline.conftest import json_report, report_mail
from tests.support.factories import ok

PERIODS = ("2026-H1", "2026-H2", "2027-H1")


@pytest.fixture
def flushes() -> Iterator[list[int]]:
    """For each statement that inserts follow-ups (or tries to): how many rows."""
    from sqlalchemy import Insert
    from sqlalchemy.engine import Engine

    counts: list[int] = []

    def before_execute(_conn, clause, multiparams, _params, _options):
        if isinstance(clause, Insert) and clause.table.name == "followup":
            counts.append(len(multiparams) or 1)  # one row: given as params

    event.listen(Engine, "before_execute", before_execute)
    yield counts
    event.remove(Engine, "before_execute", before_execute)


def mail(period: str, n: int = 0) -> bytes:
    return report_mail(attachment=json_report(period=period),
                       message_id=f"<batch-{period}-{n}@dst.dk>")


def followups(client, admin, plan_id) -> dict[str, list[dict]]:
    """Period → the plan's follow-ups for it, latest first."""
    found: dict[str, list[dict]] = {}
    for f in ok(client.get(f"/api/v1/plans/{plan_id}/followups?page_size=100",
                           headers=admin)):
        found.setdefault(f["period"], []).append(f)
    return found


def test_reports_on_distinct_periods_are_flushed_together(
    client, admin, dst_plan, mailbox, poll, flushes
):
    for period in PERIODS:
        mailbox.append("INBOX", mail(period))
    output = poll()
    assert "fetched 3" in output
    assert flushes == [3]
    by_period = followups(client, admin, dst_plan["id"])
    assert sorted(by_period) == sorted(PERIODS)
    messages = ok(client.get("/api/v1/intake/messages", headers=admin))
    assert {m["followup"] for m in messages} == {f["id"] for fs in by_period.values() for f in fs}


def test_reports_on_the_same_period_in_one_batch_are_flushed_together_in_turn(
    client, admin, dst_plan, mailbox, poll, flushes
):
    """Each supersedes the one before it, in the batch's order, in the batch's savepoint and
    its one flush (their ids, given before the flush, keep the order they came in)."""
    mailbox.append("INBOX", mail("2026-H1", 1))
    mailbox.append("INBOX", mail("2026-H2", 1))
    mailbox.append("INBOX", mail("2026-H1", 2))
    mailbox.append("INBOX", mail("2026-H1", 3))
    poll()
    assert flushes == [4]
    latest, middle, first = followups(client, admin, dst_plan["id"])["2026-H1"]
    assert first["id"] < middle["id"] < latest["id"]
    assert first["superseded_by"] == middle["id"] and middle["superseded_by"] == latest["id"]
    assert latest["superseded_by"] is None
    assert (first["current"], middle["current"], latest["current"]) == (False, False, True)
    messages = ok(client.get("/api/v1/intake/messages", headers=admin))
    assert {m["message_id"]: m["followup"] for m in messages}["<batch-2026-H1-3@dst.dk>"] == (
        latest["id"])


def test_a_batch_on_one_period_supersedes_one_from_an_earlier_run(
    client, admin, dst_plan, mailbox, poll, flushes
):
    mailbox.append("INBOX", mail("2026-H1", 1))
    poll()
    mailbox.append("INBOX", mail("2026-H1", 2))
    mailbox.append("INBOX", mail("2026-H1", 3))
    poll()
    assert flushes == [1, 2]
    latest, middle, first = followups(client, admin, dst_plan["id"])["2026-H1"]
    assert first["superseded_by"] == middle["id"] and middle["superseded_by"] == latest["id"]
    assert [f["current"] for f in (first, middle, latest)] == [False, False, True]


def test_a_report_flushed_together_supersedes_one_from_an_earlier_run(
    client, admin, dst_plan, mailbox, poll, flushes
):
    mailbox.append("INBOX", mail("2026-H1", 1))
    poll()
    mailbox.append("INBOX", mail("2026-H1", 2))
    mailbox.append("INBOX", mail("2026-H2", 2))
    poll()
    assert flushes == [1, 2]
    later, earlier = followups(client, admin, dst_plan["id"])["2026-H1"]
    assert earlier["superseded_by"] == later["id"] and later["superseded_by"] is None
    assert (earlier["current"], later["current"]) == (False, True)


def test_a_row_the_database_refuses_at_the_flush_is_quarantined_alone(
    client, admin, dst_plan, mailbox, poll, monkeypatch, flushes
):
    """The batch's flush fails on one message's follow-up (a column it must have is
    empty): nothing of the batch's savepoint is kept, and recorded one by one, the other
    messages are accepted and that one is quarantined."""
    from service.intake import pipeline

    real_record = pipeline.record_followup

    def record_followup(plan, **kwargs):
        followup = real_record(plan, **kwargs)
        if kwargs["period"] == "2026-H2":
            followup.channel = None  # NOT NULL: refused by the INSERT
        return followup

    monkeypatch.setattr(pipeline, "record_followup", record_followup)
    for period in PERIODS:
        mailbox.append("INBOX", mail(period))
    output = poll()
    assert "fetched 3" in output
    assert flushes == [3, 1, 1, 1]  # together first, then one by one
    messages = ok(client.get("/api/v1/intake/messages", headers=admin))
    [refused] = [m for m in messages if m["state"] == "quarantined"]
    assert refused["reason"] == "unreadable_report" and refused["followup"] is None
    assert refused["detail"].startswith("Databasen afviste beskeden")
    others = [m for m in messages if m is not refused]
    assert sorted(m["message_id"] for m in others) == [
        "<batch-2026-H1-0@dst.dk>", "<batch-2027-H1-0@dst.dk>"]
    assert all(m["state"] in {"accepted", "rejected"} and m["followup"] for m in others)
    by_period = followups(client, admin, dst_plan["id"])
    assert "2026-H2" not in by_period
    assert sorted(by_period) == ["2026-H1", "2027-H1"]
    mailbox.select("INBOX")
    assert mailbox.uids() == []


def test_a_batch_is_checked_by_the_plugins_together(dst_plan, mailbox, poll, monkeypatch):
    """The reports of a batch go to the plugins in one call (one hand-over to their thread,
    not one per report), and each is recorded with its own findings."""
    from service.plugins.manager import PluginManager

    batches: list[list[str]] = []
    real = PluginManager.validate_followups

    def validate_followups(self, reports, **kwargs):
        batches.append([followup.period for followup, _plan, _mp in reports])
        return real(self, reports, **kwargs)

    monkeypatch.setattr(PluginManager, "validate_followups", validate_followups)
    for period in PERIODS:
        mailbox.append("INBOX", mail(period))
    output = poll()
    assert "fetched 3" in output
    assert batches == [list(PERIODS)]


def test_a_chain_of_reports_is_inserted_in_one_statement(
    client, admin, dst_plan, mailbox, poll
):
    """Reports of a batch superseding one another are not linked through the ORM's
    relationship (which would make it insert them one row at a time, in the order of the
    links): each goes in superseded by itself, all in one INSERT, and one UPDATE for the
    batch points each to its successor."""
    from sqlalchemy.engine import Engine

    statements: list[str] = []

    def before_cursor_execute(_conn, _cursor, statement, _params, _context, _many):
        statements.append(" ".join(statement.split()))

    for n in range(1, 6):
        mailbox.append("INBOX", mail("2026-H1", n))
    event.listen(Engine, "before_cursor_execute", before_cursor_execute)
    try:
        poll()
    finally:
        event.remove(Engine, "before_cursor_execute", before_cursor_execute)
    inserts = [s for s in statements if s.startswith("INSERT INTO followup ")]
    links = [s for s in statements
             if s.startswith("UPDATE followup SET superseded_by_id")]
    assert len(inserts) == 1 and len(links) == 1
    # and every table's rows of the batch in one statement, on SQLite too, where the ORM
    # would insert them one by one to read back each id (service.domain.ids)
    for table in ("inbound_message", "followup_goal", "followup_finding", "outbound_message"):
        assert len([s for s in statements if s.startswith(f"INSERT INTO {table} ")]) == 1
    chain = followups(client, admin, dst_plan["id"])["2026-H1"][::-1]
    assert [f["superseded_by"] for f in chain] == [f["id"] for f in chain[1:]] + [None]
    assert [f["current"] for f in chain] == [False] * 4 + [True]


def test_a_batch_s_states_are_written_with_one_update(app, mailbox, poll, dst_plan):
    """The messages' states go in one UPDATE for the batch (``write_settled``), and the
    session writes none of them again: each holds them as the database's."""
    from sqlalchemy import select
    from sqlalchemy.engine import Engine

    from service.domain.models import InboundMessage
    from service.extensions import db

    updates: list[int] = []

    def before_cursor_execute(_conn, _cursor, statement, params, _context, many):
        if (statement.lstrip().startswith("UPDATE inbound_message SET")
                and "processed_at" in statement):
            updates.append(len(params) if many else 1)

    for period in PERIODS:
        mailbox.append("INBOX", mail(period))
    event.listen(Engine, "before_cursor_execute", before_cursor_execute)
    try:
        poll()
    finally:
        event.remove(Engine, "before_cursor_execute", before_cursor_execute)
    assert updates == [3]
    with app.app_context():
        stored = db.session.scalars(select(InboundMessage)).all()
        assert sorted((m.state, m.attempts, m.receipt_state, m.plan_id) for m in stored) == [
            ("accepted", 1, "sent", dst_plan["id"])] * 3
        assert all(m.processed_at is not None and m.followup_id for m in stored)
        assert len({m.followup_id for m in stored}) == 3


def test_a_batch_undone_after_its_states_were_written_is_recorded_again_once(
    app, client, admin, dst_plan, mailbox, poll, monkeypatch, flushes
):
    """The batch fails after the messages' states were written (the session did not see
    that change, so its rollback would not take it back): the messages are put back as they
    were, and recorded one by one they are each decided once, not twice."""
    from sqlalchemy import select

    from service.domain.models import InboundMessage
    from service.extensions import db
    from service.intake import pipeline

    real_write, real_flush = pipeline.write_settled, db.session.flush
    written: list[int] = []

    def write_settled(settled):
        written.append(len(settled))
        return real_write(settled)

    def flush(*args, **kwargs):
        if written == [3]:
            written.append(0)  # once: the batch's flush, right after its states
            raise RuntimeError("refused")
        return real_flush(*args, **kwargs)

    monkeypatch.setattr(pipeline, "write_settled", write_settled)
    monkeypatch.setattr(db.session, "flush", flush)
    for period in PERIODS:
        mailbox.append("INBOX", mail(period))
    poll()
    assert written == [3, 0]
    assert flushes == [3, 1, 1, 1]  # together first, then one by one
    messages = ok(client.get("/api/v1/intake/messages", headers=admin))
    assert sorted(m["state"] for m in messages) == ["accepted"] * 3
    assert sorted(len(fs) for fs in followups(client, admin, dst_plan["id"]).values()) == [
        1, 1, 1]
    with app.app_context():
        stored = db.session.scalars(select(InboundMessage)).all()
        assert [m.attempts for m in stored] == [1, 1, 1]
        assert {m.followup_id for m in stored} == {
            m["followup"] for m in messages}

"""The poll as a pipeline: each batch is stored and handed to the parse workers before the
one before it is decided (and the one after it fetched meanwhile), and each batch's receipts
go to a courier that sends them while the poll goes on, over one SMTP session; what the poll
keeps of the next batch is not read again from the database."""

from __future__ import annotations

import sys
from typing import Any

import pytest
from sqlalchemy import event

from tests.intake.pipeline.conftest import json_report, report_mail


@pytest.fixture
def events(app, monkeypatch) -> list[tuple[str, int]]:
    """What the poll does, in order: ("fetch", mails asked), ("parse", mails handed to the
    workers), ("decide", mails), ("receipts", receipts handed to the courier)."""
    from service.intake import batches, imap, pool
    from service.mail import delivery

    seen: list[tuple[str, int]] = []
    real_fetch, real_start = imap.Mailbox.fetch, pool.ParsePool.start
    real_decide, real_put = batches.decide, delivery.Courier.put

    def fetch(self: Any, uids: Any) -> Any:
        seen.append(("fetch", len(uids)))
        return real_fetch(self, uids)

    def start(self: Any, raws: Any, settings: Any) -> Any:
        seen.append(("parse", len(raws)))
        return real_start(self, raws, settings)

    def decide(msgs: Any, *args: Any) -> Any:
        seen.append(("decide", len(msgs)))
        return real_decide(msgs, *args)

    def put(self: Any, due: Any) -> None:
        seen.append(("receipts", len(due)))
        real_put(self, due)

    monkeypatch.setattr(imap.Mailbox, "fetch", fetch)
    monkeypatch.setattr(pool.ParsePool, "start", start)
    monkeypatch.setattr(batches, "decide", decide)
    monkeypatch.setattr(delivery.Courier, "put", put)
    app.config.update(IMAP_BATCH_SIZE=2, INTAKE_WORKERS=2)
    return seen


def mails(mailbox: Any, count: int) -> None:
    for n in range(count):
        mailbox.append("INBOX", report_mail(attachment=json_report(),
                                            message_id=f"<pipe{n}@dst.dk>"))


def test_the_next_batch_is_parsed_while_the_one_before_is_decided(
        dst_plan, mailbox, poll, events, smtp_server):
    mails(mailbox, 5)
    output = poll()
    assert "fetched 5; accepted 5" in output
    # the fetches come from a thread of their own (test_batches: the one after next is
    # fetched while a batch is decided), each before its batch goes to the workers
    assert [e for e in events if e[0] != "fetch"] == [
        ("parse", 2),
        ("parse", 2), ("decide", 2), ("receipts", 2),
        ("parse", 1), ("decide", 2), ("receipts", 2),
        ("decide", 1), ("receipts", 1),
    ]
    fetches = [i for i, e in enumerate(events) if e[0] == "fetch"]
    parses = [i for i, e in enumerate(events) if e[0] == "parse"]
    assert [events[i][1] for i in fetches] == [2, 2, 1]
    assert all(f < p for f, p in zip(fetches, parses, strict=True))
    assert len(smtp_server.messages) == 5
    assert len(set(smtp_server.peers)) == 1  # one SMTP session for the run


def test_receipts_are_recorded_per_batch_and_not_sent_again(
        app, client, admin, dst_plan, mailbox, poll, events, smtp_server):
    from sqlalchemy import select

    from service.domain.models import InboundMessage, OutboundMessage
    from service.extensions import db

    mails(mailbox, 5)
    poll()
    with app.app_context():
        rows = db.session.scalars(select(OutboundMessage)).all()
        assert len(rows) == 5
        assert all(r.sent_at is not None and r.attempts == 1 and r.claimed_at for r in rows)
        states = {m.receipt_state for m in db.session.scalars(select(InboundMessage))}
        assert states == {"sent"}
    assert "nothing new" in poll()
    assert len(smtp_server.messages) == 5
    # each receipt threads under its own mail
    assert sorted(m.message["In-Reply-To"] for m in smtp_server.messages) == sorted(
        f"<pipe{n}@dst.dk>" for n in range(5))


def test_the_messages_of_the_next_batch_are_not_read_again(
        app, dst_plan, mailbox, poll, events, smtp_server):
    """The commit of a batch's outcomes keeps the next batch's messages, stored a moment
    before, as they are: no SELECT of one message after another."""
    from service.extensions import db

    mails(mailbox, 6)
    statements: list[str] = []
    with app.app_context():
        engine = db.engine

    def seen(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        statements.append(" ".join(statement.split()))

    event.listen(engine, "before_cursor_execute", seen)
    try:
        assert "fetched 6; accepted 6" in poll()
    finally:
        event.remove(engine, "before_cursor_execute", seen)
    one_by_one = [s for s in statements if s.startswith("SELECT inbound_message.")
                  and "WHERE inbound_message.id = " in s]
    assert one_by_one == []


def test_the_switch_interval_is_given_back(dst_plan, mailbox, poll, events, smtp_server):
    before = sys.getswitchinterval()
    mails(mailbox, 2)
    poll()
    assert sys.getswitchinterval() == before


def test_a_batch_commit_expires_what_it_loaded_and_keeps_the_next_batch(app, dst_plan):
    """After a batch's commit, what it loaded is read again when next used (another writer
    may have changed the plan meanwhile), while the next batch's messages keep their
    columns without a query."""
    from sqlalchemy import update

    from service.domain.models import InboundMessage, Plan
    from service.extensions import db
    from service.intake.batches import _commit_outcomes

    with app.app_context():
        session = db.session()
        session.expire_on_commit = False
        plan = session.get(Plan, dst_plan["id"])
        assert plan is not None and plan.title != "Ny titel"
        kept = InboundMessage(mailbox="INBOX", uidvalidity=1, uid=7, size=3, raw=b"abc",
                              sender="opfoelgning@dst.dk", subject="Næste")
        session.add(kept)
        session.flush()
        plan_id = plan.id
        _commit_outcomes([kept])
        with db.engine.begin() as other:
            other.execute(update(Plan.__table__).where(Plan.__table__.c.id == plan_id)
                          .values(title="Ny titel"))
        statements: list[str] = []

        def seen(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
            statements.append(statement)

        event.listen(db.engine, "before_cursor_execute", seen)
        try:
            assert (kept.id, kept.subject, kept.uid) == (kept.id, "Næste", 7)
            assert statements == []  # the kept message's columns, without a query
            assert plan.title == "Ny titel"  # expired, so read again
        finally:
            event.remove(db.engine, "before_cursor_execute", seen)
        assert len(statements) == 1 and "FROM plan" in statements[0].replace('"', '')

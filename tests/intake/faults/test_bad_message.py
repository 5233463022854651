"""One bad message never stops the others: not a parser that raises, not bytes the database
refuses (PostgreSQL takes no NUL character in text)."""

from __future__ import annotations

import re

import pytest

from tests.intake.faults.conftest import (
    append_all,
    check_consistency,
    json_mail,
    sha,
)


def states_by_sha() -> dict[str, tuple[str, str | None]]:
    from sqlalchemy import select

    from service.domain.models import InboundMessage
    from service.extensions import db

    db.session.remove()
    found = {m.sha256: (m.state, m.reason) for m in db.session.scalars(select(InboundMessage))}
    db.session.remove()
    return found


def test_a_parser_crash_quarantines_that_mail_alone(dst_plan, mailbox, poll, monkeypatch):
    from service.intake import parse

    real_parse = parse.parse_message

    def parse_message(raw: bytes, **kwargs):
        if b"<fault-3@dst.dk>" in raw:
            raise RuntimeError("the parser met something it did not expect")
        return real_parse(raw, **kwargs)

    monkeypatch.setattr(parse, "parse_message", parse_message)
    raws = [json_mail(n) for n in range(1, 7)]
    append_all(mailbox, raws)
    code, output = poll()
    assert code == 0, output
    snap = check_consistency(mailbox, raws, complete=True)
    states = states_by_sha()
    assert states[sha(raws[2])] == ("quarantined", "internal_error")
    assert [states[sha(r)][0] for i, r in enumerate(raws) if i != 2] == ["accepted"] * 5
    assert snap.followups == 5


@pytest.mark.parametrize("where", ["nul-in-subject", "nul-in-comment", "long-goal-code"])
def test_what_the_database_refuses_stops_nothing(where, dst_plan, mailbox, poll):
    """Text PostgreSQL will not store as it is (a NUL character; a goal code longer than its
    column, named in a finding): the other mails are accepted, this one reaches a final
    state, and the next run has nothing left to do (SQLite takes any of it)."""
    if where == "nul-in-subject":
        bad = re.sub(rb"(?m)^Subject: .*$", b"Subject: =?utf-8?q?DST-2026_2026-H1_=00_1?=\r",
                     json_mail(1), count=1)
        assert b"=00" in bad
    elif where == "nul-in-comment":
        bad = json_mail(1, comment="Følger\x00planen.")
    else:
        bad = json_mail(1, first_goal="M" + "1" * 99)
    raws = [bad, *(json_mail(n) for n in range(2, 6))]
    append_all(mailbox, raws)

    code, output = poll()
    assert code == 0, output
    snap = check_consistency(mailbox, raws, complete=True)
    states = states_by_sha()
    assert [states[sha(r)][0] for r in raws[1:]] == ["accepted"] * 4
    assert states[sha(bad)][0] in {"accepted", "rejected", "quarantined"}
    assert snap.followups == 4 + (states[sha(bad)][0] != "quarantined")
    code, output = poll()
    assert code == 0 and "nothing new" in output, output


def test_a_database_refusal_quarantines_that_mail_alone(dst_plan, mailbox, poll, monkeypatch):
    """Whatever else the database may refuse of one message's data (DataError,
    IntegrityError) is that message's problem, not the mailbox's: it would otherwise stop
    every run at the same message."""
    from sqlalchemy.exc import DataError

    from service.intake import pipeline

    real_record = pipeline.record_followup

    def record_followup(plan, **kwargs):
        if kwargs["rows"][0].value == 35 + 3 % 7:  # json_mail(3)
            raise DataError("INSERT INTO followup_goal ...", {},
                            ValueError("value too long for type character varying(40)"))
        return real_record(plan, **kwargs)

    monkeypatch.setattr(pipeline, "record_followup", record_followup)
    raws = [json_mail(n) for n in range(1, 6)]
    append_all(mailbox, raws)
    code, output = poll()
    assert code == 0, output
    snap = check_consistency(mailbox, raws, complete=True)
    states = states_by_sha()
    assert states[sha(raws[2])] == ("quarantined", "unreadable_report")
    assert snap.followups == 4

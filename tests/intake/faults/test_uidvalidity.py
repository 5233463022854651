"""The intake folder recreated (a new UIDVALIDITY) and the same mails appended again, as
after a restore or a server migration: they are recognised by sha256, moved to their
folder, and give no second follow-up. On pymap and on Dovecot."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select

from tests.intake.faults.conftest import (
    append_all,
    check_consistency,
    expected_mixed,
    final_states,
    sha,
)

INTAKE = "Intake"


@pytest.fixture
def imap_account(imap_any):
    return imap_any


@pytest.fixture
def app_config(app_config: dict[str, Any]) -> dict[str, Any]:
    return {**app_config, "IMAP_FOLDER": INTAKE}


def recreate(mailbox, folder: str) -> None:
    mailbox.select("INBOX")
    name = mailbox.server_name(folder)
    mailbox.client.delete_folder(name)
    mailbox.client.create_folder(name)


def test_new_uidvalidity_gives_no_duplicates(dst_plan, mailbox, mixed, poll, smtp_server):
    from service.domain.models import InboundMessage
    from service.extensions import db

    names = list(mixed)
    first, later = names[: len(names) // 2], names[len(names) // 2:]
    mailbox.ensure_folders([INTAKE])
    append_all(mailbox, (mixed[n] for n in first), INTAKE)
    code, output = poll()
    assert code == 0, output
    before = check_consistency(mailbox, [mixed[n] for n in first], complete=True, intake=INTAKE)
    old_validity = mailbox.select(INTAKE)

    recreate(mailbox, INTAKE)
    new_validity = mailbox.select(INTAKE)
    assert new_validity != old_validity
    append_all(mailbox, mixed.values(), INTAKE)  # the old ones again, and the rest

    code, output = poll()
    assert code == 0, output
    snap = check_consistency(mailbox, mixed.values(), complete=True, copies_allowed=True,
                             intake=INTAKE)
    assert final_states(mixed) == expected_mixed()
    accepted = sum(1 for s in expected_mixed().values() if s == "accepted")
    assert snap.followups == accepted  # the first half's follow-ups were not made again
    assert before.followups == sum(1 for n in first if expected_mixed()[n] == "accepted")
    rows = list(db.session.scalars(select(InboundMessage)))
    assert len(rows) == len(mixed)
    assert {r.uidvalidity for r in rows} == {new_validity}
    db.session.remove()
    # the re-seen mails lie twice in their folder (the first copy was moved before), once
    # per copy; nothing is left in the intake folder
    for name in first:
        assert sum(f.count(sha(mixed[name]))
                   for f in snap.folders.values()) == 2
    for name in later:
        assert sum(f.count(sha(mixed[name])) for f in snap.folders.values()) == 1
    replies = [m.message["In-Reply-To"] for m in smtp_server.messages]
    assert len(replies) == len(set(replies)) == accepted


"""Report mails in the shapes mail programs send them in (``tests/intake/shapes.py``), through
a real IMAP server (pymap, then Dovecot) and one poll: each is accepted, moved to Processed,
and its follow-up stored with the report's goals."""

from __future__ import annotations

import pytest

from tests.intake.pipeline.conftest import folder_counts
from tests.intake.shapes import SHAPES
from tests.support.factories import ok

#: the statuses every format's report gives M1–M3 (see tests/fixtures/mail/README.md)
GOALS = {"M1": "on_track", "M2": "at_risk", "M3": "achieved"}


@pytest.fixture(params=["pymap", pytest.param("dovecot", marks=pytest.mark.dovecot)])
def imap_account(request: pytest.FixtureRequest):
    return request.getfixturevalue("imap_server" if request.param == "pymap"
                                   else "dovecot_server")


def test_every_shape_is_accepted_with_its_follow_up(client, admin, dst_plan, mailbox, poll):
    for raw, _filename, _fmt in SHAPES.values():
        mailbox.append("INBOX", raw)

    output = poll()
    assert f"accepted {len(SHAPES)}" in output, output

    messages = ok(client.get("/api/v1/intake/messages?page_size=100", headers=admin))
    by_id = {m["message_id"]: m for m in messages}
    assert sorted(by_id) == sorted(f"<shape-{name}@dst.dk>" for name in SHAPES)
    states = {name: (by_id[f"<shape-{name}@dst.dk>"]["state"],
                     by_id[f"<shape-{name}@dst.dk>"]["reason"]) for name in SHAPES}
    assert states == dict.fromkeys(SHAPES, ("accepted", None))

    followups = ok(client.get(f"/api/v1/plans/{dst_plan['id']}/followups?page_size=100",
                              headers=admin))
    of_message = {f["inbound_message"]: f for f in followups}
    assert len(of_message) == len(SHAPES)
    for name in SHAPES:
        message = by_id[f"<shape-{name}@dst.dk>"]
        followup = of_message[message["id"]]
        assert message["followup"] == followup["id"], name
        assert followup["period"] == "2026-H1", name
        assert {g["goal"]: g["status"] for g in followup["goals"]} == GOALS, name

    assert folder_counts(mailbox, "INBOX", "Processed", "Quarantine") == {
        "INBOX": 0, "Processed": len(SHAPES), "Quarantine": 0}

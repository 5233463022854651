"""The end-to-end poll against Dovecot (folder delimiter ``.``), so both servers are
exercised: mails of each format, moved to their folders, receipts sent once."""

from __future__ import annotations

import pytest

from tests.intake.faults.conftest import (
    append_all,
    check_consistency,
    corpus,
    final_states,
)

pytestmark = pytest.mark.dovecot

MAILS = {
    "xlsx-template.eml": "accepted",
    "outlook-html.eml": "accepted",
    "csv-latin1.eml": "accepted",
    "csv-reply.eml": "accepted",
    "json-report.eml": "accepted",
    "inline-json.eml": "accepted",
    "winmail.eml": "accepted",
    "auto-reply.eml": "ignored",
    "bounce.eml": "ignored",
    "from-us.eml": "ignored",
    "no-mime.eml": "quarantined",
    "missing-headers.eml": "quarantined",
}


@pytest.fixture
def imap_account(dovecot_server):
    return dovecot_server


def test_end_to_end_on_dovecot(dst_plan, mailbox, poll, smtp_server):
    assert mailbox.delimiter == "."
    raws = {name: corpus(name) for name in MAILS}
    append_all(mailbox, raws.values())

    code, output = poll()
    assert code == 0, output
    assert "accepted 7, ignored 3, quarantined 2" in output
    snap = check_consistency(mailbox, raws.values(), complete=True)
    assert final_states(raws) == MAILS
    assert {f: len(d) for f, d in snap.folders.items()} == {
        "INBOX": 0, "Processed": 7, "Quarantine": 2, "Ignored": 3}
    assert snap.followups == 7
    assert len(smtp_server.messages) == 7

    code, output = poll()
    assert code == 0 and "nothing new" in output, output
    assert len(smtp_server.messages) == 7

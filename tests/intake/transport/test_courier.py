"""The courier: batches of stored replies sent over one SMTP session in a thread of its own
(aiosmtpd), and what that did as the values of each batch's update; once the server cannot
take mail, nothing more is tried and every reply waits."""

from __future__ import annotations

import sys

import pytest

from service.mail.delivery import SWITCH_INTERVAL, Courier, Due
from service.mail.receipts import Reply
from service.mail.smtp import SmtpSettings
from tests.support.mailservers import HOST, free_port


def due(n: int, to: str = "kontor@dst.dk") -> Due:
    reply = Reply(to=to, subject=f"Kvittering {n}", text="Din rapport er modtaget.\n",
                  message_id=f"<svar-{n}@fm.dk>", in_reply_to=f"<rapport-{n}@dst.dk>",
                  references=f"<rapport-{n}@dst.dk>")
    return Due(msg_id=n, attempts=0, sender=to, row_id=100 + n, reply=reply, claimed=True)


def test_batches_go_over_one_session_and_say_what_was_sent(smtp_server) -> None:
    before = sys.getswitchinterval()
    courier = Courier(smtp_server.settings(), "mrp@fm.dk")
    assert sys.getswitchinterval() == pytest.approx(SWITCH_INTERVAL)
    courier.put([due(1), due(2)])
    courier.put([due(3)])
    done = courier.close()
    assert sys.getswitchinterval() == before
    assert [m.message["In-Reply-To"] for m in smtp_server.messages] == [
        "<rapport-1@dst.dk>", "<rapport-2@dst.dk>", "<rapport-3@dst.dk>"]
    assert len(set(smtp_server.peers)) == 1
    assert [d.counts for d in done] == [{"sent": 2, "failed": 0, "waiting": 0},
                                        {"sent": 1, "failed": 0, "waiting": 0}]
    assert [r["id"] for d in done for r in d.replies] == [101, 102, 103]
    assert all(r["sent_at"] and r["attempts"] == 1 for d in done for r in d.replies)
    assert {m["receipt_state"] for d in done for m in d.messages} == {"sent"}


def test_a_refused_reply_fails_alone(smtp_server) -> None:
    smtp_server.refuse_domain = "ukendt.dk"
    courier = Courier(smtp_server.settings(), "mrp@fm.dk")
    courier.put([due(1), due(2, to="a@ukendt.dk"), due(3)])
    [done] = courier.close()
    assert done.counts == {"sent": 2, "failed": 1, "waiting": 0}
    failed = [m for m in done.messages if m["receipt_state"] == "failed"]
    assert [m["id"] for m in failed] == [2] and failed[0]["receipt_attempts"] == 1
    assert len(smtp_server.messages) == 2


def test_a_server_that_cannot_take_mail_is_asked_once(smtp_server) -> None:
    courier = Courier(SmtpSettings(HOST, free_port(), security="none", timeout=2), "mrp@fm.dk")
    courier.put([due(1), due(2)])
    courier.put([due(3)])
    first, second = courier.close()
    assert courier.outage and "cannot connect" in courier.outage
    assert first.counts == {"sent": 0, "failed": 0, "waiting": 2}
    assert second.counts == {"sent": 0, "failed": 0, "waiting": 1}
    # each waits, its claim released, no attempt counted against it
    assert all(r["claimed_at"] is None and "attempts" not in r
               for d in (first, second) for r in d.replies)
    assert all("receipt_attempts" not in m for d in (first, second) for m in d.messages)


def test_a_reply_without_a_usable_address_counts_an_attempt(smtp_server) -> None:
    courier = Courier(smtp_server.settings(), "mrp@fm.dk")
    courier.put([Due(msg_id=9, attempts=2, sender=None, problem="ingen adresse"), due(1)])
    [done] = courier.close()
    assert done.counts == {"sent": 1, "failed": 1, "waiting": 0}
    assert done.messages[0] == {"id": 9, "receipt_state": "failed",
                                "receipt_error": "ingen adresse", "receipt_attempts": 3}

"""Ten reprocessings of one quarantined mail at once: one follow-up, and nine clean 409s."""

from __future__ import annotations

import hashlib
from pathlib import Path

from sqlalchemy import select

from service.domain.models import FollowUp, InboundMessage
from service.extensions import db
from tests.concurrency.conftest import at_once, statuses
from tests.support.factories import build_dst_plan

N = 10
MAIL = Path(__file__).resolve().parents[1] / "fixtures" / "mail" / "json-report.eml"


def quarantined() -> int:
    """DST's report, stored as quarantined (its sender was not registered when it came)."""
    raw = MAIL.read_bytes()
    msg = InboundMessage(mailbox="INBOX", uidvalidity=7, uid=1, raw=raw, size=len(raw),
                         sha256=hashlib.sha256(raw).hexdigest(), state="quarantined",
                         reason="unknown_sender", attempts=1)
    db.session.add(msg)
    db.session.commit()
    return msg.id


def test_one_mail_reprocessed_ten_times_at_once_makes_one_followup(live, client, admin):
    plan = build_dst_plan(client, admin)
    message_id = quarantined()
    answers = at_once(N, lambda _: live.post(
        f"/api/v1/intake/messages/{message_id}/reprocess", admin))
    assert statuses(answers) == [200] + [409] * (N - 1), answers
    [won] = [a.body for a in answers if a.status == 200]
    assert (won["state"], won["plan"]) == ("accepted", "DST-2026")
    assert {a.body["detail"] for a in answers if a.status == 409} == {
        "Beskeden har allerede givet en opfølgning; send rapporten igen i stedet."}
    assert all(a.problem for a in answers if a.status == 409)

    db.session.expire_all()
    [followup] = db.session.scalars(select(FollowUp))
    assert (followup.plan_id, followup.inbound_message_id) == (plan["id"], message_id)
    msg = db.session.get(InboundMessage, message_id)
    assert (msg.state, msg.followup_id, msg.attempts) == ("accepted", followup.id, 2)
    assert won["followup"] == followup.id

"""The page of one inbound message, and the two ways to resolve a quarantined mail that
names one of the department's plans: register its sender and process it again, or discard
it with a reason."""

from __future__ import annotations

import hashlib

import pytest
from sqlalchemy import select

from service.domain.models import AuditEvent, FollowUp, InboundMessage, Plan
from service.extensions import db
from tests.support.intake_messages import mail, report
from tests.web.conftest import csrf_token

NEW = "ny.medarbejder@ufst.dk"


def stored_quarantined(sender: str = NEW, reference: str = "UFST-2026") -> int:
    """A mail for ``reference`` from an address no institution has, quarantined, owned by
    the plan's ministry as the ownership rule for mail naming a plan stores it."""
    raw = mail(sender, f"[{reference}] 2026-H1", report(reference), n=7)
    plan = db.session.scalar(select(Plan).where(Plan.reference == reference))
    msg = InboundMessage(
        mailbox="INBOX", uidvalidity=7, uid=43, sha256=hashlib.sha256(raw).hexdigest(),
        size=len(raw), raw=raw, sender=sender, subject=f"[{reference}] 2026-H1",
        state="quarantined", reason="unknown_sender",
        detail=f"{sender} er ikke registreret som indberetningsadresse.",
        plan_id=plan.id, ministry_id=plan.institution.ministry_id,
    )
    db.session.add(msg)
    db.session.commit()
    return msg.id


def _html(response, status=200):
    assert response.status_code == status, response.get_data(as_text=True)[:3000]
    return response.get_data(as_text=True)


def _post(client, msg, action, **data):
    token = csrf_token(client.get(f"/intake/messages/{msg}").get_data(as_text=True))
    return client.post(f"/intake/messages/{msg}/{action}", data={"csrf_token": token, **data})


def _state(msg):
    db.session.expire_all()
    return db.session.get(InboundMessage, msg)


def test_the_message_page_shows_its_facts_and_the_actions(signed_in, plans):
    msg = stored_quarantined()
    client = signed_in("department", ministry="SKM")
    assert f'href="/intake/messages/{msg}"' in _html(client.get("/intake"))
    html = _html(client.get(f"/intake/messages/{msg}"))
    assert NEW in html and "ikke registreret" in html and "Ukendt afsender" in html
    assert "i karantæne" in html and "UFST-2026" in html
    assert f'href="/intake/messages/{msg}/raw"' in html
    assert f"Registrér {NEW} for UFST og behandl igen" in html
    assert '<label for="reason">Begrundelse</label>' in html


def test_register_and_process_again(signed_in, plans):
    msg = stored_quarantined()
    client = signed_in("department", ministry="SKM")
    response = _post(client, msg, "register")
    assert response.status_code == 303, response.get_data(as_text=True)
    html = _html(client.get(f"/intake/messages/{msg}"))
    assert f"{NEW} er nu indberetningsadresse for UFST" in html
    assert "Mailen er behandlet igen: registreret" in html
    row = _state(msg)
    assert row.state == "accepted" and row.followup_id is not None
    assert db.session.get(FollowUp, row.followup_id).submitted_by == NEW
    assert "Registrér" not in html and "Kassér mailen" not in html
    events = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "address_add"))
    assert [e.after for e in events] == [{"address": NEW}]


def test_register_a_sender_of_another_institution_says_so(signed_in, plans):
    msg = stored_quarantined(sender="opfoelgning@dst.dk")  # DST's, another ministry's
    client = signed_in("department", ministry="SKM")
    html = _html(_post(client, msg, "register"), 422)
    assert '<a href="#register">' in html and "andet ministerområde" in html
    assert 'id="register"' in html and _state(msg).state == "quarantined"


def test_discard_with_a_reason(signed_in, plans):
    msg = stored_quarantined()
    client = signed_in("department", ministry="SKM")
    html = _html(_post(client, msg, "discard", reason=""), 422)
    summary = html[html.index('class="error-summary"'):]
    assert '<a href="#reason">Skriv, hvorfor mailen kasseres.</a>' in summary
    assert 'aria-invalid="true"' in html
    response = _post(client, msg, "discard", reason="Sendt ved en fejl.")
    assert response.status_code == 303
    html = _html(client.get(f"/intake/messages/{msg}"))
    assert "Mailen er kasseret" in html and "»Sendt ved en fejl.«" in html
    assert "kasseret" in html and "Kassér mailen" not in html
    row = _state(msg)
    assert (row.state, row.discard_reason, row.discarded_by) == (
        "discarded", "Sendt ved en fejl.", "test-department")
    listed = _html(client.get("/intake?state=discarded"))
    assert f'id="message-{msg}"' in listed and "Kasseret" in listed


@pytest.mark.parametrize("action", ["register", "discard"])
def test_csrf_is_required(signed_in, plans, action):
    msg = stored_quarantined()
    client = signed_in("department", ministry="SKM")
    response = client.post(f"/intake/messages/{msg}/{action}", data={"reason": "x"})
    assert response.status_code == 400 and _state(msg).state == "quarantined"


def test_another_ministry_and_the_institution_cannot(signed_in, plans, client, token):
    msg = stored_quarantined()
    fm = signed_in("department", ministry="FM")
    _html(fm.get(f"/intake/messages/{msg}"), 404)
    assert _post_anyway(fm, msg, "discard", reason="x").status_code == 404
    assert _state(msg).state == "quarantined"


def _post_anyway(client, msg, action, **data):
    token = csrf_token(client.get("/intake").get_data(as_text=True))
    return client.post(f"/intake/messages/{msg}/{action}", data={"csrf_token": token, **data})


def test_institution_reads_without_actions(signed_in, plans):
    msg = stored_quarantined()
    db.session.get(InboundMessage, msg).institution_id = db.session.get(
        InboundMessage, msg).plan.institution_id
    db.session.commit()
    client = signed_in("institution", institution="UFST")
    html = _html(client.get(f"/intake/messages/{msg}"))
    assert "Registrér" not in html and "Kassér" not in html
    _html(_post_anyway(client, msg, "discard", reason="x"), 403)
    _html(_post_anyway(client, msg, "register"), 403)

"""The intake page: quarantined and rejected mail, the raw .eml, and reprocessing."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
from sqlalchemy import select

from service.domain.models import FollowUp, InboundMessage, Institution
from service.extensions import db
from tests.web.conftest import page_csrf

MAIL = Path(__file__).resolve().parents[1] / "fixtures" / "mail" / "json-report.eml"


@pytest.fixture
def quarantined(plans) -> int:
    """The corpus's JSON report from DST, held back as if it had come before the plan
    existed: quarantined, attributed to DST by its sender."""
    raw = MAIL.read_bytes()
    dst = db.session.scalar(select(Institution).where(Institution.code == "DST"))
    msg = InboundMessage(
        mailbox="INBOX", uidvalidity=7, uid=42, sha256=hashlib.sha256(raw).hexdigest(),
        size=len(raw), raw=raw, message_id="<json-report@dst.dk>",
        sender="opfoelgning@dst.dk", subject="DST-2026 2026-H1 opfoelgning",
        state="quarantined", reason="unknown_plan", detail="Planen DST-2026 findes ikke.",
        institution_id=dst.id, ministry_id=dst.ministry_id,
    )
    db.session.add(msg)
    db.session.commit()
    return msg.id


def _state(message_id: int) -> str:
    db.session.expire_all()
    return db.session.get(InboundMessage, message_id).state


def test_intake_page_lists_quarantined_mail_in_danish(signed_in, quarantined):
    html = signed_in("department", ministry="FM").get("/intake").get_data(as_text=True)
    assert f'id="message-{quarantined}"' in html
    assert "i karantæne" in html and "Planen findes ikke" in html
    assert "opfoelgning@dst.dk" in html and "DST-2026 2026-H1 opfoelgning" in html
    assert f'href="/intake/messages/{quarantined}/raw"' in html
    assert f'action="/intake/messages/{quarantined}/reprocess"' in html


def test_reprocess_button_accepts_the_report(signed_in, quarantined):
    client = signed_in("department", ministry="FM")
    response = client.post(f"/intake/messages/{quarantined}/reprocess",
                           data={"csrf_token": page_csrf(client)})
    assert response.status_code == 303
    assert response.headers["Location"] == "/intake"
    assert _state(quarantined) == "accepted"
    msg = db.session.get(InboundMessage, quarantined)
    followup = db.session.get(FollowUp, msg.followup_id)
    assert followup.period == "2026-H1" and followup.channel == "email"
    html = client.get("/intake").get_data(as_text=True)
    assert f"Besked {quarantined} er genbehandlet: registreret." in html
    assert f'id="message-{quarantined}"' not in html  # no longer needs anyone
    html = client.get("/intake?state=accepted").get_data(as_text=True)
    assert f'id="message-{quarantined}"' in html
    # a second press is refused politely: the mail already gave a follow-up
    client.post(f"/intake/messages/{quarantined}/reprocess",
                data={"csrf_token": page_csrf(client), "state": "accepted"})
    html = client.get("/intake?state=accepted").get_data(as_text=True)
    assert "blev ikke genbehandlet" in html


def test_reprocess_needs_a_csrf_token(signed_in, quarantined):
    client = signed_in("admin")
    response = client.post(f"/intake/messages/{quarantined}/reprocess")
    assert response.status_code == 400
    assert _state(quarantined) == "quarantined"


def test_institution_sees_its_mail_but_cannot_reprocess(signed_in, quarantined):
    client = signed_in("institution", institution="DST")
    html = client.get("/intake").get_data(as_text=True)
    assert f'id="message-{quarantined}"' in html
    assert "/reprocess" not in html
    response = client.post(f"/intake/messages/{quarantined}/reprocess",
                           data={"csrf_token": page_csrf(client)})
    assert response.status_code == 403
    assert "Adgang nægtet" in response.get_data(as_text=True)
    assert _state(quarantined) == "quarantined"


def test_another_ministry_sees_nothing(signed_in, quarantined):
    client = signed_in("department", ministry="SKM")
    html = client.get("/intake").get_data(as_text=True)
    assert f'id="message-{quarantined}"' not in html and "Ingen mails her" in html
    assert client.get(f"/intake/messages/{quarantined}/raw").status_code == 404
    response = client.post(f"/intake/messages/{quarantined}/reprocess",
                           data={"csrf_token": page_csrf(client)})
    assert response.status_code == 404
    assert _state(quarantined) == "quarantined"


def test_raw_mail_download(signed_in, quarantined):
    response = signed_in("department", ministry="FM").get(
        f"/intake/messages/{quarantined}/raw")
    assert response.status_code == 200
    assert response.mimetype == "message/rfc822"
    assert response.data == MAIL.read_bytes()
    assert f'filename="message-{quarantined}.eml"' in response.headers["Content-Disposition"]


def test_rejected_mail_is_listed_with_a_link_to_its_report(signed_in, quarantined, plans):
    msg = db.session.get(InboundMessage, quarantined)
    msg.state, msg.reason, msg.detail = "rejected", None, None
    msg.plan_id = plans["DST"]["id"]
    db.session.commit()
    html = signed_in("admin").get("/intake").get_data(as_text=True)
    assert "afvist" in html and "Rapporten har fejl" in html
    assert f'href="/plans/{plans["DST"]["id"]}"' in html

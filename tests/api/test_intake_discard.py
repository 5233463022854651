"""POST /api/v1/intake/messages/{id}/discard: a quarantined mail set aside for good, with a
reason, scoped like the message itself and never decided again."""

from __future__ import annotations

from tests.api.conftest import problem_of
from tests.support.factories import ok
from tests.support.intake_messages import ADDRESS, decided, mail


def _quarantined(n: int = 1) -> int:
    """A mail from UFST's address with no report: quarantined, UFST's and the
    Skatteministeriet department's to see."""
    return decided(mail(ADDRESS["UFST"], "Opfølgning", None, n=n))


def _discard(client, headers, msg, reason="Spam; ikke en rapport."):
    return client.post(f"/api/v1/intake/messages/{msg}/discard", headers=headers,
                       json={"reason": reason})


def test_department_discards_a_quarantined_mail(client, department, world):
    msg = _quarantined()
    shown = ok(client.get(f"/api/v1/intake/messages/{msg}", headers=department))
    assert (shown["state"], shown["reason"]) == ("quarantined", "no_report")
    done = ok(_discard(client, department, msg))
    assert done["state"] == "discarded" and done["discard_reason"] == "Spam; ikke en rapport."
    assert done["discarded_by"] == "test-department" and done["discarded_at"]
    listed = ok(client.get("/api/v1/intake/messages?state=discarded", headers=department))
    assert [m["id"] for m in listed] == [msg]

    from sqlalchemy import select

    from service.domain.models import AuditEvent
    from service.extensions import db

    [event] = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "discard"))
    assert (event.entity, event.entity_id, event.reason) == (
        "inbound_message", msg, "Spam; ikke en rapport.")


def test_a_discarded_mail_is_final(client, department, world):
    msg = _quarantined()
    ok(_discard(client, department, msg))
    body = problem_of(_discard(client, department, msg), 409)
    assert "karantæne" in body["detail"]
    body = problem_of(client.post(f"/api/v1/intake/messages/{msg}/reprocess",
                                  headers=department), 409)
    assert "kasseret" in body["detail"]
    from service.intake.pipeline import FINAL_STATES, FOLDER_OF_STATE

    assert "discarded" in FINAL_STATES and FOLDER_OF_STATE["discarded"] == "quarantine"


def test_reason_is_required(client, department, world):
    msg = _quarantined()
    body = problem_of(_discard(client, department, msg, reason="   "), 422)
    assert list(body["errors"]) == ["reason"]
    problem_of(client.post(f"/api/v1/intake/messages/{msg}/discard", headers=department,
                           json={}), 422)


def test_tenancy(client, department, institution, token, world):
    msg = _quarantined()
    problem_of(_discard(client, token("department", ministry="FM"), msg), 404)
    problem_of(_discard(client, token("institution", institution="MST"), msg), 404)
    problem_of(_discard(client, institution, msg), 403)  # UFST sees it, may not discard it
    unattributed = decided(mail("ukendt@firma.dk", "Hej", None, n=2), reason="unknown_sender")
    problem_of(_discard(client, department, unattributed), 404)  # administrators' only
    assert ok(client.get(f"/api/v1/intake/messages/{msg}", headers=department))[
        "state"] == "quarantined"

"""A ministry's attainment settings set by many requests at once, against a real server:
one settings row, one audit event per change that answered 200, never a server error."""

from __future__ import annotations

from sqlalchemy import func, select

from service.domain.models import AttainmentSettings, AuditEvent
from service.extensions import db
from tests.concurrency.conftest import at_once, statuses

N = 10


def test_settings_set_at_once_make_one_row(live, admin, world):
    shares = [round(0.05 * (i + 1), 2) for i in range(N)]
    answers = at_once(N, lambda i: live.request(
        "PUT", "/api/v1/ministries/SKM/attainment", admin,
        {"weights_enabled": True, "partial_share": shares[i]}))
    assert set(statuses(answers)) <= {200, 409} and 200 in statuses(answers), answers
    assert all(a.problem for a in answers if a.status != 200)
    db.session.expire_all()
    [row] = db.session.scalars(select(AttainmentSettings))
    assert row.weights_enabled and row.partial_share in shares
    assert db.session.scalar(select(func.count()).select_from(AuditEvent).where(
        AuditEvent.action == "attainment-settings")) == statuses(answers).count(200)

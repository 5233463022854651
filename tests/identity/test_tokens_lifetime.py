"""API tokens: an optional expiry, when each was last used, and personal tokens that end
with their person."""

from __future__ import annotations

import re
from datetime import timedelta

from sqlalchemy import update

from service.clock import utcnow
from service.domain.actors import SYSTEM
from service.domain.models import ApiToken, AuditEvent
from service.domain.tokens import create_token
from service.domain.users import create_user, deactivate_user
from service.extensions import db
from tests.api.conftest import problem_of
from tests.support.factories import ok

TOKEN_LINE = re.compile(r"^mrp_[A-Za-z0-9_-]{40,}$")


def bearer(secret: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {secret}"}


def test_an_expired_token_is_a_401_like_a_revoked_one(client, world):
    row, secret = create_token(role="admin", name="short", expires_days=1)
    assert row.expires_at - utcnow() > timedelta(hours=23)
    ok(client.get("/api/v1/plans", headers=bearer(secret)))
    db.session.execute(update(ApiToken).where(ApiToken.id == row.id)
                       .values(expires_at=utcnow() - timedelta(seconds=1)))
    db.session.commit()
    problem_of(client.get("/api/v1/plans", headers=bearer(secret)), 401)


def test_last_use_is_recorded_after_the_answer(client, world):
    row, secret = create_token(role="admin", name="program")
    assert row.last_used_at is None
    response = client.get("/api/v1/plans", headers=bearer(secret))
    response.close()  # a server closes the answer once it is sent
    db.session.expire_all()
    used = db.session.get(ApiToken, row.id).last_used_at
    assert used is not None and utcnow() - used < timedelta(minutes=1)


def test_a_personal_token_acts_as_its_person_and_ends_with_them(client, world):
    create_user(SYSTEM, email="anne@skm.dk", name="Anne Jensen", role="admin")
    row, secret = create_token(role="admin", name="annes script", user="ANNE@skm.dk")
    assert row.user.email == "anne@skm.dk"
    plan = world["plans"]["UFST"]
    ok(client.patch(f"/api/v1/plans/{plan['id']}", headers=bearer(secret),
                    json={"title": "Ny titel"}))
    ok(client.post(f"/api/v1/plans/{plan['id']}/approve", headers=bearer(secret)))
    event = db.session.query(AuditEvent).filter_by(action="approve").one()
    assert (event.actor, event.actor_email) == ("Anne Jensen", "anne@skm.dk")
    logged = ok(client.get(f"/api/v1/plans/{plan['id']}/audit", headers=bearer(secret)))
    approve = next(e for e in logged if e["action"] == "approve")
    assert (approve["actor"], approve["actor_email"]) == ("Anne Jensen", "anne@skm.dk")
    deactivate_user(SYSTEM, "anne@skm.dk")
    problem_of(client.get("/api/v1/plans", headers=bearer(secret)), 401)
    assert db.session.get(ApiToken, row.id).revoked


def test_a_personal_token_cannot_reach_further_than_its_person(runner, world):
    runner.invoke(args=["users", "create", "--email", "ole@ufst.dk", "--name", "Ole",
                        "--role", "institution", "--institution", "UFST"])
    wider = runner.invoke(args=["tokens", "create", "--role", "admin", "--name", "x",
                                "--user", "ole@ufst.dk"])
    assert wider.exit_code != 0 and "brugerens rolle" in wider.output
    made = runner.invoke(args=["tokens", "create", "--role", "institution", "--institution",
                               "UFST", "--name", "oles", "--user", "ole@ufst.dk",
                               "--expires-days", "30"])
    assert made.exit_code == 0, made.output
    assert TOKEN_LINE.match(made.output.splitlines()[-1])
    listed = runner.invoke(args=["tokens", "list", "--long"]).output
    line = next(li for li in listed.splitlines() if "\toles\t" in li)
    fields = line.split("\t")
    assert fields[4] == "active" and fields[-1] == "ole@ufst.dk" and fields[-2] == "-"
    assert fields[-3][:4].isdigit()  # the expiry, as a date
    bad = runner.invoke(args=["tokens", "create", "--role", "admin", "--name", "y",
                              "--expires-days", "0"])
    assert bad.exit_code != 0 and "udløbe" in bad.output

"""Issuing and checking tokens: only a hash of the secret is stored."""

from __future__ import annotations

import hashlib

import pytest
from sqlalchemy import text

from service.domain.errors import Invalid, NotFound
from service.domain.models import ApiToken, Institution, Ministry
from service.domain.tokens import authenticate, create_token, revoke_token
from service.extensions import db
from service.vocabulary import Role


@pytest.fixture
def tenants(app):
    ministry = Ministry(code="SKM", name="Skatteministeriet")
    db.session.add_all([ministry, Institution(code="UFST", name="UFST", ministry=ministry)])
    db.session.commit()


def _every_value_in_the_database() -> str:
    values = []
    with db.engine.connect() as conn:
        for table in db.metadata.sorted_tables:
            for row in conn.execute(table.select()):
                values.extend(str(v) for v in row)
    return "\n".join(values)


def test_only_the_hash_is_stored(app, tenants):
    row, secret = create_token(role="institution", institution="ufst", name="indberetning")
    assert secret.startswith("mrp_") and len(secret) > 40
    assert row.secret_hash == hashlib.sha256(secret.encode()).hexdigest()
    dump = _every_value_in_the_database()
    assert secret not in dump
    assert secret[4:] not in dump
    assert row.secret_hash in dump


def test_secrets_are_unique(app):
    secrets = {create_token(role="admin", name=f"t{i}")[1] for i in range(20)}
    assert len(secrets) == 20


def test_authenticate_scopes_the_actor(app, tenants):
    _row, secret = create_token(role="institution", institution="UFST", name="ufst")
    actor = authenticate(secret)
    institution = db.session.scalar(db.select(Institution))
    assert actor.role == Role.INSTITUTION
    assert actor.institution_id == institution.id
    assert actor.ministry_id == institution.ministry_id
    _row, secret = create_token(role="department", ministry="skm", name="skm")
    department = authenticate(secret)
    assert department.is_department and department.institution_id is None
    assert department.ministry_id == institution.ministry_id


def test_unknown_tampered_and_revoked_secrets(app):
    row, secret = create_token(role="admin", name="admin")
    assert authenticate(secret) is not None
    assert authenticate(secret + "x") is None
    assert authenticate(secret[:-1]) is None
    assert authenticate("mrp_" + "a" * 500) is None
    revoke_token(row.id)
    assert authenticate(secret) is None
    assert db.session.get(ApiToken, row.id).revoked
    with pytest.raises(NotFound):
        revoke_token(row.id)


def test_revoke_by_name(app):
    _row, secret = create_token(role="admin", name="ci")
    revoke_token("ci")
    assert authenticate(secret) is None


@pytest.mark.parametrize(("kwargs", "field"), [
    ({"role": "root", "name": "x"}, "role"),
    ({"role": "admin", "name": "  "}, "name"),
    ({"role": "admin", "name": "x", "ministry": "SKM"}, "role"),
    ({"role": "department", "name": "x"}, "ministry"),
    ({"role": "department", "name": "x", "ministry": "XX"}, "ministry"),
    ({"role": "department", "name": "x", "ministry": "SKM", "institution": "UFST"},
     "ministry"),
    ({"role": "institution", "name": "x"}, "institution"),
    ({"role": "institution", "name": "x", "institution": "NOPE"}, "institution"),
])
def test_bad_token_requests(app, tenants, kwargs, field):
    with pytest.raises(Invalid) as raised:
        create_token(**kwargs)
    assert field in raised.value.errors
    with db.engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM api_token")).scalar() == 0

"""Property-based tests of every operation from the OpenAPI document (schemathesis): as the
admin and as a department, with data in place (ministries, institutions, plans with goals,
follow-ups, intake messages), every answer is no server error, has a documented status and
media type, and matches the documented schema."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from flask import Flask
from flask.testing import FlaskClient
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)
from sqlalchemy import select

from service import create_app
from service.domain.models import FollowUp, InboundMessage, Institution
from service.extensions import db
from tests.conftest import BASE_CONFIG, POSTGRES_URL
from tests.support.factories import ok

MAIL = Path(__file__).resolve().parents[1] / "fixtures" / "mail" / "json-report.eml"
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance,
          response_schema_conformance]


@pytest.fixture
def database_url(request: pytest.FixtureRequest) -> str:
    """One backend, not each: PostgreSQL where the tests have it (it refuses more than
    SQLite does), else SQLite. The generated cases cost minutes per backend."""
    if POSTGRES_URL:
        return str(request.getfixturevalue("postgres_migrated"))
    return f"sqlite:///{request.getfixturevalue('sqlite_template')}"


@pytest.fixture
def data(client: FlaskClient, admin: dict[str, str], world: dict[str, Any]) -> dict[str, Any]:
    """The world, its UFST plan approved with a follow-up, and a quarantined mail per
    institution."""
    ufst = world["plans"]["UFST"]
    ok(client.post(f"/api/v1/plans/{ufst['id']}/approve", headers=admin))
    ok(client.post(f"/api/v1/plans/{ufst['id']}/followups", headers=admin, json={
        "period": "2026-H1", "goals": [{"goal": "M1", "status": "on_track", "value": 35,
                                         "progress": 50, "comment": "Som planlagt."}]}), 201)
    raw = MAIL.read_bytes()
    for uid, code in enumerate(("UFST", "DST"), start=1):
        institution = db.session.scalar(select(Institution).where(Institution.code == code))
        db.session.add(InboundMessage(
            mailbox="INBOX", uidvalidity=1, uid=uid, sha256=hashlib.sha256(raw).hexdigest(),
            size=len(raw), raw=raw, message_id=f"<report-{uid}@example.dk>",
            sender="opfoelgning@dst.dk", subject="DST-2026 2026-H1 opfoelgning",
            state="quarantined", reason="unknown_plan", institution_id=institution.id,
        ))
    db.session.commit()
    KNOWN.clear()
    KNOWN.update({
        "plan_id": [p["id"] for p in world["plans"].values()],
        "goal_id": [g["id"] for g in world["goals"].values()],
        "followup_id": list(db.session.scalars(select(FollowUp.id))),
        "message_id": list(db.session.scalars(select(InboundMessage.id))),
        "ident": ["SKM", "FM", "UFST", "DST"], "code": ["SKM", "FM", "UFST", "DST"],
        "name": ["mrp-plugin-example", "builtin"], "rule": ["plan.top-manager", "smart.specific"],
    })
    return world


@pytest.fixture
def callers(token: Any, data: dict[str, Any]) -> dict[str, dict[str, str]]:
    return {"admin": token("admin"), "department": token("department", ministry="SKM")}


def _document() -> dict[str, Any]:
    """The OpenAPI document, from an app built for it alone (the tests' apps serve the same)."""
    app = create_app({**BASE_CONFIG, "DATABASE_URL": "sqlite://"})
    try:
        return app.test_client().get("/api/openapi.json").get_json()
    finally:
        app.extensions["mrp.plugins"].close()


schema = schemathesis.openapi.from_dict(_document())

#: path parameters that name objects of the ``data`` fixture, by name
KNOWN: dict[str, list[Any]] = {}


@schema.hook
def flatmap_path_parameters(context: Any, path_parameters: dict[str, Any]
                            ) -> st.SearchStrategy:
    """As generated, or naming objects that exist (drawn from ``KNOWN``)."""
    existing = {name: st.sampled_from(KNOWN[name]) if KNOWN.get(name) else st.just(value)
                for name, value in (path_parameters or {}).items()}
    return st.one_of(st.just(path_parameters), st.fixed_dictionaries(existing))


@pytest.mark.parametrize("role", ["admin", "department"])
@schema.parametrize()
@settings(max_examples=20, deadline=None, suppress_health_check=list(HealthCheck))
def test_every_operation_keeps_to_its_document(
    case: Any, role: str, app: Flask, callers: dict[str, dict[str, str]]
) -> None:
    case.call_and_validate(app=app, headers=callers[role], checks=CHECKS)

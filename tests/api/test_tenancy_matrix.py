"""Every route × every role × an object of one's own, of a sibling institution in the same
ministry, and of another ministry: the exact status each gets.

Roles: admin; the department of SKM (UFST and MST); the institution UFST. Objects: UFST's
(own), MST's (sibling: the department's own, foreign to UFST), DST's (foreign: ministry FM).
Another tenant's object is always 404, never its data.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pytest
from sqlalchemy import select

from service.domain.models import InboundMessage, Institution
from service.extensions import db
from tests.support.factories import goal_body, ok, plan_body

TARGETS = ("own", "sibling", "foreign")
INSTITUTION = {"own": "UFST", "sibling": "MST", "foreign": "DST"}
MINISTRY = {"own": "SKM", "sibling": "SKM", "foreign": "FM"}
FOLLOWUP = {"period": "2026-H1", "goals": [
    {"goal": "M1", "status": "on_track", "value": 35, "progress": 50, "comment": "Fint"}]}

RAW_MAIL = (b"From: mrp@ufst.dk\r\nTo: mrp@localhost\r\nSubject: Hej\r\n"
            b"Message-ID: <1@ufst.dk>\r\n\r\nIngen rapport.\r\n")

Expect = dict[str, tuple[int, int, int]]


def everyone(status: int) -> Expect:
    return {role: (status,) * 3 for role in ("admin", "department", "institution")}


def scoped(status: int, institution_own: int | None = None) -> Expect:
    """What reading or changing one plan (or what hangs off it) gives."""
    return {
        "admin": (status,) * 3,
        "department": (status, status, 404),
        "institution": (institution_own or status, 404, 404),
    }


ADMIN_ONLY = {"admin": (200,) * 3, "department": (403,) * 3, "institution": (403,) * 3}


@dataclass(frozen=True)
class Case:
    method: str
    rule: str
    path: Callable[[dict[str, Any], str], str]
    expect: Expect
    body: Callable[[str], Any] = field(default=lambda target: None)


def _plan(objects: dict[str, Any], target: str) -> int:
    return objects["plans"][INSTITUTION[target]]["id"]


def _goal(objects: dict[str, Any], target: str) -> int:
    return objects["goals"][INSTITUTION[target]]["id"]


CASES: list[Case] = [
    Case("GET", "/api/v1/health", lambda o, t: "/api/v1/health", everyone(200)),
    Case("GET", "/api/v1/ministries", lambda o, t: "/api/v1/ministries", everyone(200)),
    Case("POST", "/api/v1/ministries", lambda o, t: "/api/v1/ministries",
         {"admin": (201,) * 3, "department": (403,) * 3, "institution": (403,) * 3},
         lambda t: {"code": f"N{t[:3].upper()}", "name": "Nyt ministerområde"}),
    Case("GET", "/api/v1/ministries/<ident>",
         lambda o, t: f"/api/v1/ministries/{MINISTRY[t]}",
         {"admin": (200,) * 3, "department": (200, 200, 404),
          "institution": (200, 200, 404)}),
    Case("PATCH", "/api/v1/ministries/<ident>",
         lambda o, t: f"/api/v1/ministries/{MINISTRY[t]}",
         {"admin": (200,) * 3, "department": (403, 403, 404),
          "institution": (403, 403, 404)},
         lambda t: {"name": "Omdøbt"}),
    Case("DELETE", "/api/v1/ministries/<ident>",
         lambda o, t: f"/api/v1/ministries/{MINISTRY[t]}",
         {"admin": (409,) * 3, "department": (403, 403, 404),
          "institution": (403, 403, 404)}),
    Case("GET", "/api/v1/institutions", lambda o, t: "/api/v1/institutions", everyone(200)),
    Case("POST", "/api/v1/institutions", lambda o, t: "/api/v1/institutions",
         {"admin": (201,) * 3, "department": (201, 201, 422), "institution": (403,) * 3},
         lambda t: {"code": f"NY{t[:3].upper()}", "name": "Ny styrelse",
                    "ministry": MINISTRY[t], "reporting_addresses": ["ny@styrelse.dk"]}),
    Case("GET", "/api/v1/institutions/<ident>",
         lambda o, t: f"/api/v1/institutions/{INSTITUTION[t]}", scoped(200)),
    Case("PATCH", "/api/v1/institutions/<ident>",
         lambda o, t: f"/api/v1/institutions/{INSTITUTION[t]}", scoped(200, 403),
         lambda t: {"name": "Nyt navn"}),
    Case("DELETE", "/api/v1/institutions/<ident>",
         lambda o, t: f"/api/v1/institutions/{INSTITUTION[t]}", scoped(409, 403)),
    Case("GET", "/api/v1/plans", lambda o, t: "/api/v1/plans", everyone(200)),
    Case("POST", "/api/v1/plans", lambda o, t: "/api/v1/plans",
         {"admin": (201,) * 3, "department": (201, 201, 422),
          "institution": (201, 422, 422)},
         lambda t: plan_body(INSTITUTION[t])),
    Case("GET", "/api/v1/plans/<int:plan_id>",
         lambda o, t: f"/api/v1/plans/{_plan(o, t)}", scoped(200)),
    Case("PATCH", "/api/v1/plans/<int:plan_id>",
         lambda o, t: f"/api/v1/plans/{_plan(o, t)}", scoped(200),
         lambda t: {"title": "Ny titel"}),
    Case("DELETE", "/api/v1/plans/<int:plan_id>",
         lambda o, t: f"/api/v1/plans/{_plan(o, t)}", scoped(204)),
    Case("POST", "/api/v1/plans/<int:plan_id>/approve",
         lambda o, t: f"/api/v1/plans/{_plan(o, t)}/approve", scoped(200, 403)),
    Case("POST", "/api/v1/plans/<int:plan_id>/close",
         lambda o, t: f"/api/v1/plans/{_plan(o, t)}/close", scoped(409, 403),
         lambda t: {"reason": "Slut"}),
    Case("POST", "/api/v1/plans/<int:plan_id>/reopen",
         lambda o, t: f"/api/v1/plans/{_plan(o, t)}/reopen",
         {"admin": (409,) * 3, "department": (403, 403, 404),
          "institution": (403, 404, 404)},
         lambda t: {"reason": "Lukket ved en fejl"}),
    Case("GET", "/api/v1/plans/<int:plan_id>/audit",
         lambda o, t: f"/api/v1/plans/{_plan(o, t)}/audit", scoped(200)),
    Case("GET", "/api/v1/plans/<int:plan_id>/validation",
         lambda o, t: f"/api/v1/plans/{_plan(o, t)}/validation", scoped(200)),
    Case("GET", "/api/v1/plans/<int:plan_id>/goals",
         lambda o, t: f"/api/v1/plans/{_plan(o, t)}/goals", scoped(200)),
    Case("POST", "/api/v1/plans/<int:plan_id>/goals",
         lambda o, t: f"/api/v1/plans/{_plan(o, t)}/goals", scoped(201),
         lambda t: goal_body("M9")),
    Case("GET", "/api/v1/goals", lambda o, t: "/api/v1/goals", everyone(200)),
    Case("GET", "/api/v1/goals/<int:goal_id>",
         lambda o, t: f"/api/v1/goals/{_goal(o, t)}", scoped(200)),
    Case("PATCH", "/api/v1/goals/<int:goal_id>",
         lambda o, t: f"/api/v1/goals/{_goal(o, t)}", scoped(200),
         lambda t: {"owner": "Ny ejer"}),
    Case("DELETE", "/api/v1/goals/<int:goal_id>",
         lambda o, t: f"/api/v1/goals/{_goal(o, t)}", scoped(204)),
    Case("POST", "/api/v1/goals/<int:goal_id>/withdraw",
         lambda o, t: f"/api/v1/goals/{_goal(o, t)}/withdraw", scoped(200),
         lambda t: {"reason": "Udgår"}),
    Case("GET", "/api/v1/plans/<int:plan_id>/followups",
         lambda o, t: f"/api/v1/plans/{_plan(o, t)}/followups", scoped(200)),
    Case("POST", "/api/v1/plans/<int:plan_id>/followups",
         lambda o, t: f"/api/v1/plans/{_plan(o, t)}/followups", scoped(201),
         lambda t: FOLLOWUP),
    Case("GET", "/api/v1/followups/<int:followup_id>",
         lambda o, t: f"/api/v1/followups/{o['followups'][INSTITUTION[t]]}", scoped(200)),
    Case("GET", "/api/v1/plans/<int:plan_id>/followup-template.xlsx",
         lambda o, t: f"/api/v1/plans/{_plan(o, t)}/followup-template.xlsx?period=2026-H1",
         scoped(200)),
    Case("GET", "/api/v1/goals/<int:goal_id>/history",
         lambda o, t: f"/api/v1/goals/{_goal(o, t)}/history", scoped(200)),
    Case("GET", "/api/v1/overview", lambda o, t: "/api/v1/overview?period=2026-H1",
         everyone(200)),
    Case("GET", "/api/v1/exports/plans", lambda o, t: "/api/v1/exports/plans?format=csv",
         everyone(200)),
    Case("GET", "/api/v1/exports/overview",
         lambda o, t: "/api/v1/exports/overview?period=2026-H1&format=csv", everyone(200)),
    Case("GET", "/api/v1/institutions/<code>/annual-report",
         lambda o, t: f"/api/v1/institutions/{INSTITUTION[t]}/annual-report?year=2026",
         scoped(200)),
    Case("GET", "/api/v1/intake/messages", lambda o, t: "/api/v1/intake/messages",
         everyone(200)),
    Case("GET", "/api/v1/intake/messages/<int:message_id>",
         lambda o, t: f"/api/v1/intake/messages/{o['messages'][INSTITUTION[t]]}", scoped(200)),
    Case("GET", "/api/v1/intake/messages/<int:message_id>/raw",
         lambda o, t: f"/api/v1/intake/messages/{o['messages'][INSTITUTION[t]]}/raw",
         scoped(200)),
    Case("POST", "/api/v1/intake/messages/<int:message_id>/reprocess",
         lambda o, t: f"/api/v1/intake/messages/{o['messages'][INSTITUTION[t]]}/reprocess",
         scoped(200, 403)),
    Case("GET", "/api/v1/intake/status", lambda o, t: "/api/v1/intake/status", ADMIN_ONLY),
    Case("GET", "/api/v1/plugins", lambda o, t: "/api/v1/plugins", everyone(200)),
    Case("PUT", "/api/v1/plugins/<name>/ministries/<code>",
         lambda o, t: f"/api/v1/plugins/not-installed/ministries/{MINISTRY[t]}",
         {**ADMIN_ONLY, "admin": (404,) * 3}, lambda t: {}),
    Case("DELETE", "/api/v1/plugins/<name>/ministries/<code>",
         lambda o, t: f"/api/v1/plugins/not-installed/ministries/{MINISTRY[t]}",
         {**ADMIN_ONLY, "admin": (404,) * 3}),
    Case("PUT", "/api/v1/ministries/<code>/rules/<rule>",
         lambda o, t: f"/api/v1/ministries/{MINISTRY[t]}/rules/plan.top-manager", ADMIN_ONLY,
         lambda t: {"severity": "info"}),
    Case("DELETE", "/api/v1/ministries/<code>/rules/<rule>",
         lambda o, t: f"/api/v1/ministries/{MINISTRY[t]}/rules/plan.top-manager", ADMIN_ONLY),
]


def test_the_matrix_covers_every_route(app):
    routes = {
        (method, rule.rule)
        for rule in app.url_map.iter_rules() if rule.rule.startswith("/api/v1")
        for method in rule.methods - {"HEAD", "OPTIONS"}
    }
    assert routes - {(c.method, c.rule) for c in CASES} == set()


@pytest.fixture
def objects(client, admin, world):
    followups = {}
    for code, plan in world["plans"].items():
        followups[code] = ok(client.post(f"/api/v1/plans/{plan['id']}/followups",
                                         json=FOLLOWUP, headers=admin), 201)["id"]
    messages = {}
    for code, plan in world["plans"].items():
        institution = db.session.scalar(select(Institution).where(Institution.code == code))
        message = InboundMessage(
            mailbox="INBOX", uidvalidity=1, uid=len(messages) + 1, sender=f"mrp@{code}.dk",
            subject=f"Opfølgning {plan['reference']}", raw=RAW_MAIL, size=len(RAW_MAIL),
            state="quarantined", reason="no_report", institution_id=institution.id,
            plan_id=plan["id"],
        )
        db.session.add(message)
        db.session.commit()
        messages[code] = message.id
    return {**world, "followups": followups, "messages": messages}


@pytest.mark.parametrize("role", ["admin", "department", "institution"])
@pytest.mark.parametrize("case", CASES, ids=lambda c: f"{c.method} {c.rule}")
def test_status_by_role_and_owner(client, token, objects, case, role):
    headers = {
        "admin": lambda: token("admin"),
        "department": lambda: token("department", ministry="SKM"),
        "institution": lambda: token("institution", institution="UFST"),
    }[role]()
    for target, expected in zip(TARGETS, case.expect[role], strict=True):
        path = case.path(objects, target)
        body = case.body(target)
        response = client.open(path, method=case.method, json=body, headers=headers)
        assert response.status_code == expected, (
            f"{role} {case.method} {path} ({target}): {response.get_data(as_text=True)}"
        )
        if expected >= 400:
            assert response.mimetype == "application/problem+json"
        if expected == 404 and target != "own":
            text = response.get_data(as_text=True)
            foreign = objects["plans"][INSTITUTION[target]]
            assert foreign["reference"] not in text
            assert foreign["title"] not in text
            assert f"{INSTITUTION[target]} styrelse" not in text

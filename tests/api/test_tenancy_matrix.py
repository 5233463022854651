"""Every route × every role × an object of one's own, of a sibling institution in the same
ministry, and of another ministry: the exact status each gets.

Roles: admin; the department of SKM (UFST and MST); the institution UFST. Objects: UFST's
(own), MST's (sibling: the department's own, foreign to UFST), DST's (foreign: ministry FM).
Another tenant's object is always 404, never its data.

The intake's routes besides, for a message of every state and reason, decided by the
pipeline (``tests.support.intake_messages``), and everyone: admin, each ministry's
department, each institution.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pytest

from tests.support.factories import goal_body, ok, plan_body
from tests.support.intake_messages import (
    ADDRESS,
    KINDS,
    NEVER_SEES,
    REASONS,
    VIEWERS,
    build_messages,
    mail,
    token_scope,
    viewer,
)

TARGETS = ("own", "sibling", "foreign")
INSTITUTION = {"own": "UFST", "sibling": "MST", "foreign": "DST"}
MINISTRY = {"own": "SKM", "sibling": "SKM", "foreign": "FM"}
FOLLOWUP = {"period": "2026-H1", "goals": [
    {"goal": "M1", "status": "on_track", "value": 35, "progress": 50, "comment": "Fint"}]}

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
    Case("GET", "/api/v1/ministries/<ident>/status-thresholds",
         lambda o, t: f"/api/v1/ministries/{MINISTRY[t]}/status-thresholds",
         {"admin": (200,) * 3, "department": (200, 200, 404),
          "institution": (200, 200, 404)}),
    Case("PUT", "/api/v1/ministries/<ident>/status-thresholds",
         lambda o, t: f"/api/v1/ministries/{MINISTRY[t]}/status-thresholds",
         {"admin": (200,) * 3, "department": (200, 200, 404),
          "institution": (403, 403, 404)},
         lambda t: {"on_track": 0.9}),
    Case("GET", "/api/v1/ministries/<ident>/attainment",
         lambda o, t: f"/api/v1/ministries/{MINISTRY[t]}/attainment",
         {"admin": (200,) * 3, "department": (200, 200, 404),
          "institution": (200, 200, 404)}),
    Case("PUT", "/api/v1/ministries/<ident>/attainment",
         lambda o, t: f"/api/v1/ministries/{MINISTRY[t]}/attainment",
         {"admin": (200,) * 3, "department": (200, 200, 404),
          "institution": (403, 403, 404)},
         lambda t: {"partial_share": 0.6}),
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
    Case("POST", "/api/v1/institutions/<ident>/addresses",
         lambda o, t: f"/api/v1/institutions/{INSTITUTION[t]}/addresses", scoped(201, 403),
         lambda t: {"address": f"ny-{t}@styrelse.dk"}),
    Case("DELETE", "/api/v1/institutions/<ident>/addresses/<path:address>",
         lambda o, t: f"/api/v1/institutions/{INSTITUTION[t]}/addresses/"
                      f"{ADDRESS[INSTITUTION[t]]}", scoped(204, 403)),
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
    # no ministry of the world weighs goals: the plan's attainment is a 409 where it is seen
    Case("GET", "/api/v1/plans/<int:plan_id>/attainment",
         lambda o, t: f"/api/v1/plans/{_plan(o, t)}/attainment?year=2026", scoped(409)),
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
    Case("POST", "/api/v1/followups/<int:followup_id>/review",
         lambda o, t: f"/api/v1/followups/{o['followups'][INSTITUTION[t]]}/review",
         scoped(200, institution_own=403), lambda t: {"decision": "acknowledged"}),
    Case("GET", "/api/v1/plans/<int:plan_id>/conversation",
         lambda o, t: f"/api/v1/plans/{_plan(o, t)}/conversation", scoped(200)),
    Case("GET", "/api/v1/plans/<int:plan_id>/followup-template.xlsx",
         lambda o, t: f"/api/v1/plans/{_plan(o, t)}/followup-template.xlsx?period=2026-H1",
         scoped(200)),
    Case("GET", "/api/v1/goals/<int:goal_id>/history",
         lambda o, t: f"/api/v1/goals/{_goal(o, t)}/history", scoped(200)),
    Case("POST", "/api/v1/goals/<int:goal_id>/change-requests",
         lambda o, t: f"/api/v1/goals/{o['approved_goals'][INSTITUTION[t]]}/change-requests",
         scoped(201), lambda t: {"changes": {"owner": "Ny ejer"}, "reason": "Omorganisering"}),
    Case("POST", "/api/v1/plans/<int:plan_id>/change-requests",
         lambda o, t: f"/api/v1/plans/{o['approved_plans'][INSTITUTION[t]]}/change-requests",
         scoped(201), lambda t: {"goal": goal_body("M9"), "reason": "Nyt mål"}),
    Case("GET", "/api/v1/change-requests", lambda o, t: "/api/v1/change-requests",
         everyone(200)),
    Case("GET", "/api/v1/change-requests/<int:request_id>",
         lambda o, t: f"/api/v1/change-requests/{o['changes'][INSTITUTION[t]]}", scoped(200)),
    Case("POST", "/api/v1/change-requests/<int:request_id>/approve",
         lambda o, t: f"/api/v1/change-requests/{o['changes'][INSTITUTION[t]]}/approve",
         scoped(200, institution_own=403), lambda t: {"comment": "OK"}),
    Case("POST", "/api/v1/change-requests/<int:request_id>/reject",
         lambda o, t: f"/api/v1/change-requests/{o['changes'][INSTITUTION[t]]}/reject",
         scoped(200, institution_own=403), lambda t: {"comment": "Nej tak"}),
    Case("GET", "/api/v1/overview", lambda o, t: "/api/v1/overview?period=2026-H1",
         everyone(200)),
    Case("GET", "/api/v1/exports/plans", lambda o, t: "/api/v1/exports/plans?format=csv",
         everyone(200)),
    Case("GET", "/api/v1/exports/overview",
         lambda o, t: "/api/v1/exports/overview?period=2026-H1&format=csv", everyone(200)),
    Case("GET", "/api/v1/exports/conversation",
         lambda o, t: "/api/v1/exports/conversation?format=csv", everyone(200)),
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
    Case("POST", "/api/v1/intake/messages/<int:message_id>/discard",
         lambda o, t: f"/api/v1/intake/messages/{o['messages'][INSTITUTION[t]]}/discard",
         scoped(200, 403), lambda t: {"reason": "Ikke en rapport."}),
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
    Case("GET", "/api/v1/users", lambda o, t: "/api/v1/users", ADMIN_ONLY),
    Case("POST", "/api/v1/users", lambda o, t: "/api/v1/users",
         {**ADMIN_ONLY, "admin": (201,) * 3},
         lambda t: {"email": f"person-{t}@example.dk", "name": "Person", "role": "admin"}),
    Case("GET", "/api/v1/users/<ident>", lambda o, t: "/api/v1/users/nobody@example.dk",
         {**ADMIN_ONLY, "admin": (404,) * 3}),
    Case("PATCH", "/api/v1/users/<ident>", lambda o, t: "/api/v1/users/nobody@example.dk",
         {**ADMIN_ONLY, "admin": (404,) * 3}, lambda t: {"name": "Ny"}),
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
        # a mail from the institution's address without a report: quarantined (no_report),
        # attributed by the pipeline to its sender's institution and ministry
        raw = mail(ADDRESS[code], f"Opfølgning {plan['reference']}", None, n=len(messages))
        messages[code] = _decided(raw, len(messages) + 1)
    # an approved plan 2028–2029 per institution, its goal with a pending change request
    approved_plans, approved_goals, changes = {}, {}, {}
    for code in world["plans"]:
        plan = ok(client.post("/api/v1/plans", headers=admin, json=plan_body(
            code, title="Mål- og resultatplan 2028", period_start=2028, period_end=2029)), 201)
        goal = ok(client.post(f"/api/v1/plans/{plan['id']}/goals", headers=admin,
                              json=goal_body(deadline="2028-12-31")), 201)
        ok(client.post(f"/api/v1/plans/{plan['id']}/approve", headers=admin))
        approved_plans[code], approved_goals[code] = plan["id"], goal["id"]
        changes[code] = ok(client.post(
            f"/api/v1/goals/{goal['id']}/change-requests", headers=admin,
            json={"changes": {"deadline": "2029-06-30"}, "reason": "Forsinket"}), 201)["id"]
    return {**world, "followups": followups, "messages": messages,
            "approved_plans": approved_plans, "approved_goals": approved_goals,
            "changes": changes}


def _decided(raw: bytes, uid: int) -> int:
    from flask import current_app

    from service.domain.models import InboundMessage
    from service.extensions import db
    from service.intake import pipeline
    from service.intake import settings as intake_settings

    message = InboundMessage(mailbox="INBOX", uidvalidity=1, uid=uid, raw=raw, size=len(raw),
                             state="received")
    db.session.add(message)
    db.session.commit()
    pipeline.process(message, intake_settings.options(current_app.config))
    assert (message.state, message.reason) == ("quarantined", "no_report")
    return message.id


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


# -- the intake: every route × every message state and reason × everyone ---------------------


def test_the_kinds_cover_every_state_and_reason():
    assert {k.state for k in KINDS} == {"received", "accepted", "rejected", "quarantined",
                                        "ignored"}
    assert {k.reason for k in KINDS} - {None} == REASONS


INTAKE_ROUTES = {
    ("GET", "/api/v1/intake/messages"),
    ("GET", "/api/v1/intake/messages/<int:message_id>"),
    ("GET", "/api/v1/intake/messages/<int:message_id>/raw"),
    ("POST", "/api/v1/intake/messages/<int:message_id>/reprocess"),
    ("POST", "/api/v1/intake/messages/<int:message_id>/discard"),
    ("GET", "/api/v1/intake/status"),
}


def test_the_intake_matrix_covers_every_intake_route(app):
    routes = {
        (method, rule.rule)
        for rule in app.url_map.iter_rules() if rule.rule.startswith("/api/v1/intake")
        for method in rule.methods - {"HEAD", "OPTIONS"}
    }
    assert routes == INTAKE_ROUTES


@pytest.mark.parametrize(("role", "scope"), VIEWERS, ids=lambda v: str(v))
def test_intake_message_by_state_reason_and_viewer(client, admin, token, world, monkeypatch,
                                                   role, scope):
    """Who sees which message: listed (also filtered by its state, reason and plan), read,
    downloaded and reprocessed by exactly the viewers its kind names; a 404 for everyone
    else, which says nothing of it; the status counts are the admin's alone."""
    ids = build_messages(client, admin, world, monkeypatch)
    headers = token(role, **token_scope(role, scope))
    me = viewer(role, scope)
    response = client.get("/api/v1/intake/messages?page_size=100", headers=headers)
    listed = {m["id"]: m for m in ok(response)}
    assert set(listed) == {ids[k.name] for k in KINDS if me in k.seen_by}
    assert not {ref for ref in NEVER_SEES[me] if ref in response.get_data(as_text=True)}
    for kind in KINDS:
        sees = me in kind.seen_by
        message_id = ids[kind.name]
        queries = [f"state={kind.state}"] + ([f"reason={kind.reason}"] if kind.reason else [])
        for query in queries:
            found = {m["id"] for m in ok(client.get(
                f"/api/v1/intake/messages?{query}&page_size=100", headers=headers))}
            assert (message_id in found) == sees and found <= set(listed), (kind.name, query)
        one = client.get(f"/api/v1/intake/messages/{message_id}", headers=headers)
        raw = client.get(f"/api/v1/intake/messages/{message_id}/raw", headers=headers)
        if sees:
            assert ok(one)["state"] == kind.state, kind.name
            assert raw.status_code == 200 and raw.mimetype == "message/rfc822", kind.name
        else:
            _not_found(one, kind.name)
            _not_found(raw, kind.name)
    for kind in KINDS:  # last: reprocessing changes the messages
        message_id = ids[kind.name]
        response = client.post(f"/api/v1/intake/messages/{message_id}/reprocess",
                               headers=headers)
        if me not in kind.seen_by:
            _not_found(response, kind.name)
        elif role == "institution":
            assert response.status_code == 403, kind.name
        elif kind.state in {"accepted", "rejected"}:  # it gave a follow-up: not again
            assert response.status_code == 409, kind.name
        else:
            assert response.status_code == 200, (kind.name, response.get_json())
    status = client.get("/api/v1/intake/status", headers=headers)
    assert status.status_code == (200 if role == "admin" else 403)


def _not_found(response, kind: str) -> None:
    assert response.status_code == 404, (kind, response.get_data(as_text=True))
    assert response.mimetype == "application/problem+json"
    text = response.get_data(as_text=True)
    for secret in ("DST-2026", "MST-2026", "UFST-2026", "UFST-2099", "@"):
        assert secret not in text, (kind, text)

"""Plans and goals in the browser's forms: a new draft plan, adding, changing, reordering
and withdrawing goals with their indicators and milestones, as the API does them (same
rules, same audit), the plan's findings beside the form linked to their fields, and the
reason an approved plan's changes ask for."""

from __future__ import annotations

import re
from typing import Any

from flask.testing import FlaskClient
from sqlalchemy import select

from service.domain.models import AuditEvent, Goal, Plan
from service.extensions import db
from tests.support.factories import goal_body, ok, plan_body
from tests.web.conftest import page_csrf

GOAL_FORM = {
    "code": "", "title": "Flere digitale selvbetjeninger", "description": "Færre breve.",
    "task_type": "operations", "goal_type": "output", "nature": "quantitative",
    "success_criterion": "Mindst 80 % digitalt", "deadline": "2026-12-31", "owner": "Kontorchef",
    "indicators-0-name": "Digital andel", "indicators-0-unit": "%",
    "indicators-0-baseline": "61,5", "indicators-0-baseline_year": "2025",
    "indicators-0-target": "80", "indicators-0-direction": "increase",
    "indicators-0-data_source": "Selvbetjeningsstatistik",
    "milestones-0-title": "Ny løsning i drift", "milestones-0-due_date": "2026-06-30",
}


def _events(plan_id: int, action: str) -> list[AuditEvent]:
    db.session.expire_all()
    return list(db.session.scalars(select(AuditEvent).where(
        AuditEvent.plan_id == plan_id, AuditEvent.action == action).order_by(AuditEvent.id)))


def _goal(goal_id: int) -> Goal:
    db.session.expire_all()
    goal = db.session.get(Goal, goal_id)
    assert goal is not None
    return goal


def _post(client: FlaskClient, path: str, data: dict[str, Any]) -> Any:
    return client.post(path, data={"csrf_token": page_csrf(client, path), **data})


def _summary(html: str) -> dict[str, str]:
    """The error summary's links: field id → message."""
    block = re.search(r'<div class="error-summary".*?</div>', html, re.S)
    assert block, "no error summary"
    return dict(re.findall(r'<a href="#([^"]+)">([^<]+)</a>', block.group(0)))


def _draft(client: FlaskClient, admin: dict[str, str], institution: str = "UFST") -> dict:
    ok(client.post("/api/v1/ministries", json={"code": "SKM", "name": "Skatteministeriet"},
                   headers=admin), 201)
    ok(client.post("/api/v1/institutions", headers=admin, json={
        "code": institution, "name": "Udviklings- og Forenklingsstyrelsen", "ministry": "SKM",
        "reporting_addresses": ["opfoelgning@ufst.dk"]}), 201)
    return ok(client.post("/api/v1/plans", json=plan_body(institution), headers=admin), 201)


# -- a new plan ------------------------------------------------------------------------------


def test_a_department_creates_a_draft_plan_as_the_api_does(signed_in, client, admin):
    _draft(client, admin)
    web = signed_in("department", ministry="SKM")
    page = web.get("/plans/new").get_data(as_text=True)
    for field in ("institution", "title", "period_start", "period_end", "followup_cadence",
                  "top_manager_name", "top_manager_title"):
        assert re.search(rf'<label for="{field}">', page), field
    assert "<legend>Planperiode</legend>" in page
    response = _post(web, "/plans/new", {
        "institution": "UFST", "title": "Plan 2027", "period_start": "2027",
        "period_end": "2028", "followup_cadence": "quarterly",
        "top_manager_name": "Anne Jensen", "top_manager_title": "Direktør"})
    assert response.status_code == 303
    plan = db.session.scalar(select(Plan).where(Plan.reference == "UFST-2027"))
    assert plan is not None and plan.status == "draft"
    assert (plan.title, plan.period_start, plan.period_end, plan.followup_cadence) == (
        "Plan 2027", 2027, 2028, "quarterly")
    assert plan.top_manager_name == "Anne Jensen"
    assert response.headers["Location"].endswith(f"/plans/{plan.id}/goals/new")
    created = _events(plan.id, "create")
    assert created and created[0].entity == "plan" and created[0].actor_role == "department"
    page = web.get(response.headers["Location"]).get_data(as_text=True)
    assert "UFST-2027 er oprettet som kladde" in page
    # the new plan's findings beside the goal form: no goals yet
    assert 'data-rule="plan.no-goals"' in page


def test_the_plan_form_says_each_mistake_in_danish_linked_to_its_field(signed_in, client, admin):
    _draft(client, admin)
    web = signed_in("admin")
    response = _post(web, "/plans/new", {
        "institution": "NOPE", "title": " ", "period_start": "2028", "period_end": "2027",
        "followup_cadence": "sometimes", "top_manager_title": "Direktør"})
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert _summary(html) == {
        "institution": "Vælg den institution, planen er for.",
        "title": "Skriv planens titel.",
        "period_end": "Sidste år (2027) ligger før første år (2028).",
        "followup_cadence": "Vælg, hvor ofte der følges op.",
        "top_manager_name": "Skriv topchefens navn, når titlen er skrevet.",
    }
    assert "<title>Fejl: Ny plan" in html
    assert re.search(r'<input type="text" id="title"[^>]*aria-describedby="title-hint '
                     r'title-error"[^>]*aria-invalid="true"', html)
    assert db.session.scalar(select(Plan).where(Plan.reference == "UFST-2028")) is None


def test_a_department_sees_only_its_ministrys_institutions(signed_in, plans):
    web = signed_in("department", ministry="FM")
    page = web.get("/plans/new").get_data(as_text=True)
    assert '<option value="DST"' in page and '<option value="UFST"' not in page
    response = _post(web, "/plans/new", {
        "institution": "UFST", "title": "Plan", "period_start": "2027", "period_end": "2027",
        "followup_cadence": "yearly"})
    assert response.status_code == 422
    assert "institution" in _summary(response.get_data(as_text=True))


# -- goals -----------------------------------------------------------------------------------


def test_adding_a_goal_with_an_indicator_and_a_milestone(signed_in, client, admin):
    plan = _draft(client, admin)
    web = signed_in("department", ministry="SKM")
    page = web.get(f"/plans/{plan['id']}").get_data(as_text=True)
    assert f'href="/plans/{plan["id"]}/goals/new"' in page
    response = _post(web, f"/plans/{plan['id']}/goals/new", GOAL_FORM)
    assert response.status_code == 303, response.get_data(as_text=True)
    goal = db.session.scalar(select(Goal).where(Goal.plan_id == plan["id"]))
    assert goal is not None and goal.code == "M1" and goal.title == GOAL_FORM["title"]
    assert goal.deadline.isoformat() == "2026-12-31"
    assert [(i.name, i.baseline, i.target, i.direction) for i in goal.indicators] == [
        ("Digital andel", 61.5, 80.0, "increase")]
    assert [(m.title, m.due_date.isoformat(), m.done) for m in goal.milestones] == [
        ("Ny løsning i drift", "2026-06-30", False)]
    assert response.headers["Location"].endswith(f"/goals/{goal.id}/edit")
    [event] = _events(plan["id"], "create")[1:]
    assert event.entity == "goal" and event.after["indicators"][0]["target"] == 80
    # the API sees the same goal
    api = ok(client.get(f"/api/v1/goals/{goal.id}", headers=admin))
    assert api["indicators"][0]["baseline"] == 61.5
    page = web.get(response.headers["Location"]).get_data(as_text=True)
    assert "Målet M1 er tilføjet planen." in page
    assert 'value="61,5"' in page  # shown again as Danes write it
    assert 'id="indicators-1-name"' in page  # an empty line for the next one


def test_each_goal_error_in_danish_in_the_summary_linked_to_its_field(signed_in, client, admin):
    plan = _draft(client, admin)
    web = signed_in("admin")
    response = _post(web, f"/plans/{plan['id']}/goals/new", {
        **GOAL_FORM, "title": "", "task_type": "astrology", "goal_type": "", "nature": "x",
        "deadline": "2026-02-30", "indicators-0-name": "", "indicators-0-baseline": "mange",
        "indicators-0-baseline_year": "25", "milestones-0-title": "",
    })
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert _summary(html) == {
        "title": "Skriv målets titel.",
        "task_type": "Vælg målets opgavetype.",
        "goal_type": "Vælg målets type.",
        "nature": "Vælg, om målet er kvantitativt eller kvalitativt.",
        "deadline": "Fristen skal være en rigtig dato, fx 31.12.2026.",
        "indicators-0-name": "Skriv indikatorens navn.",
        "indicators-0-baseline": "Udgangspunktet skal være et tal, fx 41 eller 93,5.",
        "indicators-0-baseline_year": "Basisåret skal være et årstal mellem 1900 og 2200, fx "
                                      "2026.",
        "milestones-0-title": "Skriv milepælens titel.",
    }
    for field in _summary(html):
        assert f'id="{field}"' in html
        assert re.search(rf'<label for="{field}">', html), field
    assert db.session.scalar(select(Goal).where(Goal.plan_id == plan["id"])) is None


def test_a_domain_refusal_is_said_beside_its_field(signed_in, client, admin):
    plan = _draft(client, admin)
    ok(client.post(f"/api/v1/plans/{plan['id']}/goals", json=goal_body("M1"), headers=admin),
       201)
    web = signed_in("admin")
    response = _post(web, f"/plans/{plan['id']}/goals/new", {**GOAL_FORM, "code": "m1"})
    assert response.status_code == 409
    assert _summary(response.get_data(as_text=True)) == {
        "code": "Planen har allerede et mål med koden m1."}


def test_editing_a_goal_changes_adds_and_removes_lines(signed_in, client, admin):
    plan = _draft(client, admin)
    goal = ok(client.post(f"/api/v1/plans/{plan['id']}/goals", json=goal_body(
        "M1", milestones=[{"title": "Første", "due_date": "2026-03-31", "done": False}]),
        headers=admin), 201)
    web = signed_in("department", ministry="SKM")
    page = web.get(f"/goals/{goal['id']}/edit").get_data(as_text=True)
    assert 'value="Sagsbehandlingstid"' in page and 'id="indicators-0-remove"' in page
    response = _post(web, f"/goals/{goal['id']}/edit", {
        **GOAL_FORM, "code": "M1", "title": "Hurtigere svar",
        "indicators-0-name": "Sagsbehandlingstid", "indicators-0-target": "28",
        "indicators-1-name": "Klager", "indicators-1-unit": "antal",
        "indicators-1-target": "100", "indicators-1-direction": "decrease",
        "milestones-0-title": "Første", "milestones-0-due_date": "2026-03-31",
        "milestones-0-done": "on", "milestones-0-remove": "on",
        "milestones-1-title": "Anden", "milestones-1-due_date": "2026-09-30",
    })
    assert response.status_code == 303, response.get_data(as_text=True)
    changed = _goal(goal["id"])
    assert changed.title == "Hurtigere svar"
    assert [(i.name, i.target) for i in changed.indicators] == [
        ("Sagsbehandlingstid", 28.0), ("Klager", 100.0)]
    assert [m.title for m in changed.milestones] == ["Anden"]
    [event] = _events(plan["id"], "update")
    assert event.entity == "goal" and event.before["title"] == "Kortere sagsbehandlingstid"


def test_another_empty_line_is_added_without_saving(signed_in, client, admin):
    plan = _draft(client, admin)
    web = signed_in("admin")
    response = _post(web, f"/plans/{plan['id']}/goals/new", {
        **GOAL_FORM, "title": "", "add": "indicator", "indicator_blanks": "1"})
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "error-summary" not in html
    assert 'id="indicators-2-name"' in html and 'value="Digital andel"' in html
    assert re.search(r'id="indicators-2-name"[^>]*autofocus', html)
    assert db.session.scalar(select(Goal).where(Goal.plan_id == plan["id"])) is None


def test_findings_beside_the_form_link_to_their_fields(signed_in, client, admin):
    plan = _draft(client, admin)
    first = ok(client.post(f"/api/v1/plans/{plan['id']}/goals", json=goal_body(
        "M1", deadline=None, success_criterion=None), headers=admin), 201)
    other = ok(client.post(f"/api/v1/plans/{plan['id']}/goals", json=goal_body(
        "M2", task_type="project", milestones=[]), headers=admin), 201)
    web = signed_in("admin")
    html = web.get(f"/goals/{first['id']}/edit").get_data(as_text=True)
    aside = html[html.index('id="findings"'):]
    assert re.search(r'data-rule="smart.time-bound">.*?<a href="#deadline">Mål M1 ', aside, re.S)
    assert re.search(r'data-rule="smart.specific">.*?<a href="#success_criterion">', aside,
                     re.S)
    assert re.search(rf'data-rule="project.milestones">.*?<a href="/goals/{other["id"]}/edit'
                     r'#milestones">[^<]*M2', aside, re.S)
    assert 'id="deadline"' in html and 'id="success_criterion"' in html


def test_reordering_moves_a_goal_and_is_audited(signed_in, client, admin):
    plan = _draft(client, admin)
    ids = [ok(client.post(f"/api/v1/plans/{plan['id']}/goals", json=goal_body(code),
                          headers=admin), 201)["id"] for code in ("M1", "M2", "M3")]
    web = signed_in("department", ministry="SKM")
    page = web.get(f"/plans/{plan['id']}/goals/order").get_data(as_text=True)
    assert f'value="{ids[0]}:up" class="secondary" disabled' in page
    response = _post(web, f"/plans/{plan['id']}/goals/order", {"move": f"{ids[2]}:up"})
    assert response.status_code == 303
    db.session.expire_all()
    order = [g.code for g in db.session.get(Plan, plan["id"]).goals]
    assert order == ["M1", "M3", "M2"]
    api = ok(client.get(f"/api/v1/plans/{plan['id']}/goals", headers=admin))
    assert [g["code"] for g in api] == ["M1", "M3", "M2"]
    [event] = _events(plan["id"], "move")
    assert (event.entity_id, event.before, event.after) == (ids[2], {"position": 3},
                                                            {"position": 2})
    response = _post(web, f"/plans/{plan['id']}/goals/order", {"move": f"{ids[0]}:up"})
    assert response.status_code == 422
    assert _summary(response.get_data(as_text=True)) == {"order": "Målet står allerede først."}


def test_withdrawing_asks_why_and_keeps_the_goal(signed_in, client, admin):
    plan = _draft(client, admin)
    goal = ok(client.post(f"/api/v1/plans/{plan['id']}/goals", json=goal_body(),
                          headers=admin), 201)
    web = signed_in("admin")
    page = web.get(f"/plans/{plan['id']}").get_data(as_text=True)
    assert f'href="/goals/{goal["id"]}/withdraw"' in page
    response = _post(web, f"/goals/{goal['id']}/withdraw", {"reason": "  "})
    assert response.status_code == 422
    assert _summary(response.get_data(as_text=True)) == {"reason": "Skriv, hvorfor målet udgår."}
    assert _goal(goal["id"]).status == "active"
    response = _post(web, f"/goals/{goal['id']}/withdraw", {"reason": "Opgaven er flyttet"})
    assert response.status_code == 303
    assert response.headers["Location"].endswith(f"/plans/{plan['id']}#goal-M1")
    withdrawn = _goal(goal["id"])
    assert (withdrawn.status, withdrawn.withdrawn_reason) == ("withdrawn", "Opgaven er flyttet")
    [event] = _events(plan["id"], "withdraw")
    assert event.reason == "Opgaven er flyttet"


# -- an approved plan ------------------------------------------------------------------------


def test_an_approved_plans_changes_ask_for_the_reason(signed_in, plans):
    ufst = plans["UFST"]
    goal = db.session.scalar(select(Goal).where(Goal.plan_id == ufst["id"]))
    web = signed_in("department", ministry="SKM")
    page = web.get(f"/goals/{goal.id}/edit").get_data(as_text=True)
    assert '<label for="reason">Begrundelse for ændringen</label>' in page
    assert "gemmes i planens ændringslog" in page
    assert re.search(r'id="code"[^>]*readonly', page)
    form = {**GOAL_FORM, "code": goal.code, "indicators-0-name": "Sagsbehandlingstid",
            "indicators-0-target": "25"}
    response = _post(web, f"/goals/{goal.id}/edit", form)
    assert response.status_code == 422
    assert _summary(response.get_data(as_text=True)) == {
        "reason": "Skriv, hvorfor den godkendte plan ændres."}
    response = _post(web, f"/goals/{goal.id}/edit", {**form, "reason": "Nyt udspil"})
    assert response.status_code == 303
    assert _goal(goal.id).indicators[0].target == 25
    [event] = _events(ufst["id"], "update")
    assert event.reason == "Nyt udspil"
    assert "begrundelsen står i planens ændringslog" in web.get(
        response.headers["Location"]).get_data(as_text=True)
    # reordering too
    page = web.get(f"/plans/{ufst['id']}/goals/order").get_data(as_text=True)
    assert 'id="reason"' in page


def test_politically_fixed_targets_are_locked_with_why(signed_in, plans, client, admin):
    ufst = plans["UFST"]
    goal = db.session.scalar(select(Goal).where(Goal.plan_id == ufst["id"]))
    ok(client.patch(f"/api/v1/goals/{goal.id}", headers=admin,
                    json={"politically_fixed": True, "reason": "Politisk aftale"}))
    web = signed_in("admin")
    page = web.get(f"/goals/{goal.id}/edit").get_data(as_text=True)
    assert re.search(r'<textarea id="success_criterion"[^>]*readonly', page)
    assert re.search(r'id="indicators-0-target"[^>]*readonly', page)
    assert re.search(r'id="politically_fixed"[^>]*disabled', page)
    assert "Låst: målet er et politisk fastsat resultatkrav" in page
    assert 'id="indicators-0-remove"' not in page and 'id="indicators-1-name"' not in page
    plan_page = web.get(f"/plans/{ufst['id']}").get_data(as_text=True)
    assert "Målværdi og succeskriterium er låst" in plan_page
    # a target sent changed anyway is refused beside the field, as the API refuses it
    response = _post(web, f"/goals/{goal.id}/edit", {
        **GOAL_FORM, "code": goal.code, "success_criterion": goal.success_criterion,
        "politically_fixed": "on", "indicators-0-name": "Sagsbehandlingstid",
        "indicators-0-target": "1", "reason": "Forsøg"})
    assert response.status_code == 409
    summary = _summary(response.get_data(as_text=True))
    assert list(summary) == ["indicators-0-target"]
    assert "målværdien kan ikke ændres" in summary["indicators-0-target"]
    assert _goal(goal.id).indicators[0].target == 30
    # the locked values sent back as shown, other fields changed: saved
    page = web.get(f"/goals/{goal.id}/edit").get_data(as_text=True)
    shown = dict(re.findall(r'id="(indicators-0-[a-z_]+)" name="[^"]+" value="([^"]*)"', page))
    response = _post(web, f"/goals/{goal.id}/edit", {
        **GOAL_FORM, **shown, "code": goal.code, "success_criterion": goal.success_criterion,
        "politically_fixed": "on", "indicators-0-direction": "decrease",
        "title": "Kortere sagsbehandlingstid, politisk krav", "reason": "Ny titel"})
    assert response.status_code == 303, response.get_data(as_text=True)
    assert _goal(goal.id).title == "Kortere sagsbehandlingstid, politisk krav"
    assert _goal(goal.id).indicators[0].target == 30


# -- who may ---------------------------------------------------------------------------------


def test_every_form_refuses_a_post_without_the_csrf_token(signed_in, plans):
    ufst = plans["UFST"]
    goal = db.session.scalar(select(Goal).where(Goal.plan_id == ufst["id"]))
    web = signed_in("admin")
    for path in ("/plans/new", f"/plans/{ufst['id']}/goals/new", f"/goals/{goal.id}/edit",
                 f"/plans/{ufst['id']}/goals/order", f"/goals/{goal.id}/withdraw"):
        response = web.post(path, data={"title": "x", "reason": "x", "move": f"{goal.id}:up"})
        assert response.status_code == 400, path
    assert _goal(goal.id).status == "active" and not _events(ufst["id"], "move")


def test_the_institution_role_gets_no_forms(signed_in, plans):
    dst = plans["DST"]
    goal = db.session.scalar(select(Goal).where(Goal.plan_id == dst["id"]))
    web = signed_in("institution", institution="DST")
    page = web.get(f"/plans/{dst['id']}").get_data(as_text=True)
    assert "/goals/new" not in page and "/withdraw" not in page and "/edit" not in page
    for path in ("/plans/new", f"/plans/{dst['id']}/goals/new", f"/goals/{goal.id}/edit",
                 f"/plans/{dst['id']}/goals/order", f"/goals/{goal.id}/withdraw"):
        assert web.get(path).status_code == 403, path
        token = page_csrf(web, f"/plans/{dst['id']}")
        response = web.post(path, data={"csrf_token": token, "reason": "x", "title": "x"})
        assert response.status_code == 403, path


def test_another_ministrys_plan_and_goal_are_not_found(signed_in, plans):
    ufst = plans["UFST"]
    goal = db.session.scalar(select(Goal).where(Goal.plan_id == ufst["id"]))
    web = signed_in("department", ministry="FM")
    for path in (f"/plans/{ufst['id']}/goals/new", f"/goals/{goal.id}/edit",
                 f"/plans/{ufst['id']}/goals/order", f"/goals/{goal.id}/withdraw"):
        assert web.get(path).status_code == 404, path
        token = page_csrf(web, "/plans/new")
        assert web.post(path, data={"csrf_token": token, "reason": "x"}).status_code == 404
    assert _goal(goal.id).status == "active"


def test_a_closed_plan_takes_no_changes(signed_in, plans, client, admin):
    ufst = plans["UFST"]
    ok(client.post(f"/api/v1/plans/{ufst['id']}/close", headers=admin,
                   json={"reason": "Erstattet"}))
    web = signed_in("admin")
    assert "/goals/new" not in web.get(f"/plans/{ufst['id']}").get_data(as_text=True)
    response = web.get(f"/plans/{ufst['id']}/goals/new")
    assert response.status_code == 303
    assert "Planen er lukket" in web.get(response.headers["Location"]).get_data(as_text=True)


def test_moving_a_goal_of_an_approved_plan_asks_why(signed_in, plans):
    dst = plans["DST"]
    goals = list(db.session.scalars(select(Goal).where(Goal.plan_id == dst["id"])
                                    .order_by(Goal.position)))
    web = signed_in("department", ministry="FM")
    path = f"/plans/{dst['id']}/goals/order"
    response = _post(web, path, {"move": f"{goals[1].id}:down"})
    assert response.status_code == 422
    assert _summary(response.get_data(as_text=True)) == {
        "reason": "Skriv, hvorfor den godkendte plan ændres."}
    assert not _events(dst["id"], "move")
    response = _post(web, path, {"move": f"{goals[1].id}:down", "reason": "Vigtigst sidst"})
    assert response.status_code == 303
    db.session.expire_all()
    assert [g.code for g in db.session.get(Plan, dst["id"]).goals] == ["M1", "M3", "M2"]
    [event] = _events(dst["id"], "move")
    assert event.reason == "Vigtigst sidst" and event.actor_role == "department"
    page = web.get(response.headers["Location"]).get_data(as_text=True)
    assert "Målet M2 er flyttet ned. Ændringen og begrundelsen står i planens ændringslog." in page


def test_a_form_field_is_read_stripped_and_kept_to_show_again():
    from werkzeug.datastructures import MultiDict

    from service.web.goalform import Form

    form = Form(values={})
    raw = MultiDict({"title": "  Kortere svartider \n", "owner": ""})
    assert form.read(raw, "title") == "Kortere svartider"
    assert form.read(raw, "owner") == "" and form.read(raw, "deadline") == ""
    assert form.values == {"title": "Kortere svartider", "owner": "", "deadline": ""}

"""Change requests in the dashboard: the institution proposes a change to a goal of its
approved plan from the plan's page, the department approves or rejects it on the change
requests page (a rejection needs a comment), errors in a linked summary."""

from __future__ import annotations

from typing import Any

from service.domain.models import AuditEvent, ChangeRequest, Goal
from service.extensions import db
from tests.web.conftest import page_csrf
from tests.web.switching import sign_in_as


def _goal(plans: dict[str, Any]) -> Goal:
    return Goal.query.filter_by(plan_id=plans["UFST"]["id"], code="M1").one()


def _propose(client, goal_id: int, **fields: str):
    path = f"/goals/{goal_id}/change-request"
    return client.post(path, data={"csrf_token": page_csrf(client, path), **fields})


def test_the_institution_proposes_and_the_department_approves(client, token, plans):
    goal = _goal(plans)
    institution = sign_in_as(client, token, "institution", institution="UFST")
    page = client.get(f"/plans/{plans['UFST']['id']}").get_data(as_text=True)
    assert f'href="/goals/{goal.id}/change-request"' in page
    assert "Foreslå ændring af mål M1" in page
    form = institution.get(f"/goals/{goal.id}/change-request").get_data(as_text=True)
    assert 'id="target-0" name="target-0" value="30"' in form
    assert '<label for="target-0">Målværdi for Sagsbehandlingstid (dage)' in form
    response = _propose(institution, goal.id, **{
        "target-0": "25", "deadline": "2026-12-31", "success_criterion":
        goal.success_criterion, "owner": goal.owner, "reason": "Flere medarbejdere"})
    assert response.status_code == 303
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "sendt til departementet som ændringsanmodning" in page
    request = ChangeRequest.query.one()
    assert request.status == "pending" and list(request.changes) == ["indicators"]
    assert request.changes["indicators"][0]["target"] == 25
    assert request.requested_by == "test-institution"
    plan_page = client.get(f"/plans/{plans['UFST']['id']}").get_data(as_text=True)
    assert "1 ændringsanmodning afventer departementets afgørelse" in plan_page
    # the institution sees its request, with no forms to decide it
    listed = client.get("/change-requests").get_data(as_text=True)
    assert "Målværdi for Sagsbehandlingstid: 30 → 25" in listed
    assert f'id="approve-{request.id}"' not in listed

    department = sign_in_as(client, token, "department", ministry="SKM")
    listed = department.get("/change-requests").get_data(as_text=True)
    assert "Målværdi for Sagsbehandlingstid: 30 → 25" in listed
    assert "Flere medarbejdere" in listed
    csrf = page_csrf(department, "/change-requests")
    response = department.post(f"/change-requests/{request.id}/approve",
                               data={"csrf_token": csrf, "comment": "OK"})
    assert response.status_code == 303
    page = department.get(response.headers["Location"]).get_data(as_text=True)
    assert "er godkendt, og ændringen er gennemført" in page
    db.session.expire_all()
    assert _goal(plans).indicators[0].target == 25
    update = AuditEvent.query.filter_by(entity="goal", action="update").one()
    assert update.reason == "Flere medarbejdere"
    # the plan's change log names the request and its approval in Danish
    log = department.get(f"/plans/{plans['UFST']['id']}").get_data(as_text=True)
    assert "Ændringsanmodning foreslået" in log and "Ændringsanmodning godkendt" in log


def test_form_errors_are_summarised_and_linked(client, token, plans):
    goal = _goal(plans)
    institution = sign_in_as(client, token, "institution", institution="UFST")
    response = _propose(institution, goal.id, **{
        "target-0": "mange", "deadline": "2026-12-31", "reason": ""})
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert '<a href="#target-0">Målværdien skal være et tal' in html
    assert '<a href="#reason">Skriv, hvorfor målet skal ændres.</a>' in html
    assert 'aria-invalid="true"' in html
    response = _propose(institution, goal.id, **{
        "target-0": "30", "deadline": "2026-12-31", "success_criterion":
        goal.success_criterion, "owner": goal.owner, "reason": "Ingenting"})
    assert response.status_code == 422
    assert '<a href="#changes">Ret mindst ét felt' in response.get_data(as_text=True)
    assert ChangeRequest.query.count() == 0


def test_reject_needs_a_comment(client, token, plans):
    goal = _goal(plans)
    institution = sign_in_as(client, token, "institution", institution="UFST")
    _propose(institution, goal.id, withdraw="1", reason="Opgaven er flyttet")
    request = ChangeRequest.query.one()
    assert request.kind == "withdraw"
    department = sign_in_as(client, token, "department", ministry="SKM")
    csrf = page_csrf(department, "/change-requests")
    response = department.post(f"/change-requests/{request.id}/reject",
                               data={"csrf_token": csrf, "comment": " "})
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert f'<a href="#comment-{request.id}">Skriv, hvorfor ændringen afvises.' in html
    response = department.post(f"/change-requests/{request.id}/reject",
                               data={"csrf_token": csrf, "comment": "Målet fortsætter"})
    assert response.status_code == 303
    db.session.expire_all()
    assert db.session.get(ChangeRequest, request.id).status == "rejected"
    assert _goal(plans).status == "active"
    # decided: a second decision is refused and said on the page
    response = department.post(f"/change-requests/{request.id}/approve",
                               data={"csrf_token": csrf})
    assert response.status_code == 303
    assert "allerede afvist" in department.get("/change-requests").get_data(as_text=True)


def test_a_politically_fixed_goal_shows_its_target_locked(client, token, admin, plans):
    goal = _goal(plans)
    ok = client.patch(f"/api/v1/goals/{goal.id}", headers=admin,
                      json={"politically_fixed": True, "reason": "Politisk krav"})
    assert ok.status_code == 200
    institution = sign_in_as(client, token, "institution", institution="UFST")
    form = institution.get(f"/goals/{goal.id}/change-request").get_data(as_text=True)
    assert "målværdi og succeskriterium kan ikke ændres" in form
    assert 'name="target-0" value="30" aria-describedby="target-0-hint" readonly' in form
    # a target typed anyway is not asked for
    _propose(institution, goal.id, **{"target-0": "10", "deadline": "2026-12-31",
                                      "owner": "Direktør", "reason": "Ny ejer",
                                      "success_criterion": goal.success_criterion})
    assert list(ChangeRequest.query.filter_by(direct=False).one().changes) == ["owner"]


def test_the_institution_proposes_a_new_goal_with_the_goal_form(client, token, plans):
    plan_id = plans["UFST"]["id"]
    institution = sign_in_as(client, token, "institution", institution="UFST")
    page = client.get(f"/plans/{plan_id}").get_data(as_text=True)
    assert f'href="/plans/{plan_id}/change-request"' in page
    path = f"/plans/{plan_id}/change-request"
    form = institution.get(path).get_data(as_text=True)
    assert "<h1>Foreslå et nyt mål</h1>" in form and "Send ændringsanmodningen" in form
    fields = {"title": "Flere digitale sager", "task_type": "operations",
              "goal_type": "output", "nature": "quantitative", "deadline": "31.12.2027",
              "success_criterion": "Mindst 80 % digitalt", "indicators-0-name": "Andel digitalt",
              "indicators-0-unit": "%", "indicators-0-baseline": "60",
              "indicators-0-baseline_year": "2025", "indicators-0-target": "80",
              "indicators-0-direction": "increase"}
    response = institution.post(path, data={"csrf_token": page_csrf(institution, path),
                                            **fields})
    assert response.status_code == 422
    assert '<a href="#reason">' in response.get_data(as_text=True)
    response = institution.post(path, data={"csrf_token": page_csrf(institution, path),
                                            **fields, "reason": "Digitaliseringsstrategien"})
    assert response.status_code == 303
    request = ChangeRequest.query.one()
    assert request.kind == "new_goal" and request.status == "pending"
    assert request.changes["deadline"] == "2027-12-31"
    assert Goal.query.filter_by(plan_id=plan_id).count() == 1  # not yet in the plan
    department = sign_in_as(client, token, "department", ministry="SKM")
    listed = department.get("/change-requests").get_data(as_text=True)
    assert "Nyt mål: Flere digitale sager" in listed
    response = department.post(f"/change-requests/{request.id}/approve",
                               data={"csrf_token": page_csrf(department, "/change-requests")})
    assert response.status_code == 303
    added = Goal.query.filter_by(plan_id=plan_id, code="M2").one()
    assert added.title == "Flere digitale sager" and added.indicators[0].target == 80
    created = AuditEvent.query.filter_by(entity="goal", action="create",
                                         entity_id=added.id).one()
    assert created.reason == "Digitaliseringsstrategien"

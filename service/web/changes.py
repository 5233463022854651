"""Change requests in the browser (DESIGN section 13): on an approved plan's page each goal
has "Foreslå ændring", a form for the institution and the department with the goal's
targets, deadline, success criterion and owner, or its withdrawal, and the reason; the
department's page of change requests lists them with forms to approve or reject (a rejection
needs a comment). The same domain services, scoping and audit as
``POST /api/v1/goals/{id}/change-requests`` and ``/api/v1/change-requests/{id}/approve``."""

from __future__ import annotations

from typing import Any

from flask import flash, redirect, render_template, request, url_for
from werkzeug.wrappers import Response

from service.domain import audit, changes, plans
from service.domain import goals as goal_service
from service.domain.errors import Conflict, Forbidden, Invalid, NotFound
from service.domain.models import ChangeRequest, Goal
from service.domain.models.changes import STATUSES
from service.exports.change_words import change_lines, proposed
from service.extensions import db
from service.vocabulary import has_control_characters
from service.web import bp
from service.web.auth import current_actor
from service.web.goalform import Form, _date, _number, _text, goal_form, goal_values, reason
from service.web.planforms import domain_error, goal_page, task_types

Page = Response | tuple[str, int]
COMMENT_MAX = 10000


def _fields(goal: Goal, form: Form) -> dict[str, Any]:
    """What the form changes: only the fields whose value differs from the goal's."""
    raw = request.form
    wanted: dict[str, Any] = {}
    locked = goal.politically_fixed
    if raw.get("withdraw"):
        form.values["withdraw"] = True
        return {"withdraw": True}
    new_targets: dict[str, Any] = {}
    for place in range(len(goal.indicators)):
        _number(form, raw, f"target-{place}", "Målværdien", key=str(place), into=new_targets)
    if not locked and any(new_targets.get(str(p)) != i.target
                          for p, i in enumerate(goal.indicators)):
        wanted["indicators"] = [
            {**{k: getattr(i, k) for k in ("name", "unit", "baseline", "baseline_year",
                                            "direction", "data_source")},
             "target": new_targets.get(str(p))}
            for p, i in enumerate(goal.indicators)]
    deadline: dict[str, Any] = {}
    _date(form, raw, "deadline", "Fristen", key="deadline", into=deadline)
    if "deadline" in deadline and deadline["deadline"] != goal.deadline:
        wanted["deadline"] = deadline["deadline"]
    texts: dict[str, Any] = {}
    _text(form, raw, "success_criterion", 2000, "Succeskriteriet", multiline=True, into=texts)
    _text(form, raw, "owner", 200, "Den ansvarlige", into=texts)
    if not locked and (texts.get("success_criterion") or None) != goal.success_criterion:
        wanted["success_criterion"] = texts.get("success_criterion") or None
    if (texts.get("owner") or None) != goal.owner:
        wanted["owner"] = texts.get("owner") or None
    return wanted


def _values(goal: Goal) -> dict[str, Any]:
    values = goal_values(goal)
    for place, indicator in enumerate(values["indicators"]):
        values[f"target-{place}"] = indicator["target"]
    return values


@bp.route("/plans/<int:plan_id>/change-request", methods=["GET", "POST"])
def change_request_goal_new(plan_id: int) -> Page:
    """Propose a new goal for an approved plan: the goal form, sent as a change request."""
    actor = current_actor()
    plan = plans.get_plan(actor, plan_id, with_goals=True)
    if plan.status != "approved":
        flash("Der kan kun foreslås nye mål til en godkendt plan.", "error")
        return redirect(url_for("web.plan", plan_id=plan.id), code=303)
    if request.method != "POST":
        return goal_page(plan, Form(values=goal_values(None)))
    form = goal_form(request.form, task_types(plan), reason_required=True)
    if request.form.get("add") in ("indicator", "milestone"):
        form.errors = {}  # another empty line asked for: nothing sent yet
        return goal_page(plan, form)
    if form.errors:
        return goal_page(plan, form, 422)
    data = dict(form.data)
    why = data.pop("reason", None)
    try:
        made = changes.request_new_goal(actor, plan, {"goal": data, "reason": why})
    except (Invalid, Conflict) as error:
        db.session.rollback()
        domain_error(form, error)
        return goal_page(plans.get_plan(actor, plan_id, with_goals=True), form, 422)
    flash(f"Det nye mål er sendt til departementet som ændringsanmodning nr. {made.id}. Det "
          "kommer med i planen, når departementet har godkendt det.", "info")
    return redirect(url_for("web.plan", plan_id=plan.id, _anchor="h-goals"), code=303)


@bp.route("/goals/<int:goal_id>/change-request", methods=["GET", "POST"])
def change_request_new(goal_id: int) -> Page:
    """Propose a change to a goal of an approved plan."""
    actor = current_actor()
    goal = goal_service.get_goal(actor, goal_id)
    plan = plans.get_plan(actor, goal.plan_id, with_goals=True)
    goal = next(g for g in plan.goals if g.id == goal_id)
    form = Form(values=_values(goal))
    if request.method == "POST":
        form = Form(values={})
        wanted = _fields(goal, form)
        reason(form, request.form, True, "Skriv, hvorfor målet skal ændres.")
        if not form.errors and not wanted:
            form.errors["changes"] = ("Ret mindst ét felt, eller vælg at målet skal udgå. "
                                      "Felterne viser målet, som det er nu.")
        if not form.errors:
            try:
                made = changes.request_goal_change(actor, goal, {
                    "changes": wanted, "reason": form.data["reason"]})
            except (Invalid, Conflict, Forbidden) as error:
                db.session.rollback()
                if isinstance(error, Forbidden):
                    raise
                field = (error.field or "").removeprefix("changes.")
                name = {"indicators": "target-0", "success_criterion": "success_criterion",
                        "reason": "reason", "deadline": "deadline"}.get(
                    field.split(".")[0], "changes")
                if field.startswith("indicators.") and field.split(".")[1].isdigit():
                    name = f"target-{field.split('.')[1]}"
                form.errors[name] = error.message
            else:
                flash(f"Ændringen af mål {goal.code} er sendt til departementet som "
                      f"ændringsanmodning nr. {made.id}. Den gælder først, når "
                      "departementet har godkendt den.", "info")
                return redirect(url_for("web.plan", plan_id=plan.id,
                                        _anchor=f"goal-{goal.code}"), code=303)
    body = render_template("web/change_request_form.html", plan=plan, goal=goal, form=form,
                           approved=plan.status == "approved")
    return body, 422 if form.errors else 200


def _lines(item: ChangeRequest) -> list[str]:
    """What the request changes (a pending one: as it would change the goal now)."""
    if item.status == "approved" and item.after is not None:
        return change_lines(item.before, item.after, item.kind)
    if item.kind == "new_goal":
        return change_lines({}, item.changes, item.kind)
    if item.goal is None:
        return []
    snapshot = audit.goal_snapshot(item.goal)
    before, after = audit.diff(snapshot, proposed(snapshot, item.changes))
    return change_lines(before, after, item.kind) or ["Ingen ændring i forhold til målet nu"]


def _list_page(errors: dict[str, str] | None = None, comments: dict[int, str] | None = None,
               status: int = 200) -> tuple[str, int]:
    actor = current_actor()
    chosen = request.args.get("status", "pending")
    if chosen not in (*STATUSES, "all"):
        chosen = "pending"
    plan_id = request.args.get("plan", type=int)
    page = changes.list_change_requests(actor, changes.ChangeFilters(
        status=None if chosen == "all" else chosen, plan=plan_id),
        page=1, page_size=100)
    items = [(item, _lines(item)) for item in page.items]
    body = render_template(
        "web/change_requests.html", items=items, chosen=chosen, plan_id=plan_id,
        total=page.total, can_decide=actor.is_admin or actor.is_department,
        errors=errors or {}, comments=comments or {}, statuses=changes.STATUS_WORDS,
        kinds=changes.KIND_WORDS)
    return body, status


@bp.get("/change-requests")
def change_requests() -> tuple[str, int]:
    return _list_page()


@bp.post("/change-requests/<int:request_id>/<any(approve, reject):decision>")
def change_request_decide(request_id: int, decision: str) -> Page:
    actor = current_actor()
    comment = (request.form.get("comment") or "").strip()
    field = f"comment-{request_id}"
    problem = None
    if len(comment) > COMMENT_MAX:
        problem = "Kommentaren må højst være 10.000 tegn."
    elif has_control_characters(comment, multiline=True):
        problem = "Kommentaren må kun indeholde tekst, tabulatorer og linjeskift."
    elif decision == "reject" and not comment:
        problem = "Skriv, hvorfor ændringen afvises. Kommentaren sendes med afgørelsen."
    if problem is None:
        try:
            decide = changes.approve if decision == "approve" else changes.reject
            item = decide(actor, request_id, {"comment": comment})
        except NotFound:
            raise
        except Conflict as error:  # decided meanwhile, or the change clashes with the goal
            db.session.rollback()
            flash(error.message, "error")
            return redirect(url_for("web.change_requests"), code=303)
        except Invalid as error:
            db.session.rollback()
            problem = error.message
        else:
            flash(f"Ændringsanmodning nr. {item.id} for {item.plan.reference} "
                  f"{item.goal_code or ''} er "
                  + ("godkendt, og ændringen er gennemført." if decision == "approve"
                     else "afvist."), "info")
            return redirect(url_for("web.change_requests", status=request.args.get("status"),
                                    plan=request.args.get("plan")), code=303)
    return _list_page({field: problem}, {request_id: comment}, 422)

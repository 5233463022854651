"""Plans and goals in the browser: a new draft plan; adding, changing, reordering and
withdrawing a plan's goals with their indicators and milestones. Each page writes through
the same domain services, scoping and audit as the API (``POST /api/v1/plans``,
``POST /plans/{id}/goals``, ``PATCH /goals/{id}``, ``POST /goals/{id}/withdraw``); a change
to an approved plan asks for the reason, as the API does. Only a department or an
administrator gets the forms; the institution's role reads."""

from __future__ import annotations

from typing import Any

from flask import flash, redirect, render_template, request, url_for
from werkzeug.wrappers import Response

from service.domain import goals as goal_service
from service.domain import plans
from service.domain.actors import Actor
from service.domain.common import require
from service.domain.errors import Conflict, Invalid
from service.domain.models import Goal, Plan
from service.domain.validation import known_task_types
from service.extensions import db
from service.vocabulary import (
    CADENCE_LABELS,
    DIRECTION_LABELS,
    GOAL_TYPE_LABELS,
    NATURE_LABELS,
    TASK_TYPE_LABELS,
    PlanStatus,
)
from service.web import bp, queries
from service.web.auth import current_actor
from service.web.findinglinks import linked_findings
from service.web.goalform import Form, field_id, goal_form, goal_values, plan_form, reason

MAX_BLANK_ROWS = 5
Page = Response | tuple[str, int]


def _writer() -> Actor:
    """The signed-in actor, if a department or an administrator (others: the 403 page)."""
    actor = current_actor()
    require(actor.is_admin or actor.is_department,
            "Kun departementet eller en administrator kan oprette og ændre planer og mål.")
    return actor


def _to_plan(plan_id: int, anchor: str | None = None) -> Response:
    return redirect(url_for("web.plan", plan_id=plan_id, _anchor=anchor), code=303)


def _closed(plan: Plan) -> Response | None:
    """A closed plan takes no changes: said on its page."""
    if plan.status == PlanStatus.CLOSED:
        flash("Planen er lukket og kan ikke længere ændres.", "error")
        return _to_plan(plan.id)
    return None


def _domain_error(form: Form, error: Invalid | Conflict, known: set[str],
                  fallback: str) -> None:
    """A domain refusal beside the field it names (or the form's section)."""
    name = field_id(error.field) if error.field else fallback
    if name not in known and not name.startswith(("indicators-", "milestones-")):
        name = fallback
    form.errors[name] = error.message


@bp.route("/plans/new", methods=["GET", "POST"])
def plan_new() -> Page:
    """A new draft plan, as ``POST /api/v1/plans`` creates it."""
    actor = _writer()
    institutions = queries.institutions(actor)
    form = Form(values={"followup_cadence": "half-yearly",
                        "institution": request.args.get("institution", "")})
    if request.method == "POST":
        form = plan_form(request.form, {i.code for i in institutions})
        if not form.errors:
            try:
                plan = plans.create_plan(actor, form.data)
            except (Invalid, Conflict) as error:
                _domain_error(form, error, {"institution", "title", "period_start",
                                            "period_end"}, "title")
            else:
                flash(f"Planen {plan.reference} er oprettet som kladde. Tilføj nu planens mål.",
                      "info")
                return redirect(url_for("web.goal_new", plan_id=plan.id), code=303)
    body = render_template("web/plan_new.html", form=form, institutions=institutions,
                           cadences=CADENCE_LABELS)
    return body, 422 if form.errors else 200


def _task_types(plan: Plan) -> dict[str, str]:
    return {code: TASK_TYPE_LABELS.get(code, code)
            for code in sorted(known_task_types(plan.institution.ministry),
                               key=lambda c: (c not in TASK_TYPE_LABELS, c))}


def _blanks(name: str) -> int:
    try:
        count = int(request.form.get(f"{name}_blanks", "1"))
    except ValueError:
        count = 1
    if request.form.get("add") == name:
        count += 1
    return max(1, min(count, MAX_BLANK_ROWS))


def goal_page(plan: Plan, form: Form, status: int = 200) -> tuple[str, int]:
    """The form of a new goal proposed for an approved plan."""
    return _goal_page(plan, None, form, status, proposing=True)


def task_types(plan: Plan) -> dict[str, str]:
    return _task_types(plan)


def domain_error(form: Form, error: Invalid | Conflict) -> None:
    _domain_error(form, error, GOAL_KNOWN, "goal-fields")


GOAL_KNOWN = {"code", "title", "description", "task_type", "goal_type", "nature",
              "success_criterion", "deadline", "owner", "politically_fixed", "reason",
              "indicators", "milestones"}


def _goal_page(plan: Plan, goal: Goal | None, form: Form, status: int = 200, *,
               proposing: bool = False) -> tuple[str, int]:
    """The goal form; ``proposing``: a new goal asked for by a change request
    (``service.web.changes``)."""
    locked = bool(goal is not None and goal.politically_fixed
                  and plan.status != PlanStatus.DRAFT)
    adding = request.form.get("add") if request.method == "POST" else None
    body = render_template(
        "web/goal_form.html", plan=plan, goal=goal, form=form,
        findings=linked_findings(plan, goal), task_types=_task_types(plan),
        goal_types=GOAL_TYPE_LABELS, natures=NATURE_LABELS, directions=DIRECTION_LABELS,
        reason_required=plan.status == PlanStatus.APPROVED, locked=locked,
        indicator_blanks=0 if locked else _blanks("indicator"),
        milestone_blanks=_blanks("milestone"), adding=adding, proposing=proposing,
    )
    return body, status


def _save_goal(actor: Actor, plan: Plan, goal: Goal | None) -> Page:
    approved = plan.status == PlanStatus.APPROVED
    form = goal_form(request.form, _task_types(plan), reason_required=approved)
    if request.form.get("add") in ("indicator", "milestone"):
        form.errors = {}  # another empty line asked for: nothing saved, nothing judged yet
        return _goal_page(plan, goal, form)
    if form.errors:
        return _goal_page(plan, goal, form, 422)
    data: dict[str, Any] = dict(form.data)
    if not approved:
        data.pop("reason", None)
    try:
        if goal is None:
            goal = goal_service.create_goal(actor, plan, data)
            done = f"Målet {goal.code} er tilføjet planen."
        else:
            goal = goal_service.update_goal(actor, goal, data)
            done = f"Målet {goal.code} er gemt."
    except (Invalid, Conflict) as error:
        db.session.rollback()
        _domain_error(form, error, GOAL_KNOWN, "goal-fields")
        fresh = plans.get_plan(actor, plan.id, with_goals=True)
        current = None if goal is None else next(
            (g for g in fresh.goals if g.id == goal.id), None)
        return _goal_page(fresh, current, form, 422 if isinstance(error, Invalid) else 409)
    if approved:
        done += " Ændringen og begrundelsen står i planens ændringslog."
    flash(done + " Se valideringen ved siden af formularen.", "info")
    return redirect(url_for("web.goal_edit", goal_id=goal.id), code=303)


@bp.route("/plans/<int:plan_id>/goals/new", methods=["GET", "POST"])
def goal_new(plan_id: int) -> Page:
    """A new goal in the plan, as ``POST /api/v1/plans/{id}/goals`` adds it."""
    actor = _writer()
    plan = plans.get_plan(actor, plan_id, with_goals=True)
    if (closed := _closed(plan)) is not None:
        return closed
    if request.method == "POST":
        return _save_goal(actor, plan, None)
    return _goal_page(plan, None, Form(values=goal_values(None)))


@bp.route("/goals/<int:goal_id>/edit", methods=["GET", "POST"])
def goal_edit(goal_id: int) -> Page:
    """A goal's fields, indicators and milestones, as ``PATCH /api/v1/goals/{id}`` takes
    them (the lists replace the goal's)."""
    actor = _writer()
    goal = goal_service.get_goal(actor, goal_id)
    plan = plans.get_plan(actor, goal.plan_id, with_goals=True)
    goal = next(g for g in plan.goals if g.id == goal_id)
    if (closed := _closed(plan)) is not None:
        return closed
    if request.method == "POST":
        return _save_goal(actor, plan, goal)
    return _goal_page(plan, goal, Form(values=goal_values(goal)))


@bp.route("/plans/<int:plan_id>/goals/order", methods=["GET", "POST"])
def goal_order(plan_id: int) -> Page:
    """The plan's goals in order, each with buttons to move it up or down (no script)."""
    actor = _writer()
    plan = plans.get_plan(actor, plan_id, with_goals=True)
    if (closed := _closed(plan)) is not None:
        return closed
    approved = plan.status == PlanStatus.APPROVED
    form = Form(values={})
    moved = None
    if request.method == "POST":
        reason(form, request.form, approved)
        goal_text, _, way = (request.form.get("move") or "").partition(":")
        goal = next((g for g in plan.goals if str(g.id) == goal_text), None)
        if goal is None or way not in ("up", "down"):
            form.errors.setdefault("order", "Vælg et mål, der skal flyttes.")
        if not form.errors and goal is not None:
            try:
                goal_service.move_goal(actor, goal, -1 if way == "up" else 1,
                                       form.data.get("reason") if approved else None)
            except (Invalid, Conflict) as error:
                _domain_error(form, error, {"reason"}, "order")
            else:
                flash(f"Målet {goal.code} er flyttet {'op' if way == 'up' else 'ned'}."
                      + (" Ændringen og begrundelsen står i planens ændringslog."
                         if approved else ""), "info")
                return redirect(url_for("web.goal_order", plan_id=plan.id,
                                        moved=goal.id, _anchor=f"order-{goal.code}"), code=303)
    else:
        moved = request.args.get("moved", type=int)
    body = render_template("web/goal_order.html", plan=plan, form=form,
                           reason_required=approved, moved=moved,
                           findings=linked_findings(plan))
    return body, 422 if form.errors else 200


@bp.route("/goals/<int:goal_id>/withdraw", methods=["GET", "POST"])
def goal_withdraw(goal_id: int) -> Page:
    """Withdrawing a goal: what it means, the reason (always required), confirm; as
    ``POST /api/v1/goals/{id}/withdraw``."""
    actor = _writer()
    goal = goal_service.get_goal(actor, goal_id)
    plan = plans.get_plan(actor, goal.plan_id, with_goals=True)
    if (closed := _closed(plan)) is not None:
        return closed
    if goal.status == "withdrawn":
        flash(f"Målet {goal.code} er allerede udgået.", "error")
        return _to_plan(plan.id, f"goal-{goal.code}")
    form = Form(values={})
    if request.method == "POST":
        reason(form, request.form, True, "Skriv, hvorfor målet udgår.")
        if not form.errors:
            try:
                goal_service.withdraw_goal(actor, goal, form.data["reason"])
            except (Invalid, Conflict) as error:
                _domain_error(form, error, {"reason"}, "reason")
            else:
                flash(f"Målet {goal.code} er udgået. Begrundelsen står i planens ændringslog.",
                      "info")
                return _to_plan(plan.id, f"goal-{goal.code}")
    body = render_template("web/goal_withdraw.html", plan=plan, goal=goal, form=form)
    return body, 422 if form.errors else 200

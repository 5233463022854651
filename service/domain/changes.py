"""Change requests (DESIGN section 13): for an approved plan, the institution (its own
plans) or the department proposes a change to a goal (a partial body as
``PATCH /goals/{id}`` takes it), its withdrawal, or a new goal, with a reason; the
department (or an admin) approves it with a comment, which applies the change through the
same domain code as a direct edit (so it is validated the same way) and audits it with the
request's reason, or rejects it with a comment saying why.

Of two decisions on one request at once, one wins: the request is read again under its
lock and only a pending one is decided; the other gets a :class:`Conflict`."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import joinedload

from service.clock import utcnow
from service.domain import audit, goals, scoping
from service.domain.actors import Actor
from service.domain.change_records import plain
from service.domain.common import commit, locked, require
from service.domain.errors import Conflict, Invalid, NotFound
from service.domain.models import ChangeRequest, Goal, Institution, Plan
from service.domain.models.changes import (
    APPROVED,
    CHANGE,
    NEW_GOAL,
    PENDING,
    REJECTED,
    WITHDRAW,
)
from service.domain.pagination import Page, paginate
from service.extensions import db
from service.vocabulary import GoalState, PlanStatus

STATUS_WORDS = {PENDING: "Afventer", APPROVED: "Godkendt", REJECTED: "Afvist"}
KIND_WORDS = {CHANGE: "Ændring af mål", WITHDRAW: "Målet udgår", NEW_GOAL: "Nyt mål"}


@dataclass(frozen=True)
class ChangeFilters:
    status: str | None = None
    plan: int | None = None
    institution: str | None = None
    #: only those the department asked for or made (False) or not (True); None: all
    direct: bool | None = None


def _text(value: object) -> str:
    return str(value or "").strip()


def _check_requestable(actor: Actor, plan: Plan) -> None:
    require(actor.is_admin or actor.is_department or actor.is_institution,
            "Du kan ikke foreslå ændringer.")
    if plan.status != PlanStatus.APPROVED:
        raise Conflict("Der kan kun foreslås ændringer til en godkendt plan; en kladde "
                       "ændres direkte, og en lukket plan ændres ikke.", field="plan")


def _reason(data: dict[str, Any]) -> str:
    reason = _text(data.get("reason"))
    if not reason:
        raise Invalid("Angiv en begrundelse for ændringen (feltet reason).", field="reason")
    return reason


def _new(actor: Actor, plan: Plan, goal: Goal | None, kind: str, changes: dict[str, Any],
         reason: str) -> ChangeRequest:
    request = ChangeRequest(
        plan=plan, goal=goal, goal_code=goal.code if goal else changes.get("code"),
        kind=kind, changes=plain(changes), reason=reason, status=PENDING,
        requested_by=actor.name[:320], requested_by_email=actor.email, requested_at=utcnow(),
    )
    db.session.add(request)
    db.session.flush()
    audit.record(actor, plan=plan, entity="change", entity_id=request.id, action="request",
                 after={"goal": request.goal_code, "kind": kind, "changes": request.changes},
                 reason=reason)
    commit()
    return request


def request_goal_change(actor: Actor, goal: Goal, data: dict[str, Any]) -> ChangeRequest:
    """``data``: ``{"changes": {…} or {"withdraw": true}, "reason"}``."""
    plan = goal.plan
    _check_requestable(actor, plan)
    reason = _reason(data)
    changes = dict(data.get("changes") or {})
    changes.pop("reason", None)
    if goal.status == GoalState.WITHDRAWN:
        raise Conflict("Målet er udgået og kan ikke ændres.", field="goal")
    if changes.get("withdraw"):
        if len(changes) > 1:
            raise Invalid("En anmodning om at lade målet udgå kan ikke også ændre målet.",
                          field="changes")
        return _new(actor, plan, goal, WITHDRAW, {"withdraw": True}, reason)
    changes.pop("withdraw", None)
    if not changes:
        raise Invalid("Angiv, hvad der skal ændres (feltet changes).", field="changes")
    if "code" in changes and changes["code"] != goal.code:
        raise Conflict("Koden på et mål i en godkendt plan kan ikke ændres.",
                       field="changes.code")
    try:
        goals.check_politically_fixed(goal, changes)
    except Conflict as error:
        raise Conflict(error.message, field=f"changes.{error.field}") from error
    return _new(actor, plan, goal, CHANGE, changes, reason)


def request_new_goal(actor: Actor, plan: Plan, data: dict[str, Any]) -> ChangeRequest:
    """``data``: ``{"goal": {…as POST /plans/{id}/goals…}, "reason"}``."""
    _check_requestable(actor, plan)
    reason = _reason(data)
    body = dict(data.get("goal") or {})
    body.pop("reason", None)
    return _new(actor, plan, None, NEW_GOAL, body, reason)


def _query(actor: Actor) -> Any:
    plans = scoping.plans(actor, select(Plan.id))
    return (select(ChangeRequest)
            .where(ChangeRequest.plan_id.in_(plans.scalar_subquery()))
            .options(joinedload(ChangeRequest.plan, innerjoin=True)
                     .joinedload(Plan.institution, innerjoin=True),
                     joinedload(ChangeRequest.goal)))


def list_change_requests(actor: Actor, filters: ChangeFilters, page: int = 1,
                         page_size: int = 20) -> Page[ChangeRequest]:
    stmt = _query(actor)
    if filters.status:
        stmt = stmt.where(ChangeRequest.status == filters.status)
    if filters.plan is not None:
        stmt = stmt.where(ChangeRequest.plan_id == filters.plan)
    if filters.institution:
        stmt = stmt.where(ChangeRequest.plan_id.in_(
            select(Plan.id).join(Plan.institution)
            .where(Institution.code == filters.institution.strip().upper())
            .scalar_subquery()))
    if filters.direct is not None:
        stmt = stmt.where(ChangeRequest.direct.is_(filters.direct))
    return paginate(stmt.order_by(ChangeRequest.requested_at.desc(), ChangeRequest.id.desc()),
                    page, page_size)


def get_change_request(actor: Actor, request_id: int) -> ChangeRequest:
    found = db.session.scalar(_query(actor).where(ChangeRequest.id == request_id))
    if found is None:
        raise NotFound("Ændringsanmodningen findes ikke.")
    return found


def _typed(changes: dict[str, Any]) -> dict[str, Any]:
    """The stored changes as the domain takes them (dates as dates)."""
    data = dict(changes)
    if data.get("deadline"):
        data["deadline"] = date.fromisoformat(data["deadline"])
    if data.get("milestones"):
        data["milestones"] = [
            {**m, "due_date": date.fromisoformat(m["due_date"]) if m.get("due_date") else None}
            for m in data["milestones"]]
    return data


def _decide(actor: Actor, request_id: int) -> ChangeRequest:
    """The request, read again under its lock; only a pending one may be decided."""
    request = get_change_request(actor, request_id)  # another tenant's: 404 first
    require(actor.is_admin or actor.is_department,
            "Kun departementet kan godkende eller afvise en ændringsanmodning.")
    if locked(select(ChangeRequest).where(ChangeRequest.id == request.id)) is None:
        raise NotFound("Ændringsanmodningen findes ikke.")
    if request.status != PENDING:
        raise Conflict(f"Ændringsanmodningen er allerede {STATUS_WORDS[request.status].lower()}.",
                       field="status")
    return request


def _decided(actor: Actor, request: ChangeRequest, status: str, comment: str) -> None:
    request.status = status
    request.decided_by = actor.name[:320]
    request.decided_by_email = actor.email
    request.decided_at = utcnow()
    request.comment = comment or None


def approve(actor: Actor, request_id: int, data: dict[str, Any]) -> ChangeRequest:
    """Apply the request's change, audited with its reason; the decision with its comment."""
    request = _decide(actor, request_id)
    # two approved changes to one goal at once: the second applies to what the first made
    # (its target history included)
    if (request.goal_id is not None
            and locked(select(Goal).where(Goal.id == request.goal_id)) is None):
        raise NotFound("Målet findes ikke længere.")
    comment = _text(data.get("comment"))
    _decided(actor, request, APPROVED, comment)
    audit.record(actor, plan=request.plan, entity="change", entity_id=request.id,
                 action="approve", before={"status": PENDING}, after={"status": APPROVED},
                 reason=comment or None)
    try:
        if request.kind == NEW_GOAL:
            plan = request.plan
            goals.create_goal(actor, plan, {**_typed(request.changes), "reason": request.reason},
                              change_request=request)
        else:
            goal = request.goal
            if goal is None:
                raise NotFound("Målet findes ikke længere.")
            if request.kind == WITHDRAW:
                goals.withdraw_goal(actor, goal, request.reason or "", change_request=request)
            else:
                goals.update_goal(actor, goal,
                                  {**_typed(request.changes), "reason": request.reason},
                                  change_request=request)
    except Exception:
        db.session.rollback()
        raise
    return request


def reject(actor: Actor, request_id: int, data: dict[str, Any]) -> ChangeRequest:
    """Refuse the request; the comment (required) says why."""
    comment = _text(data.get("comment"))
    if not comment:
        get_change_request(actor, request_id)  # another tenant's: 404, not what is missing
        require(actor.is_admin or actor.is_department,
                "Kun departementet kan godkende eller afvise en ændringsanmodning.")
        raise Invalid("Skriv, hvorfor ændringen afvises (feltet comment).", field="comment")
    request = _decide(actor, request_id)
    _decided(actor, request, REJECTED, comment)
    audit.record(actor, plan=request.plan, entity="change", entity_id=request.id,
                 action="reject", before={"status": PENDING}, after={"status": REJECTED},
                 reason=comment)
    commit()
    return request


def year_changes(plan: Plan, year: int) -> list[ChangeRequest]:
    """The changes made to the plan's goals during ``year``, in the order they were made."""
    requests = db.session.scalars(
        select(ChangeRequest)
        .where(ChangeRequest.plan_id == plan.id, ChangeRequest.status == APPROVED)
        .order_by(ChangeRequest.decided_at, ChangeRequest.id)
    )
    return [r for r in requests if r.decided_at is not None and r.decided_at.year == year]

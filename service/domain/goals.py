"""Goals with their indicators and milestones: adding, changing, withdrawing them."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import joinedload, selectinload

from service.domain import audit, change_records, scoping, targets
from service.domain.actors import Actor
from service.domain.attainment import MAX_WEIGHT
from service.domain.common import commit, flush, locked
from service.domain.errors import Conflict, Invalid, NotFound
from service.domain.history import check_previous_goal, release
from service.domain.models import (
    ChangeRequest,
    Goal,
    Indicator,
    Institution,
    Milestone,
    Ministry,
    Plan,
)
from service.domain.pagination import Page, paginate
from service.domain.plans import check_editable
from service.extensions import db
from service.vocabulary import GoalState, PlanStatus, format_number

#: what a caller sets on a goal: the audited fields less those with rules of their own (the
#: code, checked for uniqueness) and those the server owns (status, withdrawal)
GOAL_FIELDS = tuple(
    name for name in audit.GOAL_FIELDS if name not in {"code", "status", "withdrawn_reason"}
)
GOAL_CODE_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,19}$")
LOADS = (selectinload(Goal.indicators), selectinload(Goal.milestones))


@dataclass(frozen=True)
class GoalFilters:
    ministry: str | None = None
    institution: str | None = None
    plan: int | None = None
    year: int | None = None
    task_type: str | None = None
    goal_type: str | None = None
    status: str | None = None


def list_goals(
    actor: Actor, filters: GoalFilters, page: int = 1, page_size: int = 20
) -> Page[Goal]:
    plans = scoping.plans(actor, select(Plan.id))
    narrowed = not actor.is_admin
    if filters.plan is not None:
        plans = plans.where(Plan.id == filters.plan)
    if filters.year is not None:
        plans = plans.where(Plan.period_start <= filters.year, Plan.period_end >= filters.year)
    if filters.ministry or filters.institution:
        plans = plans.join(Plan.institution)
    if filters.ministry:
        plans = plans.join(Institution.ministry).where(Ministry.code == filters.ministry.upper())
    if filters.institution:
        plans = plans.where(Institution.code == filters.institution.upper())
    narrowed = narrowed or any(
        v is not None for v in (filters.plan, filters.year, filters.ministry, filters.institution)
    )
    stmt = select(Goal)
    if narrowed:  # an admin without plan filters sees every goal: no subquery to walk
        stmt = stmt.where(Goal.plan_id.in_(plans.scalar_subquery()))
    if filters.task_type:
        stmt = stmt.where(Goal.task_type == filters.task_type)
    if filters.goal_type:
        stmt = stmt.where(Goal.goal_type == filters.goal_type)
    if filters.status:
        stmt = stmt.where(Goal.status == filters.status)
    stmt = stmt.order_by(Goal.plan_id, Goal.position, Goal.id)
    # the plan (many-to-one, read for its reference) rides on the page's own statement
    return paginate(stmt, page, page_size, (*LOADS, joinedload(Goal.plan, innerjoin=True)))


def get_goal(actor: Actor, goal_id: int) -> Goal:
    plans = scoping.plans(actor, select(Plan.id))
    stmt = (
        select(Goal)
        .where(Goal.id == goal_id, Goal.plan_id.in_(plans.scalar_subquery()))
        .options(*LOADS)
    )
    goal = db.session.scalar(stmt)
    if goal is None:
        raise NotFound("Målet findes ikke.")
    return goal


def _check_task_type(plan: Plan, task_type: str) -> None:
    from service.domain.validation import known_task_types

    known = known_task_types(plan.institution.ministry)
    if task_type not in known:
        raise Invalid(
            f"Ukendt opgavetype {task_type!r}. Brug en af: {', '.join(sorted(known))}.",
            field="task_type",
        )


def _next_code(codes: list[str]) -> str:
    numbers = [int(m[1]) for code in codes if (m := re.fullmatch(r"M(\d+)", code))]
    return f"M{max(numbers, default=0) + 1}"


def _lock_codes(plan: Plan, goal: Goal | None = None) -> list[str]:
    """The codes of the plan's goals (less ``goal``'s), read under the plan's lock: a
    plan's codes are given one at a time, so two goals added at once cannot both take one
    (the unique key on plan and code holds it in the database too)."""
    if locked(select(Plan).where(Plan.id == plan.id)) is None:
        raise NotFound("Planen findes ikke.")
    stmt = select(Goal.code).where(Goal.plan_id == plan.id)
    if goal is not None:
        stmt = stmt.where(Goal.id != goal.id)
    return list(db.session.scalars(stmt))


def _lock(goal: Goal) -> None:
    """Read ``goal`` again under its lock, for a change that must happen once."""
    if locked(select(Goal).where(Goal.id == goal.id)) is None:
        raise NotFound("Målet findes ikke.")


def _taken(code: str) -> Conflict:
    return Conflict(f"Planen har allerede et mål med koden {code}.", field="code")


def _set_children(goal: Goal, data: dict[str, Any], change_request: int | None = None) -> None:
    """Replace the lists given; the indicators keep their target history (``targets``)."""
    if "indicators" in data:
        old = list(goal.indicators)
        goal.indicators = [Indicator(position=i, **ind) for i, ind in enumerate(data["indicators"])]
        targets.carry(goal.plan, old, goal.indicators, change_request)
    if "milestones" in data:
        goal.milestones = [Milestone(position=i, **ms) for i, ms in enumerate(data["milestones"])]


def _check_weight(data: dict[str, Any]) -> None:
    """A goal's points: none, or a whole number from 0 to ``MAX_WEIGHT``."""
    weight = data.get("weight")
    if weight is None:
        return
    if isinstance(weight, bool) or not isinstance(weight, int) or not 0 <= weight <= MAX_WEIGHT:
        raise Invalid("Vægtningen skal være et helt antal point fra 0 til "
                      f"{format_number(MAX_WEIGHT)}, fx 15.", field="weight")


def _check_deadline_field(data: dict[str, Any]) -> None:
    for i, ind in enumerate(data.get("indicators") or []):
        if ind.get("baseline_year") is not None and not 1900 <= ind["baseline_year"] <= 2200:
            raise Invalid("Basisåret skal være et årstal.", field=f"indicators.{i}.baseline_year")


def create_goal(actor: Actor, plan: Plan, data: dict[str, Any],
                change_request: ChangeRequest | None = None) -> Goal:
    """Add a goal. To an approved plan: by a department or admin with a reason, kept as a
    change during the year (``change_request``: the approved request it carries out; else
    one is recorded as made directly)."""
    reason = data.get("reason")
    check_editable(actor, plan, reason)
    given = (data.get("code") or "").strip()
    if given and not GOAL_CODE_RE.match(given):
        raise Invalid("Målets kode skal være kort, fx M1.", field="code")
    codes = _lock_codes(plan)
    check_editable(actor, plan, reason)  # as the plan is now, after the lock
    code = given or _next_code(codes)
    if any(c.lower() == code.lower() for c in codes):
        raise _taken(code)
    _check_task_type(plan, data["task_type"])
    _check_deadline_field(data)
    _check_weight(data)
    position = (db.session.scalar(
        select(func.max(Goal.position)).where(Goal.plan_id == plan.id)
    ) or 0) + 1
    previous = check_previous_goal(plan, None, data.get("previous_goal_id"))
    record = change_records.begin(actor, plan, None, change_records.NEW_GOAL, data, reason,
                                  change_request)
    goal = Goal(plan=plan, code=code, position=position, status=GoalState.ACTIVE.value,
                previous_goal_id=previous)
    for name in GOAL_FIELDS:
        if name in data:
            setattr(goal, name, data[name])
    _set_children(goal, data, record.id if record else None)
    db.session.add(goal)
    flush(lambda e: _taken(code))
    after = audit.goal_snapshot(goal)
    change_records.finish(record, goal, {}, after)
    audit.record(
        actor, plan=plan, entity="goal", entity_id=goal.id, action="create",
        after=after, reason=reason,
    )
    commit(lambda e: _taken(code))
    return goal


def _targets(goal: Goal) -> list[float | None]:
    return [i.target for i in goal.indicators]


def check_politically_fixed(goal: Goal, data: dict[str, Any]) -> None:
    """A political result requirement's target and success criterion are locked once the
    plan is approved."""
    if not goal.politically_fixed or goal.plan.status == PlanStatus.DRAFT:
        return
    locked = "Målet er et politisk fastsat resultatkrav i en godkendt plan"
    if "politically_fixed" in data and not data["politically_fixed"]:
        raise Conflict(
            f"{locked}; det kan ikke gøres til et almindeligt mål.", field="politically_fixed"
        )
    if "success_criterion" in data and data["success_criterion"] != goal.success_criterion:
        raise Conflict(
            f"{locked}; succeskriteriet kan ikke ændres. Tilbagekald målet og opret et nyt, "
            "hvis kravet er ændret politisk.",
            field="success_criterion",
        )
    if "indicators" in data:
        old_targets = _targets(goal)
        new_targets = [ind.get("target") for ind in data["indicators"]]
        if new_targets != old_targets:
            if len(new_targets) != len(old_targets):
                field = "indicators"  # an indicator added or removed moves the targets
            else:
                i = next(i for i, (a, b) in enumerate(zip(old_targets, new_targets, strict=True))
                         if a != b)
                field = f"indicators.{i}.target"
            raise Conflict(f"{locked}; målværdien kan ikke ændres.", field=field)


def update_goal(actor: Actor, goal: Goal, data: dict[str, Any],
                change_request: ChangeRequest | None = None) -> Goal:
    """Change a goal. A change to an approved plan's goal is kept as a change during the
    year (``change_request``: the approved request it carries out; else one is recorded as
    made directly by the department)."""
    plan = goal.plan
    reason = data.get("reason")
    check_editable(actor, plan, reason)
    check_politically_fixed(goal, data)
    if "code" in data and data["code"] != goal.code:
        code = data["code"].strip()
        if not GOAL_CODE_RE.match(code):
            raise Invalid("Målets kode skal være kort, fx M1.", field="code")
        if plan.status != PlanStatus.DRAFT:
            raise Conflict("Koden på et mål i en godkendt plan kan ikke ændres.", field="code")
        codes = _lock_codes(plan, goal)
        if plan.status != PlanStatus.DRAFT:  # approved while the lock was awaited
            raise Conflict("Koden på et mål i en godkendt plan kan ikke ændres.", field="code")
        if any(c.lower() == code.lower() for c in codes):
            raise _taken(code)
        goal.code = code
    if "task_type" in data and data["task_type"] != goal.task_type:
        _check_task_type(plan, data["task_type"])
    _check_deadline_field(data)
    _check_weight(data)
    before = audit.goal_snapshot(goal)
    if "previous_goal_id" in data:
        goal.previous_goal_id = check_previous_goal(plan, goal, data["previous_goal_id"])
    record = change_records.begin(actor, plan, goal, change_records.CHANGE, data, reason,
                                  change_request)
    for name in GOAL_FIELDS:
        if name in data:
            setattr(goal, name, data[name])
    _set_children(goal, data, record.id if record else None)
    flush(lambda e: _taken(goal.code))
    after = audit.goal_snapshot(goal)
    change_records.finish(record, goal, before, after)
    if before != after:
        audit.record(
            actor, plan=plan, entity="goal", entity_id=goal.id, action="update",
            before=before, after=after, reason=reason,
        )
    commit()
    return goal


def withdraw_goal(actor: Actor, goal: Goal, reason: str,
                  change_request: ChangeRequest | None = None) -> Goal:
    """Withdrawing keeps the goal, marked withdrawn with its reason; in an approved plan it
    is a change during the year, as :func:`update_goal` keeps it."""
    if not (reason and reason.strip()):
        raise Invalid("Angiv hvorfor målet udgår (feltet reason).", field="reason")
    check_editable(actor, goal.plan, reason)
    _lock(goal)  # of two withdrawals at once, the second finds the goal withdrawn
    if goal.status == GoalState.WITHDRAWN:
        raise Conflict("Målet er allerede udgået.", field="status")
    before = audit.goal_snapshot(goal)
    record = change_records.begin(actor, goal.plan, goal, change_records.WITHDRAW,
                                  {"withdraw": True}, reason, change_request)
    goal.status = GoalState.WITHDRAWN.value
    goal.withdrawn_reason = reason.strip()
    after = audit.goal_snapshot(goal)
    change_records.finish(record, goal, before, after)
    audit.record(
        actor, plan=goal.plan, entity="goal", entity_id=goal.id, action="withdraw",
        before=before, after=after, reason=reason,
    )
    commit()
    return goal


def delete_goal(actor: Actor, goal: Goal) -> None:
    plan = goal.plan
    if plan.status == PlanStatus.APPROVED and not actor.is_institution:
        # a reason would not help: a goal of an approved plan is withdrawn, never deleted
        raise Conflict(
            "Et mål i en godkendt plan kan ikke slettes; lad det udgå i stedet (withdraw).",
            field="status",
        )
    check_editable(actor, plan, None)
    _lock(goal)  # of two deletions at once, the second finds no goal (404)
    release(actor, [goal.id])
    audit.record(
        actor, plan=plan, entity="goal", entity_id=goal.id, action="delete",
        before=audit.goal_snapshot(goal),
    )
    db.session.delete(goal)
    commit()


def move_goal(actor: Actor, goal: Goal, offset: int, reason: str | None = None) -> Goal:
    """Move ``goal`` ``offset`` places in its plan's order (-1: up, 1: down), with the same
    rules as any change of the plan (an approved plan's needs a reason) and audited. The
    plan's goals are numbered 1, 2, … afresh under the plan's lock."""
    plan = goal.plan
    check_editable(actor, plan, reason)
    if locked(select(Plan).where(Plan.id == plan.id)) is None:
        raise NotFound("Planen findes ikke.")
    check_editable(actor, plan, reason)  # as the plan is now, after the lock
    order = list(db.session.scalars(
        select(Goal).where(Goal.plan_id == plan.id).order_by(Goal.position, Goal.id)))
    index = next((i for i, g in enumerate(order) if g.id == goal.id), None)
    if index is None:
        raise NotFound("Målet findes ikke.")
    target = index + offset
    if not 0 <= target < len(order):
        raise Conflict("Målet står allerede " + ("først." if offset < 0 else "sidst."),
                       field="position")
    order.insert(target, order.pop(index))
    for position, each in enumerate(order, start=1):
        each.position = position
    audit.record(
        actor, plan=plan, entity="goal", entity_id=goal.id, action="move",
        before={"position": index + 1}, after={"position": target + 1}, reason=reason,
    )
    commit()
    return goal

"""Recording changes: snapshots of plans and goals, and audit events."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import select

from service.domain.actors import Actor
from service.domain.models import AuditEvent, Goal, Institution, Plan
from service.domain.pagination import Page, paginate
from service.extensions import db

PLAN_FIELDS = (
    "title",
    "period_start",
    "period_end",
    "top_manager_name",
    "top_manager_title",
    "followup_cadence",
    "status",
    "approved_at",
    "approved_by",
    "closed_at",
)
GOAL_FIELDS = (
    "code",
    "title",
    "description",
    "task_type",
    "goal_type",
    "nature",
    "success_criterion",
    "deadline",
    "politically_fixed",
    "owner",
    "weight",
    "status",
    "withdrawn_reason",
)
INDICATOR_FIELDS = (
    "name",
    "unit",
    "baseline",
    "baseline_year",
    "target",
    "direction",
    "data_source",
)
MILESTONE_FIELDS = ("title", "due_date", "done")


def _plain(value: Any) -> Any:
    if isinstance(value, date | datetime):
        return value.isoformat()
    return value


def plan_snapshot(plan: Plan) -> dict[str, Any]:
    return {name: _plain(getattr(plan, name)) for name in PLAN_FIELDS}


def goal_snapshot(goal: Goal) -> dict[str, Any]:
    snap = {name: _plain(getattr(goal, name)) for name in GOAL_FIELDS}
    snap["indicators"] = [
        {name: _plain(getattr(i, name)) for name in INDICATOR_FIELDS} for i in goal.indicators
    ]
    snap["milestones"] = [
        {name: _plain(getattr(m, name)) for name in MILESTONE_FIELDS} for m in goal.milestones
    ]
    if goal.previous_goal_id is not None:  # only when set: older snapshots lack the key
        previous = db.session.get(Goal, goal.previous_goal_id)
        snap["previous_goal"] = (f"{previous.plan.reference} {previous.code}" if previous
                                 else goal.previous_goal_id)
    return snap


def institution_snapshot(institution: Institution) -> dict[str, Any]:
    return {
        "code": institution.code,
        "name": institution.name,
        "ministry": institution.ministry.code if institution.ministry else None,
        "reporting_addresses": sorted(a.address for a in institution.addresses),
    }


def diff(before: dict[str, Any] | None, after: dict[str, Any] | None) -> tuple[dict, dict]:
    """Only the keys that changed, on each side."""
    before, after = before or {}, after or {}
    keys = [k for k in {**before, **after} if before.get(k) != after.get(k)]
    return {k: before.get(k) for k in keys}, {k: after.get(k) for k in keys}


def record(
    actor: Actor,
    *,
    plan: Plan,
    entity: str,
    entity_id: int,
    action: str,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    reason: str | None = None,
) -> AuditEvent:
    """Add an audit event to the session (the caller's transaction commits it)."""
    return _add(actor, plan.id, entity, entity_id, action, before, after, reason)


def _add(actor: Actor, plan_id: int | None, entity: str, entity_id: int, action: str,
         before: dict[str, Any] | None, after: dict[str, Any] | None,
         reason: str | None) -> AuditEvent:
    """The event, with only what changed when both sides are given, added to the session."""
    if before is not None and after is not None:
        before, after = diff(before, after)
    event = AuditEvent(
        actor=actor.name, actor_role=str(actor.role), actor_email=actor.email,
        plan_id=plan_id, entity=entity, entity_id=entity_id, action=action,
        before=before, after=after, reason=reason,
    )
    db.session.add(event)
    return event


def plan_events(plan: Plan, page: int = 1, page_size: int = 50) -> Page[AuditEvent]:
    stmt = select(AuditEvent).where(AuditEvent.plan_id == plan.id).order_by(AuditEvent.id)
    return paginate(stmt, page, page_size)


def last_event(plan: Plan, action: str) -> AuditEvent | None:
    """The plan's latest event of ``action`` on the plan itself (its closing, say)."""
    return db.session.scalar(
        select(AuditEvent)
        .where(AuditEvent.plan_id == plan.id, AuditEvent.entity == "plan",
               AuditEvent.action == action)
        .order_by(AuditEvent.id.desc())
        .limit(1)
    )


def record_other(
    actor: Actor,
    *,
    entity: str,
    entity_id: int,
    action: str,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    reason: str | None = None,
) -> AuditEvent:
    """An audit event about something other than a plan (an institution, an inbound mail):
    no plan, so it is in no plan's history. Added to the session like :func:`record`."""
    return _add(actor, None, entity, entity_id, action, before, after, reason)

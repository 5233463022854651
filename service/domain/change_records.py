"""Changes during the year (DESIGN section 13): every change to the goals of an approved
plan is a :class:`ChangeRequest` that ends approved, with what the goal was and became.
One asked for and approved is the request itself; one the department makes directly on the
goal is recorded here as it is made, approved at once, with the change's reason."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from service.clock import utcnow
from service.domain import audit
from service.domain.actors import Actor
from service.domain.models import ChangeRequest, Goal, Plan
from service.domain.models.changes import APPROVED, CHANGE, NEW_GOAL, WITHDRAW
from service.extensions import db
from service.vocabulary import PlanStatus

__all__ = ["CHANGE", "NEW_GOAL", "WITHDRAW", "begin", "finish", "plain"]


def plain(value: Any) -> Any:
    """``value`` as JSON holds it: dates as ISO text, the reason left out."""
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items() if k != "reason"}
    if isinstance(value, list | tuple):
        return [plain(v) for v in value]
    if isinstance(value, date | datetime):
        return value.isoformat()
    return value


def begin(actor: Actor, plan: Plan, goal: Goal | None, kind: str, data: dict[str, Any],
          reason: str | None, change_request: ChangeRequest | None) -> ChangeRequest | None:
    """The record of a change about to be made to ``goal`` (None: a new goal): the
    approved request carried out, or, in an approved plan, a new record of a direct change
    (flushed, so its id can mark the targets it sets). A draft's changes are not kept."""
    if change_request is not None:
        return change_request
    if plan.status != PlanStatus.APPROVED:
        return None
    now = utcnow()
    record = ChangeRequest(
        plan_id=plan.id, goal_id=goal.id if goal else None,
        goal_code=(goal.code if goal else (data.get("code") or None)), kind=kind,
        changes=plain(data), reason=(reason or "").strip() or None, status=APPROVED,
        direct=True, requested_by=actor.name[:320], requested_by_email=actor.email,
        requested_at=now, decided_by=actor.name[:320], decided_by_email=actor.email,
        decided_at=now,
    )
    db.session.add(record)
    db.session.flush()
    return record


def finish(record: ChangeRequest | None, goal: Goal, before: dict[str, Any],
           after: dict[str, Any]) -> None:
    """Keep on ``record`` what changed; a direct edit that changed nothing is no change."""
    if record is None:
        return
    old, new = audit.diff(before, after)
    if record.direct and not new:
        db.session.delete(record)
        return
    record.goal_id = goal.id
    record.goal_code = goal.code
    record.before, record.after = old, new

"""``close_plan`` and ``reopen_plan``: when a reason is required, who may, and a second
decision on a plan that has moved meanwhile."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select, update

from service.domain import plans
from service.domain.actors import SYSTEM, Actor
from service.domain.errors import Conflict, Forbidden, Invalid
from service.domain.models import AuditEvent, Plan
from service.extensions import db
from service.vocabulary import Role
from tests.support.factories import build_dst_plan

DEPARTMENT = Actor(name="Departementet", role=Role.DEPARTMENT, ministry_id=1)


@pytest.fixture
def plan(client, admin) -> Plan:
    """DST-2026, approved, 2026–2027."""
    return plans.get_plan(SYSTEM, build_dst_plan(client, admin)["id"])


def _actions(plan: Plan) -> list[tuple[str, str | None]]:
    return [(e.action, e.reason) for e in db.session.scalars(
        select(AuditEvent).where(AuditEvent.plan_id == plan.id).order_by(AuditEvent.id))]


@pytest.mark.parametrize("today", [date(2026, 12, 1), date(2027, 1, 1), date(2027, 12, 30)])
def test_before_the_last_day_closing_needs_a_reason(plan, today):
    for reason in (None, "", " \n "):
        with pytest.raises(Invalid) as caught:
            plans.close_plan(DEPARTMENT, plan, reason, today=today)
        assert caught.value.field == "reason"
        assert "31. december 2027" in caught.value.message
    db.session.expire_all()
    assert plan.status == "approved" and plan.closed_at is None


@pytest.mark.parametrize("today", [date(2027, 12, 31), date(2028, 3, 1)])
def test_from_the_last_day_the_reason_is_optional(plan, today):
    assert plans.period_over(plan, today)
    plans.close_plan(DEPARTMENT, plan, None, today=today)
    db.session.expire_all()
    assert plan.status == "closed" and plan.closed_at is not None
    assert _actions(plan)[-1] == ("close", None)


def test_a_reason_is_kept_and_reopening_restores_the_approval(plan):
    approved_at = plan.approved_at
    plans.close_plan(DEPARTMENT, plan, "  Erstattet  ", today=date(2026, 12, 1))
    with pytest.raises(Forbidden):
        plans.reopen_plan(DEPARTMENT, plan, "Fejl")
    with pytest.raises(Invalid) as caught:
        plans.reopen_plan(SYSTEM, plan, "  ")
    assert caught.value.field == "reason"
    plans.reopen_plan(SYSTEM, plan, "Lukket ved en fejl")
    db.session.expire_all()
    assert (plan.status, plan.closed_at, plan.approved_at) == ("approved", None, approved_at)
    assert _actions(plan)[-2:] == [("close", "Erstattet"), ("reopen", "Lukket ved en fejl")]
    with pytest.raises(Conflict):
        plans.reopen_plan(SYSTEM, plan, "Igen")


def test_a_plan_closed_meanwhile_is_not_closed_twice(plan):
    """The page was loaded while the plan was approved; a colleague closed it since."""
    assert plan.status == "approved"
    db.session.execute(update(Plan).where(Plan.id == plan.id).values(status="closed")
                       .execution_options(synchronize_session=False))
    assert plan.status == "approved"  # what this request read
    with pytest.raises(Conflict) as caught:
        plans.close_plan(DEPARTMENT, plan, "Slut")
    assert caught.value.field == "status"
    assert [a for a, _r in _actions(plan)].count("close") == 0

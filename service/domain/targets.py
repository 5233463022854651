"""Versioned targets (DESIGN section 13): an indicator keeps every target it has had, each
with the day it became valid and the change request that set it. The first target is valid
from the plan's start; a change to an approved plan adds one valid from the day it was made.
Computed status uses the target valid at the end of the reported period."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

from service.clock import utcnow
from service.domain.models import Indicator, Plan
from service.plugins.views import TargetVersion
from service.vocabulary import PlanStatus


def initial(target: float | None, plan: Plan) -> list[dict[str, Any]]:
    return [{"target": target, "valid_from": date(plan.period_start, 1, 1).isoformat(),
             "change_request": None}]


def history(indicator: Indicator, plan: Plan | None = None) -> list[dict[str, Any]]:
    """The indicator's targets, oldest first (at least its current one)."""
    if indicator.target_history:
        return [dict(entry) for entry in indicator.target_history]
    return initial(indicator.target, plan or indicator.goal.plan)


def versions(indicator: Indicator, plan: Plan | None = None) -> tuple[TargetVersion, ...]:
    return tuple(
        TargetVersion(target=e["target"], valid_from=date.fromisoformat(e["valid_from"]),
                      change_request=e.get("change_request"))
        for e in history(indicator, plan)
    )


def carry(plan: Plan, old: Sequence[Indicator], new: Sequence[Indicator],
          change_request: int | None) -> None:
    """Give the indicators that replace ``old`` their history: in a draft plan the target is
    simply the first; in an approved plan an indicator (matched by name, else by place) keeps
    its history, and a new target is added to it valid from today."""
    if plan.status == PlanStatus.DRAFT:
        for indicator in new:
            indicator.target_history = None
        return
    today = utcnow().date().isoformat()
    by_name = {(i.name or "").strip().lower(): i for i in old}
    for place, indicator in enumerate(new):
        before = by_name.get((indicator.name or "").strip().lower())
        if before is None and place < len(old):
            before = old[place]
        if before is None:
            entries = [{"target": indicator.target, "valid_from": today,
                        "change_request": change_request}]
        else:
            entries = history(before, plan)
            if entries[-1]["target"] != indicator.target:
                entries.append({"target": indicator.target, "valid_from": today,
                                "change_request": change_request})
        indicator.target_history = entries


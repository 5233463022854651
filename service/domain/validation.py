"""Validation: turns plans and goals into the plugins' read-only views and asks the plugin
manager for findings. Until the plugin system is wired, only the built-in task types."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from service.domain.models import Goal, Ministry, Plan
from service.domain.vocabulary import TaskType


def known_task_types(ministry: Ministry) -> set[str]:
    return {t.value for t in TaskType}


def validate_plan(plan: Plan) -> list[Any]:
    return []


def validate_goal(goal: Goal) -> list[Any]:
    return []


def report(findings: Iterable[Any]) -> dict[str, Any]:
    items = [f.as_dict() for f in findings]
    counts = {"error": 0, "warning": 0, "info": 0}
    for item in items:
        counts[item["severity"]] = counts.get(item["severity"], 0) + 1
    return {"findings": items, "counts": counts}

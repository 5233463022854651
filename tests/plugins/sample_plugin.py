"""A small plugin module for the discovery tests (loaded through a fake entry point)."""

from __future__ import annotations

from typing import Any

from service.plugins import Finding, TaskTypeDef, hookimpl


@hookimpl
def mrp_task_types() -> list[TaskTypeDef]:
    return [TaskTypeDef("audit", "Revisionsopgave")]


@hookimpl
def mrp_validate_followup(followup: Any, plan: Any, ctx: Any) -> list[Finding]:
    if followup.submitted_by is None:
        return [Finding("checks.sender", "warning", "Angiv, hvem der har indberettet.")]
    return []


class Again:
    """A second plugin offering the same task type."""

    @staticmethod
    @hookimpl
    def mrp_task_types() -> list[TaskTypeDef]:
        return [TaskTypeDef("audit", "Revision")]

"""The hooks of the ``mrp`` plugin system (pluggy project name ``mrp``).

A plugin is a module (or object) with functions marked ``@hookimpl`` and named like the
specifications below. It may implement any subset, and an implementation may take any subset
of a hook's arguments, by name. The plugin manager calls each plugin on its own, under a time
limit, so one failing plugin never hides another's findings. See ``docs/plugins.md``.

The plugin manager learns everything about a hook from its specification here: its name, its
arguments (an argument named ``ctx`` is the plugin's :class:`ValidationContext`, made by the
manager) and, from the return annotation, what the list it returns must hold. The annotations
are therefore real imports, not ``TYPE_CHECKING`` ones. Adding a hook is its specification,
its implementations and its section in ``docs/plugins.md``.
"""

from __future__ import annotations

from service.plugins.context import ValidationContext
from service.plugins.findings import Finding
from service.plugins.markers import hookspec
from service.plugins.reports import ReportLimits, ReportParser
from service.plugins.tasktypes import TaskTypeDef
from service.plugins.views import FollowUpView, GoalView, PlanView


@hookspec
def mrp_task_types() -> list[TaskTypeDef]:
    """Task types this plugin adds (code and Danish label).

    Called once when the plugin is registered. A task type is valid for a ministry when its
    plugin is built in or enabled for the ministry. Two plugins offering the same code is a
    start-up error naming both.
    """


@hookspec
def mrp_validate_plan(plan: PlanView, ctx: ValidationContext) -> list[Finding]:
    """Check a plan as a whole (its period, cadence, the mix of its goals).

    Return a list of findings, empty when all is well. Goals are checked one by one through
    :func:`mrp_validate_goal`; use this hook for rules about the plan or about several goals.
    """


@hookspec
def mrp_validate_goal(goal: GoalView, plan: PlanView, ctx: ValidationContext) -> list[Finding]:
    """Check one active goal of a plan (withdrawn goals are not validated).

    Return a list of findings; give each the goal's code (``goal=goal.code``).
    """


@hookspec
def mrp_validate_followup(
    followup: FollowUpView, plan: PlanView, ctx: ValidationContext
) -> list[Finding]:
    """Check a follow-up report against its plan.

    ``followup.goals`` are the report's rows as written (with normalized ``status``,
    ``value`` and ``progress``); the plan is the one the report was attributed to. Return a
    list of findings; errors reject the report.
    """


@hookspec
def mrp_report_parsers(limits: ReportLimits) -> list[ReportParser]:
    """Extra attachment parsers (a ministry's own spreadsheet format).

    Return objects with ``name``, ``accepts(filename, content_type, head)`` and
    ``parse(data, filename) -> ParsedReport`` (see :mod:`service.plugins.reports`).
    ``limits`` are the deployment's limits for an attachment (size, rows, zip members) that
    a parser should refuse past, with ``ReportError(reason="too_large")``; an
    implementation may leave the argument out.
    """

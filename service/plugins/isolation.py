"""One plugin's share of a call, as a unit of work for the :class:`~.runner.Runner`, and the
findings of all units put together.

A unit calls one plugin's implementations (bound by :meth:`.hooks.Hook.bind`) with the
arguments of the call and the plugin's own ``ctx``, and checks each result against the
hook's specification; anything it raises is the plugin's failure, which voids the unit.
:func:`collect` turns the units' results into the call's findings, stamped with the
plugin's name and with the ministry's severity overrides applied.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from service.plugins.findings import Finding, sort_findings
from service.plugins.hooks import Hook
from service.plugins.views import GoalView, PlanView


class AtGoal(Exception):
    """Carries the code of the goal a plugin failed at; the cause is the real error."""

    def __init__(self, goal: str) -> None:
        super().__init__(goal)
        self.goal = goal


#: A hook and the template of a call's arguments (:meth:`.hooks.Hook.template`).
Call = tuple[Hook, list[Any]]

_PLAN_CTX = ("plan", "ctx")
_GOAL_PLAN_CTX = ("goal", "plan", "ctx")


#: What the units of one plan's validation share: ``(plan_hook, goal_hook, plan, goals)``,
#: the goals being those to call the goal hook for (a plain tuple, see ``registry.Share``).
PlanCall = tuple[Hook, Hook, PlanView, Sequence[GoalView]]


def goals_unit_for(plan_hook: Hook, goal_hook: Hook) -> Callable[..., list[Finding]]:
    """:func:`direct_goals_unit` when the hooks take the arguments of today's
    specifications, ``(plan, ctx)`` and ``(goal, plan, ctx)``; else :func:`goals_unit`."""
    if plan_hook.argnames == _PLAN_CTX and goal_hook.argnames == _GOAL_PLAN_CTX:
        return direct_goals_unit
    return goals_unit


def hook_unit(call: Call, functions: Sequence[Callable[..., Any]], ctx: object) -> list[Any]:
    """One plugin's implementations of the call's hook, called with the call's arguments
    and the plugin's ``ctx``; the items of all their checked lists."""
    hook, template = call
    args = hook.args(template, ctx)
    out: list[Any] = []
    check = hook.check
    for fn in functions:
        out += check(fn(*args))
    return out


def goals_unit(
    call: PlanCall,
    plan_functions: Sequence[Callable[..., Any]],
    goal_functions: Sequence[Callable[..., Any]],
    ctx: object,
) -> list[Finding]:
    """One plugin's plan hook implementations, then its goal hook implementations for every
    goal, the goal in its argument ``goal``. A failure at a goal is raised as
    :class:`AtGoal`."""
    plan_hook, goal_hook, plan, goals = call
    out: list[Finding] = []
    if plan_functions:
        out += hook_unit((plan_hook, plan_hook.template(plan=plan)), plan_functions, ctx)
    args = goal_hook.args(goal_hook.template(goal=None, plan=plan), ctx)
    at = goal_hook.goal or 0
    check = goal_hook.check
    for fn in goal_functions:
        for view in goals:
            args[at] = view
            try:
                result = fn(*args)
                if type(result) is not list:
                    check(result)
                for item in result:
                    if not isinstance(item, Finding):
                        check(result)
            except Exception as exc:
                raise AtGoal(view.code) from exc
            out += result
    return out


def direct_goals_unit(
    call: PlanCall,
    plan_functions: Sequence[Callable[..., Any]],
    goal_functions: Sequence[Callable[..., Any]],
    ctx: object,
) -> list[Finding]:
    """:func:`goals_unit` for today's specifications, calling the implementations with the
    arguments themselves: the goal hook is called for every goal of every plan, and a call
    with a list of arguments costs a copy of it."""
    plan_hook, goal_hook, plan, goals = call
    out: list[Finding] = []
    for fn in plan_functions:
        out += plan_hook.check(fn(plan, ctx))
    for fn in goal_functions:
        for view in goals:
            try:
                result = fn(view, plan, ctx)
                if type(result) is not list:
                    goal_hook.check(result)
                for item in result:
                    if not isinstance(item, Finding):
                        goal_hook.check(result)
            except Exception as exc:
                raise AtGoal(view.code) from exc
            out += result
    return out


def collect(
    plugins: Sequence[tuple[str, ...]],
    results: Sequence[object],
    overrides: Mapping[str, str],
    failed: Callable[[str, BaseException, str], Finding],
    what: str,
) -> list[Finding]:
    """The findings of units run for ``plugins`` (named first in each), sorted: a plugin's
    own findings carry its name and the overridden severity (``off`` drops them); a unit
    that failed gives ``failed(name, error, what)`` instead."""
    out: list[Finding] = []
    append = out.append
    for plugin, result in zip(plugins, results, strict=True):
        name = plugin[0]
        if isinstance(result, BaseException):
            append(failed(name, result, what))
            continue
        if type(result) is not list:  # pragma: no cover - units always return lists
            continue
        for f in result:
            severity = overrides.get(f.rule, f.severity) if overrides else f.severity
            if severity == f.severity and f.plugin == name:
                append(f)  # already stamped (built-in rules name their plugin)
            elif severity != "off":
                append(Finding(f.rule, severity, f.message, f.goal, name))
    return sort_findings(out)

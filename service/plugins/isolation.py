"""One plugin's share of a call, as a unit of work for the :class:`~.runner.Runner`, and the
findings of all units put together.

A unit calls one plugin's implementations (bound by :meth:`.hooks.Hook.bind`) with the
arguments of the call (its own list: the plugin's ``ctx`` is in it) and checks each result
against the hook's specification; anything it
raises is the plugin's failure, which voids the unit. :func:`collect` turns the units'
results into the call's findings, stamped with the plugin's name and with the ministry's
severity overrides applied.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from service.plugins.findings import Finding, sort_findings
from service.plugins.hooks import Hook
from service.plugins.views import GoalView


class AtGoal(Exception):
    """Carries the code of the goal a plugin failed at; the cause is the real error."""

    def __init__(self, goal: str) -> None:
        super().__init__(goal)
        self.goal = goal


_GOAL_PLAN_CTX = ("goal", "plan", "ctx")

#: A hook and the template of a call's arguments (:meth:`.hooks.Hook.template`).
Call = tuple[Hook, list[Any]]


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
    plan: Call,
    plan_functions: Sequence[Callable[..., Any]],
    goal: Call,
    goal_functions: Sequence[Callable[..., Any]],
    ctx: object,
    goals: Sequence[GoalView],
) -> list[Finding]:
    """One plugin's plan hook implementations, then its goal hook implementations for every
    goal, the goal in its argument ``goal``. A failure at a goal is raised as
    :class:`AtGoal`."""
    out: list[Finding] = hook_unit(plan, plan_functions, ctx) if plan_functions else []
    if not goal_functions:
        return out
    goal_hook, template = goal
    # The specification's arguments are called directly (a call with a list copies it).
    direct = goal_hook.argnames == _GOAL_PLAN_CTX
    plan_view = template[1] if direct else None
    goal_args = template if direct else goal_hook.args(template, ctx)
    at = goal_hook.goal or 0
    check = goal_hook.check
    for fn in goal_functions:
        for view in goals:
            try:
                if direct:
                    result = fn(view, plan_view, ctx)
                else:
                    goal_args[at] = view
                    result = fn(*goal_args)
                if type(result) is not list:
                    check(result)
                for item in result:
                    if not isinstance(item, Finding):
                        check(result)
            except Exception as exc:
                raise AtGoal(view.code) from exc
            out += result
    return out


def collect(
    plugins: Sequence[tuple[str, ...]],
    results: Sequence[object],
    overrides: Mapping[str, str],
    failed: Callable[[str, BaseException], Finding],
) -> list[Finding]:
    """The findings of units run for ``plugins`` (named first in each), sorted: a plugin's
    own findings carry its name and the overridden severity (``off`` drops them); a unit
    that failed gives ``failed(name, error)`` instead."""
    out: list[Finding] = []
    append = out.append
    for plugin, result in zip(plugins, results, strict=True):
        name = plugin[0]
        if isinstance(result, BaseException):
            append(failed(name, result))
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

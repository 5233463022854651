"""The plugin manager: registration, enablement, isolation and the calls the service makes.

pluggy holds the plugins: it registers them, checks their implementations against the
specifications in :mod:`service.plugins.hookspecs` and knows each hook's name and arguments
and each implementation's plugin and arguments (:mod:`service.plugins.hooks` reads them). The
manager adds what pluggy does not do: it calls each plugin on its own (with its own ``ctx``,
under a time limit, a failure voiding only that plugin's share), applies a ministry's
enablement and severity overrides, and lists what is installed.

Integration (what the application calls)
========================================

Build once, in ``create_app`` (never at import time)::

    manager = build_plugin_manager(
        entry_points=True,                 # third-party plugins, group "mrp.plugins"
        plugins_dir=app.config.get("PLUGINS_DIR"),   # *.py files, for local development
        timeout=2.0,                       # seconds per plugin per call; None = no limit
    )

The built-in plugins are always registered: they are the ``mrp.plugins`` entry points of the
``mrp`` distribution itself (pyproject.toml), found like a ministry's. Per call, pass the
ministry's enablement as read from the database (:class:`MinistryPlugins`), then:

- ``plugins()``, ``plugin(name)``, ``is_builtin(name)``: what is installed (``PluginInfo``),
  including plugins that failed to load (with ``error``).
- ``task_types(mp)``: the task types valid for the ministry, by code.
- ``validate_plan(plan, mp)`` (plan hooks, and goal hooks for every active goal),
  ``validate_goal(goal, plan, mp)``, ``validate_followup(followup, plan, mp)`` (and
  ``validate_followups`` for a batch of reports, in one hand-over), and
  ``validate(hook, mp, what=..., **arguments)`` for any hook that returns findings.
- ``report_parsers(mp=None)``: enabled plugins' parsers first, then the built-ins'.
- ``builtin_rules()``, ``close()``.

Findings come back sorted, with ``plugin`` filled in and the ministry's severity overrides
applied (``off`` drops the rule's findings). A plugin that raises, overruns or returns
anything but what its hook's specification announces yields exactly one ``plugin.failed``
error finding naming it, is logged, and never hides other findings or raises out of these
methods. Start-up problems raise :class:`PluginStartupError` (a duplicate task-type code
always; a broken third-party plugin only with ``strict=True``, otherwise it is logged and
listed with its ``error``).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping, Sequence
from datetime import date
from functools import partial
from importlib.metadata import EntryPoint
from pathlib import Path
from typing import Any

from service.plugins import discovery
from service.plugins.context import ValidationContext
from service.plugins.enablement import (
    BUILTINS_ONLY,
    EMPTY,
    MinistryPlugins,
    read_only,
    valid_overrides,
)
from service.plugins.errors import DuplicateTaskTypeError, PluginResultError, PluginStartupError
from service.plugins.findings import Finding
from service.plugins.hooks import HOOK_NAMES, Hook
from service.plugins.isolation import AtGoal, PlanCall, collect, goals_unit_for, hook_unit
from service.plugins.registry import PluginInfo, Registry, Share
from service.plugins.reports import DEFAULT_LIMITS, ReportLimits, ReportParser
from service.plugins.runner import Runner, UnitTimeout
from service.plugins.views import FollowUpView, GoalView, PlanView

log = logging.getLogger(__name__)

ENTRY_POINT_GROUP = discovery.ENTRY_POINT_GROUP


class PluginManager(Registry):
    """Registered plugins and the calls into them; see the module docstring."""

    def __init__(
        self,
        *,
        timeout: float | None = 2.0,
        workers: int = 4,
        clock: Callable[[], date] = date.today,
        report_limits: ReportLimits = DEFAULT_LIMITS,
    ) -> None:
        super().__init__()
        self.report_limits = report_limits
        self._runner = Runner(timeout=timeout, workers=workers)
        self._clock = clock
        hooks = self.hooks
        self._goals_unit = goals_unit_for(hooks["mrp_validate_plan"], hooks["mrp_validate_goal"])

    @property
    def timeout(self) -> float | None:
        return self._runner.timeout

    # -- calls --------------------------------------------------------------------------

    def validate_plan(
        self, plan: PlanView, mp: MinistryPlugins, *, today: date | None = None
    ) -> list[Finding]:
        """Plan hooks, then goal hooks for every active goal, of every applicable plugin."""
        plan_hook, goal_hook = self.hooks["mrp_validate_plan"], self.hooks["mrp_validate_goal"]
        shares = self.implementing(mp, plan_hook.name, goal_hook.name)
        call: PlanCall = (plan_hook, goal_hook, plan, plan.active_goals)
        unit = self._goals_unit
        units = [
            partial(unit, call, plan_fns, goal_fns, ctx)
            for (_, _, (plan_fns, goal_fns)), ctx in zip(
                shares, self._contexts(shares, mp, today), strict=True
            )
        ]
        return self._findings(shares, units, mp, f"plan {plan.reference}")

    def validate_goal(
        self, goal: GoalView, plan: PlanView, mp: MinistryPlugins, *, today: date | None = None
    ) -> list[Finding]:
        """Goal hooks of every applicable plugin for one goal ([] if it is withdrawn)."""
        if goal.status == "withdrawn":
            return []
        plan_hook, goal_hook = self.hooks["mrp_validate_plan"], self.hooks["mrp_validate_goal"]
        shares = self.implementing(mp, goal_hook.name)
        call: PlanCall = (plan_hook, goal_hook, plan, (goal,))
        unit = self._goals_unit
        units = [
            partial(unit, call, (), fns, ctx)
            for (_, _, (fns,)), ctx in zip(shares, self._contexts(shares, mp, today), strict=True)
        ]
        return self._findings(shares, units, mp, f"goal {goal.code} of {plan.reference}")

    def validate_followup(
        self,
        followup: FollowUpView,
        plan: PlanView,
        mp: MinistryPlugins,
        *,
        today: date | None = None,
    ) -> list[Finding]:
        """Follow-up hooks of every applicable plugin for one report."""
        return self.validate_followups([(followup, plan, mp)], today=today)[0]

    def validate_followups(
        self,
        reports: Sequence[tuple[FollowUpView, PlanView, MinistryPlugins]],
        *,
        today: date | None = None,
    ) -> list[list[Finding]]:
        """``validate_followup`` for each of several reports (``(followup, plan, mp)``), in
        order, in one hand-over to a worker thread: each plugin's share of each report is
        still a unit with its own time limit, and a failure voids only that share."""
        spec = self.hooks["mrp_validate_followup"]
        parts: list[tuple[Sequence[Share], MinistryPlugins, str, int]] = []
        units: list[Callable[[], object]] = []
        for followup, plan, mp in reports:
            shares = self.implementing(mp, spec.name)
            its = self._units(spec, shares, mp, today, {"followup": followup, "plan": plan})
            parts.append((shares, mp, f"follow-up {followup.plan} {followup.period}", len(its)))
            units.extend(its)
        results = self._runner.run(units)
        found: list[list[Finding]] = []
        at = 0
        for shares, mp, what, count in parts:
            found.append(collect(shares, results[at:at + count], valid_overrides(mp),
                                 self._failed_finding, what))
            at += count
        return found

    def validate(
        self,
        hook: str,
        mp: MinistryPlugins,
        *,
        what: str,
        today: date | None = None,
        **arguments: Any,
    ) -> list[Finding]:
        """Call a hook that returns findings, of every plugin that applies to the ministry,
        with ``arguments`` by the specification's names (the manager makes each plugin's
        ``ctx``); ``what`` names the object for the log."""
        spec = self.hooks[hook]
        if spec.item is not Finding:
            raise ValueError(f"{hook} does not return findings")
        shares = self.implementing(mp, hook)
        return self._findings(shares, self._units(spec, shares, mp, today, arguments), mp, what)

    def report_parsers(self, mp: MinistryPlugins | None = None) -> list[ReportParser]:
        """Attachment parsers: the enabled plugins' first, then the built-ins'. A plugin
        whose hook fails or returns something that is not a parser is logged and skipped."""
        mp = mp or BUILTINS_ONLY
        hook = self.hooks["mrp_report_parsers"]
        shares = sorted(self.implementing(mp, hook.name), key=lambda s: s[1])
        units = self._units(hook, shares, mp, None, {"limits": self.report_limits})
        parsers: list[ReportParser] = []
        for (name, _, _), result in zip(shares, self._runner.run(units), strict=True):
            if isinstance(result, BaseException):
                self._log_failure(name, result, "report parsers")
            else:
                parsers.extend(result)  # type: ignore[call-overload]
        return parsers

    def close(self) -> None:
        """Stop the worker threads."""
        self._runner.close()

    # -- internals ----------------------------------------------------------------------

    def _units(
        self,
        hook: Hook,
        shares: Sequence[Share],
        mp: MinistryPlugins,
        today: date | None,
        arguments: Mapping[str, Any],
    ) -> list[Callable[[], object]]:
        call = (hook, hook.template(**arguments))
        if hook.ctx is None:
            return [partial(hook_unit, call, fns, None) for _, _, (fns,) in shares]
        return [
            partial(hook_unit, call, fns, ctx)
            for (_, _, (fns,)), ctx in zip(shares, self._contexts(shares, mp, today), strict=True)
        ]

    def _contexts(
        self, shares: Sequence[Share], mp: MinistryPlugins, today: date | None
    ) -> list[ValidationContext]:
        day = today or self._clock()
        task_types = self.task_types(mp)
        settings = mp.settings
        ministry = mp.ministry
        return [
            ValidationContext(
                ministry,
                read_only(settings.get(name)) if settings else EMPTY,
                day,
                task_types,
                name,
            )
            for name, _, _ in shares
        ]

    def _findings(
        self,
        shares: Sequence[Share],
        units: Sequence[Callable[[], object]],
        mp: MinistryPlugins,
        what: str,
    ) -> list[Finding]:
        return collect(
            shares,
            self._runner.run(units),
            valid_overrides(mp),
            self._failed_finding,
            what,
        )

    def _failed_finding(self, name: str, error: BaseException, what: str) -> Finding:
        where = None
        if isinstance(error, AtGoal) and error.__cause__ is not None:
            where, error = error.goal, error.__cause__
            what = f"goal {where} in {what}"
        self._log_failure(name, error, what)
        if isinstance(error, UnitTimeout):
            reason = f"den brugte mere end {error.seconds:g} sekunder"
        elif isinstance(error, PluginResultError):
            reason = "den returnerede et ugyldigt resultat"
        else:
            reason = "den stoppede med en fejl"
        at = f" ved mål {where}" if where else ""
        return Finding(
            rule="plugin.failed",
            severity="error",
            message=(
                f"Kontrollen »{name}« kunne ikke gennemføres{at}: {reason}. De øvrige "
                "kontroller er gennemført. Kontakt administratoren af mrp, hvis fejlen "
                "bliver ved."
            ),
            plugin=name,
        )

    def _log_failure(self, name: str, error: BaseException, what: str) -> None:
        if isinstance(error, UnitTimeout):
            log.error("plugin %s timed out after %g s validating %s", name, error.seconds, what)
        elif isinstance(error, PluginResultError):
            log.error("plugin %s returned garbage validating %s: %s", name, what, error)
        else:
            log.error("plugin %s failed validating %s", name, what, exc_info=error)


def build_plugin_manager(
    *,
    entry_points: bool = True,
    plugins_dir: str | Path | None = None,
    timeout: float | None = 2.0,
    workers: int = 4,
    clock: Callable[[], date] = date.today,
    strict: bool = False,
    builtins: Sequence[EntryPoint] | None = None,
    report_limits: ReportLimits = DEFAULT_LIMITS,
) -> PluginManager:
    """Build the plugin manager: the built-ins (``builtins``, by default the ``mrp``
    distribution's ``mrp.plugins`` entry points), then, with ``entry_points``, the other
    distributions' (name = entry-point name, version = its distribution's), then the
    ``*.py`` files of ``plugins_dir`` (name = file name).

    A third-party plugin that fails to load is logged and listed with its error, unless
    ``strict``; a duplicate task-type code always raises :class:`DuplicateTaskTypeError`.
    """
    manager = PluginManager(
        timeout=timeout, workers=workers, clock=clock, report_limits=report_limits
    )
    version = discovery.builtin_version()
    for ep in discovery.builtin_entry_points() if builtins is None else builtins:
        plugin = discovery.load_builtin(ep)
        if plugin is not None:
            manager.register(plugin, ep.name, builtin=True, version=version)
    candidates: list[discovery.Candidate] = []
    if entry_points:
        candidates.extend(discovery.third_party_entry_points())
    if plugins_dir is not None:
        candidates.extend(discovery.directory_plugins(Path(plugins_dir)))
    for candidate in candidates:
        _add(manager, candidate, strict)
    return manager


def _add(manager: PluginManager, candidate: discovery.Candidate, strict: bool) -> None:
    name, module, source = candidate.name, candidate.module, candidate.source
    try:
        manager.register(candidate.load(), name, version=candidate.version, source=source)
    except DuplicateTaskTypeError:
        raise
    except Exception as exc:
        if strict:
            if isinstance(exc, PluginStartupError):
                raise
            raise PluginStartupError(f"plugin {name!r} cannot be loaded: {exc}") from exc
        log.error("plugin %s (%s) cannot be loaded: %s", name, module, exc, exc_info=exc)
        manager.record_failure(name, module, source, str(exc), candidate.version)


__all__ = [
    "BUILTINS_ONLY",
    "ENTRY_POINT_GROUP",
    "HOOK_NAMES",
    "DuplicateTaskTypeError",
    "MinistryPlugins",
    "PluginInfo",
    "PluginManager",
    "PluginResultError",
    "PluginStartupError",
    "build_plugin_manager",
]

"""The plugin manager: discovery, enablement, isolation and the calls the service makes.

Integration (what the application calls)
========================================

Build once, in ``create_app`` (never at import time)::

    from service.plugins.manager import build_plugin_manager, MinistryPlugins

    manager = build_plugin_manager(
        entry_points=True,                 # third-party plugins, group "mrp.plugins"
        plugins_dir=app.config.get("PLUGINS_DIR"),   # *.py files, for local development
        timeout=2.0,                       # seconds per plugin per call; None = no limit
        workers=4,                         # worker threads for the time limit
    )
    app.extensions["mrp.plugins"] = manager

Per call, pass the ministry's enablement as read from the database::

    mp = MinistryPlugins(
        ministry="SKM",
        enabled=frozenset({"example"}),            # third-party plugins enabled here
        severity_overrides={"plan.cadence": "error", "smart.specific": "off"},
        settings={"plan": {"max_goals": 6}, "followup": {"grace_days": 45}},
    )

Then:

- ``manager.plugins() -> list[PluginInfo]`` — everything installed, for ``GET /plugins``
  and ``mrp plugins list`` (``PluginInfo.to_dict()``: name, version, builtin, source,
  module, hooks, task_types, error). Plugins that failed to load are listed with ``error``.
- ``manager.plugin(name) -> PluginInfo | None`` and ``manager.is_builtin(name)`` — to
  answer ``PUT/DELETE /plugins/{name}/ministries/{code}`` (unknown → 404; enabling a
  built-in is pointless, it applies everywhere).
- ``manager.task_types(mp) -> Mapping[str, TaskTypeDef]`` — the task types valid for the
  ministry: the built-in four plus those of its enabled plugins (for schema validation).
- ``manager.validate_plan(plan_view, mp, today=None) -> list[Finding]`` — plan hooks plus
  goal hooks for every active goal.
- ``manager.validate_goal(goal_view, plan_view, mp, today=None) -> list[Finding]``.
- ``manager.validate_followup(followup_view, plan_view, mp, today=None) -> list[Finding]``.
- ``manager.report_parsers(mp=None) -> list[ReportParser]`` — enabled plugins' parsers
  first, then the built-ins; ``mp=None`` gives the built-ins only.
- ``manager.builtin_rules() -> dict[str, Rule]`` — the built-in rule catalogue (code,
  default severity, plugin, summary), e.g. to check severity overrides on input.
- ``manager.close()`` — stops the worker threads (tests, CLI).

Findings come back sorted (severity, goal, rule), with ``plugin`` filled in and the
ministry's severity overrides applied (an override of ``"off"`` drops the rule's findings).
Views are built with :mod:`service.plugins.views` (from models) or
:mod:`service.plugins.builders` (from dicts and report rows).

Isolation: each plugin's share of a call runs under the time limit; a plugin that raises,
overruns or returns anything but a list of :class:`Finding` yields exactly one
``plugin.failed`` error finding naming it, is logged, and never hides other findings or
raises out of these methods. Start-up problems raise :class:`PluginStartupError` (a
duplicate task-type code always; a broken third-party plugin only with ``strict=True``,
otherwise it is logged and listed with its ``error``).
"""

from __future__ import annotations

import importlib
import importlib.metadata
import importlib.util
import logging
import sys
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from functools import partial
from pathlib import Path
from types import MappingProxyType, ModuleType
from typing import Any

import pluggy

from service.plugins import hookspecs
from service.plugins.builtin.rules import RULES, Rule
from service.plugins.context import ValidationContext
from service.plugins.findings import SEVERITIES, Finding, sort_findings
from service.plugins.markers import PROJECT
from service.plugins.reports import DEFAULT_LIMITS, ReportLimits, ReportParser
from service.plugins.runner import Runner, UnitTimeout
from service.plugins.tasktypes import TaskTypeDef
from service.plugins.views import FollowUpView, GoalView, PlanView

log = logging.getLogger(__name__)

ENTRY_POINT_GROUP = "mrp.plugins"

#: The built-in plugins, (name, module), registered in this order like any other plugin.
BUILTIN_PLUGINS: tuple[tuple[str, str], ...] = (
    ("plan", "service.plugins.builtin.plan"),
    ("goal_types", "service.plugins.builtin.goal_types"),
    ("indicators", "service.plugins.builtin.indicators"),
    ("smart", "service.plugins.builtin.smart"),
    ("operations", "service.plugins.builtin.operations"),
    ("project", "service.plugins.builtin.project"),
    ("policy", "service.plugins.builtin.policy"),
    ("internal_administration", "service.plugins.builtin.internal_administration"),
    ("followup", "service.plugins.builtin.followup"),
    ("reports", "service.intake.reports.plugin"),
)
#: Built-in modules that may be absent (skipped quietly if so).
OPTIONAL_BUILTINS: frozenset[str] = frozenset({"service.intake.reports.plugin"})

HOOK_NAMES: tuple[str, ...] = (
    "mrp_task_types",
    "mrp_validate_plan",
    "mrp_validate_goal",
    "mrp_validate_followup",
    "mrp_report_parsers",
)
_ORDER: dict[str, tuple[str, ...]] = {
    "mrp_task_types": (),
    "mrp_validate_plan": ("plan", "ctx"),
    "mrp_validate_goal": ("goal", "plan", "ctx"),
    "mrp_validate_followup": ("followup", "plan", "ctx"),
    "mrp_report_parsers": ("limits",),
}
_EMPTY: Mapping[str, Any] = MappingProxyType({})


class PluginStartupError(RuntimeError):
    """A plugin cannot be registered (invalid hooks, name taken, duplicate task type)."""


class DuplicateTaskTypeError(PluginStartupError):
    """Two plugins offer the same task-type code."""


class PluginResultError(TypeError):
    """A hook returned something other than a list of findings."""


@dataclass(frozen=True)
class MinistryPlugins:
    """One ministry's plugin configuration, as the service stores it.

    ``enabled``: names of the third-party plugins enabled for the ministry (built-ins always
    apply). ``severity_overrides``: rule code → ``error``/``warning``/``info``/``off``.
    ``settings``: plugin name → that plugin's settings for this ministry.
    """

    ministry: str
    enabled: frozenset[str] = frozenset()
    severity_overrides: Mapping[str, str] = field(default_factory=dict)
    settings: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if not isinstance(self.enabled, frozenset):
            object.__setattr__(self, "enabled", frozenset(self.enabled))


BUILTINS_ONLY = MinistryPlugins(ministry="")


@dataclass(frozen=True)
class PluginInfo:
    """What ``GET /plugins`` shows about one installed plugin."""

    name: str
    version: str | None
    builtin: bool
    source: str  # "builtin", "entry_point", "directory" or "registered"
    module: str
    hooks: tuple[str, ...] = ()
    task_types: tuple[TaskTypeDef, ...] = ()
    error: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "version": self.version,
            "builtin": self.builtin,
            "source": self.source,
            "module": self.module,
            "hooks": list(self.hooks),
            "task_types": [t.to_dict() for t in self.task_types],
            "error": self.error,
        }


@dataclass(frozen=True, slots=True)
class _Plugin:
    name: str
    info: PluginInfo
    plan: tuple[Callable[..., Any], ...]
    goal: tuple[Callable[..., Any], ...]
    followup: tuple[Callable[..., Any], ...]
    parsers: tuple[Callable[..., Any], ...]


class PluginManager:
    """Registered plugins and the validation calls; see the module docstring."""

    def __init__(
        self,
        *,
        timeout: float | None = 2.0,
        workers: int = 4,
        clock: Callable[[], date] = date.today,
        report_limits: ReportLimits = DEFAULT_LIMITS,
    ) -> None:
        self._pm = pluggy.PluginManager(PROJECT)
        self.report_limits = report_limits
        self._pm.add_hookspecs(hookspecs)
        self._runner = Runner(timeout=timeout, workers=workers)
        self._clock = clock
        self._plugins: dict[str, _Plugin] = {}
        self._failed: dict[str, PluginInfo] = {}
        self._applicable_cache: dict[frozenset[str], tuple[_Plugin, ...]] = {}
        self._task_type_cache: dict[frozenset[str], Mapping[str, TaskTypeDef]] = {}

    @property
    def timeout(self) -> float | None:
        return self._runner.timeout

    # -- registration -------------------------------------------------------------------

    def register(
        self,
        plugin: object,
        name: str,
        *,
        builtin: bool = False,
        version: str | None = None,
        source: str = "registered",
    ) -> PluginInfo:
        """Register a plugin (a module or any object with ``@hookimpl`` functions).

        Raises :class:`PluginStartupError` if the name is taken, a hook is misspelt or has
        unknown arguments, a hook function lacks ``@hookimpl``, or its task types are
        invalid or taken (:class:`DuplicateTaskTypeError`, naming both plugins).
        """
        if name in self._plugins or self._pm.has_plugin(name):
            raise PluginStartupError(f"a plugin named {name!r} is already registered")
        _check_marked(plugin, name)
        try:
            self._pm.register(plugin, name=name)
        except (pluggy.PluginValidationError, ValueError) as exc:
            raise PluginStartupError(f"plugin {name!r} cannot be registered: {exc}") from exc
        try:
            self._pm.check_pending()
            entry = self._entry(plugin, name, builtin=builtin, version=version, source=source)
            self._check_task_types(entry)
        except pluggy.PluginValidationError as exc:
            self._pm.unregister(name=name)
            raise PluginStartupError(f"plugin {name!r} has an unknown hook: {exc}") from exc
        except BaseException:
            self._pm.unregister(name=name)
            raise
        self._plugins[name] = entry
        self._failed.pop(name, None)
        self._changed()
        return entry.info

    def unregister(self, name: str) -> None:
        """Remove a plugin (tests use this to undo a registration)."""
        if name in self._plugins:
            self._pm.unregister(name=name)
            del self._plugins[name]
            self._changed()

    def record_failure(
        self, name: str, module: str, source: str, error: str, version: str | None = None
    ) -> None:
        """Remember a plugin that could not be loaded, so ``plugins()`` can show it."""
        self._failed[name] = PluginInfo(
            name=name,
            version=version,
            builtin=False,
            source=source,
            module=module,
            error=error,
        )

    def _entry(
        self, plugin: object, name: str, *, builtin: bool, version: str | None, source: str
    ) -> _Plugin:
        impls: dict[str, list[Callable[..., Any]]] = {h: [] for h in HOOK_NAMES}
        for hook in HOOK_NAMES:
            for impl in getattr(self._pm.hook, hook).get_hookimpls():
                if impl.plugin_name != name:
                    continue
                if impl.hookwrapper or impl.wrapper:
                    raise PluginStartupError(
                        f"plugin {name!r}: hook wrappers are not supported ({hook})"
                    )
                impls[hook].append(_bind(impl.function, tuple(impl.argnames), _ORDER[hook]))
        task_types: list[TaskTypeDef] = []
        for fn in impls["mrp_task_types"]:
            try:
                result = fn()
            except Exception as exc:
                raise PluginStartupError(f"plugin {name!r}: mrp_task_types raised {exc!r}") from exc
            if not isinstance(result, list | tuple) or not all(
                isinstance(t, TaskTypeDef) for t in result
            ):
                raise PluginStartupError(
                    f"plugin {name!r}: mrp_task_types must return a list of TaskTypeDef"
                )
            task_types.extend(result)
        module = getattr(plugin, "__name__", type(plugin).__module__)
        info = PluginInfo(
            name=name,
            version=version,
            builtin=builtin,
            source="builtin" if builtin else source,
            module=module,
            hooks=tuple(h for h in HOOK_NAMES if impls[h]),
            task_types=tuple(task_types),
        )
        return _Plugin(
            name=name,
            info=info,
            plan=tuple(impls["mrp_validate_plan"]),
            goal=tuple(impls["mrp_validate_goal"]),
            followup=tuple(impls["mrp_validate_followup"]),
            parsers=tuple(impls["mrp_report_parsers"]),
        )

    def _check_task_types(self, entry: _Plugin) -> None:
        owners: dict[str, str] = {}
        for other in self._plugins.values():
            for t in other.info.task_types:
                owners[t.code] = other.name
        for t in entry.info.task_types:
            if t.code in owners:
                first = owners[t.code]
                raise DuplicateTaskTypeError(
                    f"task type {t.code!r} is defined by both plugin {first!r} and plugin "
                    f"{entry.name!r}; uninstall one of them or rename the code"
                    if first != entry.name
                    else f"plugin {entry.name!r} defines task type {t.code!r} twice"
                )
            owners[t.code] = entry.name

    def _changed(self) -> None:
        self._applicable_cache.clear()
        self._task_type_cache.clear()

    # -- what is installed --------------------------------------------------------------

    def plugins(self) -> list[PluginInfo]:
        """Every installed plugin: built-ins first, then the others by name; plugins that
        failed to load are included with their ``error``."""
        infos = [p.info for p in self._plugins.values()] + list(self._failed.values())
        return sorted(infos, key=lambda i: (not i.builtin, i.name))

    def plugin(self, name: str) -> PluginInfo | None:
        entry = self._plugins.get(name)
        return entry.info if entry else self._failed.get(name)

    def is_builtin(self, name: str) -> bool:
        entry = self._plugins.get(name)
        return bool(entry and entry.info.builtin)

    def builtin_rules(self) -> dict[str, Rule]:
        """The catalogue of built-in rules by code."""
        return dict(RULES)

    def _applicable(self, mp: MinistryPlugins) -> tuple[_Plugin, ...]:
        key = mp.enabled
        cached = self._applicable_cache.get(key)
        if cached is None:
            cached = tuple(p for p in self._plugins.values() if p.info.builtin or p.name in key)
            self._applicable_cache[key] = cached
        return cached

    def task_types(self, mp: MinistryPlugins) -> Mapping[str, TaskTypeDef]:
        """The task types valid for the ministry, by code (built-ins first)."""
        key = mp.enabled
        cached = self._task_type_cache.get(key)
        if cached is None:
            cached = MappingProxyType(
                {t.code: t for p in self._applicable(mp) for t in p.info.task_types}
            )
            self._task_type_cache[key] = cached
        return cached

    # -- validation ---------------------------------------------------------------------

    def validate_plan(
        self, plan: PlanView, mp: MinistryPlugins, *, today: date | None = None
    ) -> list[Finding]:
        """Plan hooks, then goal hooks for every active goal, of every applicable plugin."""
        plugins = [p for p in self._applicable(mp) if p.plan or p.goal]
        goals = plan.active_goals
        ctxs = self._contexts(plugins, mp, today)
        units = [
            partial(_plan_unit, p.plan, p.goal, plan, goals, c)
            for p, c in zip(plugins, ctxs, strict=True)
        ]
        return self._collect(plugins, self._runner.run(units), mp, f"plan {plan.reference}")

    def validate_goal(
        self, goal: GoalView, plan: PlanView, mp: MinistryPlugins, *, today: date | None = None
    ) -> list[Finding]:
        """Goal hooks of every applicable plugin for one goal ([] if it is withdrawn)."""
        if goal.status == "withdrawn":
            return []
        plugins = [p for p in self._applicable(mp) if p.goal]
        ctxs = self._contexts(plugins, mp, today)
        units = [
            partial(_plan_unit, (), p.goal, plan, (goal,), c)
            for p, c in zip(plugins, ctxs, strict=True)
        ]
        return self._collect(
            plugins, self._runner.run(units), mp, f"goal {goal.code} of {plan.reference}"
        )

    def validate_followup(
        self,
        followup: FollowUpView,
        plan: PlanView,
        mp: MinistryPlugins,
        *,
        today: date | None = None,
    ) -> list[Finding]:
        """Follow-up hooks of every applicable plugin for one report."""
        plugins = [p for p in self._applicable(mp) if p.followup]
        ctxs = self._contexts(plugins, mp, today)
        units = [
            partial(_followup_unit, p.followup, followup, plan, c)
            for p, c in zip(plugins, ctxs, strict=True)
        ]
        return self._collect(
            plugins,
            self._runner.run(units),
            mp,
            f"follow-up {followup.plan} {followup.period}",
        )

    def report_parsers(self, mp: MinistryPlugins | None = None) -> list[ReportParser]:
        """Attachment parsers: the enabled plugins' first, then the built-ins'. A plugin
        whose hook fails or returns something that is not a parser is logged and skipped."""
        plugins = [p for p in self._applicable(mp or BUILTINS_ONLY) if p.parsers]
        plugins.sort(key=lambda p: p.info.builtin)
        units = [partial(_parsers_unit, p.parsers, self.report_limits) for p in plugins]
        parsers: list[ReportParser] = []
        for plugin, result in zip(plugins, self._runner.run(units), strict=True):
            if isinstance(result, BaseException):
                self._log_failure(plugin.name, result, "report parsers")
            else:
                parsers.extend(result)  # type: ignore[arg-type]
        return parsers

    def close(self) -> None:
        """Stop the worker threads."""
        self._runner.close()

    # -- internals ----------------------------------------------------------------------

    def _contexts(
        self, plugins: Sequence[_Plugin], mp: MinistryPlugins, today: date | None
    ) -> list[ValidationContext]:
        day = today or self._clock()
        task_types = self.task_types(mp)
        settings = mp.settings
        ministry = mp.ministry
        return [
            ValidationContext(
                ministry,
                _read_only(settings.get(p.name)) if settings else _EMPTY,
                day,
                task_types,
                p.name,
            )
            for p in plugins
        ]

    def _collect(
        self, plugins: Sequence[_Plugin], results: list[object], mp: MinistryPlugins, what: str
    ) -> list[Finding]:
        overrides = _valid_overrides(mp)
        out: list[Finding] = []
        append = out.append
        for plugin, result in zip(plugins, results, strict=True):
            name = plugin.name
            if isinstance(result, BaseException):
                append(self._failed_finding(name, result, what))
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

    def _failed_finding(self, name: str, error: BaseException, what: str) -> Finding:
        where = None
        if isinstance(error, _AtGoal) and error.__cause__ is not None:
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


# -- units of work (run on a worker thread) -------------------------------------------------


class _AtGoal(Exception):
    """Carries the code of the goal a plugin failed at; the cause is the real error."""

    def __init__(self, goal: str) -> None:
        super().__init__(goal)
        self.goal = goal


def _check(result: object, hook: str) -> list[Finding]:
    if type(result) is not list:
        raise PluginResultError(f"{hook} returned {type(result).__name__}, not a list of Finding")
    for item in result:
        if not isinstance(item, Finding):
            raise PluginResultError(
                f"{hook} returned a list holding {type(item).__name__}, not Finding"
            )
    return result


def _plan_unit(
    plan_impls: Sequence[Callable[..., Any]],
    goal_impls: Sequence[Callable[..., Any]],
    plan: PlanView,
    goals: Sequence[GoalView],
    ctx: ValidationContext,
) -> list[Finding]:
    out: list[Finding] = []
    for fn in plan_impls:
        out += _check(fn(plan, ctx), "mrp_validate_plan")
    for fn in goal_impls:
        for goal in goals:
            try:
                result = fn(goal, plan, ctx)
                if type(result) is not list:
                    _check(result, "mrp_validate_goal")
                for item in result:
                    if not isinstance(item, Finding):
                        _check(result, "mrp_validate_goal")
            except Exception as exc:
                raise _AtGoal(goal.code) from exc
            out += result
    return out


def _followup_unit(
    impls: Sequence[Callable[..., Any]],
    followup: FollowUpView,
    plan: PlanView,
    ctx: ValidationContext,
) -> list[Finding]:
    out: list[Finding] = []
    for fn in impls:
        out += _check(fn(followup, plan, ctx), "mrp_validate_followup")
    return out


def _parsers_unit(
    impls: Sequence[Callable[..., Any]], limits: ReportLimits
) -> list[ReportParser]:
    out: list[ReportParser] = []
    for fn in impls:
        result = fn(limits)
        if not isinstance(result, list | tuple) or not all(
            isinstance(p, ReportParser) for p in result
        ):
            raise PluginResultError("mrp_report_parsers must return a list of report parsers")
        out.extend(result)
    return out


# -- helpers --------------------------------------------------------------------------------


def _bind(
    fn: Callable[..., Any], argnames: tuple[str, ...], order: tuple[str, ...]
) -> Callable[..., Any]:
    """Adapt an implementation taking a subset of the hook's arguments (by name) to a
    positional call with all of them."""
    if argnames == order:
        return fn
    index = tuple(order.index(a) for a in argnames)
    return lambda *args: fn(*(args[i] for i in index))


def _check_marked(plugin: object, name: str) -> None:
    for hook in HOOK_NAMES:
        fn = getattr(plugin, hook, None)
        if fn is not None and not hasattr(fn, f"{PROJECT}_impl"):
            raise PluginStartupError(
                f"plugin {name!r}: {hook} is not marked with @hookimpl "
                "(from service.plugins import hookimpl)"
            )


def _read_only(settings: Mapping[str, Any] | None) -> Mapping[str, Any]:
    if not settings:
        return _EMPTY
    if isinstance(settings, MappingProxyType):
        return settings
    return MappingProxyType(dict(settings))


def _valid_overrides(mp: MinistryPlugins) -> Mapping[str, str]:
    overrides = mp.severity_overrides
    if not overrides:
        return _EMPTY
    bad = [k for k, v in overrides.items() if v not in SEVERITIES and v != "off"]
    if not bad:
        return overrides
    log.warning("ministry %s: ignoring invalid severity overrides for %s", mp.ministry, bad)
    return {k: v for k, v in overrides.items() if k not in bad}


def _builtin_version() -> str | None:
    try:
        return importlib.metadata.version("mrp")
    except importlib.metadata.PackageNotFoundError:
        return None


def _import_optional(module: str) -> ModuleType | None:
    try:
        return importlib.import_module(module)
    except ModuleNotFoundError as exc:
        if module in OPTIONAL_BUILTINS and exc.name and module.startswith(exc.name):
            log.debug("optional built-in plugin module %s is not present", module)
            return None
        raise


def _load_directory(directory: Path) -> list[tuple[str, ModuleType | Exception, str]]:
    loaded: list[tuple[str, ModuleType | Exception, str]] = []
    for path in sorted(directory.glob("*.py")):
        if path.name.startswith("_"):
            continue
        name = path.stem
        module_name = f"mrp_local_plugins.{name}"
        try:
            spec = importlib.util.spec_from_file_location(module_name, path)
            if spec is None or spec.loader is None:
                raise ImportError(f"cannot load {path}")
            module = importlib.util.module_from_spec(spec)
            sys.modules[module_name] = module
            spec.loader.exec_module(module)
        except Exception as exc:
            sys.modules.pop(module_name, None)
            loaded.append((name, exc, str(path)))
            continue
        loaded.append((name, module, str(path)))
    return loaded


def build_plugin_manager(
    *,
    entry_points: bool = True,
    plugins_dir: str | Path | None = None,
    timeout: float | None = 2.0,
    workers: int = 4,
    clock: Callable[[], date] = date.today,
    strict: bool = False,
    builtins: Sequence[tuple[str, str]] = BUILTIN_PLUGINS,
    report_limits: ReportLimits = DEFAULT_LIMITS,
) -> PluginManager:
    """Build the plugin manager: built-ins, then entry-point plugins (group
    ``mrp.plugins``, name = entry-point name, version = its distribution's), then the
    ``*.py`` files of ``plugins_dir`` (name = file name).

    A third-party plugin that fails to load is logged and listed with its error, unless
    ``strict``; a duplicate task-type code always raises :class:`DuplicateTaskTypeError`.
    """
    manager = PluginManager(
        timeout=timeout, workers=workers, clock=clock, report_limits=report_limits
    )
    version = _builtin_version()
    for name, module_name in builtins:
        module = _import_optional(module_name)
        if module is not None:
            manager.register(module, name, builtin=True, version=version)

    def add(
        name: str, load: Callable[[], object], module: str, source: str, version: str | None
    ) -> None:
        try:
            plugin = load()
            if isinstance(plugin, Exception):
                raise plugin
            manager.register(plugin, name, version=version, source=source)
        except DuplicateTaskTypeError:
            raise
        except Exception as exc:
            if strict:
                if isinstance(exc, PluginStartupError):
                    raise
                raise PluginStartupError(f"plugin {name!r} cannot be loaded: {exc}") from exc
            log.error("plugin %s (%s) cannot be loaded: %s", name, module, exc, exc_info=exc)
            manager.record_failure(name, module, source, str(exc), version)

    if entry_points:
        for ep in sorted(
            importlib.metadata.entry_points(group=ENTRY_POINT_GROUP), key=lambda e: e.name
        ):
            dist_version = ep.dist.version if ep.dist is not None else None
            add(ep.name, ep.load, ep.value, "entry_point", dist_version)
    if plugins_dir is not None:
        directory = Path(plugins_dir)
        if directory.is_dir():
            for name, module_or_error, path in _load_directory(directory):
                add(name, lambda m=module_or_error: m, path, "directory", None)
        else:
            log.warning("plugins directory %s does not exist", directory)
    return manager

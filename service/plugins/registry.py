"""The registry of plugins: pluggy's plugin manager with the specifications, what each
registered plugin offers (:class:`PluginInfo`), and which plugins apply to a ministry."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

import pluggy

from service.plugins.builtin.rules import RULES, Rule
from service.plugins.enablement import MinistryPlugins
from service.plugins.errors import DuplicateTaskTypeError, PluginResultError, PluginStartupError
from service.plugins.hooks import Hook, spec_manager, specified
from service.plugins.tasktypes import TaskTypeDef


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
class Applicable:
    """A plugin that applies to a ministry, and its implementations by hook name."""

    name: str
    builtin: bool
    calls: Mapping[str, tuple[Callable[..., Any], ...]]


#: A plugin's share of a call to some hooks: ``(name, builtin, functions)``, ``functions``
#: holding its implementations of each of the hooks in the order the call named them. A
#: plain tuple: the interpreter unpacks and indexes those fastest, once per plugin and call.
Share = tuple[str, bool, tuple[tuple[Callable[..., Any], ...], ...]]


class Registry:
    """The registered plugins (through pluggy) and the ones that failed to load."""

    def __init__(self) -> None:
        self._pm = spec_manager()
        #: The specified hooks by name, as pluggy read them from hookspecs.py.
        self.hooks: Mapping[str, Hook] = MappingProxyType(specified(self._pm))
        self._plugins: dict[str, PluginInfo] = {}
        self._failed: dict[str, PluginInfo] = {}
        self._applicable_cache: dict[frozenset[str], tuple[Applicable, ...]] = {}
        self._implementing_cache: dict[tuple[object, ...], tuple[Share, ...]] = {}
        self._task_type_cache: dict[frozenset[str], Mapping[str, TaskTypeDef]] = {}

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
        unknown arguments, a hook function lacks ``@hookimpl``, it offers a hook wrapper, or
        its task types are invalid or taken (:class:`DuplicateTaskTypeError`, naming both).
        """
        if name in self._plugins or self._pm.has_plugin(name):
            raise PluginStartupError(f"a plugin named {name!r} is already registered")
        for hook in self.hooks:
            if hasattr(plugin, hook) and self._pm.parse_hookimpl_opts(plugin, hook) is None:
                raise PluginStartupError(
                    f"plugin {name!r}: {hook} is not marked with @hookimpl "
                    "(from service.plugins import hookimpl)"
                )
        try:
            self._pm.register(plugin, name=name)
        except (pluggy.PluginValidationError, ValueError) as exc:
            raise PluginStartupError(f"plugin {name!r} cannot be registered: {exc}") from exc
        try:
            self._pm.check_pending()
            info = self._info(plugin, name, builtin=builtin, version=version, source=source)
            self._check_task_types(info)
        except pluggy.PluginValidationError as exc:
            self._pm.unregister(name=name)
            raise PluginStartupError(f"plugin {name!r} has an unknown hook: {exc}") from exc
        except BaseException:
            self._pm.unregister(name=name)
            raise
        self._plugins[name] = info
        self._failed.pop(name, None)
        self._changed()
        return info

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
        self._failed[name] = PluginInfo(name, version, False, source, module, error=error)

    def _impls(self, hook: str, plugin: str) -> list[pluggy.HookImpl]:
        return [i for i in getattr(self._pm.hook, hook).get_hookimpls() if i.plugin_name == plugin]

    def _info(
        self, plugin: object, name: str, *, builtin: bool, version: str | None, source: str
    ) -> PluginInfo:
        hooks = [hook for hook in self.hooks if self._impls(hook, name)]
        for hook in hooks:
            if any(i.hookwrapper or i.wrapper for i in self._impls(hook, name)):
                raise PluginStartupError(
                    f"plugin {name!r}: hook wrappers are not supported ({hook})"
                )
        task_types: list[TaskTypeDef] = []
        spec = self.hooks["mrp_task_types"]
        for impl in self._impls(spec.name, name):
            try:
                result = spec.bind(impl)(*spec.arguments())
            except Exception as exc:
                raise PluginStartupError(f"plugin {name!r}: {spec.name} raised {exc!r}") from exc
            try:
                task_types.extend(spec.check(result))
            except PluginResultError as exc:
                raise PluginStartupError(f"plugin {name!r}: {exc}") from exc
        return PluginInfo(
            name=name,
            version=version,
            builtin=builtin,
            source="builtin" if builtin else source,
            module=getattr(plugin, "__name__", type(plugin).__module__),
            hooks=tuple(hooks),
            task_types=tuple(task_types),
        )

    def _check_task_types(self, info: PluginInfo) -> None:
        owners = {t.code: other.name for other in self._plugins.values() for t in other.task_types}
        for t in info.task_types:
            if t.code in owners:
                first = owners[t.code]
                raise DuplicateTaskTypeError(
                    f"task type {t.code!r} is defined by both plugin {first!r} and plugin "
                    f"{info.name!r}; uninstall one of them or rename the code"
                    if first != info.name
                    else f"plugin {info.name!r} defines task type {t.code!r} twice"
                )
            owners[t.code] = info.name

    def _changed(self) -> None:
        self._applicable_cache.clear()
        self._implementing_cache.clear()
        self._task_type_cache.clear()

    # -- what is installed, and what applies ----------------------------------------------

    def plugins(self) -> list[PluginInfo]:
        """Every installed plugin: built-ins first, then the others by name; plugins that
        failed to load are included with their ``error``."""
        infos = [*self._plugins.values(), *self._failed.values()]
        return sorted(infos, key=lambda i: (not i.builtin, i.name))

    def plugin(self, name: str) -> PluginInfo | None:
        return self._plugins.get(name) or self._failed.get(name)

    def is_builtin(self, name: str) -> bool:
        info = self._plugins.get(name)
        return bool(info and info.builtin)

    def builtin_rules(self) -> dict[str, Rule]:
        """The catalogue of built-in rules by code."""
        return dict(RULES)

    def task_types(self, mp: MinistryPlugins) -> Mapping[str, TaskTypeDef]:
        """The task types valid for the ministry, by code (built-ins first)."""
        key = mp.enabled
        cached = self._task_type_cache.get(key)
        if cached is None:
            cached = MappingProxyType(
                {t.code: t for a in self.applicable(mp) for t in self._plugins[a.name].task_types}
            )
            self._task_type_cache[key] = cached
        return cached

    def applicable(self, mp: MinistryPlugins) -> tuple[Applicable, ...]:
        """The plugins that apply to the ministry, in the order they were registered, with
        their implementations: each hook's caller without the third-party plugins the
        ministry has not enabled (``subset_hook_caller``)."""
        key = mp.enabled
        cached = self._applicable_cache.get(key)
        if cached is not None:
            return cached
        disabled = [
            self._pm.get_plugin(name)
            for name, info in self._plugins.items()
            if not info.builtin and name not in key
        ]
        calls: dict[str, dict[str, list[Callable[..., Any]]]] = {n: {} for n in self._plugins}
        for hook in self.hooks.values():
            for impl in self._pm.subset_hook_caller(hook.name, disabled).get_hookimpls():
                calls[impl.plugin_name].setdefault(hook.name, []).append(hook.bind(impl))
        cached = tuple(
            Applicable(name, self._plugins[name].builtin, {h: tuple(f) for h, f in c.items()})
            for name, c in calls.items()
            if c
        )
        self._applicable_cache[key] = cached
        return cached

    def implementing(self, mp: MinistryPlugins, *hooks: str) -> tuple[Share, ...]:
        """The shares of the plugins that apply to the ministry and implement any of
        ``hooks``, in the order they were registered."""
        key = (mp.enabled, *hooks)
        cached = self._implementing_cache.get(key)
        if cached is None:
            cached = tuple(
                (a.name, a.builtin, tuple(a.calls.get(h, ()) for h in hooks))
                for a in self.applicable(mp)
                if not a.calls.keys().isdisjoint(hooks)
            )
            self._implementing_cache[key] = cached
        return cached

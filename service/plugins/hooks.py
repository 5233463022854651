"""The hooks as pluggy reads them from :mod:`service.plugins.hookspecs`: their names, their
arguments in the specification's order, the type of the items of the list each returns, and
how to call one plugin's implementation with them.

Nothing here names a hook: a hook added to ``hookspecs.py`` is known to the plugin manager
from the specification alone.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, get_args, get_type_hints

import pluggy

from service.plugins import hookspecs
from service.plugins.errors import PluginResultError
from service.plugins.markers import PROJECT


@dataclass(frozen=True, slots=True)
class Hook:
    """One specified hook: ``name``, ``argnames`` (the specification's, in its order) and
    ``item``, the type of the items of the list it returns (``Finding``, ``TaskTypeDef``,
    ``ReportParser``)."""

    name: str
    argnames: tuple[str, ...]
    item: type
    ctx: int | None = None  # the position of the argument ``ctx``, if the hook has one
    goal: int | None = None  # the position of the argument ``goal``, if the hook has one

    def bind(self, impl: pluggy.HookImpl) -> Callable[..., Any]:
        """The implementation as a function of all the hook's arguments, positionally in the
        specification's order. An implementation may take any subset of them, by name
        (pluggy's ``impl.argnames``); it gets those."""
        fn = impl.function
        if tuple(impl.argnames) == self.argnames:
            return fn  # type: ignore[no-any-return]
        index = tuple(self.argnames.index(a) for a in impl.argnames)
        return lambda *args: fn(*[args[i] for i in index])

    def arguments(self, **named: Any) -> list[Any]:
        """The arguments of a call, in the specification's order (``named`` may hold more)."""
        return [named[a] for a in self.argnames]

    def template(self, **named: Any) -> list[Any]:
        """The arguments of a call in the specification's order, ``ctx`` left empty for
        :meth:`args` to fill in for each plugin (``named`` may hold more)."""
        return [None if a == "ctx" else named[a] for a in self.argnames]

    def args(self, template: list[Any], ctx: object) -> list[Any]:
        """One plugin's arguments: the template with the plugin's own ``ctx``."""
        args = template.copy()
        if self.ctx is not None:
            args[self.ctx] = ctx
        return args

    def check(self, result: object) -> list[Any] | tuple[Any, ...]:
        """``result`` if it is a list (or tuple) of ``item``; else :class:`PluginResultError`."""
        item = self.item
        if not isinstance(result, list | tuple):
            what = type(result).__name__
            raise PluginResultError(
                f"{self.name} must return a list of {item.__name__}, not {what}"
            )
        for value in result:
            if not isinstance(value, item):
                raise PluginResultError(
                    f"{self.name} must return a list of {item.__name__}, not a list holding "
                    f"{type(value).__name__}"
                )
        return result


def specified(pm: pluggy.PluginManager) -> dict[str, Hook]:
    """The hooks ``pm`` has specifications for, by name, in the order ``hookspecs.py``
    defines them."""
    hooks: dict[str, Hook] = {}
    for name in vars(hookspecs):
        if pm.parse_hookspec_opts(hookspecs, name) is None:
            continue
        caller: pluggy.HookCaller = getattr(pm.hook, name)
        assert caller.spec is not None
        returns = get_type_hints(caller.spec.function)["return"]
        (item,) = get_args(returns)  # list[X]: the specifications all return lists
        argnames = tuple(caller.spec.argnames)
        at = {a: i for i, a in enumerate(argnames)}
        hooks[name] = Hook(name, argnames, item, at.get("ctx"), at.get("goal"))
    return hooks


def spec_manager() -> pluggy.PluginManager:
    """A pluggy plugin manager of the ``mrp`` project with the specifications added."""
    pm = pluggy.PluginManager(PROJECT)
    pm.add_hookspecs(hookspecs)
    return pm


#: The names of the hooks, in the order ``hookspecs.py`` defines them.
HOOK_NAMES: tuple[str, ...] = tuple(specified(spec_manager()))

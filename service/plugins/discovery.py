"""Where plugins come from: entry points in the group ``mrp.plugins`` and, for local
development, the ``*.py`` files of a plugins directory.

The built-in plugins are entry points too, declared by the ``mrp`` distribution itself
(``[project.entry-points."mrp.plugins"]`` in pyproject.toml): they are found and loaded the
same way as a ministry's, and only their distribution tells them apart. No module is named
here.
"""

from __future__ import annotations

import importlib.metadata
import importlib.util
import logging
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import cache, partial
from pathlib import Path
from types import ModuleType

from service.plugins.errors import MissingBuiltinsError

log = logging.getLogger(__name__)

ENTRY_POINT_GROUP = "mrp.plugins"
DISTRIBUTION = "mrp"

#: Built-in plugins whose module may be absent from an installation (skipped quietly).
OPTIONAL_BUILTINS: frozenset[str] = frozenset({"reports"})


@dataclass(frozen=True, slots=True)
class Candidate:
    """A plugin found but not yet registered: ``load()`` gives the plugin object (or raises
    why it cannot be loaded); ``module`` is its module or file, for ``GET /plugins``."""

    name: str
    load: Callable[[], object]
    module: str
    source: str  # "entry_point" or "directory"
    version: str | None


def _is_builtin(ep: importlib.metadata.EntryPoint) -> bool:
    dist = getattr(ep, "dist", None)
    return dist is not None and _normalized(dist.name) == DISTRIBUTION


def _name(ep: importlib.metadata.EntryPoint) -> str:
    return ep.name


def _normalized(name: str) -> str:
    return name.lower().replace("_", "-")


@cache
def builtin_entry_points() -> tuple[importlib.metadata.EntryPoint, ...]:
    """The built-in plugins: the ``mrp.plugins`` entry points of the ``mrp`` distribution,
    by name."""
    try:
        dist = importlib.metadata.distribution(DISTRIBUTION)
    except importlib.metadata.PackageNotFoundError as exc:
        raise MissingBuiltinsError(
            "the built-in plugins are entry points of the mrp distribution, which is not "
            "installed: run `pip install -e .` (or `make install`)"
        ) from exc
    eps = tuple(
        sorted((ep for ep in dist.entry_points if ep.group == ENTRY_POINT_GROUP), key=_name)
    )
    if not eps:
        raise MissingBuiltinsError(
            f"the installed mrp distribution declares no {ENTRY_POINT_GROUP!r} entry points "
            "(installed from an older pyproject.toml?): run `pip install -e .` again"
        )
    return eps


def builtin_version() -> str | None:
    try:
        return importlib.metadata.version(DISTRIBUTION)
    except importlib.metadata.PackageNotFoundError:
        return None


def load_builtin(ep: importlib.metadata.EntryPoint) -> object | None:
    """The built-in plugin's object; None if it is optional and its module is absent."""
    try:
        return ep.load()
    except ModuleNotFoundError as exc:
        if ep.name in OPTIONAL_BUILTINS and exc.name and ep.module.startswith(exc.name):
            log.debug("optional built-in plugin %s (%s) is not present", ep.name, ep.value)
            return None
        raise


def third_party_entry_points() -> Iterator[Candidate]:
    """The other distributions' ``mrp.plugins`` entry points, by name."""
    eps = importlib.metadata.entry_points(group=ENTRY_POINT_GROUP)
    for ep in sorted(eps, key=_name):
        if _is_builtin(ep):
            continue
        dist = getattr(ep, "dist", None)
        yield Candidate(ep.name, ep.load, ep.value, "entry_point", dist.version if dist else None)


def directory_plugins(directory: Path) -> Iterator[Candidate]:
    """The ``*.py`` files of ``directory`` (not ``_*.py``), each a plugin named after it."""
    if not directory.is_dir():
        log.warning("plugins directory %s does not exist", directory)
        return
    for path in sorted(directory.glob("*.py")):
        if path.name.startswith("_"):
            continue
        loaded = partial(_raise_or_return, _load_file(path))
        yield Candidate(path.stem, loaded, str(path), "directory", None)


def _load_file(path: Path) -> ModuleType | Exception:
    module_name = f"mrp_local_plugins.{path.stem}"
    try:
        spec = importlib.util.spec_from_file_location(module_name, path)
        if spec is None or spec.loader is None:
            raise ImportError(f"cannot load {path}")
        module = importlib.util.module_from_spec(spec)
        sys.modules[module_name] = module
        spec.loader.exec_module(module)
    except Exception as exc:
        sys.modules.pop(module_name, None)
        return exc
    return module


def _raise_or_return(result: ModuleType | Exception) -> ModuleType:
    if isinstance(result, Exception):
        raise result
    return result

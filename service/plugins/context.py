"""The context a validation hook receives next to the object it checks."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any, TypeVar

from service.plugins.tasktypes import TaskTypeDef

log = logging.getLogger(__name__)

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class ValidationContext:
    """Read-only facts about the call, built by the plugin manager for each plugin.

    - ``ministry``: the code of the ministry whose plan or report is validated (``SKM``).
    - ``settings``: this ministry's settings for this plugin (read-only mapping).
    - ``today``: the date to judge deadlines by.
    - ``task_types``: the task types valid for this ministry, by code (the built-in four
      plus those of the plugins it has enabled).
    - ``plugin``: the name of the plugin being called.
    """

    ministry: str
    settings: Mapping[str, Any]
    today: date
    task_types: Mapping[str, TaskTypeDef]
    plugin: str = ""

    def setting(self, name: str, default: T) -> T:
        """The setting ``name``, converted to the type of ``default``; ``default`` if it is
        missing or cannot be converted (a warning is logged)."""
        value = self.settings.get(name)
        if value is None:
            return default
        kind = type(default)
        if isinstance(value, kind) and not (kind is int and isinstance(value, bool)):
            return value
        try:
            return kind(value)  # type: ignore[call-arg]
        except (TypeError, ValueError):
            log.warning(
                "setting %r=%r of plugin %s for ministry %s is not a %s; using %r",
                name,
                value,
                self.plugin,
                self.ministry,
                kind.__name__,
                default,
            )
            return default

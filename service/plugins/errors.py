"""What can go wrong with a plugin, as exceptions."""

from __future__ import annotations


class PluginStartupError(RuntimeError):
    """A plugin cannot be registered (invalid hooks, name taken, duplicate task type)."""


class DuplicateTaskTypeError(PluginStartupError):
    """Two plugins offer the same task-type code."""


class MissingBuiltinsError(PluginStartupError):
    """The ``mrp`` distribution is not installed, or declares no built-in plugins."""


class PluginResultError(TypeError):
    """A hook returned something other than the list its specification announces."""

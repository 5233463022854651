"""The pluggy markers of the ``mrp`` project: ``hookspec`` for the specifications in
:mod:`service.plugins.hookspecs`, ``hookimpl`` for plugin authors."""

from __future__ import annotations

import pluggy

PROJECT = "mrp"

hookspec = pluggy.HookspecMarker(PROJECT)
hookimpl = pluggy.HookimplMarker(PROJECT)

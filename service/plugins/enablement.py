"""Which plugins apply to a ministry, with which severities and settings: the ministry's
configuration as the service stores it, and the read-only forms hooks receive."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

from service.plugins.findings import SEVERITIES

log = logging.getLogger(__name__)

EMPTY: Mapping[str, Any] = MappingProxyType({})


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


def read_only(settings: Mapping[str, Any] | None) -> Mapping[str, Any]:
    """A plugin's settings as its hooks see them: a read-only mapping."""
    if not settings:
        return EMPTY
    if isinstance(settings, MappingProxyType):
        return settings
    return MappingProxyType(dict(settings))


def valid_overrides(mp: MinistryPlugins) -> Mapping[str, str]:
    """The ministry's severity overrides without the invalid ones (logged)."""
    overrides = mp.severity_overrides
    if not overrides:
        return EMPTY
    bad = [k for k, v in overrides.items() if v not in SEVERITIES and v != "off"]
    if not bad:
        return overrides
    log.warning("ministry %s: ignoring invalid severity overrides for %s", mp.ministry, bad)
    return {k: v for k, v in overrides.items() if k not in bad}

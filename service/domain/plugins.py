"""The plugin manager as the domain sees it: built in ``create_app``, kept on the app, and
asked with each ministry's enablement and settings, which live in the database."""

from __future__ import annotations

import atexit
from typing import Any

from flask import Flask, current_app
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from service.domain.actors import Actor
from service.domain.common import commit, locked, require
from service.domain.errors import Invalid, NotFound
from service.domain.models import Ministry, MinistryPlugin
from service.extensions import db
from service.plugins.manager import MinistryPlugins, PluginManager, build_plugin_manager
from service.plugins.reports import ReportLimits

EXTENSION = "mrp.plugins"
SEVERITY_CHOICES = ("error", "warning", "info", "off")


def init_app(app: Flask) -> None:
    manager = build_plugin_manager(
        entry_points=app.config.get("PLUGINS_ENTRY_POINTS", True),
        plugins_dir=app.config.get("PLUGINS_DIR") or None,
        timeout=app.config.get("PLUGIN_TIMEOUT", 2.0),
        report_limits=ReportLimits(
            max_attachment_bytes=int(app.config["INTAKE_MAX_ATTACHMENT_BYTES"])
        ),
    )
    app.extensions[EXTENSION] = manager
    atexit.register(manager.close)


def manager() -> PluginManager:
    return current_app.extensions[EXTENSION]  # type: ignore[no-any-return]


def ministry_plugins(ministry: Ministry) -> MinistryPlugins:
    """The ministry's enablement, severity overrides and settings, with the app's defaults
    (``MRP_MAX_GOALS``) under them."""
    settings: dict[str, dict[str, Any]] = {
        "plan": {"max_goals": current_app.config.get("MAX_GOALS", 8)},
        "followup": {"grace_days": current_app.config.get("FOLLOWUP_GRACE_DAYS", 30)},
    }
    enabled = set()
    for row in ministry.plugins:
        if row.enabled:
            enabled.add(row.plugin)
        if row.settings:
            settings[row.plugin] = {**settings.get(row.plugin, {}), **row.settings}
    return MinistryPlugins(
        ministry=ministry.code,
        enabled=frozenset(enabled),
        severity_overrides=dict(ministry.severity_overrides or {}),
        settings=settings,
    )


def _ministry(code: str, *, lock: bool = False) -> Ministry:
    """The ministry; with ``lock``, read under its lock for a change of its plugin
    settings (two at once would otherwise both insert a row, or one undo the other's)."""
    stmt = select(Ministry).where(Ministry.code == code.strip().upper())
    ministry = locked(stmt) if lock else db.session.scalar(stmt)
    if ministry is None:
        raise NotFound(f"Ministerområdet {code} findes ikke.")
    return ministry


def _plugin_row(ministry: Ministry, name: str) -> MinistryPlugin | None:
    return db.session.scalar(select(MinistryPlugin).where(
        MinistryPlugin.ministry_id == ministry.id, MinistryPlugin.plugin == name))


def _known_plugin(name: str) -> None:
    if manager().plugin(name) is None:
        raise NotFound(f"Pluginet {name!r} er ikke installeret.")


def enable(
    actor: Actor, name: str, ministry_code: str, settings: dict[str, Any] | None = None
) -> MinistryPlugin:
    """Switch a plugin on for a ministry (admin), optionally with its settings."""
    require(actor.is_admin, "Kun en administrator kan slå plugins til og fra.")
    _known_plugin(name)
    ministry = _ministry(ministry_code, lock=True)
    row = _plugin_row(ministry, name)
    if row is None:
        row = MinistryPlugin(ministry=ministry, plugin=name, settings={})
        db.session.add(row)
    row.enabled = True
    if settings is not None:
        row.settings = dict(settings)
    commit()
    return row


def disable(actor: Actor, name: str, ministry_code: str) -> None:
    require(actor.is_admin, "Kun en administrator kan slå plugins til og fra.")
    _known_plugin(name)
    ministry = _ministry(ministry_code, lock=True)
    row = _plugin_row(ministry, name)
    if row is not None:
        row.enabled = False
    commit()


def set_severity(actor: Actor, ministry_code: str, rule: str, severity: str | None) -> Ministry:
    """Override a rule's severity for a ministry (``off`` silences it; None restores it)."""
    require(actor.is_admin, "Kun en administrator kan ændre en regels alvor.")
    if severity is not None and severity not in SEVERITY_CHOICES:
        raise Invalid(
            f"Alvor skal være en af {', '.join(SEVERITY_CHOICES)}.", field="severity"
        )
    ministry = _ministry(ministry_code, lock=True)
    overrides = dict(ministry.severity_overrides or {})
    if severity is None:
        overrides.pop(rule, None)
    else:
        overrides[rule] = severity
    ministry.severity_overrides = overrides
    commit()
    return ministry


def installed(actor: Actor) -> list[dict[str, Any]]:
    """Every installed plugin with where it is enabled (a department sees its own ministry
    only)."""
    stmt = select(Ministry).options(selectinload(Ministry.plugins)).order_by(Ministry.code)
    if not actor.is_admin:
        stmt = stmt.where(Ministry.id == actor.ministry_id)
    ministries = list(db.session.scalars(stmt))
    out = []
    for info in manager().plugins():
        item = info.to_dict()
        if item.get("builtin"):
            item["enabled_in"] = ["*"]
        else:
            item["enabled_in"] = [
                m.code for m in ministries
                if any(r.plugin == info.name and r.enabled for r in m.plugins)
            ]
        out.append(item)
    return out

"""``mrp plugins``: the validation plugins, per ministry."""

from __future__ import annotations

import click
from flask.cli import with_appcontext

from service.cli.common import fail
from service.domain.errors import DomainError


@click.group("plugins")
def plugins_group() -> None:
    """List validation plugins and switch them on or off per ministry."""


@plugins_group.command("list")
@with_appcontext
def plugins_list() -> None:
    """Installed plugins, their versions, hooks, task types and where they are enabled."""
    from service.domain.actors import SYSTEM
    from service.domain.plugins import installed

    for item in installed(SYSTEM):
        kind = "built-in" if item.get("builtin") else "third-party"
        where = ", ".join(item["enabled_in"]) or "nowhere"
        types = ", ".join(t["code"] if isinstance(t, dict) else str(t)
                          for t in item.get("task_types") or []) or "-"
        click.echo(
            f"{item['name']} {item.get('version') or ''} ({kind})\n"
            f"  hooks: {', '.join(item.get('hooks') or [])}\n"
            f"  task types: {types}\n  enabled in: {where}"
            + (f"\n  error: {item['error']}" if item.get("error") else "")
        )


@plugins_group.command("enable")
@click.argument("name")
@click.option("--ministry", required=True, help="ministry code")
@click.option("--setting", "settings", multiple=True, metavar="KEY=VALUE",
              help="a plugin setting for this ministry (JSON values allowed); repeatable")
@with_appcontext
def plugins_enable(name: str, ministry: str, settings: tuple[str, ...]) -> None:
    """Enable plugin NAME for a ministry."""
    import json

    from service.domain.actors import SYSTEM
    from service.domain.plugins import enable

    parsed: dict[str, object] = {}
    for item in settings:
        key, sep, value = item.partition("=")
        if not sep:
            raise click.BadParameter(f"{item!r} is not KEY=VALUE", param_hint="--setting")
        try:
            parsed[key] = json.loads(value)
        except ValueError:
            parsed[key] = value
    try:
        enable(SYSTEM, name, ministry, parsed or None)
    except DomainError as error:
        fail(error)
    click.echo(f"Enabled {name} for {ministry.upper()}.")


@plugins_group.command("disable")
@click.argument("name")
@click.option("--ministry", required=True, help="ministry code")
@with_appcontext
def plugins_disable(name: str, ministry: str) -> None:
    """Disable plugin NAME for a ministry."""
    from service.domain.actors import SYSTEM
    from service.domain.plugins import disable

    try:
        disable(SYSTEM, name, ministry)
    except DomainError as error:
        fail(error)
    click.echo(f"Disabled {name} for {ministry.upper()}.")

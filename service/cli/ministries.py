"""``mrp ministries``: a ministry's settings that are not plugins."""

from __future__ import annotations

import click
from flask.cli import with_appcontext

from service.cli.common import fail
from service.domain.errors import DomainError


@click.group("ministries")
def ministries() -> None:
    """A ministry's settings: its thresholds for the computed status, its goal weights."""


@ministries.command("thresholds")
@click.argument("ministry")
@click.option("--on-track", type=float, help="attainment from which a goal is on track (0.95)")
@click.option("--at-risk", type=float, help="attainment from which a goal is at risk (0.85)")
@click.option("--maintain-tolerance", type=float,
              help="a maintained target's tolerance, as a share of the target (0.05)")
@click.option("--reason", help="why, for the audit log")
@with_appcontext
def ministries_thresholds(ministry: str, on_track: float | None, at_risk: float | None,
                          maintain_tolerance: float | None, reason: str | None) -> None:
    """Show MINISTRY's thresholds for the computed status, or set those given (audited)."""
    from service.domain import tenancy, thresholds
    from service.domain.actors import SYSTEM

    values = {name: value for name, value in (
        ("on_track", on_track), ("at_risk", at_risk), ("maintain_tolerance", maintain_tolerance),
    ) if value is not None}
    try:
        found = tenancy.get_ministry(SYSTEM, ministry.strip().upper())
        if values:
            result = thresholds.set_thresholds(SYSTEM, found, {**values, "reason": reason})
        else:
            result = thresholds.as_dict(found)
    except DomainError as error:
        fail(error)
    click.echo(
        f"{result['ministry']}: on track from {result['on_track']}, at risk from "
        f"{result['at_risk']}, maintain tolerance {result['maintain_tolerance']}"
        + (" (defaults)" if result["default"] else "")
    )


@ministries.command("attainment")
@click.argument("ministry")
@click.option("--weights/--no-weights", "weights_enabled", default=None,
              help="turn goal weights and the plans' attainment on or off (off)")
@click.option("--partial-share", type=float,
              help="the share of its points a partly met goal earns, 0–1 (0.5)")
@click.option("--reason", help="why, for the audit log")
@with_appcontext
def ministries_attainment(ministry: str, weights_enabled: bool | None,
                          partial_share: float | None, reason: str | None) -> None:
    """Show MINISTRY's settings for the plans' attainment, or set those given (audited)."""
    from service.domain import attainment_settings, tenancy
    from service.domain.actors import SYSTEM

    values = {name: value for name, value in (
        ("weights_enabled", weights_enabled), ("partial_share", partial_share),
    ) if value is not None}
    try:
        found = tenancy.get_ministry(SYSTEM, ministry.strip().upper())
        if values:
            result = attainment_settings.set_settings(SYSTEM, found, {**values, "reason": reason})
        else:
            result = attainment_settings.as_dict(found)
    except DomainError as error:
        fail(error)
    click.echo(
        f"{result['ministry']}: weights {'on' if result['weights_enabled'] else 'off'}, "
        f"partial share {result['partial_share']}"
        + (" (defaults)" if result["default"] else "")
    )

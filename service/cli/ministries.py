"""``mrp ministries``: a ministry's settings that are not plugins."""

from __future__ import annotations

import click
from flask.cli import with_appcontext

from service.cli.common import fail
from service.domain.errors import DomainError


@click.group("ministries")
def ministries() -> None:
    """A ministry's settings, such as its thresholds for the computed status."""


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

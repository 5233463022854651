"""``mrp plans`` and ``mrp demo``: plans from the command line, and the demo data."""

from __future__ import annotations

import click
from flask.cli import with_appcontext

from service.cli.common import fail
from service.domain.errors import DomainError


@click.command()
@with_appcontext
def demo() -> None:
    """Load a demo ministry with institutions and plans of all four task types (idempotent)."""
    from service.domain.demo import load_demo

    summary = load_demo()
    click.echo(summary)


@click.group()
def plans() -> None:
    """Plans: reopen one that was closed."""


@plans.command("reopen")
@click.argument("reference")
@click.option("--reason", required=True, help="why (kept in the plan's audit log)")
@click.option("--by", default=None, help="who reopens it, for the audit log [default: the "
              "system user running the command]")
@with_appcontext
def plans_reopen(reference: str, reason: str, by: str | None) -> None:
    """Reopen the closed plan REFERENCE (e.g. DST-2026): it is approved again and takes
    reports, as ``POST /api/v1/plans/{id}/reopen`` does."""
    import getpass

    from service.domain.actors import Actor
    from service.domain.errors import NotFound
    from service.domain.plans import find_plan_by_reference, reopen_plan
    from service.vocabulary import Role

    actor = Actor(name=by or f"{getpass.getuser()} (mrp plans reopen)", role=Role.ADMIN)
    try:
        plan = find_plan_by_reference(reference)
        if plan is None:
            raise NotFound(f"Planen {reference} findes ikke.")
        reopen_plan(actor, plan, reason)
    except DomainError as error:
        fail(error)
        return
    click.echo(f"Reopened {plan.reference}: status {plan.status}.")

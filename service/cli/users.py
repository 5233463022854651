"""``mrp users``: the people who sign in to the dashboard."""

from __future__ import annotations

import click
from flask.cli import with_appcontext

from service.cli.common import fail
from service.domain.errors import DomainError


@click.group()
def users() -> None:
    """Create, list and deactivate the people who sign in to the dashboard."""


@users.command("create")
@click.option("--email", required=True, help="the address the identity provider vouches for")
@click.option("--name", required=True)
@click.option("--role", required=True, type=click.Choice(["admin", "department", "institution"]))
@click.option("--ministry", default=None, help="ministry code (department users)")
@click.option("--institution", default=None, help="institution code (institution users)")
@with_appcontext
def users_create(email: str, name: str, role: str, ministry: str | None,
                 institution: str | None) -> None:
    """Register a person."""
    from service.domain.actors import SYSTEM
    from service.domain.users import create_user

    try:
        user = create_user(SYSTEM, email=email, name=name, role=role, ministry=ministry,
                           institution=institution)
    except DomainError as error:
        fail(error)
        return
    click.echo(f"Created user {user.id} {user.email} (role {user.role}, scope {_scope(user)}).")


@users.command("list")
@with_appcontext
def users_list() -> None:
    """List the people: id, e-mail, name, role, scope, state and last sign-in."""
    from service.domain.actors import SYSTEM
    from service.domain.users import list_users

    for user in list_users(SYSTEM, 1, 10_000).items:
        state = "active" if user.active else "deactivated"
        last = user.last_sign_in_at.isoformat(timespec="seconds") if user.last_sign_in_at else "-"
        click.echo(f"{user.id}\t{user.email}\t{user.name}\t{user.role}\t{_scope(user)}\t"
                   f"{state}\t{last}")


@users.command("deactivate")
@click.argument("email")
@with_appcontext
def users_deactivate(email: str) -> None:
    """Deactivate a person: their sessions end at their next request, their personal tokens
    are revoked."""
    from service.domain.actors import SYSTEM
    from service.domain.users import deactivate_user

    try:
        user = deactivate_user(SYSTEM, email)
    except DomainError as error:
        fail(error)
        return
    click.echo(f"Deactivated user {user.id} {user.email}.")


def _scope(user: object) -> str:
    ministry = getattr(user, "ministry", None)
    institution = getattr(user, "institution", None)
    return (ministry and ministry.code) or (institution and institution.code) or "all"

"""``mrp tokens``: the API's bearer tokens."""

from __future__ import annotations

import click
from flask.cli import with_appcontext

from service.cli.common import fail
from service.domain.errors import DomainError


@click.group()
def tokens() -> None:
    """Create, list and revoke API tokens."""


@tokens.command("create")
@click.option("--role", required=True, type=click.Choice(["admin", "department", "institution"]))
@click.option("--name", required=True, help="who or what uses the token")
@click.option("--ministry", default=None, help="ministry code (department tokens)")
@click.option("--institution", default=None, help="institution code (institution tokens)")
@click.option("--expires-days", default=None, type=int, help="the token stops working after N days")
@click.option("--user", default=None, help="a personal token of this person (e-mail): it has "
              "their role and scope and is revoked with them")
@with_appcontext
def tokens_create(role: str, name: str, ministry: str | None, institution: str | None,
                  expires_days: int | None, user: str | None) -> None:
    """Issue a token; the secret is printed once, alone on the last line."""
    from service.domain.tokens import create_token

    try:
        token, secret = create_token(
            role=role, name=name, ministry=ministry, institution=institution,
            expires_days=expires_days, user=user,
        )
    except DomainError as error:
        fail(error)
        return
    scope = ministry or institution or "all"
    click.echo(f"Created token {token.id} '{token.name}' (role {token.role}, scope {scope}).",
               err=True)
    click.echo(secret)


@tokens.command("revoke")
@click.argument("ident")
@with_appcontext
def tokens_revoke(ident: str) -> None:
    """Revoke a token by id or name."""
    from service.domain.tokens import revoke_token

    try:
        token = revoke_token(ident)
    except DomainError as error:
        fail(error)
        return
    click.echo(f"Revoked token {token.id} '{token.name}'.")


@tokens.command("list")
@click.option("--long", "long_", is_flag=True,
              help="also when each expires, when it was last used and whose it is")
@with_appcontext
def tokens_list(long_: bool) -> None:
    """List tokens (never their secrets): id, name, role, scope, state."""
    from service.domain.tokens import list_tokens

    for token in list_tokens():
        scope = (token.ministry and token.ministry.code) or (
            token.institution and token.institution.code
        ) or "all"
        state = "revoked" if token.revoked else "expired" if token.expired else "active"
        expires = token.expires_at.isoformat(timespec="seconds") if token.expires_at else "-"
        used = token.last_used_at.isoformat(timespec="seconds") if token.last_used_at else "-"
        owner = token.user.email if token.user else "-"
        line = f"{token.id}\t{token.name}\t{token.role}\t{scope}\t{state}"
        click.echo(line + (f"\t{expires}\t{used}\t{owner}" if long_ else ""))

"""What the commands share: a domain error said as the command's failure."""

from __future__ import annotations

import click

from service.domain.errors import DomainError


def fail(error: DomainError) -> None:
    """Stop the command with ``error``'s message and the fields it names (exit status 1)."""
    fields = "; ".join(
        f"{k}: {', '.join(v)}" for k, v in error.errors.items() if v != [error.message]
    )
    raise click.ClickException(error.message + (f" ({fields})" if fields else ""))

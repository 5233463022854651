"""Domain exceptions. Only the API edge turns them into HTTP answers.

Messages are Danish (they reach civil servants); ``field`` names the offending field where
there is one, so the API can put the message under ``errors`` by field.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any


class DomainError(Exception):
    """Base of every domain error."""

    code = "domain-error"

    def __init__(
        self,
        message: str,
        *,
        field: str | None = None,
        errors: Mapping[str, Sequence[str]] | None = None,
        extra: Mapping[str, Any] | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.field = field
        self.errors: dict[str, list[str]] = {k: list(v) for k, v in (errors or {}).items()}
        if field and field not in self.errors:
            self.errors[field] = [message]
        self.extra = dict(extra or {})


class NotFound(DomainError):
    """The object does not exist, or belongs to another tenant (never tell which)."""

    code = "not-found"


class Forbidden(DomainError):
    """The actor may see the object but not do this to it."""

    code = "forbidden"


class Conflict(DomainError):
    """The request clashes with the object's state (a duplicate, a locked field, a lifecycle)."""

    code = "conflict"


class Invalid(DomainError):
    """The request is well-formed but its values break a business rule."""

    code = "invalid"

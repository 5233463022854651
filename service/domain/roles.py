"""A role and its scope, as tokens and people both carry them: a department is bound to one
ministry, an institution to one institution, an administrator to nothing."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from service.domain.errors import Invalid
from service.domain.models import Institution, Ministry
from service.extensions import db
from service.vocabulary import Role


@dataclass(frozen=True)
class Scope:
    role: Role
    ministry: Ministry | None = None
    institution: Institution | None = None


def resolve_scope(
    role: str, *, ministry: str | None = None, institution: str | None = None, what: str = "token"
) -> Scope:
    """The role and the ministry or institution it is bound to, checked against each other.
    ``what`` names the holder in the Danish messages ("token" or "bruger")."""
    article = "Et" if what == "token" else "En"
    try:
        parsed = Role(role)
    except ValueError:
        raise Invalid(f"Ukendt rolle {role!r}.", field="role") from None
    if parsed == Role.DEPARTMENT:
        if not ministry or institution:
            raise Invalid(f"{article} departements{what} skal have et ministerområde.",
                          field="ministry")
        found = db.session.scalar(select(Ministry).where(Ministry.code == ministry.upper()))
        if found is None:
            raise Invalid(f"Ukendt ministerområde: {ministry}.", field="ministry")
        return Scope(parsed, ministry=found)
    if parsed == Role.INSTITUTION:
        if not institution or ministry:
            raise Invalid(f"{article} institutions{what} skal have en institution.",
                          field="institution")
        inst = db.session.scalar(select(Institution).where(Institution.code == institution.upper()))
        if inst is None:
            raise Invalid(f"Ukendt institution: {institution}.", field="institution")
        return Scope(parsed, institution=inst)
    if ministry or institution:
        raise Invalid(f"{article} administrator{what} har intet afgrænset område.", field="role")
    return Scope(parsed)

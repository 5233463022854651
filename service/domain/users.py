"""People: managed by an administrator, matched at sign-in by their identity provider's
verified e-mail (or remembered subject), optionally provisioned from a group claim."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select, update

from service.clock import utcnow
from service.domain.actors import Actor
from service.domain.common import commit, require
from service.domain.errors import Conflict, Invalid, NotFound
from service.domain.models import ApiToken, User
from service.domain.pagination import Page, paginate
from service.domain.roles import Scope, resolve_scope
from service.extensions import db
from service.vocabulary import Role

#: a plain check of shape; the identity provider is what proves an address
EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def normalise_email(value: str, field: str = "email") -> str:
    email = value.strip().lower()
    if not EMAIL_RE.match(email) or len(email) > 320:
        raise Invalid("Angiv en gyldig e-mailadresse, fx navn@styrelse.dk.", field=field)
    return email


def _duplicate(email: str) -> Conflict:
    return Conflict(f"Der er allerede en bruger med e-mailadressen {email}.", field="email")


def _apply_scope(user: User, scope: Scope) -> None:
    user.role = scope.role.value
    user.ministry = scope.ministry
    user.institution = scope.institution


def actor_for(user: User) -> Actor:
    """The actor a signed-in person acts as."""
    ministry_id = user.institution.ministry_id if user.institution else user.ministry_id
    return Actor(name=user.name, email=user.email, role=Role(user.role), user_id=user.id,
                 ministry_id=ministry_id, institution_id=user.institution_id)


def create_user(
    actor: Actor,
    *,
    email: str,
    name: str,
    role: str,
    ministry: str | None = None,
    institution: str | None = None,
) -> User:
    require(actor.is_admin, "Kun en administrator kan oprette brugere.")
    email = normalise_email(email)
    if not name.strip():
        raise Invalid("Angiv brugerens navn.", field="name")
    scope = resolve_scope(role, ministry=ministry, institution=institution, what="bruger")
    if db.session.scalar(select(User.id).where(User.email == email)) is not None:
        raise _duplicate(email)
    user = User(email=email, name=name.strip(), active=True)
    _apply_scope(user, scope)
    db.session.add(user)
    commit(lambda exc: _duplicate(email))
    return user


def list_users(actor: Actor, page: int = 1, page_size: int = 50) -> Page[User]:
    require(actor.is_admin, "Kun en administrator kan se brugerne.")
    return paginate(select(User).order_by(User.email), page, page_size)


def get_user(actor: Actor, ident: int | str) -> User:
    require(actor.is_admin, "Kun en administrator kan se brugerne.")
    text = str(ident).strip()
    by_id = text.isascii() and text.isdigit() and len(text) < 10
    clause = User.id == int(text) if by_id else User.email == text.lower()
    user = db.session.scalar(select(User).where(clause))
    if user is None:
        raise NotFound("Brugeren findes ikke.")
    return user


def update_user(actor: Actor, user: User, changes: Mapping[str, Any]) -> User:
    """Change name, role and scope, or ``active``. Deactivating ends the person's sessions
    (at their next request) and their personal tokens."""
    require(actor.is_admin, "Kun en administrator kan ændre brugere.")
    if "name" in changes:
        if not str(changes["name"]).strip():
            raise Invalid("Angiv brugerens navn.", field="name")
        user.name = str(changes["name"]).strip()
    if {"role", "ministry", "institution"} & changes.keys():
        role = changes.get("role", user.role)
        ministry = changes.get("ministry", None if "role" in changes else _code(user.ministry))
        institution = changes.get(
            "institution", None if "role" in changes else _code(user.institution)
        )
        _apply_scope(user, resolve_scope(role, ministry=ministry, institution=institution,
                                         what="bruger"))
    if "active" in changes and bool(changes["active"]) != user.active:
        user.active = bool(changes["active"])
        if not user.active:
            _revoke_personal_tokens(user)
    commit()
    return user


def deactivate_user(actor: Actor, ident: int | str) -> User:
    return update_user(actor, get_user(actor, ident), {"active": False})


def _code(obj: Any) -> str | None:
    return obj.code if obj is not None else None


def _revoke_personal_tokens(user: User) -> None:
    db.session.execute(
        update(ApiToken)
        .where(ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None))
        .values(revoked_at=utcnow())
    )


@dataclass(frozen=True)
class Identity:
    """What an identity provider said of a person, after its ID token was verified."""

    issuer: str
    subject: str
    email: str | None
    email_verified: bool
    name: str | None
    groups: Sequence[str] = ()


class NoAccess(Exception):
    """The person signed in at the provider but has no access here (nothing was created)."""

    def __init__(self, identity: Identity, reason: str) -> None:
        super().__init__(reason)
        self.identity = identity
        self.reason = reason  # unknown | inactive | unverified


def sign_in(identity: Identity, group_roles: Mapping[str, Mapping[str, str]]) -> User:
    """The active user this identity is: by remembered (issuer, subject), else by verified
    e-mail; created or updated from ``group_roles`` when one of the person's groups is mapped
    there. Raises :class:`NoAccess` otherwise."""
    user = db.session.scalar(
        select(User).where(User.oidc_issuer == identity.issuer,
                           User.oidc_subject == identity.subject)
    )
    email = identity.email.strip().lower() if identity.email else None
    if user is None and email and identity.email_verified:
        user = db.session.scalar(select(User).where(User.email == email))
        if user is not None and user.oidc_issuer == identity.issuer and user.oidc_subject:
            # the address now belongs to another account at the same provider
            raise NoAccess(identity, "unknown")
    grant = next((group_roles[g] for g in identity.groups if g in group_roles), None)
    if user is None and grant is None:
        raise NoAccess(identity, "unknown" if identity.email_verified or not email
                       else "unverified")
    scope = None if grant is None else resolve_scope(
        grant.get("role", ""), ministry=grant.get("ministry"),
        institution=grant.get("institution"), what="bruger")
    if user is None:
        if not email or not identity.email_verified:
            raise NoAccess(identity, "unverified")
        user = User(email=email, name=identity.name or email, active=True)
        db.session.add(user)
    elif not user.active:
        raise NoAccess(identity, "inactive")
    if scope is not None:
        _apply_scope(user, scope)
    if identity.name:
        user.name = identity.name
    user.oidc_issuer, user.oidc_subject = identity.issuer, identity.subject
    user.last_sign_in_at = utcnow()
    commit(lambda exc: _duplicate(email or identity.subject))
    return user

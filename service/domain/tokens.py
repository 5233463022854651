"""API tokens: issuing, revoking and authenticating. Only a SHA-256 of the secret is kept
(the secret is 256 random bits, so a slow hash adds nothing)."""

from __future__ import annotations

import hashlib
import secrets

from sqlalchemy import select, text

from service.domain import data_version
from service.domain.actors import Actor
from service.domain.common import commit
from service.domain.errors import Invalid, NotFound
from service.domain.models import ApiToken, Institution, Ministry
from service.domain.models._types import utcnow
from service.extensions import db
from service.vocabulary import Role

PREFIX = "mrp_"


def _hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def create_token(
    *, role: str, name: str, ministry: str | None = None, institution: str | None = None
) -> tuple[ApiToken, str]:
    """Issue a token; returns the row and the secret, which is shown once and never stored."""
    try:
        role = Role(role)
    except ValueError:
        raise Invalid(f"Ukendt rolle {role!r}.", field="role") from None
    if not name.strip():
        raise Invalid("Giv tokenet et navn.", field="name")
    token = ApiToken(name=name.strip(), role=role.value)
    if role == Role.DEPARTMENT:
        if not ministry or institution:
            raise Invalid("Et departementstoken skal have et ministerområde.", field="ministry")
        found = db.session.scalar(select(Ministry).where(Ministry.code == ministry.upper()))
        if found is None:
            raise Invalid(f"Ukendt ministerområde: {ministry}.", field="ministry")
        token.ministry = found
    elif role == Role.INSTITUTION:
        if not institution or ministry:
            raise Invalid("Et institutionstoken skal have en institution.", field="institution")
        inst = db.session.scalar(
            select(Institution).where(Institution.code == institution.upper())
        )
        if inst is None:
            raise Invalid(f"Ukendt institution: {institution}.", field="institution")
        token.institution = inst
    elif ministry or institution:
        raise Invalid("Et administratortoken har intet afgrænset område.", field="role")
    secret = PREFIX + secrets.token_urlsafe(32)
    token.secret_hash = _hash(secret)
    db.session.add(token)
    commit()
    return token, secret


def revoke_token(ident: int | str) -> ApiToken:
    stmt = select(ApiToken)
    stmt = stmt.where(
        ApiToken.id == int(ident) if str(ident).isdigit() else ApiToken.name == str(ident)
    )
    tokens = list(db.session.scalars(stmt.where(ApiToken.revoked_at.is_(None))))
    if not tokens:
        raise NotFound(f"Intet aktivt token med id eller navn {ident}.")
    for token in tokens:
        token.revoked_at = utcnow()
    commit()
    return tokens[0]


def list_tokens() -> list[ApiToken]:
    return list(db.session.scalars(select(ApiToken).order_by(ApiToken.id)))


#: one indexed lookup, prepared once: it runs on every API request, and brings the data
#: version along (``service.domain.data_version``) to save the request a round trip
_AUTHENTICATE = text(
    "SELECT t.id, t.name, t.role, t.ministry_id, t.institution_id, i.ministry_id,"
    f" ({data_version.TOKEN_SQL})"
    " FROM api_token AS t LEFT OUTER JOIN institution AS i ON i.id = t.institution_id"
    " WHERE t.secret_hash = :secret_hash AND t.revoked_at IS NULL"
)


def authenticate(secret: str) -> Actor | None:
    """The actor behind a bearer secret, or None for an unknown or revoked one. Looked up on
    every request, so a revoked token is refused at once by every process."""
    return authenticate_reading_version(secret)[0]


def authenticate_reading_version(secret: str) -> tuple[Actor | None, int | None]:
    """``authenticate`` and, read by the same statement, the data version's token (``None``
    when the token is refused or the version row is missing)."""
    if not secret.startswith(PREFIX) or len(secret) > 200:
        return None, None
    row = db.session.execute(_AUTHENTICATE, {"secret_hash": _hash(secret)}).first()
    if row is None:
        return None, None
    token_id, name, role, ministry_id, institution_id, institution_ministry, version = row
    return _actor(token_id, name, role, ministry_id, institution_id, institution_ministry), (
        None if version is None else int(version)
    )


def _actor(
    token_id: int,
    name: str,
    role: str,
    ministry_id: int | None,
    institution_id: int | None,
    institution_ministry: int | None,
) -> Actor:
    return Actor(
        name=name,
        role=Role(role),
        ministry_id=institution_ministry if institution_id is not None else ministry_id,
        institution_id=institution_id,
        token_id=token_id,
    )

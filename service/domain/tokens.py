"""API tokens: issuing, revoking and authenticating. Only a SHA-256 of the secret is kept
(the secret is 256 random bits, so a slow hash adds nothing)."""

from __future__ import annotations

import hashlib
import secrets
import threading
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Boolean, Row, bindparam, select, text, update

from service.clock import utcnow
from service.domain import data_version
from service.domain.actors import Actor
from service.domain.common import commit
from service.domain.errors import Invalid, NotFound
from service.domain.models import ApiToken, User
from service.domain.models.columns import UTCDateTime
from service.domain.roles import resolve_scope
from service.extensions import AUTOCOMMIT, db
from service.vocabulary import Role

PREFIX = "mrp_"


def _hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def create_token(
    *,
    role: str | None = None,
    name: str,
    ministry: str | None = None,
    institution: str | None = None,
    expires_days: int | None = None,
    user: str | None = None,
) -> tuple[ApiToken, str]:
    """Issue a token; returns the row and the secret, which is shown once and never stored.

    A personal token (``user``: the person's e-mail) takes the person's role and scope unless
    given, must not reach further than the person, and stops working with them."""
    if not name.strip():
        raise Invalid("Giv tokenet et navn.", field="name")
    owner = None
    if user is not None:
        owner = db.session.scalar(select(User).where(User.email == user.strip().lower()))
        if owner is None or not owner.active:
            raise Invalid(f"Ingen aktiv bruger med e-mailadressen {user}.", field="user")
        if role is None:
            role = owner.role
            ministry = owner.ministry.code if owner.ministry else None
            institution = owner.institution.code if owner.institution else None
    if role is None:
        raise Invalid("Angiv en rolle.", field="role")
    scope = resolve_scope(role, ministry=ministry, institution=institution)
    if owner is not None and (scope.role.value, scope.ministry, scope.institution) != (
        owner.role, owner.ministry, owner.institution
    ):
        raise Invalid("Et personligt token har brugerens rolle og område.", field="role")
    if expires_days is not None and not 1 <= expires_days <= 3650:
        raise Invalid("Et token kan udløbe efter 1 til 3650 dage.", field="expires_days")
    token = ApiToken(name=name.strip(), role=scope.role.value, ministry=scope.ministry,
                     institution=scope.institution, user=owner,
                     expires_at=utcnow() + timedelta(days=expires_days) if expires_days else None)
    secret = PREFIX + secrets.token_urlsafe(32)
    token.secret_hash = _hash(secret)
    db.session.add(token)
    commit()
    return token, secret


def revoke_token(ident: int | str) -> ApiToken:
    text = str(ident)
    by_id = text.isascii() and text.isdigit()
    stmt = select(ApiToken).where(ApiToken.id == int(text) if by_id else ApiToken.name == text)
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
#: version along (``service.domain.data_version``) to save the request a round trip (on
#: PostgreSQL in autocommit, ``_token_row``)
_AUTHENTICATE = text(
    "SELECT t.id, t.name, t.role, t.ministry_id, t.institution_id, i.ministry_id,"
    " u.id, u.name, u.email,"
    f" ({data_version.TOKEN_SQL})"
    " FROM api_token AS t LEFT OUTER JOIN institution AS i ON i.id = t.institution_id"
    " LEFT OUTER JOIN app_user AS u ON u.id = t.user_id"
    " WHERE t.secret_hash = :secret_hash AND t.revoked_at IS NULL"
    " AND (t.expires_at IS NULL OR t.expires_at > :now)"
    " AND (t.user_id IS NULL OR u.active = :active)"
).bindparams(bindparam("now", type_=UTCDateTime()), bindparam("active", type_=Boolean()))


def authenticate(secret: str) -> Actor | None:
    """The actor behind a bearer secret, or None for an unknown or revoked one. Looked up on
    every request, so a revoked token is refused at once by every process."""
    return authenticate_reading_version(secret)[0]


def authenticate_reading_version(secret: str) -> tuple[Actor | None, int | None]:
    """``authenticate`` and, read by the same statement, the data version's token (``None``
    when the token is refused or the version row is missing)."""
    if not secret.startswith(PREFIX) or len(secret) > 200:
        return None, None
    now, secret_hash = utcnow(), _hash(secret)
    row = _token_row({"secret_hash": secret_hash, "now": now, "active": True})
    if row is None:
        return None, None
    (token_id, name, role, ministry_id, institution_id, institution_ministry,
     user_id, user_name, user_email, version) = row
    _last_use.seen(token_id, secret_hash, now)
    actor = _actor(token_id, name, role, ministry_id, institution_id, institution_ministry)
    if user_id is not None:
        actor = replace(actor, name=user_name, email=user_email, user_id=user_id)
    return actor, (None if version is None else int(version))


def _token_row(params: dict[str, object]) -> Row[Any] | None:
    """The token check's row. On PostgreSQL it is read outside the request's transaction,
    on a connection of the autocommit pool (``service.extensions.AUTOCOMMIT``): one round
    trip, of a statement prepared there once, where in the request's transaction a ``BEGIN``
    would go before it and a ``ROLLBACK`` after it, though a request answered from the cache
    runs nothing else. It reads what is committed when it runs, as it did in the request's
    transaction (read committed); the request's own statements run later and see at least
    as much. On SQLite it stays in the session: the driver sends no ``BEGIN`` for a read, so
    there is no round trip to save."""
    engine = db.engines.get(AUTOCOMMIT)
    if engine is None:
        return db.session.execute(_AUTHENTICATE, params).first()
    with engine.connect() as conn:
        return conn.execute(_AUTHENTICATE, params).first()


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


class _LastUse:
    """When each token was last used, written at most once a ``interval`` per token and
    process, after the request's own work, so that reading stays a single statement."""

    def __init__(self, interval: timedelta = timedelta(minutes=1)) -> None:
        self.interval = interval
        #: by the secret's hash, which no other token ever has (ids can come back)
        self._written: dict[str, datetime] = {}
        self._due: dict[str, tuple[int, datetime]] = {}
        self._lock = threading.Lock()

    def seen(self, token_id: int, secret_hash: str, at: datetime) -> None:
        with self._lock:
            last = self._written.get(secret_hash)
            if last is None or at - last >= self.interval:
                self._due[secret_hash] = (token_id, at)

    def flush(self) -> None:
        """Write the due times, each in a short transaction of its own connection."""
        with self._lock:
            due, self._due = self._due, {}
            self._written.update({key: at for key, (_id, at) in due.items()})
        if not due:
            return
        with db.engine.begin() as conn:
            for token_id, at in due.values():
                conn.execute(
                    update(ApiToken).where(ApiToken.id == token_id).values(last_used_at=at)
                )


_last_use = _LastUse()


def record_last_use() -> None:
    """Write when tokens were last used (called by the edges after each request)."""
    _last_use.flush()

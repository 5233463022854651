"""Dashboard sessions kept on the server.

Signing in opens a :class:`~service.domain.models.WebSession` and hands back a random
session id (256 bits) for the browser's cookie; nothing in the cookie works anywhere else.
Every request resumes the session by that id, and the session ends, for good, when

- the person signs out (:func:`end_session`),
- nobody used it for ``WEB_SESSION_IDLE_MINUTES`` (default 60),
- it is ``WEB_SESSION_HOURS`` old (default 10), however busy,
- or its person was deactivated, or its API token revoked.

Only the SHA-256 of the session id is stored, as for API tokens: whoever reads the table (a
backup, a replica, a person with read rights) learns no id that resumes a session. The id is
256 random bits, so a fast hash is enough.

``last_seen_at`` is written at most once every :data:`TOUCH_EVERY`, not on every request; the
idle limit is therefore kept to within that much.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from flask import current_app
from sqlalchemy import delete, or_, select, update
from sqlalchemy.orm import aliased

from service.clock import utcnow
from service.domain.actors import Actor
from service.domain.models import ApiToken, Institution, User, WebSession
from service.extensions import db
from service.vocabulary import Role

#: how stale ``last_seen_at`` may get before a request writes it again
TOUCH_EVERY = timedelta(minutes=1)
#: ended and expired rows are kept this long (for whoever looks into a sign-in), then deleted
KEEP_ENDED = timedelta(days=1)
#: longest session id accepted from a cookie (``token_urlsafe(32)`` makes 43 characters)
MAX_ID_LENGTH = 100


class EndReason(StrEnum):
    SIGNED_OUT = "signed_out"
    IDLE = "idle"
    EXPIRED = "expired"
    TOKEN_REVOKED = "token_revoked"
    USER_DEACTIVATED = "user_deactivated"
    #: a new sign-in in the same browser
    REPLACED = "replaced"
    #: no such session (never opened, or ended long ago and deleted)
    UNKNOWN = "unknown"


@dataclass(frozen=True)
class Limits:
    idle: timedelta
    lifetime: timedelta


@dataclass(frozen=True)
class Resumed:
    """What resuming a session found: its actor, or why it has ended (now or before)."""

    actor: Actor | None
    ended: EndReason | None = None


def limits() -> Limits:
    """The idle and total limits of the app's settings."""
    config = current_app.config
    return Limits(
        idle=timedelta(minutes=float(config.get("WEB_SESSION_IDLE_MINUTES", 60))),
        lifetime=timedelta(hours=float(config.get("WEB_SESSION_HOURS", 10))),
    )


def _hash(session_id: str) -> str:
    return hashlib.sha256(session_id.encode()).hexdigest()


def open_session(
    *, token_id: int | None = None, user_id: int | None = None, replaces: str | None = None
) -> str:
    """Open a session for the person ``user_id`` or the API token ``token_id``; return its
    new id (for the cookie, never stored). The session the browser had before, ``replaces``,
    ends; rows that ended or expired more than a day ago are deleted."""
    if (token_id is None) == (user_id is None):
        raise ValueError("a session belongs to exactly one user or token")
    now = utcnow()
    if replaces:
        _end(replaces, EndReason.REPLACED, now)
    prune(now)
    session_id = secrets.token_urlsafe(32)
    db.session.add(WebSession(id=_hash(session_id), token_id=token_id, user_id=user_id,
                              created_at=now, last_seen_at=now))
    db.session.commit()
    return session_id


_TOKEN_INSTITUTION = aliased(Institution)
_USER_INSTITUTION = aliased(Institution)

#: one indexed lookup per request: the session and the person or token it was opened for
_RESUME = (
    select(
        WebSession.created_at, WebSession.last_seen_at, WebSession.ended_at,
        ApiToken.id, ApiToken.name, ApiToken.role, ApiToken.ministry_id,
        ApiToken.institution_id, _TOKEN_INSTITUTION.ministry_id, ApiToken.revoked_at,
        User.id, User.name, User.email, User.role, User.ministry_id, User.institution_id,
        _USER_INSTITUTION.ministry_id, User.active,
    )
    .select_from(WebSession)
    .outerjoin(ApiToken, ApiToken.id == WebSession.token_id)
    .outerjoin(_TOKEN_INSTITUTION, _TOKEN_INSTITUTION.id == ApiToken.institution_id)
    .outerjoin(User, User.id == WebSession.user_id)
    .outerjoin(_USER_INSTITUTION, _USER_INSTITUTION.id == User.institution_id)
)


def resume_session(session_id: str) -> Resumed:
    """The actor of an open session, or why the session has ended. A session past one of its
    limits, or whose token was revoked, is ended here and never resumes again."""
    if not session_id or len(session_id) > MAX_ID_LENGTH:
        return Resumed(None, EndReason.UNKNOWN)
    key = _hash(session_id)
    row = db.session.execute(_RESUME.where(WebSession.id == key)).first()
    if row is None:
        return Resumed(None, EndReason.UNKNOWN)
    (created_at, last_seen_at, ended_at, token_id, name, role, ministry_id, institution_id,
     institution_ministry, revoked_at, user_id, user_name, user_email, user_role,
     user_ministry, user_institution, user_institution_ministry, user_active) = row
    if ended_at is not None:
        return Resumed(None, EndReason.UNKNOWN)
    now = utcnow()
    reason = _expired(created_at, last_seen_at, now, limits())
    if reason is None and user_id is not None:
        if not user_active:
            reason = EndReason.USER_DEACTIVATED
    elif reason is None and (token_id is None or revoked_at is not None):
        reason = EndReason.TOKEN_REVOKED
    if reason is not None:
        _end(session_id, reason, now)
        db.session.commit()
        return Resumed(None, reason)
    if now - last_seen_at >= TOUCH_EVERY:
        db.session.execute(
            update(WebSession)
            .where(WebSession.id == key, WebSession.last_seen_at < now - TOUCH_EVERY)
            .values(last_seen_at=now)
        )
        db.session.commit()
    if user_id is not None:
        return Resumed(Actor(
            name=user_name, email=user_email, user_id=user_id, role=Role(user_role),
            ministry_id=user_institution_ministry if user_institution is not None
            else user_ministry,
            institution_id=user_institution,
        ))
    return Resumed(Actor(
        name=name,
        role=Role(role),
        ministry_id=institution_ministry if institution_id is not None else ministry_id,
        institution_id=institution_id,
        token_id=token_id,
    ))


def _expired(created_at: datetime, last_seen_at: datetime, now: datetime, limit: Limits
             ) -> EndReason | None:
    if now - created_at >= limit.lifetime:
        return EndReason.EXPIRED
    if now - last_seen_at >= limit.idle:
        return EndReason.IDLE
    return None


def end_session(session_id: str, reason: EndReason = EndReason.SIGNED_OUT) -> None:
    """End a session for good (signing out): its id never resumes it again."""
    _end(session_id, reason, utcnow())
    db.session.commit()


def _end(session_id: str, reason: EndReason, now: datetime) -> None:
    if not session_id or len(session_id) > MAX_ID_LENGTH:
        return
    db.session.execute(
        update(WebSession)
        .where(WebSession.id == _hash(session_id), WebSession.ended_at.is_(None))
        .values(ended_at=now, end_reason=reason.value)
    )


def prune(now: datetime | None = None) -> int:
    """Delete sessions that ended, or passed a limit, more than a day ago. Returns how many
    (the caller commits)."""
    now = now or utcnow()
    limit = limits()
    result = db.session.execute(
        delete(WebSession).where(or_(
            WebSession.ended_at < now - KEEP_ENDED,
            WebSession.last_seen_at < now - limit.idle - KEEP_ENDED,
            WebSession.created_at < now - limit.lifetime - KEEP_ENDED,
        ))
    )
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


__all__ = [
    "TOUCH_EVERY", "EndReason", "Limits", "Resumed", "end_session", "limits", "open_session",
    "prune", "resume_session",
]

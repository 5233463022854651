"""Signed-in dashboard sessions, kept on the server: the browser's cookie holds only a random
session id, and the row is found by that id's SHA-256."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from service.clock import utcnow
from service.domain.models.columns import UTCDateTime
from service.domain.models.tokens import ApiToken
from service.domain.models.users import User
from service.extensions import db


class WebSession(db.Model):
    """One sign-in to the dashboard, from its start until it ends (sign-out, idle time, its
    longest life, or its principal losing access).

    The principal is the person (a user signed in through OpenID Connect) or the API token
    somebody signed in with: exactly one of ``user_id`` and ``token_id`` is set."""

    __tablename__ = "web_session"

    #: SHA-256 (hex) of the random session id in the cookie; the id itself is never stored
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    token_id: Mapped[int | None] = mapped_column(
        ForeignKey("api_token.id", ondelete="CASCADE"), index=True
    )
    user_id: Mapped[int | None] = mapped_column(
        ForeignKey("app_user.id", ondelete="CASCADE"), index=True
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    #: updated at most once a minute (service.domain.sessions.TOUCH_EVERY)
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: why it ended: signed_out, idle, expired, token_revoked, user_deactivated, replaced
    end_reason: Mapped[str | None] = mapped_column(String(20))

    token: Mapped[ApiToken | None] = relationship()
    user: Mapped[User | None] = relationship()

    @property
    def ended(self) -> bool:
        return self.ended_at is not None

"""API tokens: only a hash of the secret is stored."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from service.clock import utcnow
from service.domain.models.columns import UTCDateTime
from service.domain.models.tenancy import Institution, Ministry
from service.domain.models.users import User
from service.extensions import db


class ApiToken(db.Model):
    __tablename__ = "api_token"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(20))
    ministry_id: Mapped[int | None] = mapped_column(ForeignKey("ministry.id", ondelete="CASCADE"))
    institution_id: Mapped[int | None] = mapped_column(
        ForeignKey("institution.id", ondelete="CASCADE")
    )
    secret_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: written at most once a minute per token and process (``service.domain.tokens``)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: a personal token: it stops working when its person is deactivated
    user_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id", ondelete="CASCADE"))

    ministry: Mapped[Ministry | None] = relationship()
    institution: Mapped[Institution | None] = relationship()
    user: Mapped[User | None] = relationship()

    @property
    def revoked(self) -> bool:
        return self.revoked_at is not None

    @property
    def expired(self) -> bool:
        return self.expires_at is not None and self.expires_at <= utcnow()

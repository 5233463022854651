"""The audit log: every change to an approved plan or its goals, with who, when and why."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from service.clock import utcnow
from service.domain.models.columns import UTCDateTime
from service.extensions import db


class AuditEvent(db.Model):
    __tablename__ = "audit_event"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    actor: Mapped[str] = mapped_column(String(200))
    actor_role: Mapped[str] = mapped_column(String(20))
    #: the person's e-mail when a person acted (``actor`` is then their name)
    actor_email: Mapped[str | None] = mapped_column(String(320))
    plan_id: Mapped[int | None] = mapped_column(
        ForeignKey("plan.id", ondelete="SET NULL"), index=True
    )
    entity: Mapped[str] = mapped_column(String(20))  # plan | goal
    entity_id: Mapped[int]
    action: Mapped[str] = mapped_column(String(30))  # create | update | approve | withdraw …
    before: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    after: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    reason: Mapped[str | None] = mapped_column(Text)

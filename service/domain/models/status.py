"""A ministry's own thresholds for the computed status (DESIGN section 12); a ministry
without a row uses the defaults."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey
from sqlalchemy.orm import Mapped, mapped_column

from service.clock import utcnow
from service.domain.models.columns import UTCDateTime
from service.extensions import db


class StatusThresholds(db.Model):
    __tablename__ = "status_thresholds"

    ministry_id: Mapped[int] = mapped_column(
        ForeignKey("ministry.id", ondelete="CASCADE"), primary_key=True
    )
    on_track: Mapped[float]
    at_risk: Mapped[float]
    maintain_tolerance: Mapped[float]
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

"""A ministry's settings for the plans' attainment (målopfyldelse): whether its goals carry
weights, and how much a partly met goal counts. A ministry without a row has weights off."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey
from sqlalchemy.orm import Mapped, mapped_column

from service.clock import utcnow
from service.domain.models.columns import UTCDateTime
from service.extensions import db


class AttainmentSettings(db.Model):
    __tablename__ = "attainment_settings"

    ministry_id: Mapped[int] = mapped_column(
        ForeignKey("ministry.id", ondelete="CASCADE"), primary_key=True
    )
    weights_enabled: Mapped[bool] = mapped_column(default=False)
    #: what a partly met goal (partially achieved, at risk) counts of its points, 0–1
    partial_share: Mapped[float]
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

"""Ministries, their institutions, and the addresses institutions report from."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import JSON, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from service.clock import utcnow
from service.domain.models.columns import UTCDateTime
from service.extensions import db

if TYPE_CHECKING:
    from service.domain.models.plans import Plan


class Ministry(db.Model):
    __tablename__ = "ministry"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(16), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    #: rule code → severity, overriding the built-in default for this ministry
    severity_overrides: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    institutions: Mapped[list[Institution]] = relationship(
        back_populates="ministry", order_by="Institution.code"
    )
    plugins: Mapped[list[MinistryPlugin]] = relationship(
        back_populates="ministry", cascade="all, delete-orphan"
    )


class MinistryPlugin(db.Model):
    """A plugin's enablement and settings for one ministry (installed is not enabled)."""

    __tablename__ = "ministry_plugin"
    __table_args__ = (UniqueConstraint("ministry_id", "plugin"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    ministry_id: Mapped[int] = mapped_column(ForeignKey("ministry.id", ondelete="CASCADE"))
    plugin: Mapped[str] = mapped_column(String(100))
    enabled: Mapped[bool] = mapped_column(default=True)
    settings: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)

    ministry: Mapped[Ministry] = relationship(back_populates="plugins")


class Institution(db.Model):
    __tablename__ = "institution"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(16), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    ministry_id: Mapped[int] = mapped_column(ForeignKey("ministry.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    ministry: Mapped[Ministry] = relationship(back_populates="institutions")
    addresses: Mapped[list[ReportingAddress]] = relationship(
        back_populates="institution",
        cascade="all, delete-orphan",
        order_by="ReportingAddress.address",
    )
    plans: Mapped[list[Plan]] = relationship(back_populates="institution")

    @property
    def reporting_addresses(self) -> list[str]:
        return [a.address for a in self.addresses]


class ReportingAddress(db.Model):
    """A sender allowed to mail reports for an institution; stored lower-cased."""

    __tablename__ = "reporting_address"
    __table_args__ = (UniqueConstraint("institution_id", "address"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    institution_id: Mapped[int] = mapped_column(
        ForeignKey("institution.id", ondelete="CASCADE"), index=True
    )
    address: Mapped[str] = mapped_column(String(320), index=True)

    institution: Mapped[Institution] = relationship(back_populates="addresses")

"""Plans, their goals, and each goal's indicators and milestones."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from service.clock import utcnow
from service.domain.models.columns import UTCDateTime
from service.domain.models.tenancy import Institution
from service.extensions import db


class Plan(db.Model):
    __tablename__ = "plan"

    id: Mapped[int] = mapped_column(primary_key=True)
    reference: Mapped[str] = mapped_column(String(40), unique=True)
    institution_id: Mapped[int] = mapped_column(ForeignKey("institution.id"), index=True)
    title: Mapped[str] = mapped_column(String(300))
    period_start: Mapped[int]
    period_end: Mapped[int]
    top_manager_name: Mapped[str | None] = mapped_column(String(200))
    top_manager_title: Mapped[str | None] = mapped_column(String(200))
    followup_cadence: Mapped[str | None] = mapped_column(String(20))
    status: Mapped[str] = mapped_column(String(20), default="draft", index=True)
    approved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    approved_by: Mapped[str | None] = mapped_column(String(200))
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    institution: Mapped[Institution] = relationship(back_populates="plans")
    goals: Mapped[list[Goal]] = relationship(
        back_populates="plan", cascade="all, delete-orphan", order_by="Goal.position"
    )

    @property
    def top_manager(self) -> dict[str, str | None] | None:
        if not self.top_manager_name:
            return None
        return {"name": self.top_manager_name, "title": self.top_manager_title}


class Goal(db.Model):
    __tablename__ = "goal"
    __table_args__ = (
        UniqueConstraint("plan_id", "code"),
        # the goal lists' order, with and without their most used filter: no sort, no scan
        Index("ix_goal_order", "plan_id", "position", "id"),
        Index("ix_goal_task_type_order", "task_type", "plan_id", "position", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("plan.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(default=0)
    code: Mapped[str] = mapped_column(String(20))
    title: Mapped[str] = mapped_column(String(300))
    description: Mapped[str | None] = mapped_column(Text)
    task_type: Mapped[str] = mapped_column(String(50), index=True)
    goal_type: Mapped[str] = mapped_column(String(20), index=True)
    nature: Mapped[str] = mapped_column(String(20))
    success_criterion: Mapped[str | None] = mapped_column(Text)
    deadline: Mapped[date | None]
    politically_fixed: Mapped[bool] = mapped_column(default=False)
    owner: Mapped[str | None] = mapped_column(String(200))
    #: points (``Vægtning: 15 point``) for the plan's attainment, where its ministry weighs
    #: goals (``service.domain.attainment``); None: not weighted
    weight: Mapped[int | None]
    status: Mapped[str] = mapped_column(String(20), default="active")
    withdrawn_reason: Mapped[str | None] = mapped_column(Text)
    #: the goal of an earlier plan of the same institution this goal continues, when its
    #: code differs (the same code follows on by itself); its history runs on from there.
    #: Deleting that goal unlinks it first (``service.domain.history.release``), audited:
    #: no ON DELETE, which SQLite could add to the watched table only by rebuilding it
    previous_goal_id: Mapped[int | None] = mapped_column(ForeignKey("goal.id"), index=True)

    plan: Mapped[Plan] = relationship(back_populates="goals")
    previous_goal: Mapped[Goal | None] = relationship(remote_side=[id])
    indicators: Mapped[list[Indicator]] = relationship(
        back_populates="goal", cascade="all, delete-orphan", order_by="Indicator.position"
    )
    milestones: Mapped[list[Milestone]] = relationship(
        back_populates="goal", cascade="all, delete-orphan", order_by="Milestone.position"
    )


class Indicator(db.Model):
    __tablename__ = "indicator"

    id: Mapped[int] = mapped_column(primary_key=True)
    goal_id: Mapped[int] = mapped_column(ForeignKey("goal.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(default=0)
    name: Mapped[str] = mapped_column(String(300))
    unit: Mapped[str | None] = mapped_column(String(50))
    baseline: Mapped[float | None]
    baseline_year: Mapped[int | None]
    target: Mapped[float | None]
    direction: Mapped[str | None] = mapped_column(String(20))
    data_source: Mapped[str | None] = mapped_column(String(300))
    #: every target the indicator has had once its plan was approved, oldest first:
    #: ``[{"target", "valid_from" (ISO date), "change_request" (id or None)}]``; None: only
    #: the target it has, valid from the plan's start (``service.domain.targets``)
    target_history: Mapped[list[dict[str, Any]] | None] = mapped_column(JSON)

    goal: Mapped[Goal] = relationship(back_populates="indicators")


class Milestone(db.Model):
    __tablename__ = "milestone"

    id: Mapped[int] = mapped_column(primary_key=True)
    goal_id: Mapped[int] = mapped_column(ForeignKey("goal.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(default=0)
    title: Mapped[str] = mapped_column(String(300))
    due_date: Mapped[date | None]
    done: Mapped[bool] = mapped_column(default=False)

    goal: Mapped[Goal] = relationship(back_populates="milestones")

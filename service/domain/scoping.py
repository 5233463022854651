"""Tenant scoping: which rows an actor may see. Every domain query goes through here."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Select, false

from service.domain.actors import Actor
from service.domain.models import InboundMessage, Institution, Ministry, Plan


def ministries(actor: Actor, stmt: Select[Any]) -> Select[Any]:
    if actor.is_admin:
        return stmt
    if actor.ministry_id is None:
        return stmt.where(false())
    return stmt.where(Ministry.id == actor.ministry_id)


def institutions(actor: Actor, stmt: Select[Any]) -> Select[Any]:
    """``stmt`` must select from or join ``Institution``."""
    if actor.is_admin:
        return stmt
    if actor.is_department and actor.ministry_id is not None:
        return stmt.where(Institution.ministry_id == actor.ministry_id)
    if actor.is_institution and actor.institution_id is not None:
        return stmt.where(Institution.id == actor.institution_id)
    return stmt.where(false())


def plans(actor: Actor, stmt: Select[Any]) -> Select[Any]:
    """``stmt`` must select from ``Plan``; joins ``Institution`` when it needs to."""
    if actor.is_admin:
        return stmt
    if actor.is_institution and actor.institution_id is not None:
        return stmt.where(Plan.institution_id == actor.institution_id)
    if actor.is_department and actor.ministry_id is not None:
        return stmt.where(
            Plan.institution_id.in_(
                Institution.__table__.select()
                .with_only_columns(Institution.id)
                .where(Institution.ministry_id == actor.ministry_id)
                .scalar_subquery()
            )
        )
    return stmt.where(false())


def inbound_messages(actor: Actor, stmt: Select[Any]) -> Select[Any]:
    """``stmt`` must select from ``InboundMessage``. A message is seen by the department of
    the ministry it belongs to and by the institution it is attributed to in that ministry,
    both stored with it when the pipeline decided it (``InboundMessage.ministry_id``,
    ``institution_id``); one that belongs to no ministry is for administrators only."""
    if actor.is_admin:
        return stmt
    if actor.ministry_id is None:
        return stmt.where(false())
    if actor.is_department:
        return stmt.where(InboundMessage.ministry_id == actor.ministry_id)
    if actor.is_institution and actor.institution_id is not None:
        return stmt.where(InboundMessage.ministry_id == actor.ministry_id,
                          InboundMessage.institution_id == actor.institution_id)
    return stmt.where(false())

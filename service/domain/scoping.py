"""Tenant scoping: which rows an actor may see. Every domain query goes through here."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Select, false

from service.domain.actors import Actor
from service.domain.models import Institution, Ministry, Plan


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

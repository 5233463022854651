"""Inbound messages as people look at them: a department sees its institutions' mail, an
institution its own; mail that could not be attributed is for administrators only."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import false, select
from sqlalchemy.orm import selectinload

from service.domain.actors import Actor
from service.domain.errors import NotFound
from service.domain.models import InboundMessage, Institution, Plan
from service.domain.pagination import Page, paginate
from service.extensions import db


@dataclass(frozen=True)
class MessageFilters:
    state: str | None = None
    sender: str | None = None
    plan: str | None = None
    reason: str | None = None


def _scoped(actor: Actor, stmt):
    if actor.is_admin:
        return stmt
    if actor.is_institution:
        return stmt.where(InboundMessage.institution_id == actor.institution_id)
    if actor.is_department:
        mine = select(Institution.id).where(Institution.ministry_id == actor.ministry_id)
        return stmt.where(InboundMessage.institution_id.in_(mine.scalar_subquery()))
    return stmt.where(false())


def list_messages(
    actor: Actor, filters: MessageFilters, page: int = 1, page_size: int = 20
) -> Page[InboundMessage]:
    stmt = _scoped(actor, select(InboundMessage))
    if filters.state:
        stmt = stmt.where(InboundMessage.state == filters.state)
    if filters.reason:
        stmt = stmt.where(InboundMessage.reason == filters.reason)
    if filters.sender:
        stmt = stmt.where(InboundMessage.sender == filters.sender.strip().lower())
    if filters.plan:
        stmt = stmt.join(Plan, Plan.id == InboundMessage.plan_id).where(
            Plan.reference == filters.plan.strip().upper()
        )
    stmt = stmt.order_by(InboundMessage.id.desc())
    return paginate(stmt, page, page_size, (selectinload(InboundMessage.plan),))


def get_message(actor: Actor, message_id: int) -> InboundMessage:
    msg = db.session.scalar(_scoped(actor, select(InboundMessage)).where(
        InboundMessage.id == message_id
    ))
    if msg is None:
        raise NotFound("Beskeden findes ikke.")
    return msg

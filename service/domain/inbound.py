"""Inbound messages as people look at them. A message belongs to the ministry the pipeline
attributed it to, stored with it: the ministry of the plan it names when that plan exists
(whoever sent it), else the ministry of its registered sender; that ministry's department
sees it, and so does the institution it is attributed to. Mail that could not be attributed
(an unknown or unauthenticated sender, ignored mail, mail not yet processed) is for
administrators only. See ``scoping.inbound_messages`` and docs/operations.md."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from flask import current_app
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from service.clock import utcnow
from service.domain import audit, scoping
from service.domain.actors import Actor
from service.domain.common import commit, locked, require
from service.domain.errors import Conflict, Invalid, NotFound
from service.domain.models import InboundMessage, IntakeRun, Plan, ReportingAddress
from service.domain.pagination import Page, paginate
from service.extensions import db
from service.vocabulary import has_control_characters


@dataclass(frozen=True)
class Owner:
    """Who a message is attributed to, as the pipeline stores it on the message."""

    ministry_id: int | None = None
    institution_id: int | None = None
    plan_id: int | None = None


#: a message before anything is known of it, or one that could not be attributed (an
#: unknown or unauthenticated sender, ignored mail): administrators only
UNATTRIBUTED = Owner()


STATES = ("received", "accepted", "rejected", "quarantined", "ignored", "discarded")
#: a quarantined mail a person set aside with a reason: final, never reprocessed or retried
DISCARDED = "discarded"
REASON_MAX = 2000
#: the key in ``app.extensions`` of the intake's :data:`Reprocess` (set by the app factory)
REPROCESS = "mrp.reprocess"

#: Run a stored message through the intake's pipeline again (the intake's ``reprocess``):
#: the API and the dashboard call it without importing the intake.
Reprocess = Callable[[InboundMessage], InboundMessage]

def unattributed() -> Owner:
    """A message before anything is known of it, or one that could not be attributed (an
    unknown or unauthenticated sender, ignored mail): administrators only."""
    return UNATTRIBUTED


def owner_by_sender(institutions: tuple[int, ...], ministries: tuple[int, ...]) -> Owner:
    """A mail from a registered (and, where required, authenticated) address that names no
    plan that exists: it belongs to the address's institution and that institution's
    ministry. What the department sees then is what its own institution wrote. An address
    registered for several institutions names none of them to see it; for institutions of
    several ministries, no ministry either (administrators only): either could be the one
    it is about. ``ministries`` are the institutions' ministries, in the same order."""
    return Owner(
        institution_id=institutions[0] if len(institutions) == 1 else None,
        ministry_id=ministries[0] if len(set(ministries)) == 1 else None,
    )


def owner_by_named_plan(plan: Plan) -> Owner:
    """A mail from an address registered nowhere whose subject names ``plan`` (an existing
    one): it belongs to the plan's ministry, whose department can register the address for
    the plan's institution and process the mail again (a new colleague's address, say).
    Nothing of another ministry is shown to it: the plan is its own. No institution sees it:
    the sender is nobody's yet."""
    return Owner(ministry_id=plan.institution.ministry_id, plan_id=plan.id)


def owner_by_plan(plan: Plan, institutions: tuple[int, ...]) -> tuple[Owner, bool]:
    """A mail that names ``plan`` (an existing one) belongs to the plan's ministry, whoever
    sent it: the plan's reference, that it exists and what was sent for it are that
    ministry's to see, not the sender's (``sender_not_authorized``: the sender's own
    ministry, when another, sees nothing). The plan's institution sees it too when it sent
    it; a mail for the plan from another institution's address is seen by no institution,
    neither the plan's (it would show another institution's address) nor the sender's.
    ``institutions``: the sender's. The second value: may the sender report for the plan?"""
    authorized = plan.institution_id in institutions
    owner = Owner(
        ministry_id=plan.institution.ministry_id,
        institution_id=plan.institution_id if authorized else None,
        plan_id=plan.id,
    )
    return owner, authorized


@dataclass(frozen=True)
class MessageFilters:
    state: str | None = None
    sender: str | None = None
    plan: str | None = None
    reason: str | None = None


def list_messages(
    actor: Actor, filters: MessageFilters, page: int = 1, page_size: int = 20
) -> Page[InboundMessage]:
    stmt = scoping.inbound_messages(actor, select(InboundMessage))
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
    msg = db.session.scalar(
        scoping.inbound_messages(actor, select(InboundMessage)).where(
            InboundMessage.id == message_id
        )
    )
    if msg is None:
        raise NotFound("Beskeden findes ikke.")
    return msg


def visible_after_reprocessing(actor: Actor, message_id: int) -> InboundMessage:
    """The message just reprocessed, if ``actor`` may still see it. Reprocessing may
    attribute a mail to another ministry's plan (one created since, say): then its state,
    reason and plan are not the actor's to see, and only that it has moved is said."""
    try:
        return get_message(actor, message_id)
    except NotFound:
        raise NotFound(
            "Beskeden er genbehandlet og hører nu under et andet område; den kan ikke vises."
        ) from None


def sender_registered(msg: InboundMessage) -> bool:
    """Is the message's sender a reporting address of any institution?"""
    if not msg.sender:
        return False
    return db.session.scalar(
        select(ReportingAddress.id).where(ReportingAddress.address == msg.sender).limit(1)
    ) is not None


def discard_message(actor: Actor, msg: InboundMessage, reason: str) -> InboundMessage:
    """Set a quarantined mail aside for good (department or admin), with the reason, who
    and when stored on it and in the audit log. ``discarded`` is final: the poller does not
    decide it again (a copy of it arriving again keeps the state) and it cannot be
    reprocessed."""
    require(actor.is_admin or actor.is_department,
            "Kun departementet eller en administrator kan kassere beskeder.")
    reason = (reason or "").strip()
    if not reason:
        raise Invalid("Skriv, hvorfor mailen kasseres.", field="reason")
    if len(reason) > REASON_MAX:
        raise Invalid(f"Begrundelsen må højst være {REASON_MAX} tegn.", field="reason")
    if has_control_characters(reason, multiline=True):
        raise Invalid("Begrundelsen må kun indeholde tekst, tabulatorer og linjeskift, ikke "
                      "styretegn.", field="reason")
    if locked(select(InboundMessage).where(InboundMessage.id == msg.id)) is None:
        raise NotFound("Beskeden findes ikke.")
    if msg.state != "quarantined":
        raise Conflict("Kun en mail i karantæne kan kasseres.", field="state")
    msg.state = DISCARDED
    msg.discard_reason = reason
    msg.discarded_by = f"{actor.name} <{actor.email}>" if actor.email else actor.name
    msg.discarded_at = utcnow()
    audit.record_other(actor, entity="inbound_message", entity_id=msg.id, action="discard",
                       before={"state": "quarantined"}, after={"state": DISCARDED},
                       reason=reason)
    commit()
    return msg


def reprocessor() -> Reprocess:
    """The intake's reprocessing of a stored message, as the app factory handed it over."""
    return current_app.extensions[REPROCESS]


def status() -> dict[str, Any]:
    """Messages per state (``discarded`` only when there are any), the last successful poll,
    the last error, the failed receipts."""
    # discarded mail is counted once there is some (a person set it aside: nothing to do)
    counts = dict.fromkeys((s for s in STATES if s != DISCARDED), 0)
    for state, n in db.session.execute(
        select(InboundMessage.state, func.count()).group_by(InboundMessage.state)
    ):
        counts[state] = n
    last_ok: datetime | None = db.session.scalar(
        select(func.max(IntakeRun.finished_at)).where(IntakeRun.ok.is_(True))
    )
    last_error = db.session.scalar(
        select(IntakeRun).where(IntakeRun.ok.is_(False)).order_by(IntakeRun.id.desc()).limit(1)
    )
    receipts_failed = db.session.scalar(
        select(func.count()).where(InboundMessage.receipt_state == "failed")
    )
    return {
        "counts": counts,
        "last_successful_poll": last_ok,
        "last_error": last_error.error if last_error else None,
        "receipts_failed": receipts_failed,
    }

"""What the intake pipeline asks the database and the plugins, once per run or per batch
rather than once per mail: a sender's institutions, a ministry's plugin configuration and
report parsers, the plans a batch of reports names and their current follow-ups.

What a mail's reading asks (its sender, the ministry's plugins) is asked in a savepoint of
its own, so that a question the database refuses undoes nothing else of the batch's
transaction (``pipeline.decide``)."""

from __future__ import annotations

import weakref
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import joinedload, selectinload

from service.chunks import chunks
from service.domain.models import (
    FollowUp,
    Goal,
    Institution,
    Ministry,
    Plan,
    ReportingAddress,
)
from service.domain.plugins import manager, ministry_plugins
from service.domain.status import Thresholds
from service.domain.thresholds import thresholds_of
from service.extensions import db
from service.intake.stages import Sender
from service.plugins.manager import MinistryPlugins
from service.plugins.reports import ReportParser


@dataclass
class _RunCache:
    """What one poll run looks up once rather than once per mail: a sender's institutions
    and a ministry's plugin configuration."""

    senders: dict[str, Sender] = field(default_factory=dict)
    ministries: dict[int, MinistryPlugins] = field(default_factory=dict)
    thresholds: dict[int, Thresholds] = field(default_factory=dict)


_RUN: ContextVar[_RunCache | None] = ContextVar("mrp_intake_run", default=None)


@contextmanager
def run_cache() -> Iterator[None]:
    """Within this block (one poll of one mailbox, a few seconds), the sender → institutions
    lookup and each ministry's plugin configuration are read once."""
    token = _RUN.set(_RunCache())
    try:
        yield
    finally:
        _RUN.reset(token)


def sender_of(address: str) -> Sender:
    """The institutions ``address`` reports for, and their ministries (none: unregistered)."""
    address = address.lower()
    cache = _RUN.get()
    if cache is not None and address in cache.senders:
        return cache.senders[address]
    with db.session.begin_nested():  # see ``decide``: a refusal spoils nothing else
        rows = db.session.execute(
            select(Institution.id, Institution.ministry_id)
            .join(ReportingAddress)
            .where(ReportingAddress.address == address)
        ).all()
    found = Sender(tuple(r.id for r in rows), tuple(r.ministry_id for r in rows))
    if cache is not None:
        cache.senders[address] = found
    return found


def plugins_of(ministry_id: int) -> MinistryPlugins:
    """The ministry's plugin configuration."""
    cache = _RUN.get()
    if cache is not None and ministry_id in cache.ministries:
        return cache.ministries[ministry_id]
    with db.session.begin_nested():
        ministry = db.session.scalar(
            select(Ministry).where(Ministry.id == ministry_id)
            .options(selectinload(Ministry.plugins))
        )
    assert ministry is not None
    plugins = ministry_plugins(ministry)
    if cache is not None:
        cache.ministries[ministry_id] = plugins
    return plugins


def status_thresholds_of(ministry_id: int) -> Thresholds:
    """The ministry's thresholds for the computed status."""
    cache = _RUN.get()
    if cache is not None and ministry_id in cache.thresholds:
        return cache.thresholds[ministry_id]
    found = thresholds_of(ministry_id)
    if cache is not None:
        cache.thresholds[ministry_id] = found
    return found


#: manager → (ministry, enabled plugins) → its report parsers
_PARSERS: weakref.WeakKeyDictionary[
    object, dict[tuple[str, frozenset[str]], list[ReportParser]]
] = weakref.WeakKeyDictionary()


def parsers_of(ministry_id: int) -> list[ReportParser]:
    """The ministry's report parsers, asked of the plugins once per enablement rather than
    once per mail (each ask is a round through the plugin runner's threads; parsers keep no
    state between reports)."""
    mp = plugins_of(ministry_id)
    plugins = manager()
    known = _PARSERS.setdefault(plugins, {})
    key = (mp.ministry, mp.enabled)
    if key not in known:
        known[key] = plugins.report_parsers(mp)
    return known[key]


def plans_named(references: set[str]) -> dict[str, Plan | None]:
    """The plans reports name (``None`` for a reference that names none), with everything
    validation reads loaded, in one query for a whole batch of mails (the ministry's plugin
    configuration comes from ``plugins_of``). Joined rather than select-in: one statement
    instead of four; the rows are one per goal × indicator × milestone, a few dozen for a
    plan of at most a handful of goals."""
    found: dict[str, Plan | None] = dict.fromkeys(references)
    for chunk in chunks(sorted(references), 200):
        for plan in db.session.scalars(
            select(Plan)
            .where(Plan.reference.in_(chunk))
            .options(
                joinedload(Plan.institution).joinedload(Institution.ministry),
                joinedload(Plan.goals).joinedload(Goal.indicators),
                joinedload(Plan.goals).joinedload(Goal.milestones),
            )
        ).unique():
            found[plan.reference] = plan
    return found


def current_followups(plans: dict[str, Plan | None]) -> dict[int, list[FollowUp]]:
    """Plan id → its accepted follow-ups that nothing supersedes, for a batch's plans."""
    ids = sorted({plan.id for plan in plans.values() if plan is not None})
    found: dict[int, list[FollowUp]] = {plan_id: [] for plan_id in ids}
    for chunk in chunks(ids, 500):
        for followup in db.session.scalars(
            select(FollowUp).where(
                FollowUp.plan_id.in_(chunk), FollowUp.status == "accepted",
                FollowUp.superseded_by_id.is_(None),
            )
        ):
            found[followup.plan_id].append(followup)
    return found

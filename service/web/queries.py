"""What the pages ask the domain that no single domain query answers. Everything goes
through the domain's scoped queries; nothing here reads past the actor's tenant."""

from __future__ import annotations

from datetime import date
from typing import Any

from service.domain import followups, inbound, tenancy
from service.domain.actors import Actor
from service.domain.errors import NotFound
from service.domain.models import (
    InboundMessage,
    Institution,
    Plan,
)
from service.domain.overview import OverviewFilters, status_counts
from service.domain.reporting import plan_periods, previous_period
from service.vocabulary import Period, natural_key, parse_period

#: the intake page's default: the mail that needs a person
INTAKE_STATES = ("quarantined", "rejected")
INTAKE_LIMIT = 200


def current_half_year(today: date | None = None) -> str:
    today = today or date.today()
    return f"{today.year}-H{1 if today.month <= 6 else 2}"


def recent_periods(period: Period, count: int = 4) -> list[Period]:
    """``period`` and the ``count - 1`` before it, oldest first."""
    periods = [period]
    while len(periods) < count:
        periods.append(previous_period(periods[-1]))
    return list(reversed(periods))


def unreported_periods(actor: Actor, plan: Plan) -> list[str]:
    """The plan's periods that have no accepted report, in order."""
    accepted = {f.period for f in followups.list_followups(
        actor, plan, status="accepted", page=1, page_size=1000).items}
    return [p for p in plan_periods(plan) if p not in accepted]


def status_counts_by_period(
    actor: Actor, filters: OverviewFilters, periods: list[Period],
    known: dict[str, dict[str, int]] | None = None,
) -> list[tuple[str, dict[str, int]]]:
    """The overview's status counts (active goals) for each period, with the same filters;
    ``known`` holds counts already fetched (the page's own period)."""
    known = known or {}
    return [
        (str(p), known[str(p)] if str(p) in known else status_counts(actor, filters, p))
        for p in periods
    ]


def scope_label(actor: Actor) -> str:
    """Who is signed in, as the header shows it: ``Departement · FM Finansministeriet``."""
    try:
        if actor.is_institution and actor.institution_id is not None:
            inst = tenancy.get_institution(actor, actor.institution_id)
            return f"{inst.code} {inst.name}"
        if actor.ministry_id is not None:
            ministry = tenancy.get_ministry(actor, actor.ministry_id)
            return f"{ministry.code} {ministry.name}"
    except NotFound:
        return ""
    return "alle ministerområder"


def institutions(actor: Actor) -> list[Institution]:
    return tenancy.list_institutions(actor, page=1, page_size=1000).items


def intake_messages(actor: Actor, state: str | None) -> list[InboundMessage]:
    """Messages in ``state`` (or quarantined and rejected), newest first, scoped."""
    states = (state,) if state else INTAKE_STATES
    messages: list[InboundMessage] = []
    for one in states:
        page = inbound.list_messages(
            actor, inbound.MessageFilters(state=one), page=1, page_size=INTAKE_LIMIT
        )
        messages.extend(page.items)
    messages.sort(key=lambda m: m.id, reverse=True)
    return messages[:INTAKE_LIMIT]


def normalise_period(text: str | None) -> str | None:
    parsed = parse_period(text) if text else None
    return str(parsed) if parsed else None


def goal_codes(plans: list[dict[str, Any]]) -> list[str]:
    """The goal codes across the overview's plans, in natural order (M2 before M10)."""
    return sorted({g["goal"] for p in plans for g in p["goals"]}, key=natural_key)

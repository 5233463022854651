"""The conversation sheet: per plan and period, each report the institution sent and each
answer of the department, in order (``service.domain.conversation``), one row per step. The
same rows for the API's ``/exports/conversation`` and the plan page's download; text through
the one cell rule (:func:`service.exports.sheets.cell_text`)."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy.orm import selectinload

from service.domain import conversation
from service.domain.actors import Actor
from service.domain.models import Institution, Plan
from service.domain.plans import PlanFilters, plan_query
from service.exports import labels
from service.exports.sheets import Table
from service.extensions import db
from service.vocabulary import (
    CHANNEL_WORDS,
    CONVERSATION_WORDS,
    FOLLOWUP_STATUS_WORDS,
    REVIEW_DECISION_WORDS,
    TERMS,
)

COLUMNS = (
    "Ministerområde", "Institution", "Planreference", "Periode", "Periode i tekst", "Nr.",
    "Hvad", "Tidspunkt", "Opfølgning (id)", "Opfølgningens status", "Kanal", "Afsender",
    "Departementets svar", "Departementets kommentar", "Kommentarer til mål", "Givet af",
    "Gældende svar",
)
SHEET = TERMS["conversation"].heading


def _zone(name: str) -> ZoneInfo | None:
    try:
        return ZoneInfo(name or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        return None


def _when(at: datetime, zone: ZoneInfo | None) -> str:
    """``27.11.2026 kl. 09.15`` in ``zone``, as the dashboard writes a time."""
    if zone is not None and at.tzinfo is not None:
        at = at.astimezone(zone)
    return at.strftime("%d.%m.%Y kl. %H.%M")


def conversation_table(actor: Actor, filters: PlanFilters, period: str | None = None,
                       *, timezone: str = "UTC") -> Table:
    """One row per step of each plan's conversation (plans by reference, periods in
    order); ``period``: one period only (an unknown one: Invalid naming ``period``)."""
    stmt = plan_query(actor, filters).options(
        selectinload(Plan.institution).selectinload(Institution.ministry),
    ).order_by(Plan.reference)
    plans = list(db.session.scalars(stmt))
    zone = _zone(timezone)
    table = Table(SHEET, COLUMNS)
    for plan, item in conversation.for_plans(plans, period):
        for number, step in enumerate(item.steps, start=1):
            review = step.kind == conversation.REVIEW
            table.rows.append([
                plan.institution.ministry.code, plan.institution.code, plan.reference,
                item.period, labels.period(item.period), number,
                CONVERSATION_WORDS[step.kind], _when(step.at, zone), step.followup_id,
                None if review else FOLLOWUP_STATUS_WORDS.get(step.status or "", step.status),
                None if review else CHANNEL_WORDS.get(step.channel or "", step.channel),
                step.submitted_by,
                REVIEW_DECISION_WORDS.get(step.decision or "", step.decision)
                if review else None,
                step.comment,
                "\n".join(f"{g['goal']}: {g['comment']}" for g in step.goals) or None,
                step.by,
                (step.latest if review else None),
            ])
    return table

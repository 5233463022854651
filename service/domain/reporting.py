"""An institution reports in the dashboard (DESIGN section 14): a draft per plan and period
that only the institution sees, and a submission that is a follow-up like a mailed one.

What is typed into the report page is submitted with channel ``web``, a file sent through
the page (the template filled in, a CSV) with channel ``upload``; both go through
:func:`service.domain.followups.record_followup`, so they get the same validation, the same
findings and the same superseding of the period's earlier report as a mail. An accepted
submission removes the draft; a rejected one is kept as a rejected follow-up (as a mail's
is) and the draft keeps what was typed, for the institution to correct.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date

from sqlalchemy import delete, select

from service.clock import utcnow
from service.domain import audit, plans
from service.domain.actors import Actor
from service.domain.common import commit, flush, locked, require
from service.domain.errors import Conflict, Invalid, NotFound
from service.domain.followups import current_followup, record_followup
from service.domain.models import FollowUp, FollowUpDraft, FollowUpGoal, Goal, Plan
from service.domain.reportfiles import choose_parser, ministry_parsers, read_with, report_nul_free
from service.extensions import db
from service.plugins.reports import ReportError
from service.vocabulary import (
    Period,
    has_control_characters,
    parse_period,
    period_text,
    period_words,
)

#: what a goal's line of the report page holds, as typed
FIELDS = ("status", "value", "progress", "comment")
COMMENT_MAX = 10000
NUMBER_MAX = 50
WEB, UPLOAD = "web", "upload"


@dataclass(frozen=True)
class ReportLine:
    """One active goal on the report page: what is typed for it now (the draft's, or
    empty), and the previous period's current report row for it, if any."""

    goal: Goal
    values: Mapping[str, str]
    previous: FollowUpGoal | None


@dataclass(frozen=True)
class ReportSheet:
    """The report page's content for a plan and period."""

    plan: Plan
    period: str
    previous_period: str | None
    lines: tuple[ReportLine, ...]
    draft: FollowUpDraft | None


def previous_period(period: Period) -> Period:
    """The period before ``period``, of the same kind."""
    if period.kind == "Y":
        return Period(period.year - 1, "Y", 1)
    last = {"H": 2, "Q": 4}[period.kind]
    if period.number == 1:
        return Period(period.year - 1, period.kind, last)
    return Period(period.year, period.kind, period.number - 1)


def plan_periods(plan: Plan) -> list[str]:
    """Every reporting period of the plan, by its cadence and years."""
    kinds = {"quarterly": ("Q", 4), "half-yearly": ("H", 2), "yearly": ("Y", 1)}
    kind, count = kinds.get(plan.followup_cadence or "half-yearly", ("H", 2))
    return [
        str(Period(year, kind, n))
        for year in range(plan.period_start, plan.period_end + 1)
        for n in range(1, count + 1)
    ]


def periods_due(plan: Plan, today: date | None = None) -> list[str]:
    """The plan's periods that have begun by ``today`` and have no current report, oldest
    first: what the institution has to report (nothing for a plan that is not approved)."""
    if plan.status != "approved":
        return []
    today = today or utcnow().date()
    begun = [p for p in plan_periods(plan) if (parsed := parse_period(p)) and parsed.start <= today]
    if not begun:
        return []
    reported = set(db.session.scalars(
        select(FollowUp.period).where(
            FollowUp.plan_id == plan.id, FollowUp.status == "accepted",
            FollowUp.superseded_by_id.is_(None), FollowUp.period.in_(begun))))
    return [p for p in begun if p not in reported]


def reports_due(actor: Actor, today: date | None = None) -> list[tuple[Plan, list[str]]]:
    """An institution's approved plans that have periods due (:func:`periods_due`), with
    them; nothing for another role."""
    if not actor.is_institution:
        return []
    found = plans.list_plans(actor, plans.PlanFilters(status="approved"), page=1,
                             page_size=100).items
    due = [(plan, periods_due(plan, today)) for plan in found]
    return [(plan, periods) for plan, periods in due if periods]


def reporting_plan(actor: Actor, plan_id: int) -> Plan:
    """The plan the actor reports for: its own institution's (another's is not found; the
    department and an administrator see the plan but not its draft: forbidden)."""
    plan = plans.get_plan(actor, plan_id, with_goals=True)
    require(actor.is_institution and actor.institution_id == plan.institution_id,
            "Kun institutionen selv kan rapportere for sin plan og se sin kladde.")
    return plan


def reporting_period(plan: Plan, text: str | None) -> str:
    """The period as follow-ups store it (``2026-H1``); a period that is not one of the
    plan's is not found."""
    parsed = parse_period(text) if text else None
    if parsed is None or not parsed.fits(plan.followup_cadence, plan.period_start,
                                         plan.period_end):
        raise NotFound("Perioden findes ikke i planen.", field="period")
    return str(parsed)


def get_draft(plan: Plan, period: str) -> FollowUpDraft | None:
    """The plan's draft for the period; the caller has checked the actor
    (:func:`reporting_plan`)."""
    return db.session.scalar(select(FollowUpDraft).where(
        FollowUpDraft.plan_id == plan.id, FollowUpDraft.period == period))


def active_goals(plan: Plan) -> list[Goal]:
    return [g for g in plan.goals if g.status == "active"]


def report_sheet(plan: Plan, period: str, typed: Mapping[str, Mapping[str, str]] | None = None
                 ) -> ReportSheet:
    """The page for ``plan`` and ``period``: a line per active goal with what ``typed`` holds
    for it (else the draft's), and the previous period's report beside it."""
    draft = get_draft(plan, period)
    saved = {row.get("goal", ""): row for row in (draft.goals if draft else [])}
    parsed = parse_period(period)
    assert parsed is not None
    before = previous_period(parsed)
    previous = current_followup(plan, str(before))
    rows = {row.goal_code: row for row in (previous.goals if previous else [])}
    lines = []
    for goal in active_goals(plan):
        values = (typed or {}).get(goal.code) if typed is not None else saved.get(goal.code)
        lines.append(ReportLine(goal, {f: str((values or {}).get(f) or "") for f in FIELDS},
                                rows.get(goal.code)))
    shown = str(before) if before.fits(plan.followup_cadence, plan.period_start,
                                       plan.period_end) or previous else None
    return ReportSheet(plan, period, shown, tuple(lines), draft)


def check_typed(plan: Plan, typed: Mapping[str, Mapping[str, str]]) -> list[dict[str, str]]:
    """What was typed for the plan's active goals, as report rows in the plan's order
    (every value stripped text). Raises :class:`Invalid` with an error per field
    (``M1.comment``) for text no report may hold: too long, or with control characters.
    Whether a status, a value or a progress is right is the validation's to say."""
    rows: list[dict[str, str]] = []
    errors: dict[str, list[str]] = {}
    for goal in active_goals(plan):
        values = typed.get(goal.code) or {}
        row = {"goal": goal.code, **{f: str(values.get(f) or "").strip() for f in FIELDS}}
        for name in ("value", "progress"):
            what = "Den målte værdi" if name == "value" else "Fremdriften"
            if len(row[name]) > NUMBER_MAX:
                errors[f"{goal.code}.{name}"] = [
                    f"{what} for {goal.code} må højst være {NUMBER_MAX} tegn."]
            elif has_control_characters(row[name]):
                errors[f"{goal.code}.{name}"] = [
                    f"{what} for {goal.code} må kun indeholde tal og tekst, ikke styretegn."]
        if len(row["comment"]) > COMMENT_MAX:
            errors[f"{goal.code}.comment"] = [
                f"Kommentaren til {goal.code} må højst være 10.000 tegn."]
        elif has_control_characters(row["comment"], multiline=True):
            errors[f"{goal.code}.comment"] = [
                f"Kommentaren til {goal.code} må kun indeholde tekst, tabulatorer og "
                "linjeskift, ikke styretegn."]
        if len(row["status"]) > NUMBER_MAX or has_control_characters(row["status"]):
            errors[f"{goal.code}.status"] = [f"Vælg en status for {goal.code} på listen."]
        rows.append(row)
    if errors:
        first = next(iter(errors.values()))[0]
        raise Invalid(first, errors=errors)
    return rows


def _store_draft(actor: Actor, plan: Plan, period: str, rows: Sequence[dict[str, str]]
                 ) -> FollowUpDraft:
    """Insert or update the plan's draft for the period, under the plan's lock: a second
    save at the same time waits, then updates the row the first made (the unique key on
    plan and period refuses a second row, a 409 for the loser, should anything else race)."""
    locked(select(Plan.id).where(Plan.id == plan.id))
    draft = get_draft(plan, period)
    before = {"period": period, "goals": list(draft.goals)} if draft else None
    if draft is None:
        draft = FollowUpDraft(plan_id=plan.id, period=period)
        db.session.add(draft)
    draft.goals = [dict(row) for row in rows]
    draft.saved_by = actor.name[:320]
    draft.saved_at = utcnow()
    flush(lambda _exc: Conflict("Kladden blev gemt samtidig et andet sted. Prøv igen.",
                                field="period"))
    # not in the plan's change log: the department, who reads it, does not see drafts
    audit.record_other(actor, entity="followup_draft", entity_id=draft.id,
                       action="update" if before else "create", before=before,
                       after={"period": period, "goals": draft.goals})
    return draft


def save_draft(actor: Actor, plan: Plan, period: str,
               typed: Mapping[str, Mapping[str, str]]) -> FollowUpDraft:
    """Save what the institution typed as the plan's draft for the period."""
    rows = check_typed(plan, typed)
    draft = _store_draft(actor, plan, period, rows)
    commit()
    return draft


def _drop_draft(actor: Actor, plan: Plan, period: str, followup: FollowUp) -> None:
    draft = get_draft(plan, period)
    if draft is None:
        return
    audit.record_other(actor, entity="followup_draft", entity_id=draft.id, action="delete",
                       before={"period": period, "goals": list(draft.goals)},
                       reason=f"Indsendt som opfølgning {followup.id}.")
    db.session.execute(delete(FollowUpDraft).where(FollowUpDraft.id == draft.id))


def _recorded(actor: Actor, plan: Plan, period: str, followup: FollowUp) -> FollowUp:
    """Flush the new follow-up, audit it, and drop the draft when it was accepted."""
    flush(lambda _exc: Conflict("En anden opfølgning for samme plan og periode blev "
                                "registreret samtidig. Prøv igen.", field="period"))
    audit.record_other(actor, entity="followup", entity_id=followup.id, action="create",
                       after={"plan": plan.reference, "period": period,
                              "channel": followup.channel, "status": followup.status})
    if followup.status == "accepted":
        _drop_draft(actor, plan, period, followup)
    commit()
    return followup


def submit_typed(actor: Actor, plan: Plan, period: str,
                 typed: Mapping[str, Mapping[str, str]]) -> FollowUp:
    """Submit what was typed on the report page: a follow-up with channel ``web``. A
    rejected one keeps the typed values as the draft."""
    rows = check_typed(plan, typed)
    report = [{k: (v or None) for k, v in row.items()} for row in rows]
    followup = record_followup(plan, period=period, rows=report, channel=WEB,
                               submitted_by=actor.name)
    if followup.status != "accepted":
        _store_draft(actor, plan, period, rows)
    return _recorded(actor, plan, period, followup)


def submit_file(actor: Actor, plan: Plan, period: str, filename: str, content_type: str,
                data: bytes) -> FollowUp:
    """Submit a report file sent through the report page, as if it were mailed: read by
    the ministry's parsers, then a follow-up with channel ``upload``. A file that names
    another plan or period than the page's is refused (:class:`Invalid` on ``file``)."""
    if not data:
        raise Invalid("Vælg filen med rapporten (Excel-skabelonen eller en CSV-fil).",
                      field="file")
    parsers = ministry_parsers(plan.institution.ministry)
    try:
        report = read_with(choose_parser(parsers, filename, content_type, data), filename,
                           content_type, data)
    except ReportError as error:
        raise Invalid(str(error), field="file") from error
    report = report_nul_free(report)
    named = (report.plan or "").strip().upper()
    if named and named != plan.reference.upper():
        raise Invalid(f"Filen er en rapport for planen {named[:40]}, ikke for "
                      f"{plan.reference}. Hent skabelonen til denne plan, eller rapportér "
                      "på den anden plans side.", field="file")
    if report.period:
        parsed = parse_period(report.period)
        if parsed is None or str(parsed) != period:
            shown = period_words(parsed) if parsed else report.period.strip()[:40]
            raise Invalid(f"Filen er en rapport for {shown}, men siden er for "
                          f"{period_text(period)}. Vælg den periode, filen er til.",
                          field="file")
    followup = record_followup(plan, period=period, rows=report.rows, channel=UPLOAD,
                               submitted_by=actor.name)
    return _recorded(actor, plan, period, followup)

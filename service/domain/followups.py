"""Follow-ups: recording a report for a plan and period, by API or by mail.

A report with error findings is kept as ``rejected`` and never becomes the plan's current
status; an accepted one supersedes the earlier accepted report for the same plan and period
(both kept).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from sqlalchemy import inspect, select, update
from sqlalchemy.orm import selectinload
from sqlalchemy.orm.attributes import set_committed_value

from service.clock import utcnow
from service.domain import scoping
from service.domain.actors import Actor
from service.domain.common import commit, locked, require
from service.domain.errors import Conflict, NotFound
from service.domain.models import FollowUp, FollowUpFinding, FollowUpGoal, Goal, Plan
from service.domain.pagination import Page, paginate
from service.domain.plugins import manager, ministry_plugins
from service.domain.rows import new_row
from service.domain.status import Thresholds, compute_status
from service.domain.thresholds import thresholds_of
from service.domain.validation import plan_view
from service.extensions import db
from service.plugins.builders import followup_from_rows
from service.plugins.findings import Finding
from service.plugins.manager import MinistryPlugins
from service.plugins.views import FollowUpView, PlanView
from service.vocabulary import Period, parse_period

LOADS = (selectinload(FollowUp.goals), selectinload(FollowUp.findings),
         selectinload(FollowUp.plan), selectinload(FollowUp.reviews))


def _raw(value: object) -> str | None:
    if value is None:
        return None
    return str(value)[:200]


@dataclass(frozen=True)
class Report:
    """A report to check (:func:`check_reports`): what ``record_followup`` is given."""

    plan: Plan
    period: str | None
    rows: Sequence[Any]
    channel: str
    submitted_by: str | None
    received_at: datetime
    #: the ministry's plugin configuration and status thresholds, when the caller has them
    plugins: MinistryPlugins | None = None
    thresholds: Thresholds | None = None


@dataclass(frozen=True)
class Checked:
    """A report as the rules saw it: with each goal's computed status, and their findings."""

    view: FollowUpView
    findings: list[Finding]


def check_reports(reports: Sequence[Report]) -> list[Checked]:
    """Every report read with its computed statuses and validated by its ministry's
    plugins, in order: all of them in one call to the plugin manager (one hand-over to its
    worker thread, where each plugin still has its time limit per report), which costs a
    batch of the intake about as much as a single report."""
    views: list[tuple[FollowUpView, PlanView, MinistryPlugins]] = []
    plans: dict[int, PlanView] = {}
    for report in reports:
        plan = report.plan
        parsed, period_text = _period(report.period)
        view = followup_from_rows(
            plan=plan.reference, period=period_text, rows=list(report.rows),
            received_at=report.received_at, channel=report.channel,
            submitted_by=report.submitted_by,
        )
        plan_seen = plans.get(plan.id)
        if plan_seen is None:
            plan_seen = plans[plan.id] = plan_view(plan)
        thresholds = report.thresholds if report.thresholds is not None \
            else thresholds_of(plan.institution.ministry_id)
        plugins = report.plugins if report.plugins is not None \
            else ministry_plugins(plan.institution.ministry)
        views.append((with_computed_status(view, plan_seen, parsed, thresholds), plan_seen,
                      plugins))
    found = manager().validate_followups(views)
    return [Checked(view, findings)
            for (view, _plan, _plugins), findings in zip(views, found, strict=True)]


def _period(period: str | None) -> tuple[Period | None, str]:
    """The period a report names, and how the report keeps it (its Danish name when it is
    one, else as given)."""
    parsed = parse_period(period) if period else None
    return parsed, str(parsed) if parsed else (period or "").strip()


def record_followup(
    plan: Plan,
    *,
    period: str | None,
    rows: Iterable[Any],
    channel: str,
    submitted_by: str | None,
    received_at: datetime | None = None,
    inbound_message_id: int | None = None,
    plugins: MinistryPlugins | None = None,
    current: Iterable[FollowUp] | None = None,
    thresholds: Thresholds | None = None,
    checked: Checked | None = None,
    links: list[tuple[FollowUp, FollowUp]] | None = None,
    add: bool = True,
) -> FollowUp:
    """Validate a report and add it to the session (the caller flushes and commits).
    Returns the follow-up, ``accepted`` or ``rejected`` with its findings; its id comes with
    the flush, and an earlier current report it supersedes points to it then. ``plugins``:
    the plan's ministry's plugin configuration, when the caller has it already. ``current``:
    the plan's accepted follow-ups that nothing supersedes (any period), when the caller has
    looked them up in this transaction for a batch of reports (``current_after`` keeps the
    list right from one report of a batch to the next). A report of the batch the new one
    supersedes need not be flushed: the flush inserts it after the new one, pointing to it
    (or with ``links``, superseded by itself, pointed to it after the flush),
    so the batch gives each follow-up its id beforehand (``ids.next_ids``) to keep the
    ids in the order the reports came.
    ``thresholds``: the ministry's thresholds for the computed status, likewise.
    ``checked``: this report as :func:`check_reports` checked it with the rest of a batch
    (else it is checked here). ``links``: for a batch, where the reports this one
    supersedes go as ``(superseded, successor)`` instead of pointing to it at once; the
    caller inserts the batch, then ``followup_rows.link_superseded``. ``add=False``: the
    follow-up is built but not added to the session, for a batch the caller inserts itself
    (``followup_rows.insert_followups``, with ``links``).

    Nothing is flushed here (the intake adds a mail's follow-up and its new state in one
    flush), and the follow-up names its plan by id: assigning the plan object would make
    adding and flushing it cascade through everything loaded with the plan (goals,
    indicators, milestones), more than a millisecond per report in the intake's benchmark."""
    received_at = received_at or utcnow()
    if checked is None:
        [checked] = check_reports([Report(plan, period, list(rows), channel, submitted_by,
                                          received_at, plugins, thresholds)])
    view, findings = checked.view, checked.findings
    period_text = view.period  # as check_reports read it (``_period``)
    status = "rejected" if any(f.severity == "error" for f in findings) else "accepted"
    # the plan's current report for this period, asked before the new one is in the session
    others: list[FollowUp] = []
    if status == "accepted" and current is not None:
        others = [f for f in current if f.plan_id == plan.id and f.period == period_text[:20]
                  and f.status == "accepted" and f.superseded_by_id is None]
    elif status == "accepted":
        # one report at a time per plan: under the plan's lock the current report read here
        # is the one to supersede (a concurrent one waits, then finds this one current)
        locked(select(Plan.id).where(Plan.id == plan.id))
        others = list(db.session.scalars(
            select(FollowUp).where(
                FollowUp.plan_id == plan.id, FollowUp.period == period_text[:20],
                FollowUp.status == "accepted", FollowUp.superseded_by_id.is_(None),
            )
        ))
    goals_by_code = {g.code.strip().upper(): g for g in plan.goals}
    followup = new_row(
        FollowUp, plan_id=plan.id, period=period_text[:20], received_at=received_at,
        channel=channel, submitted_by=submitted_by, status=status,
        inbound_message_id=inbound_message_id,
    )
    lines = [_goal_line(goals_by_code.get(row.goal.strip().upper()), row)
             for row in view.goals]
    notes = [new_row(
        FollowUpFinding, plugin=(f.plugin or "")[:100] or None, rule=f.rule[:100],
        severity=f.severity, goal=f.goal[:40] if f.goal else None,  # a mailed goal may be long
        message=f.message,
    ) for f in findings]
    if add:
        followup.goals.extend(lines)
        followup.findings.extend(notes)
    else:  # never in the session: set as loaded, without the collections' events
        _set_loaded(followup, lines, notes)
    for other in others:
        # "later" is by receipt: a report reprocessed now was still sent before a
        # newer one that is already registered
        added = not inspect(other).persistent  # of the caller's batch, not yet inserted
        if other.received_at > received_at:
            if added and other.id is None:
                followup.superseded_by = other
            else:
                followup.superseded_by_id = other.id
        elif links is not None and (not added or other.id is not None):
            if added:  # inserted as superseded by itself, as _step_aside leaves one
                other.superseded_by_id = other.id
            else:
                _step_aside(other)
            links.append((other, followup))
        else:
            if not added:  # one added in this flush is inserted after its successor
                _step_aside(other)
            other.superseded_by = followup
    if add:
        db.session.add(followup)
    else:  # what the receipt reads of it, without cascading through the plan
        set_committed_value(followup, "plan", plan)
    return followup


def _goal_line(goal: Goal | None, row: Any) -> FollowUpGoal:
    """A report's line for one goal (``goal``: the plan's goal it names, when it names one)."""
    return new_row(
        FollowUpGoal, goal_id=goal.id if goal else None,
        goal_code=(goal.code if goal else row.goal)[:40],
        status=row.status, status_raw=_raw(row.status_raw), value=row.value,
        value_raw=_raw(row.value_raw), progress=row.progress,
        progress_raw=_raw(row.progress_raw), comment=row.comment, row=row.row,
        computed_status=row.computed_status, expected_value=row.expected_value,
        computed_basis=row.computed_basis,
    )


def _set_loaded(followup: FollowUp, lines: list[FollowUpGoal],
                notes: list[FollowUpFinding]) -> None:
    """The follow-up's lines and findings as if loaded with it, each pointing back to it:
    appended, each would fire the collection's and the backref's events (and a lookup of
    the line's previous follow-up), a third of what building a report costs the ORM."""
    set_committed_value(followup, "goals", lines)
    set_committed_value(followup, "findings", notes)
    for line in (*lines, *notes):
        set_committed_value(line, "followup", followup)


def current_after(current: list[FollowUp], followup: FollowUp) -> None:
    """Update ``current`` (a plan's current follow-ups, as ``record_followup`` takes them)
    for ``followup`` just recorded with it: an accepted report replaces the period's current
    one, unless that one was received later (then it stays current and the new one is
    superseded)."""
    if followup.status != "accepted":
        return
    same = [f for f in current if f.period == followup.period]
    if any(f.received_at > followup.received_at for f in same):
        return
    current[:] = [f for f in current if f.period != followup.period] + [followup]


def with_computed_status(
    view: FollowUpView, plan: PlanView, period: Period | None, thresholds: Thresholds
) -> FollowUpView:
    """The report with each known goal's computed status (DESIGN section 12) beside the
    reported one, for the rules to compare and the report to keep."""
    rows = []
    for row in view.goals:
        goal = plan.goal(row.goal) if row.goal else None
        if goal is None:
            rows.append(row)
            continue
        computed = compute_status(goal, period, row.value, thresholds)
        rows.append(replace(row, computed_status=computed.status,
                            expected_value=computed.expected_value,
                            computed_basis=computed.basis))
    return replace(view, goals=tuple(rows))


def _step_aside(current: FollowUp) -> None:
    """Make ``current`` not current before the report that supersedes it is inserted: the
    database holds one current report per plan and period (a partial unique index, checked
    row by row), and the new report has no id to point to before its insert. Until the flush
    points it at its successor, the superseded report points at itself in the database (the
    session, which is not told, still sees it current: the flush's UPDATE is not skipped).

    A report that is no longer current in the database (superseded by a writer that did not
    take the plan's lock after this one read it) raises :class:`Conflict`."""
    table = FollowUp.__table__
    result = db.session.connection().execute(
        update(table)
        .where(table.c.id == current.id, table.c.superseded_by_id.is_(None))
        .values(superseded_by_id=current.id)
    )
    if result.rowcount != 1:
        raise Conflict("En anden opfølgning for samme plan og periode blev registreret "
                       "samtidig. Prøv igen.", field="period")


def submit_followup(actor: Actor, plan: Plan, data: dict[str, Any]) -> FollowUp:
    """A report through the API: an institution for its own plans (or a department/admin)."""
    require(
        actor.is_institution or actor.is_department or actor.is_admin,
        "Du kan ikke indsende opfølgning.",
    )
    followup = record_followup(
        plan, period=data["period"], rows=data.get("goals", []), channel="api",
        submitted_by=actor.name,
    )
    commit()
    return followup


def list_followups(
    actor: Actor, plan: Plan, *, period: str | None = None, status: str | None = None,
    page: int = 1, page_size: int = 20,
) -> Page[FollowUp]:
    stmt = select(FollowUp).where(FollowUp.plan_id == plan.id)
    if period:
        stmt = stmt.where(FollowUp.period == period)
    if status:
        stmt = stmt.where(FollowUp.status == status)
    stmt = stmt.order_by(FollowUp.received_at.desc(), FollowUp.id.desc())
    return paginate(stmt, page, page_size, LOADS)


def get_followup(actor: Actor, followup_id: int) -> FollowUp:
    plans = scoping.plans(actor, select(Plan.id))
    followup = db.session.scalar(
        select(FollowUp)
        .where(FollowUp.id == followup_id, FollowUp.plan_id.in_(plans.scalar_subquery()))
        .options(*LOADS)
    )
    if followup is None:
        raise NotFound("Opfølgningen findes ikke.")
    return followup


def current_followup(plan: Plan, period: str) -> FollowUp | None:
    """The plan's current report for a period: the latest accepted, not superseded."""
    return db.session.scalar(
        select(FollowUp).where(
            FollowUp.plan_id == plan.id, FollowUp.period == period,
            FollowUp.status == "accepted", FollowUp.superseded_by_id.is_(None),
        )
    )

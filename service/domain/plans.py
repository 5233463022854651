"""Plans: creating, changing, approving, closing and reopening them, and finding them within
scope."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import and_, exists, func, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload, selectinload

from service.clock import utcnow
from service.domain import audit, scoping
from service.domain.actors import Actor
from service.domain.common import commit, locked, require
from service.domain.errors import Conflict, Forbidden, Invalid, NotFound
from service.domain.models import Goal, Institution, Ministry, Plan
from service.domain.pagination import Page, paginate
from service.domain.tenancy import find_institution_for_body
from service.extensions import db
from service.vocabulary import PLAN_STATUS_LABELS, Cadence, PlanStatus

EDITABLE = ("title", "period_start", "period_end", "followup_cadence")


@dataclass(frozen=True)
class PlanFilters:
    ministry: str | None = None
    institution: str | None = None
    year: int | None = None
    status: str | None = None
    task_type: str | None = None
    goal_type: str | None = None
    #: words in the reference or the title, any case (``%`` and ``_`` are plain characters)
    q: str | None = None
    #: one plan by its reference, any case
    reference: str | None = None


def like_pattern(text: str) -> str:
    """``text`` as a LIKE pattern that finds it anywhere, its wildcards taken literally
    (escaped with ``\\``), lower-cased for a match in any case."""
    escaped = text.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def plan_query(actor: Actor, filters: PlanFilters) -> Any:
    stmt = scoping.plans(actor, select(Plan))
    if filters.ministry or filters.institution:
        stmt = stmt.join(Plan.institution)
    if filters.ministry:
        stmt = stmt.join(Institution.ministry).where(Ministry.code == filters.ministry.upper())
    if filters.institution:
        stmt = stmt.where(Institution.code == filters.institution.upper())
    if filters.year is not None:
        stmt = stmt.where(Plan.period_start <= filters.year, Plan.period_end >= filters.year)
    if filters.status:
        stmt = stmt.where(Plan.status == filters.status)
    if filters.reference:
        stmt = stmt.where(Plan.reference == filters.reference.strip().upper())
    if filters.q and filters.q.strip():
        pattern = like_pattern(" ".join(filters.q.split()))
        stmt = stmt.where(or_(func.lower(Plan.reference).like(pattern, escape="\\"),
                              func.lower(Plan.title).like(pattern, escape="\\")))
    goal_conditions = []
    if filters.task_type:
        goal_conditions.append(Goal.task_type == filters.task_type)
    if filters.goal_type:
        goal_conditions.append(Goal.goal_type == filters.goal_type)
    if goal_conditions:
        stmt = stmt.where(exists().where(Goal.plan_id == Plan.id, and_(*goal_conditions)))
    return stmt


def list_plans(
    actor: Actor, filters: PlanFilters, page: int = 1, page_size: int = 20
) -> Page[Plan]:
    stmt = plan_query(actor, filters).order_by(Plan.id)
    options = (joinedload(Plan.institution, innerjoin=True)
               .joinedload(Institution.ministry, innerjoin=True),)
    return paginate(stmt, page, page_size, options)


def get_plan(actor: Actor, plan_id: int, *, with_goals: bool = False) -> Plan:
    stmt = scoping.plans(actor, select(Plan).where(Plan.id == plan_id)).options(
        joinedload(Plan.institution, innerjoin=True)
        .joinedload(Institution.ministry, innerjoin=True)
    )
    if with_goals:
        stmt = stmt.options(
            selectinload(Plan.goals).selectinload(Goal.indicators),
            selectinload(Plan.goals).selectinload(Goal.milestones),
        )
    plan = db.session.scalar(stmt)
    if plan is None:
        raise NotFound("Planen findes ikke.")
    return plan


def find_plan_by_reference(reference: str) -> Plan | None:
    """Unscoped lookup (the intake attributes a report before it knows who sent it)."""
    return db.session.scalar(select(Plan).where(Plan.reference == reference.strip().upper()))


def check_editable(actor: Actor, plan: Plan, reason: str | None) -> None:
    """Raise unless ``actor`` may change ``plan`` now; an approved plan needs a reason."""
    if plan.status == PlanStatus.CLOSED:
        raise Conflict("Planen er lukket og kan ikke længere ændres.", field="status")
    if plan.status == PlanStatus.APPROVED:
        if actor.is_institution:
            raise Forbidden(
                "Planen er godkendt. Kun departementet kan ændre en godkendt plan; "
                "kontakt departementet."
            )
        if not (reason and reason.strip()):
            raise Invalid(
                "Planen er godkendt. Angiv en begrundelse for ændringen (feltet reason).",
                field="reason",
            )


def _check_period(start: int, end: int) -> None:
    if start > end:
        raise Invalid(
            f"Periodens slutår ({end}) ligger før startåret ({start}).", field="period_end"
        )


def _next_reference(code: str, first_year: int) -> str:
    base = f"{code}-{first_year}"
    taken = set(
        db.session.scalars(
            select(Plan.reference).where(
                (Plan.reference == base) | Plan.reference.like(f"{base}-%")
            )
        )
    )
    if base not in taken:
        return base
    n = 2
    while f"{base}-{n}" in taken:
        n += 1
    return f"{base}-{n}"


def _top_manager(plan: Plan, value: dict[str, Any] | None) -> None:
    plan.top_manager_name = (value or {}).get("name") or None
    plan.top_manager_title = (value or {}).get("title") or None


def create_plan(actor: Actor, data: dict[str, Any]) -> Plan:
    institution = find_institution_for_body(actor, data["institution"])
    _check_period(data["period_start"], data["period_end"])
    for _attempt in range(5):
        # an institution's plans are created one at a time: the next suffix is read and
        # taken under the institution's lock. The unique reference is the backstop: should a
        # writer that takes no lock have taken it meanwhile, the next attempt reads again
        locked(select(Institution).where(Institution.id == institution.id))
        reference = _next_reference(institution.code, data["period_start"])
        plan = Plan(
            reference=reference,
            institution=institution,
            title=data["title"].strip(),
            period_start=data["period_start"],
            period_end=data["period_end"],
            followup_cadence=data.get("followup_cadence", Cadence.HALF_YEARLY.value),
            status=PlanStatus.DRAFT.value,
        )
        _top_manager(plan, data.get("top_manager"))
        db.session.add(plan)
        try:
            db.session.flush()
        except IntegrityError:
            db.session.rollback()
            continue
        audit.record(
            actor, plan=plan, entity="plan", entity_id=plan.id, action="create",
            after=audit.plan_snapshot(plan),
        )
        commit()
        return plan
    raise Conflict("Planen kunne ikke få en entydig reference. Prøv igen.", field="reference")


def update_plan(actor: Actor, plan: Plan, data: dict[str, Any]) -> Plan:
    reason = data.get("reason")
    check_editable(actor, plan, reason)
    before = audit.plan_snapshot(plan)
    for name in EDITABLE:
        if name in data:
            setattr(plan, name, data[name].strip() if name == "title" else data[name])
    if "top_manager" in data:
        _top_manager(plan, data["top_manager"])
    _check_period(plan.period_start, plan.period_end)
    after = audit.plan_snapshot(plan)
    if before != after:
        audit.record(
            actor, plan=plan, entity="plan", entity_id=plan.id, action="update",
            before=before, after=after, reason=reason,
        )
    commit()
    return plan


def delete_plan(actor: Actor, plan: Plan) -> None:
    if plan.status != PlanStatus.DRAFT:
        raise Conflict("Kun en kladde kan slettes. Luk planen i stedet.", field="status")
    from service.domain.history import release

    release(actor, [g.id for g in plan.goals])
    db.session.delete(plan)
    commit()


def check_approvable(actor: Actor, plan: Plan) -> None:
    """Raise unless ``actor`` may approve ``plan`` now (its findings aside)."""
    require(
        actor.is_admin or actor.is_department,
        "Kun departementet kan godkende en plan.",
    )
    if plan.status != PlanStatus.DRAFT:
        raise Conflict(
            f"Planen kan ikke godkendes, fordi den har status {plan.status}.", field="status"
        )


def approve_plan(actor: Actor, plan: Plan) -> Plan:
    """draft → approved, by a department or admin, only without error findings."""
    from service.domain.validation import validate_plan

    check_approvable(actor, plan)
    findings = validate_plan(plan)
    errors = [f for f in findings if f.severity == "error"]
    if errors:
        raise Conflict(
            f"Planen kan ikke godkendes: valideringen fandt {len(errors)} fejl. "
            "Ret fejlene og prøv igen.",
            extra={"findings": [f.to_dict() for f in errors]},
        )
    # validated without the lock (plugins may take seconds); the status checked again under
    # it: of two approvals at once, the second waits here and then finds the plan approved
    if locked(select(Plan).where(Plan.id == plan.id)) is None:
        raise NotFound("Planen findes ikke.")
    if plan.status != PlanStatus.DRAFT:
        raise Conflict(
            f"Planen kan ikke godkendes, fordi den har status {plan.status}.", field="status"
        )
    before = audit.plan_snapshot(plan)
    plan.status = PlanStatus.APPROVED.value
    plan.approved_at = utcnow()
    plan.approved_by = actor.name
    audit.record(
        actor, plan=plan, entity="plan", entity_id=plan.id, action="approve",
        before=before, after=audit.plan_snapshot(plan),
    )
    commit()
    return plan


def period_over(plan: Plan, today: date | None = None) -> bool:
    """Whether the plan's period has run out: from its last day, 31 December of its last
    year."""
    return (today or date.today()) >= date(plan.period_end, 12, 31)


def check_closable(actor: Actor, plan: Plan) -> None:
    """Raise unless ``actor`` may close ``plan`` now (a reason aside)."""
    require(actor.is_admin or actor.is_department, "Kun departementet kan lukke en plan.")
    if plan.status != PlanStatus.APPROVED:
        raise Conflict("Kun en godkendt plan kan lukkes.", field="status")


def check_reopenable(actor: Actor, plan: Plan) -> None:
    """Raise unless ``actor`` may reopen ``plan`` now (a reason aside)."""
    require(actor.is_admin, "Kun en administrator kan genåbne en lukket plan.")
    if plan.status != PlanStatus.CLOSED:
        raise Conflict("Kun en lukket plan kan genåbnes.", field="status")


def close_plan(
    actor: Actor, plan: Plan, reason: str | None = None, *, today: date | None = None
) -> Plan:
    """approved → closed: the plan takes no more changes, and reports for it are refused.
    Before its period is over only with a reason; the reason is kept in the audit log."""
    check_closable(actor, plan)
    reason = (reason or "").strip() or None
    if reason is None and not period_over(plan, today):
        raise Invalid(
            f"Planperioden slutter først 31. december {plan.period_end}. Angiv en "
            "begrundelse for at lukke planen før tid (feltet reason): opfølgninger på en "
            "lukket plan bliver afvist.",
            field="reason",
        )
    _change_status(actor, plan, PlanStatus.APPROVED, PlanStatus.CLOSED, "close", reason,
                   closed_at=utcnow())
    return plan


def reopen_plan(actor: Actor, plan: Plan, reason: str | None) -> Plan:
    """closed → approved, by an admin, with a reason for the audit log: the plan takes
    reports (and, with reasons, changes) again."""
    check_reopenable(actor, plan)
    reason = (reason or "").strip() or None
    if reason is None:
        raise Invalid("Angiv en begrundelse for at genåbne planen (feltet reason).",
                      field="reason")
    _change_status(actor, plan, PlanStatus.CLOSED, PlanStatus.APPROVED, "reopen", reason,
                   closed_at=None)
    return plan


def _change_status(
    actor: Actor, plan: Plan, old: PlanStatus, new: PlanStatus, action: str,
    reason: str | None, **values: Any,
) -> None:
    """Move ``plan`` from ``old`` to ``new`` only if it still has ``old`` in the database (a
    second click, or a colleague's at the same time, finds it moved: a Conflict), audited
    and committed."""
    before = audit.plan_snapshot(plan)
    moved = db.session.execute(
        update(Plan).where(Plan.id == plan.id, Plan.status == old.value)
        .values(status=new.value, **values)
    ).rowcount
    if moved != 1:
        db.session.rollback()
        raise Conflict(
            f"Planen er ikke længere {PLAN_STATUS_LABELS[old.value]}: den er ændret "
            "imens. Genindlæs planen og se dens status.",
            field="status",
        )
    audit.record(
        actor, plan=plan, entity="plan", entity_id=plan.id, action=action,
        before=before, after=audit.plan_snapshot(plan), reason=reason,
    )
    commit()

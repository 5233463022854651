"""Approving, closing and reopening a plan from the dashboard: each a page that says what
will happen (closing and reopening ask for the reason; approving shows the findings that
block it), and a confirm button that carries the decision out with the same rules and audit
as ``POST /api/v1/plans/{id}/approve``, ``/close`` and ``/reopen``."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask import flash, redirect, render_template, request, url_for
from werkzeug.wrappers import Response

from service.domain import audit, plans
from service.domain.errors import Conflict, Invalid
from service.domain.models import Plan
from service.domain.validation import validate_plan
from service.vocabulary import has_control_characters, natural_key, parse_period, period_words
from service.web import bp, queries
from service.web.auth import current_actor
from service.web.labels import format_number

REASON_MAX = 2000


@dataclass(frozen=True)
class Decision:
    """What one of the three pages asks and does."""

    action: str  # the audit action: approve | close | reopen
    verb: str  # the button and the heading: ``Luk planen``
    done: str  # the message on the plan's page afterwards
    missing_reason: str  # the error when the reason is required and empty


APPROVE = Decision(
    "approve", "Godkend planen",
    "{reference} er godkendt. Institutionen kan indberette opfølgning på planen.",
    "",
)
CLOSE = Decision(
    "close", "Luk planen",
    "{reference} er lukket. Opfølgninger på planen bliver afvist, indtil en administrator "
    "genåbner den.",
    "Skriv, hvorfor planen lukkes, før planperioden er slut.",
)
REOPEN = Decision(
    "reopen", "Genåbn planen",
    "{reference} er genåbnet og godkendt igen. Institutionen kan indberette opfølgning.",
    "Skriv, hvorfor planen genåbnes.",
)


@bp.route("/plans/<int:plan_id>/approve", methods=["GET", "POST"])
def plan_approve(plan_id: int) -> Response | tuple[str, int]:
    """Approving a draft: what it means, the findings that block it, confirm."""
    actor = current_actor()
    plan = plans.get_plan(actor, plan_id, with_goals=True)
    try:
        plans.check_approvable(actor, plan)  # Forbidden: the dashboard's 403 page
    except Conflict as error:
        flash(error.message, "error")
        return _to_plan(plan_id)
    if request.method == "POST":
        try:
            plans.approve_plan(actor, plan)
        except Conflict as error:  # blocking findings, or approved meanwhile
            flash(error.message, "error")
        else:
            flash(APPROVE.done.format(reference=plan.reference), "info")
        return _to_plan(plan_id)
    findings = validate_plan(plan)
    blocking = sorted((f for f in findings if f.severity == "error"),
                      key=lambda f: (natural_key(f.goal or ""), f.rule))
    body = render_template(
        "web/plan_decision.html", plan=plan, decision=APPROVE, reason="", errors={},
        blocking=blocking, warnings=sum(f.severity == "warning" for f in findings),
    )
    return body, 200


@bp.route("/plans/<int:plan_id>/close", methods=["GET", "POST"])
def plan_close(plan_id: int) -> Response | tuple[str, int]:
    """Closing: what it means, the reason (required before the period is over), confirm."""
    return _decision_page(plan_id, CLOSE)


@bp.route("/plans/<int:plan_id>/reopen", methods=["GET", "POST"])
def plan_reopen(plan_id: int) -> Response | tuple[str, int]:
    """Reopening a closed plan (an admin): what it means, the reason, confirm."""
    return _decision_page(plan_id, REOPEN)


def _decision_page(plan_id: int, decision: Decision) -> Response | tuple[str, int]:
    actor = current_actor()
    plan = plans.get_plan(actor, plan_id)
    check = plans.check_closable if decision is CLOSE else plans.check_reopenable
    try:
        check(actor, plan)  # Forbidden: the dashboard's 403 page
    except Conflict as error:
        flash(error.message, "error")
        return _to_plan(plan_id)
    reason = ""
    errors: dict[str, str] = {}
    if request.method == "POST":
        reason = (request.form.get("reason") or "").strip()
        if len(reason) > REASON_MAX:
            errors["reason"] = f"Begrundelsen må højst være {format_number(REASON_MAX)} tegn."
        elif has_control_characters(reason, multiline=True):
            errors["reason"] = ("Begrundelsen må kun indeholde tekst, tabulatorer og linjeskift, "
                                "ikke styretegn.")
        else:
            try:
                if decision is CLOSE:
                    plans.close_plan(actor, plan, reason or None)
                else:
                    plans.reopen_plan(actor, plan, reason or None)
            except Invalid as error:
                field = error.field or "reason"
                errors[field] = decision.missing_reason if field == "reason" else error.message
            except Conflict as error:  # moved meanwhile
                flash(error.message, "error")
                return _to_plan(plan_id)
            else:
                flash(decision.done.format(reference=plan.reference), "info")
                return _to_plan(plan_id)
    body = render_template(
        "web/plan_decision.html", plan=plan, decision=decision, reason=reason, errors=errors,
        **(_close_facts(plan) if decision is CLOSE else _reopen_facts(plan)),
    )
    return body, 422 if errors else 200


def _close_facts(plan: Plan) -> dict[str, Any]:
    words = [period_words(p) for p in map(parse_period, queries.unreported_periods(
        current_actor(), plan)) if p is not None]
    return {
        "reason_required": not plans.period_over(plan),
        "unreported": ", ".join(words[:-1]) + " og " + words[-1] if len(words) > 1
        else "".join(words),
    }


def _reopen_facts(plan: Plan) -> dict[str, Any]:
    return {"reason_required": True, "closing": audit.last_event(plan, "close")}


def _to_plan(plan_id: int) -> Response:
    return redirect(url_for("web.plan", plan_id=plan_id), code=303)

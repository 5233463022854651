"""The dashboard's pages: the overview, a plan, the intake, and the files they link to.
Approving, closing and reopening a plan have pages of their own (``service.web.decisions``),
the list of plans too (``service.web.plan_list``), and the exports (``service.web.downloads``)."""

from __future__ import annotations

from typing import Any

from flask import flash, redirect, render_template, request, url_for
from werkzeug.wrappers import Response

from service.domain import (
    attainment,
    audit,
    changes,
    conversation,
    followups,
    inbound,
    outbound,
    plans,
    reporting,
)
from service.domain.common import require
from service.domain.errors import Conflict, NotFound
from service.domain.history import plan_histories
from service.domain.overview import overview as overview_query
from service.domain.validation import validate_plan
from service.exports.template import followup_template
from service.vocabulary import (
    CHANNEL_WORDS,
    CONVERSATION_WORDS,
    REVIEW_DECISION_WORDS,
    TASK_TYPE_LABELS,
    natural_key,
    parse_period,
    period_text,
    period_words,
)
from service.web import bp, changelog, charts, queries
from service.web.auth import current_actor
from service.web.filters import OverviewForm
from service.web.labels import INTAKE_STATE_LABELS, intake_outcome

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
SEVERITY_RANK = {"error": 0, "warning": 1, "info": 2}
HISTORY_LIMIT = 200
AUDIT_LIMIT = 500


@bp.get("/")
def overview() -> str:
    actor = current_actor()
    form = OverviewForm.from_args(request.args, task_types=TASK_TYPE_LABELS)
    filters = form.to_filters()
    data = overview_query(actor, filters)
    period = parse_period(form.period)
    assert period is not None  # the form only keeps periods that parse
    series = queries.status_counts_by_period(
        actor, filters, queries.recent_periods(period), known={data["period"]: data["counts"]}
    )
    title = f"Målenes status, {period_text(series[0][0])}–{period_text(form.period)}"
    chart = charts.status_chart(series, title=title)
    chart_narrow = charts.status_chart(series, title=title, chart_id="status-chart-narrow",
                                       narrow=True)
    rows = sorted(data["plans"], key=lambda p: (p["institution"], p["plan"]))
    for row in rows:
        row["by_code"] = {g["goal"]: g for g in row["goals"]}
    return render_template(
        "web/overview.html",
        form=form,
        data=data,
        rows=rows,
        codes=queries.goal_codes(rows),
        chart=chart,
        chart_narrow=chart_narrow,
        series=series,
        institutions=queries.institutions(actor),
        task_types=TASK_TYPE_LABELS,
        can_approve=actor.is_admin or actor.is_department,
        period_text=period_words(period),
        reports_due=reporting.reports_due(actor),
    )


@bp.get("/plans/<int:plan_id>")
def plan(plan_id: int) -> str:
    return plan_page(plan_id)


def plan_page(plan_id: int, review: dict[str, Any] | None = None) -> str:
    """The plan's page; ``review``: a review form sent back with its errors
    (``service.web.reviews``)."""
    actor = current_actor()
    found = plans.get_plan(actor, plan_id, with_goals=True)
    goals = {g.code: g for g in found.goals}
    findings = sorted(
        validate_plan(found),
        key=lambda f: (SEVERITY_RANK.get(f.severity, 3), natural_key(f.goal), f.rule),
    )
    history = followups.list_followups(actor, found, page=1, page_size=HISTORY_LIMIT).items
    events = audit.plan_events(found, page=1, page_size=AUDIT_LIMIT).items
    indicator_charts = {
        goal_id: {"history": one, "chart": charts.history_chart(
            one, chart_id=f"history-{one['goal']}",
            title=f"{one['goal']}: {one['indicator'] or 'indikatoren'} over tid")}
        for goal_id, one in plan_histories(found).items()
    }
    periods = queries.plan_periods(found)
    current = queries.current_half_year()
    chosen = ((review or {}).get("period") or request.args.get("period")
              or (current if current in periods else periods[0]))
    # the institution's own report page, and its rapportkladde (no one else sees it)
    reports = actor.is_institution and found.institution_id == actor.institution_id
    due = reporting.periods_due(found) if reports else []
    chosen_year = getattr(parse_period(chosen), "year", None)
    if chosen_year is None or not found.period_start <= chosen_year <= found.period_end:
        chosen_year = found.period_start
    points = attainment.attainment_if_enabled(found, chosen_year)
    return render_template(
        "web/plan.html",
        plan=found,
        can_report=reports and found.status == "approved",
        periods_due=due,
        draft=reporting.get_draft(found, chosen) if reports else None,
        goals=goals,
        findings=findings,
        history=history,
        indicator_charts=indicator_charts,
        events=changelog.present(events, found),
        periods=periods,
        chosen_period=chosen,
        can_decide=actor.is_admin or actor.is_department,
        can_reopen=actor.is_admin,
        closing=audit.last_event(found, "close") if found.status == "closed" else None,
        errors=sum(f.severity == "error" for f in findings),
        review=review or {},
        conversation=conversation.conversation(found),
        conversation_words=CONVERSATION_WORDS,
        decision_words=REVIEW_DECISION_WORDS,
        channel_words=CHANNEL_WORDS,
        attainment=points,
        attainment_words=attainment.words(points) if points else None,
        points_words=attainment.points_words,
        pending_changes=changes.list_change_requests(
            actor, changes.ChangeFilters(status="pending", plan=found.id), 1, 1).total
        if found.status == "approved" else 0,
    )


@bp.get("/plans/<int:plan_id>/followup-template.xlsx")
def followup_template_file(plan_id: int) -> Response:
    """The same workbook as the API's ``/plans/{id}/followup-template.xlsx``."""
    found = plans.get_plan(current_actor(), plan_id, with_goals=True)
    filename, data = followup_template(found, request.args.get("period", ""))
    return Response(data, mimetype=XLSX, headers={
        "Content-Disposition": f'attachment; filename="{filename}"'})


@bp.get("/intake")
def intake() -> str:
    actor = current_actor()
    state = request.args.get("state") or None
    if state not in INTAKE_STATE_LABELS:
        state = None
    messages = queries.intake_messages(actor, state)
    return render_template(
        "web/intake.html",
        messages=messages,
        receipts=outbound.receipts_of([m.id for m in messages]),
        state=state,
        limit=queries.INTAKE_LIMIT,
        can_reprocess=actor.is_admin or actor.is_department,
        viewer=actor.role.value,
    )


@bp.get("/intake/messages/<int:message_id>/raw")
def intake_raw(message_id: int) -> Response:
    """The mail exactly as received, as the API's ``/intake/messages/{id}/raw`` serves it."""
    msg = inbound.get_message(current_actor(), message_id)
    if msg.raw is None:
        raise NotFound("Mailen blev ikke hentet (den var for stor).")
    return Response(msg.raw, mimetype="message/rfc822", headers={
        "Content-Disposition": f'attachment; filename="message-{msg.id}.eml"'})


@bp.post("/intake/messages/<int:message_id>/reprocess")
def intake_reprocess(message_id: int) -> Response:
    actor = current_actor()
    require(actor.is_admin or actor.is_department,
            "Kun departementet eller en administrator kan genbehandle beskeder.")
    msg = inbound.get_message(actor, message_id)
    try:
        inbound.reprocessor()(msg)
        msg = inbound.visible_after_reprocessing(actor, message_id)
    except Conflict as error:
        flash(f"Besked {message_id} blev ikke genbehandlet: {error.message}", "error")
    except NotFound as error:  # attributed to another ministry now: nothing more is said
        flash(f"Besked {message_id}: {error.message}", "info")
    else:
        outcome = intake_outcome(msg.state, msg.reason)
        flash(f"Besked {message_id} er genbehandlet: {outcome}.", "info")
    back = request.form.get("state")
    return redirect(url_for("web.intake", state=back if back in INTAKE_STATE_LABELS else None),
                    code=303)

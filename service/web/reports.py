"""The institution reports in the browser (DESIGN section 14): the report page of a plan and
period, with a line per active goal and the previous period's report beside it; saving the
rapportkladde (seen only by the institution), submitting it (channel ``web``), or sending
the filled-in template or a CSV through the page (channel ``upload``), all through
:mod:`service.domain.reporting`, which validates them as a mailed report. After a
submission the follow-up's kvittering page says the findings as the mailed receipt does."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask import flash, redirect, render_template, request, url_for
from werkzeug.wrappers import Response

from service.domain import followups, reporting
from service.domain.errors import Conflict, Invalid
from service.domain.models import FollowUp, Plan
from service.mail.receipts import (
    ReceiptFinding,
    finding_groups,
    finding_line,
    findings_count,
    verdict,
)
from service.vocabulary import STATUS_LABELS, period_text
from service.web import bp
from service.web.auth import current_actor

#: which field of a goal's line a finding of the rule is about (else its status)
RULE_FIELDS = {
    "followup.explain": "comment",
    "followup.policy-comment": "comment",
    "followup.value-missing": "value",
}
SAVED = "Rapportkladden er gemt. Kun jeres institution kan se den."


def field_id(goal_id: int, name: str) -> str:
    """The id (and name) of a field of a goal's line: ``g12-status``."""
    return f"g{goal_id}-{name}"


def _typed(plan: Plan) -> dict[str, dict[str, str]]:
    """What the form holds, by goal code."""
    return {goal.code: {name: request.form.get(field_id(goal.id, name), "")
                        for name in reporting.FIELDS}
            for goal in reporting.active_goals(plan)}


def _form_errors(plan: Plan, error: Invalid) -> dict[str, str]:
    """The domain's errors by field (``M1.comment``) as the page's field ids."""
    ids = {g.code: g.id for g in plan.goals}
    found: dict[str, str] = {}
    for key, messages in error.errors.items():
        code, _, name = key.rpartition(".")
        target = field_id(ids[code], name) if code in ids else "report-file"
        found.setdefault(target, messages[0])
    return found or {"report-file": error.message}


def _finding_field(plan: Plan, rule: str, goal: str | None, message: str) -> str:
    """The field a finding of a submitted report is about (the first goal's status for one
    about the whole report)."""
    by_code = {g.code.upper(): g for g in reporting.active_goals(plan)}
    found = by_code.get((goal or "").strip().upper())
    if found is None:
        first = reporting.active_goals(plan)
        return field_id(first[0].id, "status") if first else "report-submit"
    name = RULE_FIELDS.get(rule, "status")
    lower = message.lower()
    if rule == "followup.status" and "fremdrift" in lower:
        name = "progress"
    elif rule == "followup.status" and "værdi" in lower:
        name = "value"
    return field_id(found.id, name)


def _page(plan: Plan, period: str, *, typed: Mapping[str, Mapping[str, str]] | None = None,
          errors: Mapping[str, str] | None = None, rejected: FollowUp | None = None,
          status: int = 200) -> tuple[str, int]:
    sheet = reporting.report_sheet(plan, period, typed)
    return render_template(
        "web/report.html",
        plan=plan,
        sheet=sheet,
        periods=reporting.plan_periods(plan),
        current=followups.current_followup(plan, period),
        statuses=STATUS_LABELS,
        errors=dict(errors or {}),
        rejected=rejected,
        field_id=field_id,
    ), status


@bp.get("/plans/<int:plan_id>/report")
def report_page(plan_id: int) -> Response | tuple[str, int]:
    actor = current_actor()
    plan = reporting.reporting_plan(actor, plan_id)
    if not request.args.get("period"):
        due = reporting.periods_due(plan)
        chosen = due[0] if due else reporting.plan_periods(plan)[0]
        return redirect(url_for("web.report_page", plan_id=plan.id, period=chosen))
    return _page(plan, reporting.reporting_period(plan, request.args.get("period")))


@bp.post("/plans/<int:plan_id>/report")
def report_submit(plan_id: int) -> Response | tuple[str, int]:
    """``action=save`` saves the rapportkladde; ``action=submit`` sends the report."""
    actor = current_actor()
    plan = reporting.reporting_plan(actor, plan_id)
    period = reporting.reporting_period(plan, request.form.get("period"))
    typed = _typed(plan)
    try:
        if request.form.get("action") == "save":
            reporting.save_draft(actor, plan, period, typed)
            flash(SAVED, "info")
            return redirect(url_for("web.report_page", plan_id=plan.id, period=period), 303)
        followup = reporting.submit_typed(actor, plan, period, typed)
    except Invalid as error:
        return _page(plan, period, typed=typed, errors=_form_errors(plan, error), status=422)
    except Conflict as error:
        return _page(plan, period, typed=typed, errors={"report-submit": error.message},
                     status=409)
    return _after_submission(plan, period, followup, typed)


@bp.post("/plans/<int:plan_id>/report/upload")
def report_upload(plan_id: int) -> Response | tuple[str, int]:
    """The filled-in template or a CSV, as if mailed."""
    actor = current_actor()
    plan = reporting.reporting_plan(actor, plan_id)
    period = reporting.reporting_period(plan, request.form.get("period"))
    upload = request.files.get("report-file")
    data = upload.read() if upload is not None else b""
    try:
        followup = reporting.submit_file(
            actor, plan, period, (upload.filename or "") if upload is not None else "",
            (upload.mimetype or "") if upload is not None else "", data)
    except Invalid as error:
        return _page(plan, period, errors={"report-file": error.message}, status=422)
    except Conflict as error:
        return _page(plan, period, errors={"report-file": error.message}, status=409)
    return redirect(url_for("web.followup_receipt", plan_id=plan.id, followup_id=followup.id),
                    303)


def _after_submission(plan: Plan, period: str, followup: FollowUp,
                      typed: Mapping[str, Mapping[str, str]]) -> Response | tuple[str, int]:
    """An accepted report: its kvittering page. A rejected one: the page again, its errors
    in the summary linked to the fields, what was typed kept (as the rapportkladde too)."""
    if followup.status == "accepted":
        return redirect(url_for("web.followup_receipt", plan_id=plan.id,
                                followup_id=followup.id), 303)
    errors: dict[str, str] = {}
    for f in followup.findings:
        if f.severity == "error":
            where = _finding_field(plan, f.rule, f.goal, f.message)
            text = f"{f.goal}: {f.message}" if f.goal and f.goal not in f.message else f.message
            errors.setdefault(where, text)
    return _page(plan, period, typed=typed, errors=errors, rejected=followup, status=422)


@bp.get("/plans/<int:plan_id>/followups/<int:followup_id>")
def followup_receipt(plan_id: int, followup_id: int) -> Response | str:
    """A follow-up's kvittering: what was registered and every finding, in the receipt's
    words; every role that sees the plan sees it."""
    followup = followups.get_followup(current_actor(), followup_id)  # NotFound: the 404 page
    if followup.plan_id != plan_id:
        return redirect(url_for("web.followup_receipt", plan_id=followup.plan_id,
                                followup_id=followup.id))
    return render_template("web/followup_receipt.html", **receipt_words(followup))


def receipt_words(followup: FollowUp) -> dict[str, Any]:
    """What the kvittering page says, in the mailed receipt's sentences."""
    findings = [ReceiptFinding(rule=f.rule, severity=f.severity, message=f.message,
                               goal=f.goal) for f in followup.findings]
    accepted = followup.status == "accepted"
    return {
        "followup": followup,
        "plan": followup.plan,
        "verdict": verdict(accepted=accepted, plan=followup.plan.reference,
                           period=followup.period),
        "count": findings_count(findings) if findings else None,
        "groups": [(heading, [(f, finding_line(f)) for f in group])
                   for heading, group in finding_groups(findings)],
        "period_words": period_text(followup.period),
    }

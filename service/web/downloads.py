"""The files the dashboard's pages offer: a plan and the list of plans as XLSX or CSV, the
overview for a period as XLSX or CSV, and the annual report's account of the year's
results as HTML, Markdown or Word. The same writers, filters and scoping as the API's
``/exports/plans``, ``/exports/overview`` and ``/institutions/{code}/annual-report``, so
the same bytes."""

from __future__ import annotations

from collections.abc import Mapping

from flask import abort, current_app, flash, redirect, request, url_for
from werkzeug.wrappers import Response

from service.domain import plans
from service.domain.plans import PlanFilters
from service.exports import annual_report, sheets, tables
from service.exports.conversation import conversation_table
from service.exports.files import content_disposition
from service.vocabulary import PERIOD_YEARS
from service.web import bp
from service.web.auth import current_actor
from service.web.filters import OverviewForm
from service.web.plan_list import PlanListForm

#: the annual report's own page may use its inline style, and nothing else
REPORT_CSP = "default-src 'none'; style-src 'unsafe-inline'"


def attachment(data: bytes | str, fmt: str, mimetypes: Mapping[str, str], name: str,
               *, inline: bool = False) -> Response:
    """``data`` as the file ``name.fmt``, with the headers the API's exports send."""
    mimetype = mimetypes[fmt]
    response = Response(data, mimetype=mimetype)
    if mimetype.startswith("text/"):
        response.headers["Content-Type"] = f"{mimetype}; charset=utf-8"
    response.headers["Content-Disposition"] = content_disposition(f"{name}.{fmt}",
                                                                  inline=inline)
    return response


def _sheet_format(fmt: str) -> str:
    if fmt not in sheets.MIMETYPES:
        abort(404)
    return fmt


@bp.get("/plans/<int:plan_id>/export.<fmt>")
def plan_export(plan_id: int, fmt: str) -> Response:
    """The plan and its goals, as ``/api/v1/exports/plans?reference=…`` writes them."""
    actor = current_actor()
    fmt = _sheet_format(fmt)
    plan = plans.get_plan(actor, plan_id)
    table = tables.plans_table(actor, PlanFilters(reference=plan.reference))
    return attachment(sheets.render(table, fmt), fmt, sheets.MIMETYPES,
                      f"plan-{plan.reference}")


@bp.get("/plans/<int:plan_id>/conversation.<fmt>")
def conversation_export(plan_id: int, fmt: str) -> Response:
    """The plan's conversation, every period, as
    ``/api/v1/exports/conversation?reference=…`` writes it."""
    actor = current_actor()
    fmt = _sheet_format(fmt)
    plan = plans.get_plan(actor, plan_id)
    table = conversation_table(actor, PlanFilters(reference=plan.reference),
                               timezone=current_app.config.get("WEB_TIMEZONE") or "UTC")
    return attachment(sheets.render(table, fmt), fmt, sheets.MIMETYPES,
                      f"dialog-{plan.reference}")


@bp.get("/plans/export.<fmt>")
def plans_export(fmt: str) -> Response:
    """The list's plans with the list's filters, as ``/api/v1/exports/plans`` writes them."""
    fmt = _sheet_format(fmt)
    form = PlanListForm.from_args(request.args)
    table = tables.plans_table(current_actor(), form.to_filters())
    return attachment(sheets.render(table, fmt), fmt, sheets.MIMETYPES,
                      "planer" + (f"-{form.year}" if form.year else ""))


@bp.get("/overview/export.<fmt>")
def overview_export(fmt: str) -> Response:
    """The overview with the page's period and filters, as ``/api/v1/exports/overview``."""
    fmt = _sheet_format(fmt)
    form = OverviewForm.from_args(request.args)
    table = tables.overview_table(current_actor(), form.to_filters())
    return attachment(sheets.render(table, fmt), fmt, sheets.MIMETYPES,
                      f"overblik-{form.period}")


@bp.get("/annual-report")
def annual_report_file() -> Response:
    """An institution's account of a year's results, as
    ``/api/v1/institutions/{code}/annual-report?year=…&format=…``; HTML opens in the
    browser, Markdown and Word are downloaded."""
    actor = current_actor()
    fmt = request.args.get("format") or "html"
    if fmt not in annual_report.MIMETYPES:
        abort(404)
    code: str | int = (request.args.get("institution") or "").strip().upper()[:40]
    if not code and actor.is_institution and actor.institution_id is not None:
        code = actor.institution_id  # an institution's own
    year_text = (request.args.get("year") or "").strip()
    back = {k: v for k, v in request.args.items() if k in ("period", "task_type", "status")}
    if not code:
        flash("Vælg den institution, årsrapportens afsnit skal handle om.", "error")
        return redirect(url_for("web.overview", **back), code=303)
    if not (year_text.isdigit() and int(year_text) in PERIOD_YEARS):
        flash("Skriv årstallet for årsrapporten, fx 2026.", "error")
        return redirect(url_for("web.overview", **back), code=303)
    report = annual_report.annual_report(actor, code, int(year_text))
    response = attachment(
        annual_report.render(report, fmt), fmt, annual_report.MIMETYPES,
        f"faglige-resultater-{report.institution}-{report.year}", inline=fmt == "html",
    )
    if fmt == "html":
        response.headers["Content-Security-Policy"] = REPORT_CSP
    return response


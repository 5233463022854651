"""/exports: plans and the overview as XLSX or CSV; /institutions/{code}/annual-report: the
year's results as Markdown, HTML or Word (.docx) for the annual report.

The format is ``?format=`` when given, else the best match of the ``Accept`` header (no
header, or ``*/*``: XLSX, resp. Markdown); an ``Accept`` that allows none of them is 406.
"""

from __future__ import annotations

from collections.abc import Mapping

from flask import Response, current_app, request
from flask.views import MethodView

from service.api.auth import current_actor
from service.api.blueprint import Blueprint
from service.api.problems import problem
from service.api.schemas.exports import (
    AnnualReportQuerySchema,
    ConversationExportQuerySchema,
    OverviewExportQuerySchema,
    PlanExportQuerySchema,
)
from service.domain.overview import OverviewFilters
from service.domain.plans import PlanFilters
from service.exports import annual_report, sheets, tables
from service.exports.conversation import conversation_table
from service.exports.files import content_disposition
from service.vocabulary import parse_period

blp = Blueprint("exports", __name__, url_prefix="/api/v1", description="Exports")

def _file(mimetypes: Mapping[str, str]) -> dict:
    return {
        "200": {"description": "The file.",
                "content": {m: {"schema": {"type": "string", "format": "binary"}}
                            for m in mimetypes.values()}},
    }


def negotiate(explicit: str | None, mimetypes: Mapping[str, str]) -> str | None:
    """The format to answer in: ``?format=``, else the client's preference by ``Accept``
    (the first of ``mimetypes`` when it has none); None when nothing acceptable."""
    if explicit:
        return explicit
    if not request.accept_mimetypes:
        return next(iter(mimetypes))
    accept = request.accept_mimetypes
    # the highest quality wins; on a tie (``*/*``) the first offered
    quality, fmt = max((accept.quality(mime), -i, fmt)
                       for i, (fmt, mime) in enumerate(mimetypes.items()))[::2]
    return fmt if quality > 0 else None


def _not_acceptable(mimetypes: Mapping[str, str]) -> Response:
    offered = ", ".join(mimetypes.values())
    return problem(406, f"The Accept header allows none of the formats offered: {offered}. "
                        f"Or ask with ?format={'|'.join(mimetypes)}.",
                   slug="not-acceptable")


def _download(data: bytes | str, fmt: str, mimetypes: Mapping[str, str], name: str,
              *, inline: bool = False) -> Response:
    mimetype = mimetypes[fmt]
    response = Response(data, mimetype=mimetype)
    if mimetype.startswith("text/"):
        response.headers["Content-Type"] = f"{mimetype}; charset=utf-8"
    response.headers["Content-Disposition"] = content_disposition(f"{name}.{fmt}",
                                                                  inline=inline)
    response.headers["Vary"] = "Accept"
    return response


def _sheet(args: dict, build, name: str) -> Response:
    fmt = negotiate(args.pop("format", None), sheets.MIMETYPES)
    if fmt is None:
        return _not_acceptable(sheets.MIMETYPES)
    table = build(args)
    return _download(sheets.render(table, fmt), fmt, sheets.MIMETYPES, name)


@blp.route("/exports/plans")
class PlanExport(MethodView):
    @blp.arguments(PlanExportQuerySchema(), location="query")
    @blp.doc(responses=_file(sheets.MIMETYPES))
    @blp.problems(406)
    def get(self, args: dict) -> Response:
        """Plans with their goals, one row per goal, as XLSX or CSV (`;`, decimal comma,
        UTF-8 with BOM). Filters as `GET /plans`; with a task or goal type, only those goals."""
        year = args.get("year")
        return _sheet(args, lambda a: tables.plans_table(current_actor(), PlanFilters(**a)),
                      "planer" + (f"-{year}" if year else ""))


@blp.route("/exports/overview")
class OverviewExport(MethodView):
    @blp.arguments(OverviewExportQuerySchema(), location="query")
    @blp.doc(responses=_file(sheets.MIMETYPES))
    @blp.problems(406)
    def get(self, args: dict) -> Response:
        """The overview for a period, one row per goal: status in Danish words, value,
        progress, comment and the report's state. Filters as `GET /overview`."""
        period = parse_period(args["period"])
        return _sheet(
            args, lambda a: tables.overview_table(current_actor(), OverviewFilters(**a)),
            f"overblik-{period}" if period else "overblik",
        )


@blp.route("/exports/conversation")
class ConversationExport(MethodView):
    @blp.arguments(ConversationExportQuerySchema(), location="query")
    @blp.doc(responses=_file(sheets.MIMETYPES))
    @blp.problems(406)
    def get(self, args: dict) -> Response:
        """The plans' conversations as XLSX or CSV, one row per step in order: each report
        (with its status, channel and sender) and each answer of the department (decision,
        comment, comments per goal, who, when), per plan and period. Filters as
        `GET /plans`; `period` for one period (unknown: 422 naming `period`)."""
        period = args.pop("period", None)
        zone = current_app.config.get("WEB_TIMEZONE") or "UTC"
        return _sheet(args, lambda a: conversation_table(
            current_actor(), PlanFilters(**a), period, timezone=zone),
            "dialog" + (f"-{parse_period(period) or 'periode'}" if period else ""))


@blp.route("/institutions/<code>/annual-report")
class AnnualReport(MethodView):
    @blp.arguments(AnnualReportQuerySchema(), location="query")
    @blp.doc(responses=_file(annual_report.MIMETYPES))
    @blp.problems(404, 406)
    def get(self, args: dict, code: str) -> Response:
        """The year's results for the annual report (beretning om faglige resultater): per
        plan covering the year, each goal's final status and comment, in Danish, as Markdown,
        a self-contained HTML page or a Word document (`format=docx`: headings, and the
        goals as Word tables)."""
        fmt = negotiate(args.get("format"), annual_report.MIMETYPES)
        if fmt is None:
            return _not_acceptable(annual_report.MIMETYPES)
        report = annual_report.annual_report(current_actor(), code, args["year"])
        response = _download(
            annual_report.render(report, fmt), fmt, annual_report.MIMETYPES,
            f"faglige-resultater-{report.institution}-{report.year}", inline=fmt == "html",
        )
        if fmt == "html":
            response.headers["Content-Security-Policy"] = (
                "default-src 'none'; style-src 'unsafe-inline'")
            response.headers["X-Content-Type-Options"] = "nosniff"
        return response

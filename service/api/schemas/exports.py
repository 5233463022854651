"""Query strings of the exports: the lists' filters plus the format."""

from __future__ import annotations

from service.api.schemas.common import StrictSchema, one_of, year
from service.api.schemas.overview import OverviewQuerySchema
from service.api.schemas.plans import PlanQuerySchema

SHEET_FORMATS = ["csv", "xlsx"]
REPORT_FORMATS = ["md", "html", "docx"]


class PlanExportQuerySchema(PlanQuerySchema):
    format = one_of(SHEET_FORMATS, metadata={"description": "instead of the Accept header"})


class OverviewExportQuerySchema(OverviewQuerySchema):
    format = one_of(SHEET_FORMATS, metadata={"description": "instead of the Accept header"})


class AnnualReportQuerySchema(StrictSchema):
    year = year(strict=False, required=True, metadata={"example": 2026})
    format = one_of(REPORT_FORMATS, metadata={"description": "instead of the Accept header"})

"""Query strings of the exports: the lists' filters plus the format."""

from __future__ import annotations

from marshmallow import fields, validate

from service.api.schemas.common import StrictSchema, one_of, year
from service.api.schemas.overview import OverviewQuerySchema
from service.api.schemas.plans import PlanQuerySchema

SHEET_FORMATS = ["csv", "xlsx"]
REPORT_FORMATS = ["md", "html", "docx"]


class PlanExportQuerySchema(PlanQuerySchema):
    format = one_of(SHEET_FORMATS, metadata={"description": "instead of the Accept header"})


class OverviewExportQuerySchema(OverviewQuerySchema):
    format = one_of(SHEET_FORMATS, metadata={"description": "instead of the Accept header"})


class ConversationExportQuerySchema(PlanQuerySchema):
    period = fields.String(validate=validate.Length(min=4, max=40), metadata={
        "example": "2026-H1", "description": "one period; without it every period"})
    format = one_of(SHEET_FORMATS, metadata={"description": "instead of the Accept header"})


class AnnualReportQuerySchema(StrictSchema):
    year = year(strict=False, required=True, metadata={"example": 2026})
    format = one_of(REPORT_FORMATS, metadata={"description": "instead of the Accept header"})

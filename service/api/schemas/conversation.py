"""A plan's conversation per period: reports, the department's answers, reports sent again."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from service.api.schemas.common import StrictSchema
from service.domain.conversation import KINDS
from service.vocabulary import period_text


class ConversationQuerySchema(StrictSchema):
    period = fields.String(validate=validate.Length(min=4, max=40), metadata={
        "example": "2026-H1", "description": "one period; without it every period with a "
        "report"})


class ConversationStepSchema(Schema):
    kind = fields.String(metadata={"enum": list(KINDS), "description": (
        "`report` (the period's first report), `resubmission` (a later report for the "
        "period) or `review` (the department's answer to the report `followup`)")})
    at = fields.DateTime(metadata={"description": "when the report was received, or the "
                                   "review given"})
    followup = fields.Integer(attribute="followup_id")
    status = fields.String(allow_none=True, metadata={
        "description": "a report: accepted, rejected or superseded; a review: null"})
    channel = fields.String(allow_none=True, metadata={
        "description": "a report: how it came (email, api, web, upload)"})
    submitted_by = fields.String(allow_none=True)
    decision = fields.String(allow_none=True, metadata={
        "description": "a review: acknowledged or returned"})
    comment = fields.String(allow_none=True)
    goals = fields.List(fields.Dict(keys=fields.String(), values=fields.String()),
                        metadata={"description": 'a review: [{"goal": "M1", "comment": "…"}]'})
    by = fields.String(allow_none=True, metadata={"description": "a review: who gave it"})
    latest = fields.Boolean(metadata={
        "description": "a review: it is the report's answer now (its latest review)"})


class PeriodConversationSchema(Schema):
    period = fields.String(metadata={"example": "2026-H1"})
    period_text = fields.Method("_words", metadata={"type": "string",
                                                     "example": "1. halvår 2026"})
    steps = fields.List(fields.Nested(ConversationStepSchema))

    def _words(self, obj: object) -> str:
        return period_text(obj.period)  # type: ignore[attr-defined]


class ConversationSchema(Schema):
    plan = fields.String()
    periods = fields.List(fields.Nested(PeriodConversationSchema), metadata={
        "description": "the periods with a report, in order; each period's steps in the "
                       "order they happened"})

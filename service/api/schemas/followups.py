"""Follow-up reports."""

from __future__ import annotations

import math

from marshmallow import Schema, ValidationError, fields, validate

from service.api.schemas.common import CodeRef, FindingSchema, StrictSchema, plain


def _finite(value: object) -> None:
    """A number must be one a float can hold (``1e400`` or a 400-digit integer is not)."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        try:
            finite = math.isfinite(float(value))
        except OverflowError:
            finite = False
        if not finite:
            raise ValidationError("Tallet er uden for det tilladte område.")


class FollowUpRowSchema(StrictSchema):
    """A goal's line as submitted. Values are taken as written (numbers or text such as
    "93,5"); unknown statuses and non-numbers become findings, not request errors. Text
    holds no control characters (a comment may hold tabs and line breaks)."""

    goal = fields.String(required=True, **plain(validate=validate.Length(min=1, max=40)))
    status = fields.String(required=True, **plain(validate=validate.Length(max=200)))
    value = fields.Raw(allow_none=True, validate=_finite, metadata={"type": "number"})
    progress = fields.Raw(allow_none=True, validate=_finite, metadata={"type": "number"})
    comment = fields.String(allow_none=True,
                            **plain(multiline=True, validate=validate.Length(max=10000)))


class FollowUpSubmitSchema(StrictSchema):
    period = fields.String(required=True, **plain(validate=validate.Length(min=4, max=40),
                                                  metadata={"example": "2026-H1"}))
    goals = fields.List(fields.Nested(FollowUpRowSchema), required=True,
                        validate=validate.Length(max=500))


class FollowUpGoalSchema(Schema):
    goal = fields.String(attribute="goal_code")
    status = fields.String(allow_none=True)
    status_raw = fields.String(allow_none=True)
    value = fields.Float(allow_none=True)
    progress = fields.Float(allow_none=True)
    comment = fields.String(allow_none=True)
    row = fields.Integer(allow_none=True)
    computed_status = fields.String(
        allow_none=True, metadata={"description": "the status computed from the goal's "
                                   "indicator or milestones (DESIGN section 12), or null"})
    expected_value = fields.Float(allow_none=True)
    computed_basis = fields.String(
        allow_none=True, metadata={"description": "a Danish sentence with the numbers"})


class ReviewGoalSchema(StrictSchema):
    goal = fields.String(required=True, **plain(validate=validate.Length(min=1, max=40)))
    comment = fields.String(load_default=None, allow_none=True,
                            **plain(multiline=True, validate=validate.Length(max=10000)))


class FollowUpReviewSubmitSchema(StrictSchema):
    """The department's answer: ``returned`` needs a ``comment`` (what must change)."""

    decision = fields.String(required=True,
                             validate=validate.OneOf(["acknowledged", "returned"]))
    comment = fields.String(load_default=None, allow_none=True,
                            **plain(multiline=True, validate=validate.Length(max=10000)))
    goals = fields.List(fields.Nested(ReviewGoalSchema), load_default=list,
                        validate=validate.Length(max=500))


class FollowUpReviewSchema(Schema):
    decision = fields.String(metadata={"description": "acknowledged or returned"})
    comment = fields.String(allow_none=True)
    goals = fields.List(fields.Dict(keys=fields.String(), values=fields.String()),
                        metadata={"description": '[{"goal": "M1", "comment": "…"}]'})
    by = fields.String(attribute="reviewed_by")
    at = fields.DateTime(attribute="reviewed_at")


class FollowUpSchema(Schema):
    id = fields.Integer()
    plan = CodeRef("plan.reference")
    period = fields.String()
    status = fields.String()
    current = fields.Boolean()
    channel = fields.String()
    submitted_by = fields.String(allow_none=True)
    received_at = fields.DateTime()
    superseded_by = fields.Integer(attribute="superseded_by_id", allow_none=True)
    inbound_message = fields.Integer(attribute="inbound_message_id", allow_none=True)
    goals = fields.List(fields.Nested(FollowUpGoalSchema))
    findings = fields.Method("_findings", metadata={"type": "array"})
    review = fields.Nested(FollowUpReviewSchema, allow_none=True, metadata={
        "description": "the department's answer (the latest review), or null"})

    def _findings(self, obj: object) -> list[dict]:
        return [f.to_dict() for f in obj.findings]  # type: ignore[attr-defined]


class FollowUpQuerySchema(StrictSchema):
    period = fields.String(validate=validate.Length(max=40))
    status = fields.String(validate=validate.OneOf(["accepted", "rejected"]))


__all__ = ["FindingSchema"]

"""The ministry overview and a goal's history."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from service.api.schemas.common import StrictSchema
from service.vocabulary import GoalType, ProgressStatus


class OverviewQuerySchema(StrictSchema):
    period = fields.String(required=True, validate=validate.Length(min=4, max=40),
                           metadata={"example": "2026-H1"})
    ministry = fields.String(validate=validate.Length(max=16))
    institution = fields.String(validate=validate.Length(max=16))
    task_type = fields.String(validate=validate.Length(max=50))
    goal_type = fields.String(validate=validate.OneOf([g.value for g in GoalType]))
    status = fields.String(validate=validate.OneOf([s.value for s in ProgressStatus]))
    disagrees = fields.Boolean(metadata={
        "description": "only goals whose reported status is two or more steps more "
                       "optimistic than the computed one"})


class OverviewGoalSchema(Schema):
    id = fields.Integer()
    goal = fields.String()
    title = fields.String()
    task_type = fields.String()
    goal_type = fields.String()
    state = fields.String()
    status = fields.String(allow_none=True)
    value = fields.Float(allow_none=True)
    progress = fields.Float(allow_none=True)
    comment = fields.String(allow_none=True)
    computed_status = fields.String(allow_none=True)
    expected_value = fields.Float(allow_none=True)
    computed_basis = fields.String(allow_none=True)
    disagrees = fields.Boolean()


class ReportStateSchema(Schema):
    state = fields.String(metadata={"description": "received, late, missing, due, not_applicable"})
    due = fields.String()
    followup = fields.Integer(allow_none=True)
    received_at = fields.String(allow_none=True)
    rejected = fields.Integer()


class OverviewPlanSchema(Schema):
    id = fields.Integer()
    plan = fields.String()
    title = fields.String()
    institution = fields.String()
    institution_name = fields.String()
    ministry = fields.String()
    report = fields.Nested(ReportStateSchema)
    counts = fields.Dict(keys=fields.String(), values=fields.Integer())
    findings = fields.Dict(keys=fields.String(), values=fields.Integer())
    goals = fields.List(fields.Nested(OverviewGoalSchema))


class OverviewSchema(Schema):
    period = fields.String()
    due = fields.String()
    drafts = fields.Integer(metadata={
        "description": "plans in scope still drafts awaiting approval, any year (by the "
                       "ministry and institution filters only)"})
    awaiting_review = fields.Integer(metadata={
        "description": "the period's current reports, accepted or rejected, that the "
                       "department has not reviewed"})
    counts = fields.Dict(keys=fields.String(), values=fields.Integer())
    reports = fields.Dict(keys=fields.String(), values=fields.Integer())
    plans = fields.List(fields.Nested(OverviewPlanSchema))


class GoalHistorySchema(Schema):
    period = fields.String()
    status = fields.String(allow_none=True)
    value = fields.Float(allow_none=True)
    progress = fields.Float(allow_none=True)
    comment = fields.String(allow_none=True)
    computed_status = fields.String(allow_none=True)
    expected_value = fields.Float(allow_none=True)
    computed_basis = fields.String(allow_none=True)
    followup = fields.Integer()
    received_at = fields.DateTime()

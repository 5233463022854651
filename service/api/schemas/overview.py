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


class GoalReportSchema(Schema):
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


class HistoryValueSchema(Schema):
    period = fields.String(metadata={"example": "2026-H1"})
    period_text = fields.String(metadata={"example": "1. halvår 2026"})
    measured = fields.Float(allow_none=True, metadata={"description": "the reported value"})
    status = fields.String(allow_none=True, metadata={"description": "the reported status"})
    computed_status = fields.String(allow_none=True)
    expected_value = fields.Float(allow_none=True)
    plan = fields.String(metadata={"description": "the reference of the plan reported on"})
    goal_id = fields.Integer(metadata={"description": "the id of the goal reported on: this "
                                                      "goal or one it continues"})
    goal = fields.String(metadata={"description": "that goal's code"})
    followup = fields.Integer()


class PathPointSchema(Schema):
    date = fields.Date()
    value = fields.Float()


class ChainGoalSchema(Schema):
    id = fields.Integer()
    goal = fields.String()
    plan = fields.String()
    title = fields.String()


class GoalHistorySchema(Schema):
    id = fields.Integer()
    goal = fields.String()
    title = fields.String()
    plan = fields.String()
    nature = fields.String()
    indicator = fields.String(allow_none=True, metadata={
        "description": "the indicator's name: the one the computed status reads, else the "
                       "goal's first"})
    unit = fields.String(allow_none=True)
    baseline = fields.Float(allow_none=True)
    baseline_year = fields.Integer(allow_none=True)
    target = fields.Float(allow_none=True)
    direction = fields.String(allow_none=True)
    deadline = fields.Date(allow_none=True)
    expected_path = fields.List(fields.Nested(PathPointSchema), allow_none=True, metadata={
        "description": "the straight line the expected value lies on: (31 December of the "
                       "baseline year, baseline) to (deadline, target); null when incomplete "
                       "or the direction is maintain"})
    goals = fields.List(fields.Nested(ChainGoalSchema), metadata={
        "description": "this goal and the goals of earlier plans it continues, earliest first"})
    values = fields.List(fields.Nested(HistoryValueSchema), metadata={
        "description": "the measured values across those plans, by period"})
    reports = fields.List(fields.Nested(GoalReportSchema), metadata={
        "description": "this goal's reported status, period by period, in its own plan"})

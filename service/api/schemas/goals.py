"""Goals, with their indicators and milestones nested."""

from __future__ import annotations

from typing import Any

from marshmallow import fields, validate

from service.api.schemas.common import (
    CodeRef,
    FindingSchema,
    StrictSchema,
    one_of,
    plain,
    text,
    year,
)
from service.domain import targets
from service.domain.attainment import MAX_WEIGHT
from service.domain.common import MAX_ID
from service.vocabulary import Direction, GoalState, GoalType, Nature

GOAL_TYPES = [g.value for g in GoalType]


def weight(**kw: object) -> fields.Integer:
    """A goal's points (``Vægtning: 15 point``): a whole number from 0, or null."""
    return fields.Integer(strict=True, allow_none=True,
                          validate=validate.Range(min=0, max=MAX_WEIGHT),
                          metadata={"example": 15, "description": (
                              "the goal's points for the plan's attainment where its ministry "
                              "weighs goals; null: not weighted")}, **kw)
NATURES = [n.value for n in Nature]
PREVIOUS_GOAL = ("id of the goal of an earlier plan of the same institution that this goal "
                 "continues (its history runs on from there); null: none, or the same code's "
                 "goal in the latest earlier plan")


class IndicatorSchema(StrictSchema):
    name = text(300, required=True)
    unit = text(50, allow_none=True)
    baseline = fields.Float(allow_none=True)
    baseline_year = fields.Integer(strict=True, allow_none=True,
                                   validate=validate.Range(min=1900, max=2200))
    target = fields.Float(allow_none=True)
    direction = one_of([d.value for d in Direction], allow_none=True)
    data_source = text(300, allow_none=True)
    target_history = fields.Method("_target_history", dump_only=True, metadata={
        "description": 'every target it has had: [{"target", "valid_from", '
                       '"change_request"}], the first valid from the plan\'s start'})

    def _target_history(self, obj: Any) -> list[dict[str, Any]] | None:
        return targets.history(obj) if hasattr(obj, "target_history") else None


class MilestoneSchema(StrictSchema):
    title = text(300, required=True)
    due_date = fields.Date(allow_none=True)
    done = fields.Boolean(load_default=False)


class GoalSchema(StrictSchema):
    id = fields.Integer(dump_only=True)
    plan_id = fields.Integer(dump_only=True)
    plan = CodeRef("plan.reference", dump_only=True)
    code = fields.String(**plain(validate=validate.Length(min=1, max=20),
                                 metadata={"example": "M1", "description": "default: next M<n>"}))
    title = text(300, required=True)
    description = text(10000, allow_none=True, multiline=True)
    task_type = fields.String(required=True, validate=validate.Length(min=1, max=50),
                              metadata={"example": "operations"})
    goal_type = one_of(GOAL_TYPES, required=True)
    nature = one_of(NATURES, required=True)
    success_criterion = text(2000, allow_none=True, multiline=True)
    deadline = fields.Date(allow_none=True)
    politically_fixed = fields.Boolean(load_default=False)
    owner = text(200, allow_none=True)
    weight = weight()
    status = fields.String(dump_only=True)
    withdrawn_reason = fields.String(dump_only=True, allow_none=True)
    indicators = fields.List(fields.Nested(IndicatorSchema), validate=validate.Length(max=20))
    milestones = fields.List(fields.Nested(MilestoneSchema), validate=validate.Length(max=50))
    previous_goal_id = fields.Integer(
        data_key="previous_goal", allow_none=True, strict=True,
        validate=validate.Range(min=1, max=MAX_ID),
        metadata={"description": PREVIOUS_GOAL})
    reason = text(2000, load_only=True, allow_none=True, multiline=True,
                  metadata={"description": "required when the plan is approved"})
    findings = fields.List(fields.Nested(FindingSchema), dump_only=True)


class GoalPatchSchema(StrictSchema):
    code = fields.String(**plain(validate=validate.Length(min=1, max=20)))
    title = text(300, nonblank=True)
    description = text(10000, allow_none=True, multiline=True)
    task_type = fields.String(validate=validate.Length(min=1, max=50))
    goal_type = one_of(GOAL_TYPES)
    nature = one_of(NATURES)
    success_criterion = text(2000, allow_none=True, multiline=True)
    deadline = fields.Date(allow_none=True)
    politically_fixed = fields.Boolean()
    owner = text(200, allow_none=True)
    weight = weight()
    indicators = fields.List(fields.Nested(IndicatorSchema), validate=validate.Length(max=20))
    milestones = fields.List(fields.Nested(MilestoneSchema), validate=validate.Length(max=50))
    previous_goal_id = fields.Integer(
        data_key="previous_goal", allow_none=True, strict=True,
        validate=validate.Range(min=1, max=MAX_ID),
        metadata={"description": PREVIOUS_GOAL})
    reason = text(2000, allow_none=True, multiline=True)


class GoalQuerySchema(StrictSchema):
    ministry = fields.String()
    institution = fields.String()
    plan = fields.Integer(validate=validate.Range(min=1, max=MAX_ID),
                          metadata={"description": "plan id"})
    year = year(strict=False)
    task_type = fields.String(validate=validate.Length(max=50))
    goal_type = one_of(GOAL_TYPES)
    status = one_of([s.value for s in GoalState])


class PlanGoalQuerySchema(StrictSchema):
    task_type = fields.String(validate=validate.Length(max=50))
    goal_type = one_of(GOAL_TYPES)
    status = one_of([s.value for s in GoalState])

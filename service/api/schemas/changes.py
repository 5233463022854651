"""Change requests to approved plans' goals (DESIGN section 13)."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from service.api.schemas.common import CodeRef, StrictSchema, one_of, plain, text
from service.api.schemas.goals import GoalPatchSchema, GoalSchema
from service.domain.common import MAX_ID
from service.domain.models.changes import STATUSES


class GoalChangesSchema(GoalPatchSchema):
    """What ``PATCH /goals/{id}`` takes, or ``{"withdraw": true}``."""

    withdraw = fields.Boolean(metadata={"description": "true: the goal is to be withdrawn"})

    class Meta(GoalPatchSchema.Meta):
        exclude = ("reason",)


class NewGoalSchema(GoalSchema):
    """What ``POST /plans/{id}/goals`` takes (the reason is the request's)."""

    class Meta(GoalSchema.Meta):
        exclude = ("reason",)


class GoalChangeRequestSubmitSchema(StrictSchema):
    changes = fields.Nested(GoalChangesSchema, required=True)
    reason = text(2000, required=True, multiline=True)


class NewGoalRequestSubmitSchema(StrictSchema):
    goal = fields.Nested(NewGoalSchema, required=True)
    reason = text(2000, required=True, multiline=True)


class DecisionSubmitSchema(StrictSchema):
    comment = fields.String(load_default=None, allow_none=True,
                            **plain(multiline=True, validate=validate.Length(max=10000),
                                    metadata={"description": "required to reject"}))


class ChangeRequestSchema(Schema):
    id = fields.Integer()
    status = fields.String(metadata={"description": "pending, approved or rejected"})
    kind = fields.String(metadata={"description": "change, withdraw or new_goal"})
    plan = CodeRef("plan.reference")
    plan_id = fields.Integer()
    goal = fields.String(attribute="goal_code", allow_none=True,
                         metadata={"description": "the goal's code"})
    goal_id = fields.Integer(allow_none=True)
    changes = fields.Dict(metadata={"description": "the partial goal body, "
                                                   '{"withdraw": true} or the new goal'})
    reason = fields.String(allow_none=True)
    requested_by = fields.String()
    requested_at = fields.DateTime()
    direct = fields.Boolean(metadata={"description": "made directly by the department"})
    decided_by = fields.String(allow_none=True)
    decided_at = fields.DateTime(allow_none=True)
    comment = fields.String(allow_none=True)
    before = fields.Dict(allow_none=True, metadata={"description": "what changed, before"})
    after = fields.Dict(allow_none=True, metadata={"description": "what changed, after"})


class ChangeRequestQuerySchema(StrictSchema):
    status = one_of(list(STATUSES))
    plan = fields.Integer(validate=validate.Range(min=1, max=MAX_ID),
                          metadata={"description": "plan id"})
    institution = fields.String(validate=validate.Length(max=40))

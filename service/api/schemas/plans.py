"""Plans, their audit log and their validation."""

from __future__ import annotations

from marshmallow import fields, validate, validates_schema
from marshmallow.exceptions import ValidationError

from service.api.schemas.common import CodeRef, StrictSchema, one_of, text, year
from service.vocabulary import Cadence, GoalType, PlanStatus

CADENCES = [c.value for c in Cadence]


class TopManagerSchema(StrictSchema):
    name = text(200, required=True)
    title = text(200, allow_none=True)


class _PeriodCheck:
    @validates_schema
    def _period(self, data: dict, **kwargs: object) -> None:
        start, end = data.get("period_start"), data.get("period_end")
        if start is not None and end is not None and end < start:
            raise ValidationError(
                f"period_end ({end}) is before period_start ({start}).", "period_end"
            )


class PlanSchema(_PeriodCheck, StrictSchema):
    id = fields.Integer(dump_only=True)
    reference = fields.String(dump_only=True, metadata={"example": "UFST-2026"})
    institution = CodeRef("institution.code", required=True, metadata={"example": "UFST"})
    ministry = CodeRef("institution.ministry.code", dump_only=True)
    title = text(300, required=True)
    period_start = year(required=True)
    period_end = year(required=True)
    top_manager = fields.Nested(TopManagerSchema, allow_none=True)
    followup_cadence = one_of(CADENCES, load_default=Cadence.HALF_YEARLY.value, allow_none=True)
    status = fields.String(dump_only=True)
    approved_at = fields.DateTime(dump_only=True, allow_none=True)
    approved_by = fields.String(dump_only=True, allow_none=True)
    closed_at = fields.DateTime(dump_only=True, allow_none=True)
    created_at = fields.DateTime(dump_only=True)
    updated_at = fields.DateTime(dump_only=True)


class PlanPatchSchema(_PeriodCheck, StrictSchema):
    title = text(300, nonblank=True)
    period_start = year()
    period_end = year()
    top_manager = fields.Nested(TopManagerSchema, allow_none=True)
    followup_cadence = one_of(CADENCES, allow_none=True)
    reason = text(2000, allow_none=True, multiline=True,
                  metadata={"description": "required once approved"})


class PlanQuerySchema(StrictSchema):
    ministry = fields.String()
    institution = fields.String()
    year = year(strict=False)
    status = one_of([s.value for s in PlanStatus])
    task_type = fields.String(validate=validate.Length(max=50))
    goal_type = one_of([g.value for g in GoalType])
    q = fields.String(validate=validate.Length(max=100), metadata={
        "description": "text in the reference or the title, any case; `%` and `_` match "
                       "only themselves", "example": "digital"})
    reference = fields.String(validate=validate.Length(max=40), metadata={
        "description": "one plan by its reference, any case", "example": "DST-2026"})


class AuditEventSchema(StrictSchema):
    id = fields.Integer()
    at = fields.DateTime()
    actor = fields.String()
    actor_email = fields.String(allow_none=True, metadata={
        "description": "the person's e-mail when a person acted; null for a program's token"})
    actor_role = fields.String()
    entity = fields.String()
    entity_id = fields.Integer()
    action = fields.String()
    before = fields.Dict(allow_none=True)
    after = fields.Dict(allow_none=True)
    reason = fields.String(allow_none=True)


class AttainmentQuerySchema(StrictSchema):
    year = year(strict=False, required=True, metadata={"example": 2026,
                                                       "description": "a year of the plan"})


class AttainmentGoalSchema(StrictSchema):
    goal = fields.String(attribute="code", metadata={"example": "M1"})
    title = fields.String()
    weight = fields.Integer(metadata={"example": 15, "description": "the goal's points"})
    status = fields.String(allow_none=True, metadata={
        "description": "its final status in the year; null: none reported"})
    status_source = fields.String(attribute="source", allow_none=True, metadata={
        "description": "`computed` (the computed status of the report row) or `reported`"})
    period = fields.String(allow_none=True, metadata={
        "example": "2026-H2", "description": "the period the status is for"})
    withdrawn = fields.Boolean()
    counted = fields.Boolean(metadata={
        "description": "false for a withdrawn goal and one without a status"})
    score = fields.Float(allow_none=True, metadata={
        "description": "1, the ministry's partial share, or 0; null when not counted"})
    points = fields.Float(allow_none=True, metadata={"example": 7.5,
                                                     "description": "weight × score"})


class AttainmentSchema(StrictSchema):
    """A plan's attainment (målopfyldelse) for a year: Σ weight × score ÷ Σ weight over the
    weighted goals that count (docs/operations.md, "How a plan's attainment is worked
    out")."""

    plan = fields.String(metadata={"example": "UFST-2026"})
    year = fields.Integer(metadata={"example": 2026})
    percent = fields.Float(allow_none=True, metadata={
        "example": 72.0, "description": "null when no weighted goal counts"})
    points = fields.Float(metadata={"example": 36})
    max_points = fields.Integer(metadata={"example": 50})
    partial_share = fields.Float(metadata={"example": 0.5})
    text = fields.String(metadata={"example": "Målopfyldelse 2026: 72 % (36 af 50 point)"})
    goals = fields.List(fields.Nested(AttainmentGoalSchema))
    without_status = fields.List(fields.String(), metadata={
        "description": "active weighted goals with no status in the year"})
    unweighted = fields.List(fields.String(), metadata={
        "description": "goals without a weight, not part of the attainment"})


class TemplateQuerySchema(StrictSchema):
    period = fields.String(required=True, validate=validate.Length(min=4, max=40),
                           metadata={"example": "2026-H1"})

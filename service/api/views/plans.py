"""/plans: goal-and-results plans, their approval, closing and reopening, audit log and
validation."""

from __future__ import annotations

from flask import Response
from flask.views import MethodView

from service.api.auth import current_actor
from service.api.blueprint import Blueprint
from service.api.cache import cached
from service.api.schemas.common import ReasonSchema, RequiredReasonSchema, ValidationSchema
from service.api.schemas.plans import (
    AttainmentQuerySchema,
    AttainmentSchema,
    AuditEventSchema,
    PlanPatchSchema,
    PlanQuerySchema,
    PlanSchema,
    TemplateQuerySchema,
)
from service.domain import attainment, audit, plans, validation
from service.domain.models import Plan

blp = Blueprint("plans", __name__, url_prefix="/api/v1/plans", description="Plans")


@blp.route("")
class Plans(MethodView):
    @cached
    @blp.arguments(PlanQuerySchema(), location="query")
    @blp.response(200, PlanSchema(many=True))
    @blp.paginate()
    def get(self, args: dict, pagination_parameters):
        """Plans the caller can see; filter by ministry, institution, year, status, the
        task or goal type of their goals, one `reference`, and search with `q` for text in
        the reference or the title (any case)."""
        page = plans.list_plans(
            current_actor(),
            plans.PlanFilters(**args),
            pagination_parameters.page,
            pagination_parameters.page_size,
        )
        pagination_parameters.item_count = page.total
        return page.items

    @blp.arguments(PlanSchema())
    @blp.response(201, PlanSchema)
    @blp.problems(403, 409)
    def post(self, data: dict) -> Plan:
        """Create a draft plan; its reference is generated (`DST-2026`, `DST-2026-2`, …)."""
        return plans.create_plan(current_actor(), data)


@blp.route("/<int:plan_id>")
class PlanById(MethodView):
    @cached
    @blp.response(200, PlanSchema)
    @blp.problems(404)
    def get(self, plan_id: int) -> Plan:
        """One plan."""
        return plans.get_plan(current_actor(), plan_id)

    @blp.arguments(PlanPatchSchema())
    @blp.response(200, PlanSchema)
    @blp.problems(403, 404, 409)
    def patch(self, data: dict, plan_id: int) -> Plan:
        """Change a plan; once approved, a reason is required and the change is audited."""
        actor = current_actor()
        return plans.update_plan(actor, plans.get_plan(actor, plan_id), data)

    @blp.response(204)
    @blp.problems(403, 404, 409)
    def delete(self, plan_id: int) -> None:
        """Delete a draft plan."""
        actor = current_actor()
        plans.delete_plan(actor, plans.get_plan(actor, plan_id))


@blp.route("/<int:plan_id>/approve")
class PlanApproval(MethodView):
    @blp.response(200, PlanSchema)
    @blp.problems(403, 404, 409)
    def post(self, plan_id: int) -> Plan:
        """Approve a draft plan (department, admin); refused with 409 while it has errors."""
        actor = current_actor()
        return plans.approve_plan(actor, plans.get_plan(actor, plan_id, with_goals=True))


@blp.route("/<int:plan_id>/close")
class PlanClosing(MethodView):
    @blp.arguments(ReasonSchema())
    @blp.response(200, PlanSchema)
    @blp.problems(403, 404, 409)
    def post(self, data: dict, plan_id: int) -> Plan:
        """Close an approved plan (department, admin).

        A closed plan takes no more changes, and reports for it are refused. Before the
        period is over (31 December of `period_end`) a `reason` is required (422 naming it);
        the reason is kept in the audit log. An admin can reopen the plan."""
        actor = current_actor()
        return plans.close_plan(actor, plans.get_plan(actor, plan_id), data.get("reason"))


@blp.route("/<int:plan_id>/reopen")
class PlanReopening(MethodView):
    @blp.arguments(RequiredReasonSchema())
    @blp.response(200, PlanSchema)
    @blp.problems(403, 404, 409)
    def post(self, data: dict, plan_id: int) -> Plan:
        """Reopen a closed plan (admin).

        The plan is approved again and takes reports. The `reason` is required and kept in
        the audit log."""
        actor = current_actor()
        return plans.reopen_plan(actor, plans.get_plan(actor, plan_id), data["reason"])


@blp.route("/<int:plan_id>/audit")
class PlanAudit(MethodView):
    @blp.response(200, AuditEventSchema(many=True))
    @blp.paginate(page_size=50)
    @blp.problems(404)
    def get(self, plan_id: int, pagination_parameters):
        """The plan's audit log: who changed what, when, and why."""
        plan = plans.get_plan(current_actor(), plan_id)
        page = audit.plan_events(
            plan, pagination_parameters.page, pagination_parameters.page_size
        )
        pagination_parameters.item_count = page.total
        return page.items


@blp.route("/<int:plan_id>/validation")
class PlanValidation(MethodView):
    @blp.response(200, ValidationSchema)
    @blp.problems(404)
    def get(self, plan_id: int) -> dict:
        """Run every enabled validation plugin over the plan and its goals."""
        plan = plans.get_plan(current_actor(), plan_id, with_goals=True)
        return validation.report(validation.validate_plan(plan))


@blp.route("/<int:plan_id>/attainment")
class PlanAttainment(MethodView):
    @blp.arguments(AttainmentQuerySchema(), location="query")
    @blp.response(200, AttainmentSchema)
    @blp.problems(404, 409)
    def get(self, args: dict, plan_id: int) -> dict:
        """The plan's attainment (målopfyldelse) for a year, where its ministry weighs goals:
        each weighted goal's points times the score of its final status in the year (full,
        the ministry's partial share, or nothing), as a share of the points of the goals
        that count. 409 when the ministry does not weigh goals; 422 naming `year` for a year
        outside the plan's period."""
        plan = plans.get_plan(current_actor(), plan_id, with_goals=True)
        result = attainment.require_attainment(plan, args["year"])
        percent = result.percent
        return {
            "plan": plan.reference, "year": result.year,
            "percent": None if percent is None else round(percent, 2),
            "points": result.points, "max_points": result.max_points,
            "partial_share": result.partial_share, "text": attainment.words(result),
            "goals": result.goals, "without_status": result.without_status,
            "unweighted": result.unweighted,
        }


XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@blp.route("/<int:plan_id>/followup-template.xlsx")
class FollowUpTemplate(MethodView):
    @blp.arguments(TemplateQuerySchema(), location="query")
    @blp.response(200, content_type=XLSX)
    @blp.problems(404)
    def get(self, args: dict, plan_id: int) -> Response:
        """The workbook to fill in and mail back for a period: plan and period in labelled
        cells, a row per active goal, a status drop-down, and only the answer cells open."""
        from service.exports.template import followup_template

        plan = plans.get_plan(current_actor(), plan_id, with_goals=True)
        filename, data = followup_template(plan, args["period"])
        return Response(data, mimetype=XLSX, headers={
            "Content-Disposition": f'attachment; filename="{filename}"'})

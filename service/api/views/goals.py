"""/plans/{id}/goals and /goals: goals with their indicators and milestones."""

from __future__ import annotations

from flask.views import MethodView

from service.api.auth import current_actor
from service.api.blueprint import Blueprint
from service.api.schemas.common import RequiredReasonSchema
from service.api.schemas.goals import (
    GoalPatchSchema,
    GoalQuerySchema,
    GoalSchema,
    PlanGoalQuerySchema,
)
from service.domain import goals, plans, validation
from service.domain.models import Goal

blp = Blueprint("goals", __name__, url_prefix="/api/v1", description="Goals")


def _with_findings(goal: Goal) -> Goal:
    goal.findings = [f.to_dict() for f in validation.validate_goal(goal)]  # type: ignore[attr-defined]
    return goal


@blp.route("/plans/<int:plan_id>/goals")
class PlanGoals(MethodView):
    @blp.arguments(PlanGoalQuerySchema(), location="query")
    @blp.response(200, GoalSchema(many=True))
    @blp.paginate(page_size=50)
    @blp.problems(404)
    def get(self, args: dict, plan_id: int, pagination_parameters):
        """The plan's goals."""
        actor = current_actor()
        plan = plans.get_plan(actor, plan_id)
        page = goals.list_goals(
            actor,
            goals.GoalFilters(plan=plan.id, **args),
            pagination_parameters.page,
            pagination_parameters.page_size,
        )
        pagination_parameters.item_count = page.total
        return page.items

    @blp.arguments(GoalSchema())
    @blp.response(201, GoalSchema)
    @blp.problems(403, 404, 409)
    def post(self, data: dict, plan_id: int) -> Goal:
        """Add a goal; the answer carries its validation findings."""
        actor = current_actor()
        plan = plans.get_plan(actor, plan_id, with_goals=True)
        return _with_findings(goals.create_goal(actor, plan, data))


@blp.route("/goals")
class Goals(MethodView):
    @blp.arguments(GoalQuerySchema(), location="query")
    @blp.response(200, GoalSchema(many=True))
    @blp.paginate()
    def get(self, args: dict, pagination_parameters):
        """Goals across the plans the caller can see; filter by ministry, institution, plan,
        year, task type, goal type and status."""
        page = goals.list_goals(
            current_actor(),
            goals.GoalFilters(**args),
            pagination_parameters.page,
            pagination_parameters.page_size,
        )
        pagination_parameters.item_count = page.total
        return page.items


@blp.route("/goals/<int:goal_id>")
class GoalById(MethodView):
    @blp.response(200, GoalSchema)
    @blp.problems(404)
    def get(self, goal_id: int) -> Goal:
        """One goal, with its findings."""
        return _with_findings(goals.get_goal(current_actor(), goal_id))

    @blp.arguments(GoalPatchSchema())
    @blp.response(200, GoalSchema)
    @blp.problems(403, 404, 409)
    def patch(self, data: dict, goal_id: int) -> Goal:
        """Change a goal; indicators and milestones, when given, replace the lists."""
        actor = current_actor()
        return _with_findings(goals.update_goal(actor, goals.get_goal(actor, goal_id), data))

    @blp.response(204)
    @blp.problems(403, 404, 409)
    def delete(self, goal_id: int) -> None:
        """Delete a goal of a draft plan (withdraw it once the plan is approved)."""
        actor = current_actor()
        goals.delete_goal(actor, goals.get_goal(actor, goal_id))


@blp.route("/goals/<int:goal_id>/withdraw")
class GoalWithdrawal(MethodView):
    @blp.arguments(RequiredReasonSchema())
    @blp.response(200, GoalSchema)
    @blp.problems(403, 404, 409)
    def post(self, data: dict, goal_id: int) -> Goal:
        """Withdraw a goal: it is kept, marked withdrawn with the reason."""
        actor = current_actor()
        return _with_findings(
            goals.withdraw_goal(actor, goals.get_goal(actor, goal_id), data["reason"])
        )

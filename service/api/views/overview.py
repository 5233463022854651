"""/overview and /goals/{id}/history: status across a ministry, and one goal over time."""

from __future__ import annotations

from flask.views import MethodView

from service.api.auth import current_actor
from service.api.blueprint import Blueprint
from service.api.schemas.overview import GoalHistorySchema, OverviewQuerySchema, OverviewSchema
from service.domain import goals
from service.domain.overview import OverviewFilters, goal_history, overview

blp = Blueprint("overview", __name__, url_prefix="/api/v1", description="Overview")


@blp.route("/overview")
class Overview(MethodView):
    @blp.arguments(OverviewQuerySchema(), location="query")
    @blp.response(200, OverviewSchema)
    def get(self, args: dict) -> dict:
        """Per institution and plan: each goal's current status for the period, counts per
        status, open findings, and whether the report is received, late or missing."""
        return overview(current_actor(), OverviewFilters(**args))


@blp.route("/goals/<int:goal_id>/history")
class GoalHistory(MethodView):
    @blp.response(200, GoalHistorySchema(many=True))
    @blp.problems(404)
    def get(self, goal_id: int) -> list[dict]:
        """The goal's reported status, period by period."""
        return goal_history(goals.get_goal(current_actor(), goal_id))

"""/overview and /goals/{id}/history: status across a ministry, and one goal over time."""

from __future__ import annotations

from flask.views import MethodView

from service.api.auth import current_actor
from service.api.blueprint import Blueprint
from service.api.schemas.overview import GoalHistorySchema, OverviewQuerySchema, OverviewSchema
from service.domain import goals
from service.domain.history import indicator_history
from service.domain.overview import OverviewFilters, overview

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
    @blp.response(200, GoalHistorySchema)
    @blp.problems(404)
    def get(self, goal_id: int) -> dict:
        """The goal's indicator (unit, baseline, target, direction, deadline, the expected
        path) and its measured values period by period, across the earlier plans of the
        institution it continues (the same code, or the goal named as ``previous_goal``);
        ``reports``: its reported status in its own plan."""
        return indicator_history(goals.get_goal(current_actor(), goal_id))

"""/goals/{id}/change-requests, /plans/{id}/change-requests and /change-requests: changes
to approved plans' goals, proposed and decided (DESIGN section 13)."""

from __future__ import annotations

from flask.views import MethodView

from service.api.auth import current_actor
from service.api.blueprint import Blueprint
from service.api.schemas.changes import (
    ChangeRequestQuerySchema,
    ChangeRequestSchema,
    DecisionSubmitSchema,
    GoalChangeRequestSubmitSchema,
    NewGoalRequestSubmitSchema,
)
from service.domain import changes, goals, plans
from service.domain.models import ChangeRequest

blp = Blueprint("changes", __name__, url_prefix="/api/v1",
                description="Change requests to approved plans")


@blp.route("/goals/<int:goal_id>/change-requests")
class GoalChangeRequests(MethodView):
    @blp.arguments(GoalChangeRequestSubmitSchema())
    @blp.response(201, ChangeRequestSchema)
    @blp.problems(403, 404, 409)
    def post(self, data: dict, goal_id: int) -> ChangeRequest:
        """Propose a change to a goal of an approved plan (`changes`: what `PATCH
        /goals/{id}` takes, or `{"withdraw": true}`), with a `reason`. A politically fixed
        goal's target or success criterion → 409; a plan that is not approved → 409."""
        actor = current_actor()
        return changes.request_goal_change(actor, goals.get_goal(actor, goal_id), data)


@blp.route("/plans/<int:plan_id>/change-requests")
class PlanChangeRequests(MethodView):
    @blp.arguments(NewGoalRequestSubmitSchema())
    @blp.response(201, ChangeRequestSchema)
    @blp.problems(403, 404, 409)
    def post(self, data: dict, plan_id: int) -> ChangeRequest:
        """Propose a new goal for an approved plan (`goal`: what `POST /plans/{id}/goals`
        takes), with a `reason`."""
        actor = current_actor()
        return changes.request_new_goal(actor, plans.get_plan(actor, plan_id), data)


@blp.route("/change-requests")
class ChangeRequests(MethodView):
    @blp.arguments(ChangeRequestQuerySchema(), location="query")
    @blp.response(200, ChangeRequestSchema(many=True))
    @blp.paginate()
    def get(self, args: dict, pagination_parameters):
        """Change requests the caller can see, newest first; filter by status, plan id and
        institution. A department's direct edits of approved plans are here too, approved
        (`direct`: true)."""
        page = changes.list_change_requests(
            current_actor(), changes.ChangeFilters(**args),
            pagination_parameters.page, pagination_parameters.page_size)
        pagination_parameters.item_count = page.total
        return page.items


@blp.route("/change-requests/<int:request_id>")
class ChangeRequestById(MethodView):
    @blp.response(200, ChangeRequestSchema)
    @blp.problems(404)
    def get(self, request_id: int) -> ChangeRequest:
        """One change request."""
        return changes.get_change_request(current_actor(), request_id)


@blp.route("/change-requests/<int:request_id>/approve")
class ChangeRequestApproval(MethodView):
    @blp.arguments(DecisionSubmitSchema())
    @blp.response(200, ChangeRequestSchema)
    @blp.problems(403, 404, 409)
    def post(self, data: dict, request_id: int) -> ChangeRequest:
        """Approve (department or admin): the change is applied as a direct edit would be
        (validated the same way) and audited with the request's reason. A request already
        decided → 409."""
        return changes.approve(current_actor(), request_id, data)


@blp.route("/change-requests/<int:request_id>/reject")
class ChangeRequestRejection(MethodView):
    @blp.arguments(DecisionSubmitSchema())
    @blp.response(200, ChangeRequestSchema)
    @blp.problems(403, 404, 409)
    def post(self, data: dict, request_id: int) -> ChangeRequest:
        """Reject (department or admin) with a `comment` saying why (required). A request
        already decided → 409."""
        return changes.reject(current_actor(), request_id, data)

"""/plans/{id}/followups and /followups/{id}: follow-up reports."""

from __future__ import annotations

from flask import current_app
from flask.views import MethodView

from service.api.auth import current_actor
from service.api.blueprint import Blueprint
from service.api.schemas.conversation import ConversationQuerySchema, ConversationSchema
from service.api.schemas.followups import (
    FollowUpQuerySchema,
    FollowUpReviewSubmitSchema,
    FollowUpSchema,
    FollowUpSubmitSchema,
)
from service.domain import conversation, followups, plans, reviews
from service.domain.models import FollowUp, FollowUpReview
from service.mail.review_answers import queue_review_answer

blp = Blueprint("followups", __name__, url_prefix="/api/v1", description="Follow-up reports")


@blp.route("/plans/<int:plan_id>/followups")
class PlanFollowUps(MethodView):
    @blp.arguments(FollowUpQuerySchema(), location="query")
    @blp.response(200, FollowUpSchema(many=True))
    @blp.paginate()
    @blp.problems(404)
    def get(self, args: dict, plan_id: int, pagination_parameters):
        """The plan's reports, newest first: accepted, rejected and superseded ones."""
        actor = current_actor()
        plan = plans.get_plan(actor, plan_id)
        page = followups.list_followups(
            actor, plan, page=pagination_parameters.page,
            page_size=pagination_parameters.page_size, **args,
        )
        pagination_parameters.item_count = page.total
        return page.items

    @blp.arguments(FollowUpSubmitSchema())
    @blp.response(201, FollowUpSchema)
    @blp.problems(403, 404, 409)
    def post(self, data: dict, plan_id: int) -> FollowUp:
        """Submit a report for a period: stored `accepted` (warnings allowed) or `rejected`
        (error findings; kept, but never the plan's current status)."""
        actor = current_actor()
        plan = plans.get_plan(actor, plan_id, with_goals=True)
        return followups.submit_followup(actor, plan, data)


@blp.route("/plans/<int:plan_id>/conversation")
class PlanConversation(MethodView):
    @blp.arguments(ConversationQuerySchema(), location="query")
    @blp.response(200, ConversationSchema)
    @blp.problems(404)
    def get(self, args: dict, plan_id: int) -> dict:
        """The plan's conversation per period, in order: each report the institution sent
        (superseded and rejected ones too; after the first, a `resubmission`) with channel
        and time, and each answer of the department with decision, comments, who and when.
        `?period=` for one period (unknown: 422 naming `period`)."""
        plan = plans.get_plan(current_actor(), plan_id)
        return {"plan": plan.reference,
                "periods": conversation.conversation(plan, args.get("period"))}


@blp.route("/followups/<int:followup_id>")
class FollowUpById(MethodView):
    @blp.response(200, FollowUpSchema)
    @blp.problems(404)
    def get(self, followup_id: int) -> FollowUp:
        """One report with its rows and findings."""
        return followups.get_followup(current_actor(), followup_id)


@blp.route("/followups/<int:followup_id>/review")
class FollowUpReviewView(MethodView):
    @blp.arguments(FollowUpReviewSubmitSchema())
    @blp.response(200, FollowUpSchema)
    @blp.problems(403, 404, 409)
    def post(self, data: dict, followup_id: int) -> FollowUp:
        """The department's answer (department of the plan's ministry, or admin):
        `acknowledged`, or `returned` with a `comment` saying what must change; a comment per
        goal of the report. The institution gets it by mail (stored now, sent by the next
        mail run). A second review replaces the first as the answer (both audited); a
        superseded report → 409."""
        config = current_app.config

        def answer(followup: FollowUp, review: FollowUpReview) -> None:
            queue_review_answer(followup, review, config)

        return reviews.review_followup(current_actor(), followup_id, data, answer)

"""The department's answer to a follow-up from the plan's page (DESIGN section 14): an
overall comment, a comment per goal, and one of two buttons, acknowledge or return. The same
rules, audit and mail as ``POST /api/v1/followups/{id}/review``; a form with errors is shown
again on the plan's page with the error summary."""

from __future__ import annotations

from flask import current_app, flash, redirect, request, url_for
from werkzeug.wrappers import Response

from service.domain import followups, reviews
from service.domain.errors import Conflict, Invalid
from service.domain.models import FollowUp, FollowUpReview
from service.mail.review_answers import queue_review_answer
from service.vocabulary import has_control_characters
from service.web import bp
from service.web.auth import current_actor
from service.web.views import plan_page

COMMENT_MAX = 10000

DONE = {
    "acknowledged": "Departementet har kvitteret for opfølgningen. Institutionen får svaret "
                    "med mail.",
    "returned": "Opfølgningen er sendt tilbage til institutionen. Institutionen får svaret "
                "med mail og kan sende en ny opfølgning.",
}


def field_id(followup_id: int, name: str) -> str:
    """The id of a field of the review form of ``followup_id`` (``comment``, ``goal-M1``)."""
    return f"review-{followup_id}-{name}"


def _check(text: str, what: str) -> str | None:
    if len(text) > COMMENT_MAX:
        return f"{what} må højst være 10.000 tegn."
    if has_control_characters(text, multiline=True):
        return f"{what} må kun indeholde tekst, tabulatorer og linjeskift, ikke styretegn."
    return None


@bp.post("/plans/<int:plan_id>/followups/<int:followup_id>/review")
def followup_review(plan_id: int, followup_id: int) -> Response | tuple[str, int]:
    actor = current_actor()
    followup = followups.get_followup(actor, followup_id)  # NotFound: the 404 page
    if followup.plan_id != plan_id:
        return redirect(url_for("web.plan", plan_id=followup.plan_id))
    decision = request.form.get("decision") or ""
    comment = (request.form.get("comment") or "").strip()
    goals = [{"goal": row.goal_code,
              "comment": (request.form.get(f"goal-{row.goal_code}") or "").strip()}
             for row in followup.goals]
    errors: dict[str, str] = {}
    if problem := _check(comment, "Kommentaren"):
        errors[field_id(followup.id, "comment")] = problem
    for item in goals:
        if problem := _check(item["comment"], f"Kommentaren til {item['goal']}"):
            errors[field_id(followup.id, f"goal-{item['goal']}")] = problem
    if not errors:
        config = current_app.config

        def answer(found: FollowUp, review: FollowUpReview) -> None:
            queue_review_answer(found, review, config)

        try:
            reviews.review_followup(actor, followup.id, {
                "decision": decision, "comment": comment,
                "goals": [g for g in goals if g["comment"]]}, answer)
        except Conflict as error:  # superseded meanwhile
            flash(error.message, "error")
            return _back(followup)
        except Invalid as error:
            name = "decision" if error.field == "decision" else "comment"
            errors[field_id(followup.id, name)] = error.message
        else:
            flash(DONE[decision], "info")
            return _back(followup)
    form = {"followup": followup.id, "period": followup.period, "comment": comment,
            "goals": {g["goal"]: g["comment"] for g in goals}, "errors": errors}
    return plan_page(plan_id, review=form), 422


def _back(followup: FollowUp) -> Response:
    return redirect(url_for("web.plan", plan_id=followup.plan_id, period=followup.period)
                    + f"#followup-{followup.id}")

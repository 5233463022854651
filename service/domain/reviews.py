"""The department's answer to a follow-up (DESIGN section 14): it acknowledges the report or
returns it with what must change, with an overall comment and a comment per goal.

Who: the department of the plan's ministry, or an admin (an institution: 403; another
ministry's follow-up: 404). What: a current report, accepted or rejected (a superseded one:
409, the newer report is the one to answer). A second review of the same report replaces
the first as its answer; both are kept and audited. The answer goes to the institution by
mail: ``answer`` (from the edge, which knows the mail settings) stores that mail in the
review's own transaction, and the next mail run sends it."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from sqlalchemy import select

from service.domain import audit
from service.domain.actors import Actor
from service.domain.common import commit, locked, require
from service.domain.errors import Conflict, Invalid, NotFound
from service.domain.followups import get_followup
from service.domain.models import FollowUp, FollowUpReview
from service.domain.models.reviews import DECISIONS, RETURNED
from service.extensions import db
from service.vocabulary import REVIEW_DECISION_WORDS, capitalised

#: the decisions as a person reads them, as they start a line: the glossary's words
DECISION_WORDS = capitalised(REVIEW_DECISION_WORDS)

#: stores the mail with the answer (called after the review is flushed, before the commit)
Answer = Callable[[FollowUp, FollowUpReview], object]


def _text(value: object) -> str:
    return str(value or "").strip()


def _goal_comments(followup: FollowUp, goals: Sequence[dict[str, Any]]) -> list[dict[str, str]]:
    """The per-goal comments in the follow-up's goal order, named by its codes; a code not in
    the follow-up (or named twice) is refused naming ``goals.<n>.goal``; empty comments are
    left out."""
    codes = {row.goal_code.strip().upper(): row.goal_code for row in followup.goals}
    given: dict[str, str] = {}
    for index, item in enumerate(goals):
        key = _text(item.get("goal")).upper()
        if key not in codes:
            raise Invalid(f"Målet {_text(item.get('goal'))!r} er ikke med i opfølgningen.",
                          field=f"goals.{index}.goal")
        if codes[key] in given:
            raise Invalid(f"Målet {codes[key]} er nævnt mere end én gang.",
                          field=f"goals.{index}.goal")
        comment = _text(item.get("comment"))
        given[codes[key]] = comment
    order = [row.goal_code for row in followup.goals]
    return [{"goal": code, "comment": given[code]} for code in order
            if given.get(code)]


def check_reviewable(actor: Actor, followup: FollowUp) -> None:
    """Raise unless ``actor`` may review ``followup`` now."""
    require(actor.is_admin or actor.is_department,
            "Kun departementet kan gennemgå en opfølgning.")
    if followup.superseded_by_id is not None:
        raise Conflict("Opfølgningen er erstattet af en nyere opfølgning for samme periode; "
                       "gennemgå den nyere i stedet.", field="followup")


def review_followup(actor: Actor, followup_id: int, data: dict[str, Any],
                    answer: Answer | None = None) -> FollowUp:
    """Record the department's answer; returns the follow-up with it as ``review``."""
    followup = get_followup(actor, followup_id)
    check_reviewable(actor, followup)
    decision = _text(data.get("decision"))
    if decision not in DECISIONS:
        raise Invalid("Vælg enten at kvittere for opfølgningen eller at sende den tilbage.",
                      field="decision")
    comment = _text(data.get("comment"))
    if decision == RETURNED and not comment:
        raise Invalid("Skriv, hvad institutionen skal ændre, når opfølgningen sendes "
                      "tilbage.", field="comment")
    goals = _goal_comments(followup, data.get("goals") or [])
    # one review of a report at a time; superseded meanwhile is checked again under the lock
    if locked(select(FollowUp).where(FollowUp.id == followup.id)) is None:
        raise NotFound("Opfølgningen findes ikke.")
    check_reviewable(actor, followup)
    earlier = followup.review
    review = FollowUpReview(decision=decision, comment=comment or None, goals=goals,
                            reviewed_by=actor.name[:320], reviewed_by_email=actor.email)
    followup.reviews.append(review)
    db.session.flush()
    audit.record(
        actor, plan=followup.plan, entity="followup", entity_id=followup.id, action="review",
        before=_snapshot(earlier) if earlier else None, after=_snapshot(review),
        reason=comment or None,
    )
    if answer is not None:
        answer(followup, review)
    commit()
    return followup


def _snapshot(review: FollowUpReview) -> dict[str, Any]:
    return {"review": review.id, "decision": review.decision, "comment": review.comment,
            "goals": [dict(g) for g in review.goals or []]}

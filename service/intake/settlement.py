"""What the pipeline decided about a message, written to it (:func:`settle`), and whether
its sender gets a mail back (:func:`answered`)."""

from __future__ import annotations

from sqlalchemy.orm.attributes import set_committed_value

from service.clock import utcnow
from service.domain.models import InboundMessage
from service.intake.stages import Outcome, Settlement, nul_free
from service.mail import answers

__all__ = ["answered", "settle"]


def settle(msg: InboundMessage, outcome: Outcome, found: Settlement,
           inserted: bool = False) -> None:
    """Write what was decided to the message, all at once: one UPDATE, flushed with the
    follow-up (a change made earlier would be flushed before it and again here).
    ``inserted``: the follow-up is not in the session but inserted by the caller before the
    flush (``followup_rows.insert_followups``), and has its id: the message names it by id,
    and holds it for the receipt without the session taking it up."""
    if found.facts is not None:
        msg.sender = found.facts.sender
        msg.subject = found.facts.subject
        msg.message_id = found.facts.message_id
    msg.ministry_id = found.owner.ministry_id
    msg.institution_id = found.owner.institution_id
    msg.plan_id = found.owner.plan_id
    if found.followup is not None and inserted:
        msg.followup_id = found.followup.id
        set_committed_value(msg, "followup", found.followup)
    elif found.followup is not None:
        msg.followup = found.followup
    msg.attempts += 1
    msg.state = outcome.state
    msg.reason = outcome.reason
    msg.detail = nul_free(outcome.detail)
    msg.processed_at = utcnow()
    msg.receipt_state = "pending" if answered(outcome, found) else "none"


def answered(outcome: Outcome, found: Settlement) -> bool:
    """Whether the sender gets a mail back: a receipt for every report, an answer for a
    quarantined mail from a registered, authenticated address that names what was missing
    (``service.mail.answers``); never for unknown senders (no backscatter)."""
    if outcome.state in {"accepted", "rejected"}:
        return True
    return (outcome.state == "quarantined" and answers.answered(outcome.reason)
            and found.owner.institution_id is not None)

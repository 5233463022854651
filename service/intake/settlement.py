"""What the pipeline decided about a message, written to it (:func:`settle`, or for a batch
:func:`write_settled`), and whether its sender gets a mail back (:func:`answered`)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy.orm.attributes import set_committed_value

from service.clock import utcnow
from service.domain.models import InboundMessage
from service.domain.rows import update_rows
from service.intake.stages import Outcome, Settlement, nul_free
from service.mail import answers

__all__ = ["answered", "settle", "write_settled"]

#: a message and what is written to it, as :func:`settle` leaves it for :func:`write_settled`
Settled = tuple[InboundMessage, dict[str, Any], Settlement]


def settle(msg: InboundMessage, outcome: Outcome, found: Settlement,
           into: list[Settled] | None = None) -> None:
    """Write what was decided to the message, all at once: one UPDATE, flushed with the
    follow-up (a change made earlier would be flushed before it and again here).
    ``into``: the follow-up is not in the session but inserted by the caller before
    (``followup_rows.insert_followups``), and has its id; what the message is to hold is
    appended to ``into`` instead, for :func:`write_settled` to write with the batch's."""
    values = _values(msg, outcome, found)
    if into is not None:
        values["followup_id"] = (found.followup.id if found.followup is not None
                                 else msg.followup_id)
        into.append((msg, values, found))
        return
    for key, value in values.items():
        setattr(msg, key, value)
    if found.followup is not None:
        msg.followup = found.followup


def write_settled(settled: list[Settled]) -> Callable[[], None]:
    """Write the batch's messages as :func:`settle` left them in ``into``: one UPDATE for
    them all (``rows.update_rows``), each message holding its follow-up for the receipt
    without the session taking it up. Returns what puts the messages back as they were, for
    when the caller's savepoint is rolled back (the session did not see the change, so it
    would not undo it)."""
    undo_rows = update_rows(InboundMessage, [(msg, values) for msg, values, _ in settled])
    for msg, _changes, found in settled:
        if found.followup is not None:
            set_committed_value(msg, "followup", found.followup)

    def undo() -> None:
        undo_rows()
        for msg, _changes, found in settled:
            if found.followup is not None:
                msg.__dict__.pop("followup", None)  # loaded again by its id when asked

    return undo


def _values(msg: InboundMessage, outcome: Outcome, found: Settlement) -> dict[str, Any]:
    """The columns a decision writes to the message, every one of them (those it leaves
    as they were, with their values)."""
    facts = found.facts
    return {
        "sender": facts.sender if facts is not None else msg.sender,
        "subject": facts.subject if facts is not None else msg.subject,
        "message_id": facts.message_id if facts is not None else msg.message_id,
        "ministry_id": found.owner.ministry_id,
        "institution_id": found.owner.institution_id,
        "plan_id": found.owner.plan_id,
        "attempts": msg.attempts + 1,
        "state": outcome.state,
        "reason": outcome.reason,
        "detail": nul_free(outcome.detail),
        "processed_at": utcnow(),
        "receipt_state": "pending" if answered(outcome, found) else "none",
    }


def answered(outcome: Outcome, found: Settlement) -> bool:
    """Whether the sender gets a mail back: a receipt for every report, an answer for a
    quarantined mail from a registered, authenticated address that names what was missing
    (``service.mail.answers``); never for unknown senders (no backscatter)."""
    if outcome.state in {"accepted", "rejected"}:
        return True
    return (outcome.state == "quarantined" and answers.answered(outcome.reason)
            and found.owner.institution_id is not None)

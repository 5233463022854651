"""The department's answer to a follow-up, by mail to the institution (DESIGN sections 11
and 14): composed in Danish when the review is recorded and stored as an
:class:`OutboundMessage` of kind ``review_answer`` in the review's own transaction (one per
review: key ``review_answer:<follow-up id>:<review id>``), then sent at most once by the
next ``mrp intake poll`` or ``mrp reminders send`` run (:func:`send_review_answers`),
claimed first like every stored mail. A mail the server could not take waits for a later
run."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from email.utils import make_msgid
from typing import Any

from sqlalchemy import select

from service.domain.models import FollowUp, FollowUpReview, OutboundMessage
from service.domain.models.outbound import REVIEW_ANSWER
from service.domain.models.reviews import RETURNED
from service.extensions import db
from service.mail.headers import clean_address
from service.mail.queue import claim, record_failed, record_sent, release, stored_reply
from service.mail.receipts import help_lines, reply_wire
from service.mail.settings import contact, intake_address
from service.mail.smtp import Connection, SmtpError, SmtpSettings, SmtpUnavailable
from service.vocabulary import date_words, parse_period, period_words

log = logging.getLogger("mrp.mail")

#: a review answer the server refused this many times is not tried again
MAX_ATTEMPTS = 5


def recipients(followup: FollowUp) -> list[str]:
    """Whom the answer goes to: the sender of a report that came by mail, else the
    institution's reporting addresses."""
    if followup.inbound_message_id is not None:
        sender = clean_address(followup.submitted_by or "")
        if sender:
            return [sender]
    return sorted(a.address for a in followup.plan.institution.addresses)


def _period(followup: FollowUp) -> str:
    parsed = parse_period(followup.period)
    return period_words(parsed) if parsed else followup.period


def answer_subject(followup: FollowUp, review: FollowUpReview) -> str:
    what = "sendt tilbage" if review.decision == RETURNED else "kvitteret"
    return (f"Opfølgning [{followup.plan.reference}] {_period(followup)}: "
            f"departementets svar – {what}")


def answer_text(followup: FollowUp, review: FollowUpReview, *, intake: str = "",
                person: str = "") -> str:
    """The answer as the institution reads it."""
    plan = followup.plan
    lines = [
        f"Til {plan.institution.name}",
        "",
        f'Departementet har gennemgået jeres opfølgning på mål- og resultatplanen '
        f'"{plan.title}" ({plan.reference}) for {_period(followup)}, modtaget '
        f"{date_words(followup.received_at.date())}.",
        "",
    ]
    if review.decision == RETURNED:
        lines += ["Departementet sender opfølgningen tilbage. Ret den som beskrevet nedenfor, "
                  "og send en ny opfølgning for perioden.", ""]
    else:
        lines += ["Departementet kvitterer for opfølgningen.", ""]
    if review.comment:
        lines += ["Departementets kommentar:", review.comment, ""]
    if review.goals:
        lines.append("Kommentarer til de enkelte mål:")
        lines += [f"- {g['goal']}: {g['comment']}" for g in review.goals]
        lines.append("")
    lines += [f"Gennemgået af {review.reviewed_by}, {date_words(review.reviewed_at.date())}.",
              ""]
    if review.decision == RETURNED:
        lines += help_lines(intake, person)
    elif person:
        lines += [f"Har I spørgsmål, så skriv til {person}.", ""]
    lines += ["Med venlig hilsen", "mrp — mål- og resultatplaner", "",
              "Denne mail er sendt automatisk."]
    return "\n".join(lines) + "\n"


def queue_review_answer(followup: FollowUp, review: FollowUpReview,
                        config: Mapping[str, Any]) -> OutboundMessage | None:
    """Add the answer to ``review`` to the session (the review's transaction commits it);
    None when the institution has no address to send it to."""
    to = recipients(followup)
    ours = clean_address(config.get("MAIL_FROM") or "")
    if not to or ours is None:
        log.warning("review answer for follow-up %s not queued: no address", followup.id)
        return None
    row = OutboundMessage(
        key=f"{REVIEW_ANSWER}:{followup.id}:{review.id}", kind=REVIEW_ANSWER,
        to=", ".join(to), subject=answer_subject(followup, review),
        text=answer_text(followup, review, intake=intake_address(config),
                         person=contact(config)),
        message_id=make_msgid(domain=ours.rpartition("@")[2] or "localhost"),
        plan_id=followup.plan_id, period=followup.period, attempts=0, refused_recipients=[],
    )
    db.session.add(row)
    return row


def send_review_answers(smtp: SmtpSettings, mail_from: str,
                        limit: int = 500) -> dict[str, int]:
    """Send the stored review answers not sent yet, over one SMTP session; returns counts of
    sent, failed and waiting. The server unreachable: the run stops and every answer waits,
    counting no attempt."""
    counts = {"sent": 0, "failed": 0, "waiting": 0}
    rows = list(db.session.scalars(
        select(OutboundMessage)
        .where(OutboundMessage.kind == REVIEW_ANSWER, OutboundMessage.sent_at.is_(None),
               OutboundMessage.attempts < MAX_ATTEMPTS)
        .order_by(OutboundMessage.id).limit(limit)))
    if not rows:
        return counts
    with Connection(smtp) as connection:
        for index, row in enumerate(rows):
            if not claim(row):  # another run sends it
                continue
            try:
                refused = connection.send(reply_wire(stored_reply(row), mail_from))
            except SmtpUnavailable as error:
                release(row, str(error))
                db.session.commit()
                counts["waiting"] = len(rows) - index
                log.warning("review answers not sent (%s); %d retried next run", error,
                            counts["waiting"])
                break
            except (SmtpError, OSError, ValueError) as error:
                record_failed(row, str(error))
                counts["failed"] += 1
                log.warning("review answer %s not sent (%s)", row.key, error)
            else:
                record_sent(row, refused)
                counts["sent"] += 1
                log.info("review answer %s sent to %s", row.key, row.to)
            db.session.commit()
    return counts

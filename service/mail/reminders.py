"""Reminder mails: written in Danish for a due reminder (plan, period, due date, how to
reply) with the follow-up template filled in for the plan and period attached, and sent; the
department's reminder of a report it has not reviewed is
:mod:`service.mail.review_reminders`'s. Which
reminders are due, and the claim that sends each at most once, are
:mod:`service.domain.reminders`'s."""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from email.message import EmailMessage

from flask import current_app
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from service.domain.models import Goal, Institution, OutboundMessage, Plan
from service.domain.reminders import OVERDUE, REVIEW, DueReminder, claim, record_sent, release
from service.exports.template import followup_template
from service.extensions import db
from service.mail import queue
from service.mail.automatic import Attachment, automatic_mail
from service.mail.queue import queued_reminder, record_failed
from service.mail.review_reminders import build_review_reminder
from service.mail.settings import smtp
from service.mail.smtp import send
from service.vocabulary import Period, date_words, period_words

log = logging.getLogger(__name__)

XLSX = ("application", "vnd.openxmlformats-officedocument.spreadsheetml.sheet")


@dataclass
class Outcome:
    plan: str
    period: str
    kind: str
    state: str  # sent | failed | skipped | planned (dry run)
    recipients: list[str] = field(default_factory=list)
    detail: str | None = None
    #: addresses the mail server refused while it took the reminder for the others
    refused: list[str] = field(default_factory=list)


# -- the mail -------------------------------------------------------------------------------


def reminder_subject(plan: str, period: Period, kind: str, due: date) -> str:
    if kind == OVERDUE:
        return (f"Rykker: opfølgning [{plan}] {period_words(period)} – fristen var "
                f"{date_words(due)}")
    return f"Påmindelse: opfølgning [{plan}] {period_words(period)} – frist {date_words(due)}"


def reminder_text(
    *, plan: Plan, period: Period, kind: str, due: date, filename: str,
    recipients: Sequence[str], reply_to: str, rejected: int = 0,
) -> str:
    when = period_words(period)
    what = (f'opfølgningen på mål- og resultatplanen "{plan.title}" ({plan.reference}) '
            f"for {when}")
    if kind == OVERDUE:
        opening = [
            f"Vi har endnu ikke modtaget {what}.",
            "",
            f"Fristen var {date_words(due, weekday=True)}. Send venligst opfølgningen "
            "hurtigst muligt.",
        ]
    else:
        opening = [
            f"Dette er en påmindelse om {what}.",
            "",
            f"Fristen er {date_words(due, weekday=True)}.",
        ]
    if rejected:
        opening += [
            "",
            "Vi har modtaget en opfølgning for perioden, men den blev afvist. Kvitteringen "
            "for den forklarer hvorfor. Send en rettet opfølgning.",
        ]
    return "\n".join([
        f"Til {plan.institution.name}",
        "",
        *opening,
        "",
        "Sådan svarer I:",
        f"1. Åbn det vedhæftede skema ({filename}). Planreference og periode er udfyldt.",
        "2. Udfyld status, målt værdi, fremdrift og eventuel kommentar for hvert mål. "
        "Status vælges på listen (fx På rette spor, Udfordret, Opfyldt).",
        f"3. Send skemaet som svar på denne mail (til {reply_to}) fra en af institutionens "
        f"indberetningsadresser: {', '.join(recipients)}. Behold [{plan.reference}] og "
        f"{period_words(period)} i emnefeltet.",
        "",
        "I får en kvittering, når opfølgningen er modtaget og kontrolleret.",
        "",
        "Venlig hilsen",
        "Mål- og resultatplaner (mrp)",
        "",
        "Denne mail er sendt automatisk.",
        "",
    ])


def build_reminder(
    *, plan: Plan, item: DueReminder, filename: str, attachment: bytes, mail_from: str,
    reply_to: str = "", now: datetime | None = None, stored: OutboundMessage | None = None,
) -> EmailMessage:
    """The reminder mail; with ``stored``, its subject and text as they were stored when it
    was first queued (a reminder a run could not send is sent as it was written)."""
    return automatic_mail(
        mail_from=mail_from, recipients=item.recipients, reply_to=reply_to, now=now,
        stored=stored,
        subject=lambda: reminder_subject(plan.reference, item.period, item.kind, item.due),
        text=lambda: reminder_text(
            plan=plan, period=item.period, kind=item.kind, due=item.due, filename=filename,
            recipients=item.recipients, reply_to=reply_to or mail_from,
            rejected=item.rejected),
        attachment=Attachment(attachment, filename, *XLSX),
    )


def _composer(plan: Plan, item: DueReminder, mail_from: str, reply_to: str, base_url: str
              ) -> Callable[[OutboundMessage | None], EmailMessage]:
    """Writes ``item``'s mail, or (given the stored row) rewrites it as first stored: the
    institution's with the filled-in template attached, the department's with the link."""
    if item.kind == REVIEW:
        return lambda stored: build_review_reminder(
            plan=plan, item=item, mail_from=mail_from, base_url=base_url, stored=stored)
    filename, data = followup_template(plan, str(item.period))
    return lambda stored: build_reminder(
        plan=plan, item=item, filename=filename, attachment=data, mail_from=mail_from,
        reply_to=reply_to, stored=stored)


def send_reminders(due: Sequence[DueReminder], *, dry_run: bool = False) -> list[Outcome]:
    """Send each of the ``due`` reminders (:func:`service.domain.reminders.find_due`) once,
    claimed first. One failure never stops the others; a failed send is not recorded, so the
    next run tries again."""
    config = current_app.config
    settings = smtp(config)
    mail_from, reply_to = config["MAIL_FROM"], config.get("REMINDER_REPLY_TO") or ""
    outcomes = []
    for item in due:
        outcome = Outcome(item.plan, str(item.period), item.kind, "planned",
                          list(item.recipients))
        outcomes.append(outcome)
        if not item.recipients:
            outcome.state = "skipped"
            outcome.detail = ("the ministry has no active department users"
                              if item.kind == REVIEW else
                              "the institution has no reporting addresses")
            continue
        if dry_run:
            continue
        try:
            plan = db.session.scalar(
                select(Plan).where(Plan.id == item.plan_id).options(
                    selectinload(Plan.institution).selectinload(Institution.ministry),
                    selectinload(Plan.goals).selectinload(Goal.indicators))
            )
            if plan is None:
                raise LookupError(f"plan {item.plan} is gone")
            compose = _composer(plan, item, mail_from, reply_to,
                                config.get("WEB_BASE_URL") or "")
            message = compose(None)
            reminder = claim(item)
            row = None
            if reminder is not None:  # stored before it is sent; as first written
                row, fresh = queued_reminder(item, message)
                if not fresh:
                    message = compose(row)
        except Exception as exc:
            db.session.rollback()
            log.exception("reminder for %s %s not prepared", item.plan, item.period)
            outcome.state, outcome.detail = "failed", str(exc) or type(exc).__name__
            continue
        if reminder is None or row is None:
            outcome.state, outcome.detail = "skipped", "already sent by another run"
            continue
        try:
            refused = send(settings, message)
        except Exception as exc:
            log.warning("reminder for %s %s not sent: %s", item.plan, item.period, exc)
            outcome.state, outcome.detail = "failed", str(exc) or type(exc).__name__
            try:
                record_failed(row, outcome.detail)
                db.session.commit()
            except Exception:
                db.session.rollback()
            try:
                release(reminder)
            except Exception:  # the claim stays, and expires
                db.session.rollback()
                log.exception("claim of the reminder for %s %s not released", item.plan,
                              item.period)
            continue
        taken = None
        if refused:  # taken for the other addresses: recorded, so not repeated to them
            taken = [r for r in item.recipients if r not in refused]
            outcome.recipients, outcome.refused = list(taken), refused
            log.warning("reminder for %s %s: the server refused %s", item.plan, item.period,
                        ", ".join(refused))
        try:
            queue.record_sent(row, refused)
            record_sent(reminder, taken)
        except Exception as exc:
            db.session.rollback()
            log.exception("reminder for %s %s sent but not recorded", item.plan, item.period)
            outcome.state = "failed"
            outcome.detail = f"sent, but not recorded (may be sent again): {exc}"
            continue
        outcome.state = "sent"
    return outcomes

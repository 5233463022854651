"""The reminder to the department of a report it has not reviewed (kind ``review`` of
:mod:`service.domain.reminders`): written in Danish, to the department's people of the
plan's ministry, with the link to the report on the plan's page, where it is answered. Sent
by :func:`service.mail.reminders.send_reminders`, claimed first, at most once per plan,
period and kind like the institutions' reminders."""

from __future__ import annotations

from datetime import datetime
from email.message import EmailMessage
from urllib.parse import quote

from service.domain.models import OutboundMessage, Plan
from service.domain.reminders import DueReminder
from service.mail.automatic import automatic_mail
from service.vocabulary import TERMS, Period, date_words, period_words


def review_link(base_url: str, item: DueReminder) -> str:
    """The report on the plan's page (its answer form is there): absolute with
    ``MRP_WEB_BASE_URL``, else the path."""
    path = (f"/plans/{item.plan_id}?period={quote(str(item.period))}"
            f"#followup-{item.followup_id}")
    return base_url.rstrip("/") + path if base_url else path


def review_reminder_subject(plan: str, period: Period) -> str:
    return (f"{TERMS['reminder'].heading}: opfølgning [{plan}] {period_words(period)} venter "
            f"på {TERMS['department'].definite}s {TERMS['review'].word}")


def review_reminder_text(*, plan: Plan, item: DueReminder, link: str) -> str:
    when = period_words(item.period)
    received = date_words(item.received) if item.received else "–"
    return "\n".join([
        f"Til {TERMS['department'].definite} for {plan.institution.ministry.name}",
        "",
        f"{plan.institution.name} har sendt opfølgningen på mål- og resultatplanen "
        f'"{plan.title}" ({plan.reference}) for {when}. Den blev modtaget {received} og er '
        "endnu ikke gennemgået.",
        "",
        "Gennemgå opfølgningen på planens side:",
        link,
        "",
        "Kvittér for opfølgningen, eller send den tilbage til institutionen med en kommentar "
        "om, hvad der skal ændres. Institutionen får svaret med mail.",
        "",
        f"I får kun denne {TERMS['reminder'].word} én gang for planen og perioden.",
        "",
        "Venlig hilsen",
        "Mål- og resultatplaner (mrp)",
        "",
        "Denne mail er sendt automatisk.",
        "",
    ])


def build_review_reminder(
    *, plan: Plan, item: DueReminder, mail_from: str, base_url: str = "",
    now: datetime | None = None, stored: OutboundMessage | None = None,
) -> EmailMessage:
    """The mail; with ``stored``, its subject and text as first stored."""
    return automatic_mail(
        mail_from=mail_from, recipients=item.recipients, now=now, stored=stored,
        subject=lambda: review_reminder_subject(plan.reference, item.period),
        text=lambda: review_reminder_text(plan=plan, item=item,
                                          link=review_link(base_url, item)),
    )

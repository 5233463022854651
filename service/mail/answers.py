"""Answers to quarantined mail: a short Danish reply, saying what was missing and what to
do, to a mail from a registered reporting address that passed sender authentication but
could not be registered (no report attached, no plan reference or an unknown plan, an
unreadable report). Mail from unknown or unauthenticated senders, auto-replies, bounces and
our own mail never gets one (no backscatter): the pipeline decides which are due."""

from __future__ import annotations

from service.mail.headers import clean_subject
from service.mail.receipts import OriginalMail, Reply, compose_reply, help_lines

SUBJECT_PREFIX = "Ikke registreret: "

#: the quarantine reasons that are answered, and what the answer says was missing
MISSING = {
    "no_report": (
        "Mailen havde ingen rapport vedhæftet, som vi kunne læse.",
        "Vedhæft det udfyldte opfølgningsskema (Excel, CSV eller JSON) og send mailen igen.",
    ),
    "unknown_plan": (
        "Vi kunne ikke se, hvilken mål- og resultatplan rapporten gælder: planreferencen "
        "mangler eller findes ikke.",
        "Skriv planreferencen i skemaet eller i emnefeltet i skarpe klammer, fx "
        "[DST-2026], og send rapporten igen.",
    ),
    "unreadable_report": (
        "Den vedhæftede rapport kunne ikke læses.",
        "Brug opfølgningsskemaet, som det blev sendt til jer (Excel, CSV eller JSON), og "
        "send rapporten igen.",
    ),
    "parse_budget_exceeded": (
        "Mailen var for tung at læse: den vedhæftede rapport havde for mange rækker eller "
        "celler, eller mailen var videresendt i for mange lag.",
        "Send det udfyldte opfølgningsskema alene, vedhæftet direkte i en ny mail (ikke "
        "videresendt), og send rapporten igen.",
    ),
}


def answered(reason: str | None) -> bool:
    """Whether a quarantined mail from a registered, authenticated sender with ``reason``
    gets an answer."""
    return reason in MISSING


def answer_subject(subject: object) -> str:
    return SUBJECT_PREFIX + (clean_subject(subject) or "opfølgning")


def answer_text(reason: str, *, intake_address: str = "", contact: str = "") -> str:
    """The answer's body, in Danish."""
    missing, todo = MISSING[reason]
    lines = [
        "Kære modtager,",
        "",
        "Vi har modtaget jeres mail, men den er ikke registreret som en opfølgning.",
        "",
        missing,
        todo,
        "",
        *help_lines(intake_address, contact),
        "Med venlig hilsen",
        "mrp — mål- og resultatplaner",
        "",
        "Dette svar er sendt automatisk. Svar venligst ikke på det.",
    ]
    return "\n".join(lines) + "\n"


def compose_answer(*, original: OriginalMail, mail_from: str, reason: str,
                   intake_address: str = "", contact: str = "") -> Reply:
    """The answer to a quarantined mail, composed to be stored and sent."""
    text = answer_text(reason, intake_address=intake_address, contact=contact)
    return compose_reply(original, mail_from, answer_subject(original.subject), text)

"""A message whose processing failed for an internal reason (an exception in the pipeline, or
data the database refuses): what can still be read of it, and a Danish explanation.

Such a message is quarantined alone and keeps what was learned of it before it failed (its
sender, subject and Message-ID, who it belongs to); when the mail could not even be parsed,
its headers are read here as plainly as can be, so a person still sees who sent what."""

from __future__ import annotations

from collections.abc import Callable
from email.header import decode_header, make_header
from email.parser import BytesHeaderParser
from email.policy import compat32
from email.utils import parseaddr

from sqlalchemy.exc import SQLAlchemyError

from service.intake.stages import MailFacts

#: reason codes of a failure
INTERNAL_ERROR = "internal_error"
#: the database refused data of the message (the reason code mail with unstorable data had)
REFUSED = "unreadable_report"

#: how far a message had got when it failed (``Reading.stage``, see ``stages``), in Danish
FAILED_AT = {
    "mail": "da mailen blev læst",
    "sender": "da afsenderen blev kontrolleret",
    "report": "da rapporten blev læst",
    "record": "da opfølgningen blev registreret",
    "store": "da beskedens udfald blev gemt",
}

def _plain(value: str, limit: int | None) -> str | None:
    """One line of text a database stores: raw 8-bit bytes (kept as surrogates) that are
    not UTF-8 become U+FFFD, NUL characters go."""
    value = value.encode("utf-8", "surrogateescape").decode("utf-8", "replace")
    text = " ".join(value.replace("\x00", "").split())
    return (text[:limit] if limit else text) or None


def headers_of(raw: bytes) -> MailFacts:
    """The sender (the address, lower case), subject and Message-ID of a raw mail, each
    only when it can be read."""
    try:
        headers = BytesHeaderParser(policy=compat32).parsebytes(raw)
    except Exception:  # nothing readable at all: the raw mail is kept all the same
        return MailFacts()

    def read(name: str, limit: int | None, decode: Callable[[str], str]) -> str | None:
        try:
            return _plain(decode(str(headers.get(name) or "")), limit)
        except Exception:  # one unreadable header does not cost the others
            return None

    return MailFacts(
        sender=read("From", 320, lambda value: parseaddr(value)[1].lower()),
        subject=read("Subject", None, lambda value: str(make_header(decode_header(value)))),
        message_id=read("Message-ID", 998, str),
    )


def explain(error: Exception, stage: str) -> tuple[str, str]:
    """The reason code and the Danish explanation of a failure at ``stage``. The
    explanation names the kind of error, never its text (which may hold anything); the
    traceback is in the log, under the message's id."""
    step = FAILED_AT.get(stage, FAILED_AT["store"])
    if isinstance(error, SQLAlchemyError):  # data of this message the database refuses
        cause = type(getattr(error, "orig", None) or error).__name__
        return REFUSED, (
            f"Databasen afviste beskeden: {cause}, {step}. Noget i mailen kunne ikke gemmes, "
            "som det er; fejlen er skrevet i loggen. Genbehandl beskeden, når fejlen er "
            "rettet, eller bed afsenderen sende rapporten igen.")
    return INTERNAL_ERROR, (
        f"Intern fejl {step}: {type(error).__name__}. Fejlen ligger i systemet, ikke hos "
        "afsenderen, og er skrevet i loggen. Genbehandl beskeden, når fejlen er rettet.")

"""Receipts: the Danish answer to a report mail, accepted or rejected (DESIGN section 7).

A receipt is a reply (``In-Reply-To``, ``References``) marked ``Auto-Submitted:
auto-replied``, in plain UTF-8 text: the verdict, what the report said per goal, and every
finding with its goal, its severity and its message, errors first. Nothing taken from the
incoming mail reaches a header unchecked: subjects are decoded, stripped of control
characters and shortened; message ids are kept only when they look like message ids.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from email import policy
from email.message import EmailMessage, Message
from email.utils import format_datetime, make_msgid

from service.mail.headers import (
    CONTROL,
    clean_address,
    clean_subject,
    dedupe,
    first_message_id,
    message_ids,
)
from service.mail.wire import WireMessage, plain_text_mail
from service.vocabulary import SEVERITY_LABELS, STATUS_LABELS, format_number, period_text

SUBJECT_PREFIX = "Kvittering: "
MAX_REFERENCES = 20

_SEVERITY_ORDER = {"error": 0, "warning": 1, "info": 2}
_SEVERITY_HEADINGS = {
    "error": "Fejl, der skal rettes",
    "warning": "Advarsler",
    "info": "Til orientering",
}


@dataclass(frozen=True)
class ReceiptRow:
    """One goal as the report gave it."""

    goal: str
    status: str | None  # code, e.g. "on_track"
    value: float | str | None = None
    progress: float | None = None  # percent
    comment: str | None = None
    #: the status as the report typed it (repeated when it is not a known status)
    status_raw: str | None = None


@dataclass(frozen=True)
class ReceiptFinding:
    """One finding: rule code, severity code, Danish message, and the goal it concerns."""

    rule: str
    severity: str  # "error", "warning" or "info"
    message: str
    goal: str | None = None


@dataclass(frozen=True)
class OriginalMail:
    """What a receipt answers: the report mail's sender, subject and threading headers."""

    sender: str
    subject: str = ""
    message_id: str | None = None
    references: str | None = None

    @classmethod
    def from_message(cls, message: Message) -> OriginalMail:
        """From a parsed mail (any policy): ``Reply-To`` is not used, receipts go to the
        address the report came from."""
        return cls(
            sender=str(message.get("From", "")),
            subject=str(message.get("Subject", "")),
            message_id=_opt(message.get("Message-ID")),
            references=_opt(message.get("References")),
        )


@dataclass(frozen=True)
class Reply:
    """A reply composed once and stored (``OutboundMessage``) before it is sent: whom to,
    its subject, its text, and its threading headers."""

    to: str
    subject: str
    text: str
    message_id: str
    in_reply_to: str | None = None
    references: str | None = None


def compose_reply(original: OriginalMail, mail_from: str, subject: str, text: str) -> Reply:
    """A reply to ``original`` from ``mail_from`` (``MRP_MAIL_FROM``), threaded under its
    Message-ID. Raises ``ValueError`` when the sender or our address is not usable."""
    to = clean_address(original.sender)
    if to is None:
        raise ValueError("the report mail has no usable sender address")
    ours = clean_address(mail_from)
    if ours is None:
        raise ValueError(f"our mail address {mail_from!r} is not usable")
    domain = ours.rpartition("@")[2].rstrip(">") or "localhost"
    parent = first_message_id(original.message_id)
    references = None
    if parent:
        chain = [*message_ids(original.references), parent]
        references = " ".join(dedupe(chain)[-MAX_REFERENCES:])
    return Reply(to=to, subject=subject, text=text, message_id=make_msgid(domain=domain),
                 in_reply_to=parent, references=references)


def _reply_headers(reply: Reply, now: datetime | None) -> list[tuple[str, str]]:
    """A stored reply's headers after From and To, in the order they are written."""
    headers = [("Subject", reply.subject),
               ("Date", format_datetime(now or datetime.now(UTC))),
               ("Message-ID", reply.message_id)]
    if reply.in_reply_to:
        headers += [("In-Reply-To", reply.in_reply_to),
                    ("References", reply.references or reply.in_reply_to)]
    return [*headers, ("Auto-Submitted", "auto-replied"), ("X-Auto-Response-Suppress", "All"),
            ("Content-Language", "da")]


def reply_message(reply: Reply, mail_from: str, now: datetime | None = None) -> EmailMessage:
    """The mail of a stored reply as an :class:`EmailMessage` (what :func:`reply_wire` writes
    when an address is not ASCII)."""
    ours = clean_address(mail_from)
    if ours is None:
        raise ValueError(f"our mail address {mail_from!r} is not usable")
    message = EmailMessage(policy=policy.SMTP)
    message["From"] = ours
    message["To"] = reply.to
    for name, value in _reply_headers(reply, now):
        if name != "Content-Language":
            message[name] = value
    message.set_content(reply.text, charset="utf-8", cte="quoted-printable")
    message["Content-Language"] = "da"
    return message


def reply_wire(reply: Reply, mail_from: str,
               now: datetime | None = None) -> WireMessage | EmailMessage:
    """The mail of a stored reply, ready for :meth:`service.mail.smtp.Connection.send`:
    written directly (:mod:`service.mail.wire`), or as :func:`reply_message` when an address
    is not ASCII."""
    ours = clean_address(mail_from)
    if ours is None:
        raise ValueError(f"our mail address {mail_from!r} is not usable")
    wire = plain_text_mail(ours, reply.to, _reply_headers(reply, now), reply.text)
    return wire if wire is not None else reply_message(reply, mail_from, now)


def build_receipt(
    *,
    original: OriginalMail,
    mail_from: str,
    accepted: bool,
    plan: str | None,
    period: str | None,
    rows: Sequence[ReceiptRow] = (),
    findings: Sequence[ReceiptFinding] = (),
    now: datetime | None = None,
    intake_address: str = "",
    contact: str = "",
) -> EmailMessage:
    """The receipt for one report mail, ready for :func:`service.mail.smtp.send`.

    ``mail_from`` is our address (``MRP_MAIL_FROM``); the reply goes to ``original.sender``.
    Raises ``ValueError`` when the sender has no usable address.
    """
    return reply_message(compose_receipt(
        original=original, mail_from=mail_from, accepted=accepted, plan=plan, period=period,
        rows=rows, findings=findings, intake_address=intake_address, contact=contact,
    ), mail_from, now)


def compose_receipt(
    *,
    original: OriginalMail,
    mail_from: str,
    accepted: bool,
    plan: str | None,
    period: str | None,
    rows: Sequence[ReceiptRow] = (),
    findings: Sequence[ReceiptFinding] = (),
    intake_address: str = "",
    contact: str = "",
) -> Reply:
    """The receipt for one report mail, composed to be stored and sent."""
    text = receipt_text(accepted=accepted, plan=plan, period=period, rows=rows,
                        findings=findings, intake_address=intake_address, contact=contact)
    return compose_reply(original, mail_from, receipt_subject(original.subject), text)


def receipt_text(
    *,
    accepted: bool,
    plan: str | None,
    period: str | None,
    rows: Sequence[ReceiptRow] = (),
    findings: Sequence[ReceiptFinding] = (),
    intake_address: str = "",
    contact: str = "",
) -> str:
    """The receipt's body, in Danish."""
    lines: list[str] = ["Kære modtager,", "",
                        verdict(accepted=accepted, plan=plan, period=period,
                                intake_address=intake_address), ""]

    findings_part = _findings_lines(findings)
    rows_part = _rows_lines(rows, accepted)
    # a rejected report: what to fix comes first
    lines += (rows_part + findings_part) if accepted else (findings_part + rows_part)
    lines += help_lines(intake_address, contact)
    lines += _rules_lines(findings)
    lines += [
        "Med venlig hilsen",
        "mrp — mål- og resultatplaner",
        "",
        "Denne kvittering er sendt automatisk. Svar venligst ikke på den.",
    ]
    return "\n".join(lines) + "\n"


def help_lines(intake_address: str, contact: str) -> list[str]:
    """Where to send a corrected report, and how to reach a person (every receipt and
    answer ends with them)."""
    lines = []
    if intake_address:
        lines.append(f"En rettet rapport sendes til {_line(intake_address)}.")
    if contact:
        lines.append(f"Har I spørgsmål, så skriv til {_line(contact)}.")
    return [*lines, ""] if lines else []


def _findings_lines(findings: Sequence[ReceiptFinding]) -> list[str]:
    if not findings:
        return []
    lines = [findings_count(findings), ""]
    for heading, group in finding_groups(findings):
        lines.append(f"{heading}:")
        for f in group:
            lines.append(f"  - {finding_line(f)}")
        lines.append("")
    return lines


def verdict(*, accepted: bool, plan: str | None, period: str | None,
            intake_address: str = "") -> str:
    """The receipt's first sentence: the report registered, or rejected and to be sent
    again (to ``intake_address`` when given)."""
    what = "Jeres opfølgning"
    if plan:
        what += f" på {_line(plan)}"
    if period:
        what += f" for {_line(period_text(period))}"
    if accepted:
        return f"{what} er modtaget og registreret."
    return (f"{what} er afvist, fordi den indeholder fejl. "
            "Ret fejlene nedenfor og send rapporten igen"
            + (f" til {_line(intake_address)}." if intake_address else "."))


def findings_count(findings: Sequence[ReceiptFinding]) -> str:
    """``Valideringen fandt 1 fejl og 2 advarsler.``"""
    errors = sum(1 for f in findings if f.severity == "error")
    warnings = sum(1 for f in findings if f.severity == "warning")
    noun = "advarsel" if warnings == 1 else "advarsler"
    return f"Valideringen fandt {errors} fejl og {warnings} {noun}."


def finding_groups(findings: Sequence[ReceiptFinding]
                   ) -> list[tuple[str, list[ReceiptFinding]]]:
    """The findings by severity, errors first, each group with the receipt's heading
    (``Fejl, der skal rettes``, ``Advarsler``, ``Til orientering``)."""
    ordered = sorted(findings, key=lambda f: _SEVERITY_ORDER.get(f.severity, 3))
    groups: dict[str, list[ReceiptFinding]] = {}
    for f in ordered:
        key = f.severity if f.severity in _SEVERITY_ORDER else ""
        groups.setdefault(key, []).append(f)
    return [(_SEVERITY_HEADINGS.get(key, "Andre fund"), group) for key, group in groups.items()]


def finding_line(f: ReceiptFinding) -> str:
    """``Mål M2 (advarsel): …`` as the receipt lists a finding."""
    label = SEVERITY_LABELS.get(f.severity, _line(f.severity))
    where = f"Mål {_line(f.goal)}" if f.goal else "Rapporten"
    return f"{where} ({label}): {_line(f.message)}"


RULES_HEADING = "Til teknisk support (reglernes koder):"


def _rules_lines(findings: Sequence[ReceiptFinding]) -> list[str]:
    """The rule codes, for the specialist who asks, apart from the text: one line each, in
    the order the findings stand above."""
    ordered = sorted(findings, key=lambda f: _SEVERITY_ORDER.get(f.severity, 3))
    if not ordered:
        return []
    lines = [RULES_HEADING]
    for f in ordered:
        where = f"Mål {_line(f.goal)}" if f.goal else "Rapporten"
        lines.append(f"  Regel {_line(f.rule)} ({where})")
    return [*lines, ""]


def _rows_lines(rows: Sequence[ReceiptRow], accepted: bool) -> list[str]:
    if not rows:
        return []
    lines = ["Registreret:" if accepted else "Rapportens indhold (ikke registreret):"]
    for row in rows:
        status = status_words(row.status, row.status_raw)
        parts = [f"  - {_line(row.goal)}: {status}"]
        if row.value is not None and row.value != "":
            parts.append(f"målt værdi {_number(row.value)}")
        if row.progress is not None:
            parts.append(f"fremdrift {_number(row.progress)} %")
        lines.append(", ".join(parts))
        if row.comment:
            lines.append(f"      Kommentar: {_line(row.comment)}")
    lines.append("")
    return lines


def status_words(status: str | None, typed: str | None) -> str:
    """A goal's status in Danish; a value that is not a known status is repeated as the
    report typed it, and only a status left empty reads "ingen status"."""
    if status in STATUS_LABELS:
        return STATUS_LABELS[status]
    shown = typed if typed not in (None, "") else status
    if shown in (None, ""):
        return "ingen status"
    return f'"{_line(shown)}" (ikke en kendt status)'


# -- headers from untrusted input ---------------------------------------------------------

_PREFIX = re.compile(r"^\s*(?:kvittering|re|sv|aw)\s*:\s*", re.IGNORECASE)


def receipt_subject(subject: object) -> str:
    """``Kvittering: <original subject>``, without stacking ``Kvittering:``/``Re:``."""
    text = clean_subject(subject)
    while True:
        stripped = _PREFIX.sub("", text, count=1)
        if stripped == text:
            break
        text = stripped
    return SUBJECT_PREFIX + (text or "opfølgning")


def _opt(value: object) -> str | None:
    return None if value is None else str(value)


def _line(text: object) -> str:
    return " ".join(CONTROL.sub(" ", str(text)).split())


def _number(value: float | str) -> str:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return _line(value)
    return format_number(value)

"""What the intake pipeline knows of a mail, stage by stage, as plain typed values.

A stored mail goes through the stages ``mail`` (parsed: :class:`MailFacts`), ``sender``
(who it is from: :class:`Sender`), ``report`` (its report and the plan and period it names:
:class:`Attribution`), ``record`` (its follow-up) and ``store`` (its state written). A
:class:`Reading` holds what the first three learned, so a failure at any stage keeps it; a
:class:`Settlement` is what is written to the message at once, with its :class:`Outcome`.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

from service.domain.inbound import UNATTRIBUTED, Owner, owner_by_sender
from service.domain.models import FollowUp
from service.domain.reportfiles import nul_free, report_nul_free
from service.intake.attachments import Attachment
from service.intake.message import InboundMail
from service.plugins.reports import ParsedReport, ReportParser
from service.vocabulary import parse_period

__all__ = ["Attribution", "Candidate", "Decision", "MailFacts", "Outcome", "Reading", "Sender",
           "Settlement", "nul_free", "report_nul_free"]


@dataclass(frozen=True)
class Outcome:
    """A message's state, with the reason code and the Danish explanation where one is due."""

    state: str
    reason: str | None = None
    detail: str | None = None


@dataclass(frozen=True)
class MailFacts:
    """What a mail says of itself: its sender (address, lower case), subject, Message-ID
    and References. The first three as the message stores them (NUL characters removed,
    cut to their columns); None where the mail does not say."""

    sender: str | None = None
    subject: str | None = None
    message_id: str | None = None
    references: tuple[str, ...] = ()

    @classmethod
    def of(cls, mail: InboundMail) -> MailFacts:
        return cls(
            sender=nul_free(mail.sender or "")[:320] or None,
            subject=nul_free(mail.subject),
            message_id=nul_free(mail.message_id or "")[:998] or None,
            references=mail.references,
        )

    @property
    def complete(self) -> bool:
        return bool(self.sender and self.subject and self.message_id)

    def filled_from(self, other: MailFacts) -> MailFacts:
        """These facts, each one missing (None or empty) taken from ``other``."""
        return MailFacts(
            sender=self.sender or other.sender,
            subject=self.subject or other.subject,
            message_id=self.message_id or other.message_id,
            references=self.references or other.references,
        )


@dataclass(frozen=True)
class Sender:
    """A registered sender: the institutions its address reports for and their ministries
    (in the same order)."""

    institutions: tuple[int, ...]
    ministries: tuple[int, ...]

    @property
    def owner(self) -> Owner:
        """Who the mail belongs to while it names no plan that exists."""
        return owner_by_sender(self.institutions, self.ministries)


@dataclass(frozen=True)
class Candidate:
    """An attachment that may be the report, with the parser chosen for it (None: a format
    we do not read, named to the sender)."""

    attachment: Attachment
    parser: ReportParser | None


@dataclass(frozen=True)
class Attribution:
    """The mail's report, and the plan (reference, upper case) and period it is for: the
    report's own, else what the subject names."""

    report: ParsedReport
    reference: str
    period: str | None

    @cached_property
    def period_name(self) -> str:
        """The period as follow-ups store it (``2026-H1``), or the text as sent."""
        parsed = parse_period(self.period) if self.period else None
        return str(parsed) if parsed else (self.period or "").strip()


@dataclass
class Reading:
    """What one stored mail says, read before the database is asked about its plan: filled
    in stage by stage (``stage`` is how far it got, for a failure's explanation), so what was
    learned stays when a later stage raises. Nothing is written to the message before its
    :class:`Settlement`, so it is flushed once, with its follow-up."""

    facts: MailFacts = MailFacts()
    sender: Sender | None = None
    attribution: Attribution | None = None
    outcome: Outcome | None = None  # decided without a plan (ignored, quarantined, failed)
    stage: str = "mail"
    #: the owner by the plan the subject names, for a sender registered nowhere
    named: Owner | None = None

    @property
    def institutions(self) -> tuple[int, ...]:
        return self.sender.institutions if self.sender else ()

    @property
    def owner(self) -> Owner:
        """Who the mail belongs to as far as that is decided without its plan."""
        if self.sender:
            return self.sender.owner
        return self.named or UNATTRIBUTED

    @property
    def settlement(self) -> Settlement:
        return Settlement(self.facts, self.owner)


@dataclass(frozen=True)
class Settlement:
    """What is written to a message with its outcome, all at once: its facts (None: those
    stored are kept), who it belongs to, and its follow-up when it made one."""

    facts: MailFacts | None
    owner: Owner
    followup: FollowUp | None = None


@dataclass(frozen=True)
class Decision:
    """A decided message: its outcome, and what its mail said (a receipt answers it)."""

    outcome: Outcome
    facts: MailFacts

"""A mail the service sends of itself, not in answer to one (a reminder to an institution,
a review reminder to the department): its headers, marked ``Auto-Submitted:
auto-generated`` (RFC 3834) and ``X-Auto-Response-Suppress: All`` so that no out-of-office
answers it, its text, an attachment where there is one, and ``Content-Language: da``.

Given the stored row of a mail a run could not send, it is written again as it was first
stored: the same subject, text and ``Message-ID``."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from email import policy
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid

from service.domain.models import OutboundMessage


@dataclass(frozen=True)
class Attachment:
    data: bytes
    filename: str
    maintype: str
    subtype: str


def automatic_mail(
    *, mail_from: str, recipients: Sequence[str], subject: Callable[[], str],
    text: Callable[[], str],
    reply_to: str = "", attachment: Attachment | None = None, now: datetime | None = None,
    stored: OutboundMessage | None = None,
) -> EmailMessage:
    """The mail from ``mail_from`` to ``recipients``. ``subject`` and ``text`` write its
    subject and text; with ``stored`` they are not called: the stored ones are sent."""
    message = EmailMessage(policy=policy.SMTP)
    message["From"] = mail_from
    message["To"] = ", ".join(recipients)
    if reply_to:
        message["Reply-To"] = reply_to
    message["Subject"] = stored.subject if stored else subject()
    message["Date"] = format_datetime(now or datetime.now(UTC))
    message["Message-ID"] = (stored.message_id if stored and stored.message_id else
                             make_msgid(domain=mail_from.rpartition("@")[2] or "localhost"))
    message["Auto-Submitted"] = "auto-generated"
    message["X-Auto-Response-Suppress"] = "All"
    message.set_content(stored.text if stored else text(), charset="utf-8",
                        cte="quoted-printable")
    if attachment is not None:
        message.add_attachment(attachment.data, maintype=attachment.maintype,
                               subtype=attachment.subtype, filename=attachment.filename)
    message["Content-Language"] = "da"  # after the body: set_content drops Content-* headers
    return message

"""Reading an inbound mail into plain data: who sent it, what it says, what it carries.

:func:`parse_message` never raises on broken MIME: missing headers become None, undecodable
text is decoded as well as it can be, and every problem is recorded in ``defects``. Where
the attachments are looked for (nested multiparts, forwarded messages however encoded,
winmail.dat, inline parts) is :mod:`service.intake.attachments`; the raw bytes' handling
(large base64 bodies kept out of the email package) :mod:`service.intake.rawmail`; the
lenient decoding of header text :mod:`service.intake.mailtext`. An attachment over the size
limit is never decoded; it is listed in ``oversized`` so the pipeline can quarantine the mail
as ``too_large``.

The MIME tree is read with the ``compat32`` policy and every header is decoded here
(:func:`decode_words`): ``policy.default`` parses each header it is asked for with its full
RFC 5322 grammar, which made a report mail about five times slower to read (≈ 4.5 ms against
≈ 0.7 ms) and raises on some broken headers; the decoding here is more lenient about the
charsets Danish mail comes in.
"""

from __future__ import annotations

import contextlib
import re
from dataclasses import dataclass
from datetime import datetime
from email.message import Message
from email.utils import getaddresses, parsedate_to_datetime
from typing import TYPE_CHECKING

from service.intake.attachments import (
    MAX_DEPTH,
    REPORT_EXTENSIONS,
    REPORT_TYPES,
    Attachment,
    Collector,
    Oversized,
    content_type,
    is_report_like,
)
from service.intake.htmltext import html_to_text
from service.intake.mailtext import decode_words, repair_text, unfold
from service.intake.rawmail import ELIDE_FROM_BYTES, TOO_DEEP, elide, parse_tree
from service.intake.reports.limits import DEFAULT_LIMITS

if TYPE_CHECKING:
    from collections.abc import Iterator

__all__ = [
    "DEFAULT_MAX_ATTACHMENT_BYTES",
    "ELIDE_FROM_BYTES",
    "MAX_DEPTH",
    "REPORT_EXTENSIONS",
    "REPORT_TYPES",
    "Attachment",
    "InboundMail",
    "Oversized",
    "decode_words",
    "is_report_like",
    "parse_message",
    "repair_text",
]

DEFAULT_MAX_ATTACHMENT_BYTES = DEFAULT_LIMITS.max_attachment_bytes


@dataclass(frozen=True)
class InboundMail:
    """An inbound mail as plain data. Header values are decoded text; addresses lower case.

    ``authentication_results`` are the raw values, unfolded but not RFC 2047 decoded: they
    are parsed by :mod:`service.intake.authresults` with RFC 8601's grammar, and a decoded
    encoded word could put a ``;`` where the sender's text stood."""

    message_id: str | None
    sender: str | None
    sender_name: str | None
    subject: str | None
    date: datetime | None
    in_reply_to: str | None
    references: tuple[str, ...]
    auto_submitted: str | None
    return_path: str | None  # "" for the null sender <>
    authentication_results: tuple[str, ...]
    body_text: str
    attachments: tuple[Attachment, ...]
    oversized: tuple[Oversized, ...] = ()
    content_type: str = "text/plain"
    report_type: str | None = None  # the report-type parameter of a multipart/report
    has_delivery_status: bool = False  # a message/delivery-status part anywhere
    headers: tuple[tuple[str, str], ...] = ()  # every top-level header, name lower case
    defects: tuple[str, ...] = ()
    #: nested deeper than the parse budget allows (the tree past it is not read)
    too_deep: bool = False

    def header(self, name: str) -> str | None:
        """The first value of a top-level header (case-insensitive), or None."""
        name = name.lower()
        return next((value for key, value in self.headers if key == name), None)

    def header_values(self, name: str) -> tuple[str, ...]:
        name = name.lower()
        return tuple(value for key, value in self.headers if key == name)

    @property
    def classification(self) -> str | None:
        """``auto_reply``, ``bounce`` or None (see :func:`service.intake.classify.classify`)."""
        from service.intake.classify import classify

        return classify(self)


# --- headers -----------------------------------------------------------------------------


class _Reader:
    """Header access from the raw header values, decoded by :func:`decode_words`."""

    def __init__(self, msg: Message, defects: list[str]) -> None:
        self.msg = msg
        self.defects = defects

    def raw_all(self, name: str) -> list[str]:
        name = name.lower()
        out = []
        for key, value in self.msg.raw_items():
            if key.lower() == name:
                out.append(value if isinstance(value, str) else str(value))
        return out

    def text(self, name: str) -> str | None:
        """The first value of a header, decoded and unfolded; None if absent or empty."""
        raw = self.raw_all(name)
        if not raw:
            return None
        return unfold(decode_words(raw[0])) or None

    def all_text(self, name: str) -> tuple[str, ...]:
        values = (unfold(decode_words(raw)) for raw in self.raw_all(name))
        return tuple(v for v in values if v)

    def all_raw(self, name: str) -> tuple[str, ...]:
        """Every value of a header, unfolded, not decoded (top to bottom)."""
        values = (unfold(raw) for raw in self.raw_all(name))
        return tuple(v for v in values if v)


_ANGLE_ID = re.compile(r"<[^<>\s]+>")


def _msg_ids(value: str | None) -> tuple[str, ...]:
    if not value:
        return ()
    found = tuple(_ANGLE_ID.findall(value))
    if found:
        return found
    return tuple(value.split())


def _sender(reader: _Reader) -> tuple[str | None, str | None]:
    """(address lower case, display name) from From, falling back to Sender."""
    for name in ("From", "Sender"):
        raw = reader.raw_all(name)
        if not raw:
            continue
        try:
            # Split the raw value: a decoded display name may hold commas or brackets.
            pairs = getaddresses([unfold(raw[0])])
        except Exception:
            pairs = []
        for display, address in pairs:
            address = decode_words(address).strip().strip("<>").strip()
            if "@" in address and " " not in address:
                shown = unfold(decode_words(display)).strip().strip('"').strip()
                return address.lower(), (shown or None)
        reader.defects.append(f"{name}: no usable address")
    return None, None


def _return_path(reader: _Reader) -> str | None:
    raw = reader.raw_all("Return-Path")
    if not raw:
        return None
    value = raw[-1].strip()
    m = re.search(r"<([^<>]*)>", value)
    address = (m.group(1) if m else value).strip()
    return address.lower()


def _date(reader: _Reader) -> datetime | None:
    raw = reader.raw_all("Date")
    if not raw:
        return None
    try:
        return parsedate_to_datetime(raw[0].strip())
    except (TypeError, ValueError, IndexError, OverflowError):
        reader.defects.append("Date: unparseable")
        return None


# --- the mail ----------------------------------------------------------------------------


def _lines(text: str) -> str:
    return text.replace("\r\n", "\n").replace("\r", "\n").strip()


def _iter_defects(msg: Message) -> Iterator[str]:
    for part in msg.walk():
        for defect in getattr(part, "defects", ()):
            yield type(defect).__name__


def parse_message(
    raw: bytes, *, max_attachment_bytes: int = DEFAULT_MAX_ATTACHMENT_BYTES,
    max_depth: int = MAX_DEPTH,
) -> InboundMail:
    """Read a raw RFC 5322 message. Never raises on broken MIME; see ``defects``.

    Attachments over ``max_attachment_bytes`` (decoded) are listed in ``oversized`` and never
    decoded; parts nested deeper than ``max_depth`` are not read, and the mail is marked
    ``too_deep``."""
    skeleton, kept = elide(raw)
    msg, problem = parse_tree(skeleton)
    defects: list[str] = []
    reader = _Reader(msg, defects)

    sender, sender_name = _sender(reader)
    message_ids = _msg_ids(reader.text("Message-ID"))
    in_reply_to = _msg_ids(reader.text("In-Reply-To"))
    collector = Collector(max_attachment_bytes, defects, kept, max_depth=max_depth)
    if problem:
        defects.append(f"structure: {problem}")
    else:
        try:
            collector.walk(msg)
        except Exception as exc:  # a MIME structure the email package chokes on
            defects.append(f"structure: {type(exc).__name__}")
    with contextlib.suppress(Exception):
        defects[:0] = list(_iter_defects(msg))

    if collector.plain:
        body = "\n\n".join(_lines(t) for t in collector.plain)
    elif collector.html:
        body = "\n\n".join(html_to_text(t) for t in collector.html)
    else:
        body = "\n\n".join(_lines(t) for t in collector.tnef_bodies)

    try:
        report_type = msg.get_param("report-type", header="content-type")
    except Exception:
        report_type = None
    headers = tuple((key.lower(), unfold(decode_words(str(value))))
                    for key, value in msg.raw_items())

    return InboundMail(
        message_id=message_ids[0] if message_ids else None,
        sender=sender,
        sender_name=sender_name,
        subject=reader.text("Subject"),
        date=_date(reader),
        in_reply_to=in_reply_to[0] if in_reply_to else None,
        references=_msg_ids(reader.text("References")),
        auto_submitted=reader.text("Auto-Submitted"),
        return_path=_return_path(reader),
        authentication_results=reader.all_raw("Authentication-Results"),
        body_text=body,
        attachments=tuple(collector.attachments),
        oversized=tuple(collector.oversized),
        content_type=content_type(msg),
        report_type=str(report_type).lower() if isinstance(report_type, str) else None,
        has_delivery_status=collector.delivery_status,
        headers=headers,
        defects=tuple(defects),
        too_deep=collector.too_deep or problem == TOO_DEEP,
    )

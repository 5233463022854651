"""Reading an inbound mail into plain data: who sent it, what it says, what it carries.

:func:`parse_message` never raises on broken MIME: missing headers become None, undecodable
text is decoded as well as it can be, and every problem is recorded in ``defects``.
Attachments are found wherever they are: in nested multiparts, inside a forwarded
``message/rfc822``, inside an Outlook ``winmail.dat`` (TNEF), or as inline report parts
without a Content-Disposition. An attachment over the size limit is never decoded; it is
listed in ``oversized`` so the pipeline can quarantine the mail as ``too_large``.

The MIME tree is read with the ``compat32`` policy and every header is decoded here
(:func:`decode_words`): ``policy.default`` parses each header it is asked for with its full
RFC 5322 grammar, which made a report mail about five times slower to read (≈ 4.5 ms against
≈ 0.7 ms) and raises on some broken headers; the decoding here is more lenient about the
charsets Danish mail comes in.
"""

from __future__ import annotations

import binascii
import contextlib
import email
import email.policy
import mimetypes
import re
from dataclasses import dataclass, field
from datetime import datetime
from email.header import decode_header
from email.message import Message
from email.utils import getaddresses, parsedate_to_datetime
from typing import TYPE_CHECKING

from service.intake.htmltext import html_to_text
from service.intake.reports.limits import DEFAULT_LIMITS
from service.intake.tnef import TNEF_TYPES, unpack_tnef

if TYPE_CHECKING:
    from collections.abc import Iterator

DEFAULT_MAX_ATTACHMENT_BYTES = DEFAULT_LIMITS.max_attachment_bytes
MAX_DEPTH = 10  # nesting of multiparts and forwarded messages

REPORT_TYPES = frozenset(
    {
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "application/vnd.ms-excel.sheet.macroenabled.12",
        "application/vnd.ms-excel",
        "text/csv",
        "application/csv",
        "text/comma-separated-values",
        "application/json",
        "text/json",
    }
)
REPORT_EXTENSIONS = (".xlsx", ".xlsm", ".csv", ".json", ".tsv")

mimetypes.add_type("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", ".xlsx")
mimetypes.add_type("text/csv", ".csv")
mimetypes.add_type("application/json", ".json")


@dataclass(frozen=True)
class Attachment:
    """A file carried by the mail, decoded."""

    filename: str
    content_type: str
    data: bytes = field(repr=False)

    @property
    def size(self) -> int:
        return len(self.data)


@dataclass(frozen=True)
class Oversized:
    """An attachment over the size limit: named and measured, never decoded."""

    filename: str
    content_type: str
    size: int


@dataclass(frozen=True)
class InboundMail:
    """An inbound mail as plain data. Header values are decoded text; addresses lower case."""

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


# --- text repair -----------------------------------------------------------------------

_SURROGATES = re.compile("[\udc80-\udcff]")
_C1 = re.compile("[\x80-\x9f]")


def repair_text(text: str) -> str:
    """Undo the usual mis-decodings of header text.

    Raw 8-bit bytes in a header come back from :mod:`email` as surrogate escapes; they are
    decoded as UTF-8, else Windows-1252. Text labelled ISO-8859-1 that is really
    Windows-1252 (C1 control characters where Windows has «€» or quotes) is re-read.
    """
    if _SURROGATES.search(text):
        raw = text.encode("utf-8", "surrogateescape")
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError:
            text = raw.decode("cp1252", "replace")
    if _C1.search(text):
        with contextlib.suppress(UnicodeEncodeError, UnicodeDecodeError):
            text = text.encode("latin-1").decode("cp1252")
    return text


def _decode_chunk(chunk: bytes, charset: str | None) -> str:
    names = [charset.lower()] if charset and charset.lower() != "unknown-8bit" else []
    if names and names[0] in ("iso-8859-1", "latin-1", "latin1", "us-ascii", "ascii"):
        names = ["cp1252"]  # what «ISO-8859-1» senders write in practice
    for name in [*names, "utf-8"]:
        try:
            return chunk.decode(name)
        except (LookupError, UnicodeDecodeError):
            continue
    return chunk.decode("cp1252", "replace")


def decode_words(value: str) -> str:
    """Decode RFC 2047 encoded words in a raw header value, leniently: unknown charsets and
    bad bytes fall back to UTF-8, then Windows-1252."""
    if "=?" not in value:
        return repair_text(value)
    try:
        chunks = decode_header(value)
    except (LookupError, ValueError, UnicodeError, binascii.Error, AssertionError):
        return repair_text(value)
    out = []
    for chunk, charset in chunks:
        if isinstance(chunk, bytes):
            out.append(_decode_chunk(chunk, charset))
        else:
            out.append(chunk)
    return repair_text("".join(out))


def _unfold(value: str) -> str:
    return " ".join(value.replace("\r", " ").replace("\n", " ").split())


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
        return _unfold(decode_words(raw[0])) or None

    def all_text(self, name: str) -> tuple[str, ...]:
        values = []
        for raw in self.raw_all(name):
            values.append(_unfold(decode_words(raw)))
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
            pairs = getaddresses([_unfold(raw[0])])
        except Exception:
            pairs = []
        for display, address in pairs:
            address = decode_words(address).strip().strip("<>").strip()
            if "@" in address and " " not in address:
                shown = _unfold(decode_words(display)).strip().strip('"').strip()
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


# --- parts -------------------------------------------------------------------------------


def _filename(part: Message, defects: list[str]) -> str:
    """The part's file name: RFC 2231 and RFC 2047 decoded, path stripped."""
    try:
        name = part.get_filename()
    except Exception as exc:
        defects.append(f"filename: {type(exc).__name__}")
        name = None
    if name is None:
        try:
            name = part.get_param("name", header="content-type")  # type: ignore[assignment]
        except Exception:
            name = None
        if isinstance(name, tuple):
            name = email.utils.collapse_rfc2231_value(name)
    if name and " " not in name:
        name = _unquoted_filename(part) or name
    if not name:
        return ""
    name = decode_words(str(name))
    name = name.replace("\\", "/").rsplit("/", 1)[-1]
    return _unfold(name.replace("\x00", ""))


_UNQUOTED = re.compile(r"""(?:^|;)\s*(?:file)?name\s*=\s*([^";=]*[^";=\s])\s*(?:;|$)""", re.I)


def _unquoted_filename(part: Message) -> str | None:
    """An unquoted file name with spaces (``filename=rapport 1.csv``), which the email
    package cuts at the first space."""
    for header in ("Content-Disposition", "Content-Type"):
        for key, value in part.raw_items():
            if key.lower() == header.lower():
                m = _UNQUOTED.search(_unfold(str(value)))
                if m and " " in m.group(1) and "*" not in m.group(0).split("=")[0]:
                    return m.group(1).strip()
    return None


def _content_type(part: Message) -> str:
    try:
        return part.get_content_type()
    except Exception:
        return "application/octet-stream"


def _disposition(part: Message) -> str | None:
    try:
        return part.get_content_disposition()
    except Exception:
        return None


# Large base64 bodies are cut out of the raw bytes before the email package sees them, and
# decoded straight from the raw bytes when wanted: the package's line-by-line parser would
# otherwise hold several copies of them (≈ 8× the mail's size for a 20 MB attachment).
ELIDE_FROM_BYTES = 256 * 1024
_BASE64_RUN = re.compile(  # possessive: no backtracking state kept per line
    rb"^(?:[A-Za-z0-9+/]{40,100}+\r?\n){2000,}+(?:[A-Za-z0-9+/=]{1,100}+\r?\n)?+", re.M
)
_ELIDED = re.compile(r"^\s*mrpelided(\d{6})\s*$")


@dataclass(frozen=True)
class _Raw:
    """The mail's raw bytes and the spans of the base64 bodies cut out of them."""

    data: bytes
    spans: tuple[tuple[int, int], ...] = ()

    def span(self, payload: object) -> tuple[int, int] | None:
        if not self.spans or not isinstance(payload, str) or len(payload) > 40:
            return None
        m = _ELIDED.match(payload)
        return self.spans[int(m[1])] if m and int(m[1]) < len(self.spans) else None


def _elide(raw: bytes) -> tuple[bytes, _Raw]:
    if len(raw) < ELIDE_FROM_BYTES:
        return raw, _Raw(raw)
    pieces: list[bytes] = []
    spans: list[tuple[int, int]] = []
    last = 0
    for m in _BASE64_RUN.finditer(raw):
        pieces.append(raw[last : m.start()])
        pieces.append(b"mrpelided%06d\r\n" % len(spans))
        spans.append((m.start(), m.end()))
        last = m.end()
    if not spans:
        return raw, _Raw(raw)
    pieces.append(raw[last:])
    return b"".join(pieces), _Raw(raw, tuple(spans))


def _cte(part: Message) -> str:
    return str(part.get("Content-Transfer-Encoding", "")).strip().lower()


def _encoded_size(part: Message, raw: _Raw) -> int:
    """The decoded size of a part, computed from its encoded payload without decoding."""
    payload = part.get_payload()
    span = raw.span(payload)
    if span is not None:
        start, end = span
        chars = end - start - raw.data.count(b"\n", start, end) - raw.data.count(b"\r", start, end)
        return max(chars * 3 // 4 - raw.data.count(b"=", max(start, end - 8), end), 0)
    if not isinstance(payload, str):
        return 0
    if _cte(part) == "base64":
        chars = len(payload) - payload.count("\n") - payload.count("\r") - payload.count(" ")
        return max(chars * 3 // 4 - payload.count("=", max(0, len(payload) - 8)), 0)
    return len(payload)


def _payload(part: Message, raw: _Raw, defects: list[str]) -> bytes:
    """The decoded bytes of a leaf part, taking the payload once."""
    payload = part.get_payload()
    span = raw.span(payload)
    if span is not None:
        view = memoryview(raw.data)[span[0] : span[1]]
        if _cte(part) == "base64":
            return binascii.a2b_base64(view)
        return bytes(view)  # not base64 after all: the text as it stands
    if _cte(part) == "base64" and isinstance(payload, str):
        try:
            return binascii.a2b_base64(payload)
        except (binascii.Error, ValueError):
            defects.append("attachment: bad base64")
    data = part.get_payload(decode=True)
    return data if isinstance(data, bytes) else b""


def _text_of(part: Message, data: bytes, defects: list[str]) -> str:
    """A text part's bytes decoded with its charset (ISO-8859-1 read as Windows-1252),
    falling back to UTF-8, then Windows-1252."""
    try:
        charset = part.get_content_charset()
    except Exception:
        charset = None
    if charset:
        try:
            "".encode(charset)
        except LookupError:
            defects.append(f"unknown charset {charset}")
            charset = None
    return _decode_chunk(data, charset)


def is_report_like(filename: str, content_type: str) -> bool:
    """True for the types and names a report comes as (xlsx, csv, json)."""
    return content_type in REPORT_TYPES or filename.lower().endswith(REPORT_EXTENSIONS)


@dataclass
class _Collector:
    max_bytes: int
    defects: list[str]
    raw: _Raw
    attachments: list[Attachment] = field(default_factory=list)
    oversized: list[Oversized] = field(default_factory=list)
    plain: list[str] = field(default_factory=list)
    html: list[str] = field(default_factory=list)
    tnef_bodies: list[str] = field(default_factory=list)
    delivery_status: bool = False

    def add(self, filename: str, content_type: str, data: bytes) -> None:
        if len(data) > self.max_bytes:
            self.oversized.append(Oversized(filename, content_type, len(data)))
        else:
            self.attachments.append(Attachment(filename, content_type, data))

    def walk(self, part: Message, depth: int = 0, *, body: bool = True) -> None:
        """Collect from a part. ``body`` is False inside forwarded messages: their text is
        not the mail's body, but their attachments count."""
        if depth > MAX_DEPTH:
            self.defects.append("nesting too deep")
            return
        ctype = _content_type(part)
        if ctype == "message/delivery-status":
            self.delivery_status = True
            return
        if part.is_multipart():
            payload = part.get_payload()
            if ctype == "message/rfc822" or ctype.startswith("message/"):
                for inner in payload if isinstance(payload, list) else []:
                    if isinstance(inner, Message):
                        self.walk(inner, depth + 1, body=False)
                return
            for sub in payload if isinstance(payload, list) else []:
                if isinstance(sub, Message):
                    self.walk(sub, depth + 1, body=body)
            return
        self.leaf(part, ctype, body=body)

    def leaf(self, part: Message, ctype: str, *, body: bool) -> None:
        disposition = _disposition(part)
        filename = _filename(part, self.defects)
        lower = filename.lower()
        if ctype in TNEF_TYPES or lower == "winmail.dat":
            self.tnef(part, filename or "winmail.dat", ctype)
            return
        is_text_body = ctype in ("text/plain", "text/html") and not filename
        if disposition != "attachment" and is_text_body:
            if body:
                text = _text_of(part, _payload(part, self.raw, self.defects), self.defects)
                (self.plain if ctype == "text/plain" else self.html).append(text)
            return
        # Files: anything marked as an attachment, report-like parts however they are
        # marked, and named parts that are not inline images (signature logos).
        named_file = bool(filename) and not (
            disposition == "inline" and ctype.startswith("image/")
        )
        if disposition == "attachment" or is_report_like(filename, ctype) or named_file:
            self.file(part, filename, ctype)

    def file(self, part: Message, filename: str, ctype: str) -> None:
        size = _encoded_size(part, self.raw)
        if size > self.max_bytes:
            self.oversized.append(Oversized(filename, ctype, size))
            return
        self.add(filename, ctype, _payload(part, self.raw, self.defects))

    def tnef(self, part: Message, filename: str, ctype: str) -> None:
        size = _encoded_size(part, self.raw)
        if size > self.max_bytes:
            self.oversized.append(Oversized(filename, ctype, size))
            return
        data = _payload(part, self.raw, self.defects)
        unpacked = unpack_tnef(data)
        if unpacked is None:
            self.defects.append("winmail.dat: not readable as TNEF")
            self.add(filename, ctype, data)
            return
        files, text = unpacked
        for name, content in files:
            guessed = mimetypes.guess_type(name)[0] or "application/octet-stream"
            self.add(name, guessed, content)
        if text:
            self.tnef_bodies.append(text)


def _lines(text: str) -> str:
    return text.replace("\r\n", "\n").replace("\r", "\n").strip()


def _iter_defects(msg: Message) -> Iterator[str]:
    for part in msg.walk():
        for defect in getattr(part, "defects", ()):
            yield type(defect).__name__


def parse_message(
    raw: bytes, *, max_attachment_bytes: int = DEFAULT_MAX_ATTACHMENT_BYTES
) -> InboundMail:
    """Read a raw RFC 5322 message. Never raises on broken MIME; see ``defects``.

    Attachments over ``max_attachment_bytes`` (decoded) are listed in ``oversized`` and never
    decoded."""
    skeleton, kept = _elide(raw)
    msg = email.message_from_bytes(skeleton, policy=email.policy.compat32)
    defects: list[str] = []
    reader = _Reader(msg, defects)

    sender, sender_name = _sender(reader)
    message_ids = _msg_ids(reader.text("Message-ID"))
    in_reply_to = _msg_ids(reader.text("In-Reply-To"))
    collector = _Collector(max_attachment_bytes, defects, kept)
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
    headers: list[tuple[str, str]] = []
    for key, value in msg.raw_items():
        headers.append((key.lower(), _unfold(decode_words(str(value)))))

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
        authentication_results=reader.all_text("Authentication-Results"),
        body_text=body,
        attachments=tuple(collector.attachments),
        oversized=tuple(collector.oversized),
        content_type=_content_type(msg),
        report_type=str(report_type).lower() if isinstance(report_type, str) else None,
        has_delivery_status=collector.delivery_status,
        headers=tuple(headers),
        defects=tuple(defects),
    )


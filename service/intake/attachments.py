"""The files an inbound mail carries, and its body text, collected from its MIME tree.

Attachments are found wherever they are: in nested multiparts, inside a forwarded message
(``message/rfc822``, also when it is base64 or quoted-printable encoded against RFC 2046, or
an ``.eml`` file sent as ``application/octet-stream``; forwards inside forwards too, up to
:data:`MAX_DEPTH` levels of nesting in all by default, the parse budget's ``max_depth``;
a mail nested deeper is marked ``too_deep`` and quarantined), inside an Outlook
``winmail.dat`` (TNEF), or as inline report parts with or without a Content-Disposition.
File names come from ``filename`` or ``name`` (RFC 2231 and RFC 2047 decoded). An
attachment over the size limit is never decoded; it is listed in ``oversized``.
"""

from __future__ import annotations

import contextlib
import email.utils
import mimetypes
import re
from dataclasses import dataclass, field
from email.message import Message

from service.intake.mailtext import decode_chunk, decode_words, repair_text, unfold
from service.intake.rawmail import (
    TOO_DEEP,
    RawSource,
    decoded_payload,
    decoded_size,
    elide,
    parse_tree,
)
from service.intake.tnef import TNEF_TYPES, unpack_tnef

__all__ = [
    "MAX_DEPTH",
    "REPORT_EXTENSIONS",
    "REPORT_TYPES",
    "Attachment",
    "Collector",
    "Oversized",
    "content_type",
    "is_report_like",
]

#: nesting of multiparts and forwarded messages (``ParseBudget.max_depth``'s default)
MAX_DEPTH = 10

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
#: types a forwarded ``.eml`` file comes as when the sender's program does not know it
_GENERIC_TYPES = frozenset({"application/octet-stream", "text/plain"})

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


def is_report_like(filename: str, content_type: str) -> bool:
    """True for the types and names a report comes as (xlsx, csv, json), in any case."""
    return content_type.lower() in REPORT_TYPES or filename.lower().endswith(REPORT_EXTENSIONS)


def content_type(part: Message) -> str:
    try:
        return part.get_content_type()
    except Exception:
        return "application/octet-stream"


def _disposition(part: Message) -> str | None:
    try:
        return part.get_content_disposition()
    except Exception:
        return None


_PARAM_HEADERS = ("content-disposition", "content-type")
_ESCAPED_BYTE = re.compile("[\udc80-\udcff]")


def _param_source(part: Message) -> Message:
    """The part, or when its Content-Disposition or Content-Type holds raw 8-bit bytes (a
    UTF-8 file name written as it is, as some programs do), a stand-in with those headers
    decoded: the email package would turn each such byte into U+FFFD."""
    raw = [(k, v) for k, v in part.raw_items() if k.lower() in _PARAM_HEADERS]
    if not any(isinstance(v, str) and _ESCAPED_BYTE.search(v) for _k, v in raw):
        return part
    stand_in = Message()
    for key, value in raw:
        stand_in[key] = repair_text(str(value))
    return stand_in


def filename(part: Message, defects: list[str]) -> str:
    """The part's file name from Content-Disposition's ``filename`` or Content-Type's
    ``name``: RFC 2231 and RFC 2047 decoded, raw 8-bit bytes read as UTF-8 (else
    Windows-1252), path stripped."""
    source = _param_source(part)
    try:
        name = source.get_filename()
    except Exception as exc:
        defects.append(f"filename: {type(exc).__name__}")
        name = None
    if name is None:
        try:
            name = source.get_param("name", header="content-type")  # type: ignore[assignment]
            if isinstance(name, tuple):
                name = email.utils.collapse_rfc2231_value(name)
        except Exception:
            name = None
    if name and " " not in name:
        name = _unquoted_filename(source) or name
    if not name:
        return ""
    name = decode_words(str(name))
    name = name.replace("\\", "/").rsplit("/", 1)[-1]
    return unfold(name.replace("\x00", ""))


_UNQUOTED = re.compile(r"""(?:^|;)\s*(?:file)?name\s*=\s*([^";=]*[^";=\s])\s*(?:;|$)""", re.I)


def _unquoted_filename(part: Message) -> str | None:
    """An unquoted file name with spaces (``filename=rapport 1.csv``), which the email
    package cuts at the first space."""
    for header in _PARAM_HEADERS:
        for key, value in part.raw_items():
            if key.lower() == header:
                m = _UNQUOTED.search(unfold(str(value)))
                if m and " " in m.group(1) and "*" not in m.group(0).split("=")[0]:
                    return m.group(1).strip()
    return None


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
        except (LookupError, ValueError):
            defects.append(f"unknown charset {charset}")
            charset = None
    return decode_chunk(data, charset)


def _is_forwarded(ctype: str, name: str) -> bool:
    if ctype.startswith("message/"):
        return ctype != "message/delivery-status"
    return ctype in _GENERIC_TYPES and name.lower().endswith(".eml")


@dataclass
class Collector:
    """Walks a MIME tree once, collecting the body text and the files."""

    max_bytes: int
    defects: list[str]
    raw: RawSource
    attachments: list[Attachment] = field(default_factory=list)
    oversized: list[Oversized] = field(default_factory=list)
    plain: list[str] = field(default_factory=list)
    html: list[str] = field(default_factory=list)
    tnef_bodies: list[str] = field(default_factory=list)
    delivery_status: bool = False
    max_depth: int = MAX_DEPTH
    #: nested deeper than ``max_depth`` (or than the email package reads): over the budget
    too_deep: bool = False

    def add(self, name: str, ctype: str, data: bytes) -> None:
        if len(data) > self.max_bytes:
            self.oversized.append(Oversized(name, ctype, len(data)))
        else:
            self.attachments.append(Attachment(name, ctype, data))

    def walk(
        self, part: Message, depth: int = 0, *, body: bool = True, raw: RawSource | None = None
    ) -> None:
        """Collect from a part. ``body`` is False inside forwarded messages: their text is
        not the mail's body, but their attachments count. ``raw`` is the source the part was
        parsed from (the mail's own unless inside a decoded forwarded message)."""
        raw = raw or self.raw
        if depth > self.max_depth:
            self.defects.append("nesting too deep")
            self.too_deep = True
            return
        ctype = content_type(part)
        if ctype == "message/delivery-status":
            # a bounce, unless it is one the sender forwards (with the report it returned)
            self.delivery_status = self.delivery_status or body
            return
        if part.is_multipart():
            payload = part.get_payload()
            inside = not ctype.startswith("message/")  # a forwarded message's text is not ours
            for sub in payload if isinstance(payload, list) else []:
                if isinstance(sub, Message):
                    self.walk(sub, depth + 1, body=body and inside, raw=raw)
            return
        self.leaf(part, ctype, depth, body=body, raw=raw)

    def leaf(
        self, part: Message, ctype: str, depth: int, *, body: bool, raw: RawSource
    ) -> None:
        disposition = _disposition(part)
        name = filename(part, self.defects)
        lower = name.lower()
        if ctype in TNEF_TYPES or lower == "winmail.dat":
            self.tnef(part, name or "winmail.dat", ctype, raw)
            return
        if _is_forwarded(ctype, name):
            self.forwarded(part, depth, raw)
            return
        is_text_body = ctype in ("text/plain", "text/html") and not name
        if disposition != "attachment" and is_text_body:
            if body:
                text = _text_of(part, decoded_payload(part, raw, self.defects), self.defects)
                (self.plain if ctype == "text/plain" else self.html).append(text)
            return
        # Files: anything marked as an attachment, report-like parts however they are
        # marked, unnamed binary parts (a parser may know them by their first bytes), and
        # named parts that are not inline images (signature logos).
        named_file = bool(name) and not (disposition == "inline" and ctype.startswith("image/"))
        if (
            disposition == "attachment"
            or is_report_like(name, ctype)
            or named_file
            or ctype == "application/octet-stream"
        ):
            self.file(part, name, ctype, raw)

    def file(self, part: Message, name: str, ctype: str, raw: RawSource) -> None:
        size = decoded_size(part, raw)
        if size > self.max_bytes:
            self.oversized.append(Oversized(name, ctype, size))
            return
        self.add(name, ctype, decoded_payload(part, raw, self.defects))

    def forwarded(self, part: Message, depth: int, raw: RawSource) -> None:
        """A forwarded message the email package left encoded (see
        :class:`service.intake.rawmail.Part`) or that came as an ``.eml`` file: decoded,
        parsed, and walked like a forwarded ``message/rfc822``."""
        data = decoded_payload(part, raw, self.defects)
        skeleton, inner_raw = elide(data)
        tree, problem = parse_tree(skeleton)
        if problem:
            self.defects.append(f"forwarded message: {problem}")
            self.too_deep = self.too_deep or problem == TOO_DEEP
            return
        with contextlib.suppress(Exception):
            self.defects.extend(type(d).__name__ for inner in tree.walk() for d in inner.defects)
        self.walk(tree, depth + 1, body=False, raw=inner_raw)

    def tnef(self, part: Message, name: str, ctype: str, raw: RawSource) -> None:
        size = decoded_size(part, raw)
        if size > self.max_bytes:
            self.oversized.append(Oversized(name, ctype, size))
            return
        data = decoded_payload(part, raw, self.defects)
        unpacked = unpack_tnef(data)
        if unpacked is None:
            self.defects.append("winmail.dat: not readable as TNEF")
            self.add(name, ctype, data)
            return
        files, text = unpacked
        for inner_name, content in files:
            guessed = mimetypes.guess_type(inner_name)[0] or "application/octet-stream"
            self.add(inner_name, guessed, content)
        if text:
            self.tnef_bodies.append(text)

"""From raw bytes to a MIME tree, and from a part of it back to its decoded bytes.

Large base64 bodies are cut out of the raw bytes before the email package sees them, and
decoded straight from the raw bytes when wanted: the package's line-by-line parser would
otherwise hold several copies of them (≈ 8× the mail's size for a 20 MB attachment).

A forwarded message (``message/*``) sent with a base64 or quoted-printable
Content-Transfer-Encoding, which RFC 2046 forbids and some mail programs write anyway, is
kept as an encoded leaf by :class:`Part` rather than parsed as garbage; the collector decodes
it and parses it again with :func:`parse_tree`.

The tree is read with the ``compat32`` policy (see :mod:`service.intake.message`).
"""

from __future__ import annotations

import binascii
import email
import email.policy
import re
from dataclasses import dataclass
from email.feedparser import BytesFeedParser
from email.message import Message
from email.parser import BytesHeaderParser

__all__ = [
    "ELIDE_FROM_BYTES",
    "ENCODED_CTES",
    "MAX_PARSE_DEPTH",
    "TOO_DEEP",
    "Part",
    "RawSource",
    "cte",
    "decoded_payload",
    "decoded_size",
    "elide",
    "parse_tree",
]

ELIDE_FROM_BYTES = 256 * 1024
MAX_PARSE_DEPTH = 100  # levels of nesting the email package is let parse
#: the problem of a tree nested deeper than that
TOO_DEEP = "nesting too deep"
_FEED_BYTES = 64 * 1024
ENCODED_CTES = frozenset({"base64", "quoted-printable"})
_BASE64_RUN = re.compile(  # possessive: no backtracking state kept per line
    rb"^(?:[A-Za-z0-9+/]{40,100}+\r?\n){2000,}+(?:[A-Za-z0-9+/=]{1,100}+\r?\n)?+", re.M
)
_ELIDED = re.compile(r"^\s*mrpelided(\d{6})\s*$")
_PLACEHOLDER = re.compile(r"^mrpelided(\d{6})\r\n", re.M)


def cte(part: Message) -> str:
    """The part's Content-Transfer-Encoding, lower case ("" when absent)."""
    try:
        return str(part.get("Content-Transfer-Encoding", "")).strip().lower()
    except Exception:
        return ""


class Part(Message):
    """A MIME part that leaves an encoded forwarded message alone.

    The email package's parser reads the body of every ``message/*`` part as a message,
    whatever its transfer encoding; for base64 that yields one header-less part holding the
    encoded text, for quoted-printable a mangled one. Seen as a leaf here (the parser asks
    :meth:`get_content_maintype`), the body stays the encoded text, for the collector to
    decode and parse. ``get_content_type`` still says what the part is.
    """

    def get_content_maintype(self) -> str:
        maintype = super().get_content_maintype()
        if (
            maintype == "message"
            and cte(self) in ENCODED_CTES
            and self.get_content_type() != "message/delivery-status"
        ):
            return "application"
        return maintype


class _TooDeep(Exception):
    pass


class _BoundedParser(BytesFeedParser):
    """The email package's parser, refusing to nest deeper than :data:`MAX_PARSE_DEPTH`.

    The parser recurses once per level, and its time grows with the square of the depth
    (a mail of 1,000 nested multiparts, 50 KB, takes seconds). ``_new_message`` is where it
    opens each level; should a later Python rename it, the ``RecursionError`` caught in
    :func:`parse_tree` still bounds the depth, only more slowly."""

    def _new_message(self) -> None:
        if len(getattr(self, "_msgstack", ())) >= MAX_PARSE_DEPTH:
            raise _TooDeep
        super()._new_message()  # type: ignore[misc]


def parse_tree(data: bytes) -> tuple[Message, str | None]:
    """The MIME tree of ``data``, and None; or, for a structure the email package cannot
    read, its top-level headers alone and what was wrong: ``nesting too deep`` past
    :data:`MAX_PARSE_DEPTH` levels (only ever hostile: the collector reads ten), or the
    error the parser itself raised (it trips over some broken RFC 2231 parameters)."""
    parser = _BoundedParser(_factory=Part, policy=email.policy.compat32)
    try:
        for start in range(0, len(data), _FEED_BYTES):  # as the email package feeds it
            parser.feed(data[start : start + _FEED_BYTES])
        return parser.close(), None
    except (_TooDeep, RecursionError):
        problem = TOO_DEEP
    except Exception as exc:
        problem = f"unreadable ({type(exc).__name__})"
    headers = BytesHeaderParser(_class=Part, policy=email.policy.compat32)
    return headers.parsebytes(data), problem


@dataclass(frozen=True)
class RawSource:
    """The raw bytes a tree was parsed from, and the spans of the base64 bodies cut out."""

    data: bytes
    spans: tuple[tuple[int, int], ...] = ()

    def span(self, payload: object) -> tuple[int, int] | None:
        if not self.spans or not isinstance(payload, str) or len(payload) > 40:
            return None
        m = _ELIDED.match(payload)
        return self.spans[int(m[1])] if m and int(m[1]) < len(self.spans) else None

    def restore(self, payload: str) -> str:
        """A payload with the runs cut out of it put back: a run is cut wherever it stands,
        also inside a part that is more than the run (a forwarded message, a text file of
        long lines)."""
        if not self.spans or "mrpelided" not in payload:
            return payload

        def back(m: re.Match[str]) -> str:
            index = int(m[1])
            if index >= len(self.spans):
                return m[0]
            start, end = self.spans[index]
            return self.data[start:end].decode("ascii")

        return _PLACEHOLDER.sub(back, payload)


def elide(raw: bytes) -> tuple[bytes, RawSource]:
    """The bytes to parse (long base64 runs replaced by a placeholder line), and the source
    to decode the runs from."""
    if len(raw) < ELIDE_FROM_BYTES:
        return raw, RawSource(raw)
    pieces: list[bytes] = []
    spans: list[tuple[int, int]] = []
    last = 0
    for m in _BASE64_RUN.finditer(raw):
        pieces.append(raw[last : m.start()])
        pieces.append(b"mrpelided%06d\r\n" % len(spans))
        spans.append((m.start(), m.end()))
        last = m.end()
    if not spans:
        return raw, RawSource(raw)
    pieces.append(raw[last:])
    return b"".join(pieces), RawSource(raw, tuple(spans))


def _payload(part: Message, raw: RawSource) -> object:
    """The part's payload; a text payload with runs cut out of it is made whole (once)."""
    payload = part.get_payload()
    if isinstance(payload, str) and raw.span(payload) is None:
        restored = raw.restore(payload)
        if restored is not payload:
            part.set_payload(restored)
            return restored
    return payload


def decoded_size(part: Message, raw: RawSource) -> int:
    """The decoded size of a leaf part, computed from its encoded payload without decoding."""
    payload = _payload(part, raw)
    span = raw.span(payload)
    if span is not None:
        start, end = span
        chars = end - start - raw.data.count(b"\n", start, end) - raw.data.count(b"\r", start, end)
        return max(chars * 3 // 4 - raw.data.count(b"=", max(start, end - 8), end), 0)
    if not isinstance(payload, str):
        return 0
    if cte(part) == "base64":
        chars = len(payload) - payload.count("\n") - payload.count("\r") - payload.count(" ")
        return max(chars * 3 // 4 - payload.count("=", max(0, len(payload) - 8)), 0)
    return len(payload)


def decoded_payload(part: Message, raw: RawSource, defects: list[str]) -> bytes:
    """The decoded bytes of a leaf part, taking the payload once."""
    payload = _payload(part, raw)
    span = raw.span(payload)
    encoding = cte(part)
    if span is not None:
        view = memoryview(raw.data)[span[0] : span[1]]
        if encoding == "base64":
            return binascii.a2b_base64(view)
        return bytes(view)  # not base64 after all: the text as it stands
    if not isinstance(payload, str):
        return b""
    if encoding == "base64":
        try:
            return binascii.a2b_base64(payload)
        except (binascii.Error, ValueError):
            defects.append("attachment: bad base64")
    try:
        data = part.get_payload(decode=True)
    except Exception:  # a payload the email package cannot take apart
        defects.append("attachment: undecodable")
        return b""
    return data if isinstance(data, bytes) else b""

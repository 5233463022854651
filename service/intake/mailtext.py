"""Decoding the text of an inbound mail leniently: RFC 2047 encoded words in headers, raw
8-bit header bytes, and text parts in the charsets Danish mail comes in.

Nothing here raises on bad input: unknown charsets and undecodable bytes fall back to UTF-8,
then Windows-1252 (which every byte decodes as, bar five that become U+FFFD).
"""

from __future__ import annotations

import binascii
import contextlib
import re
from email.errors import HeaderParseError
from email.header import decode_header

__all__ = ["decode_chunk", "decode_words", "repair_text", "unfold"]

_SURROGATES = re.compile("[\udc80-\udcff]")
_OTHER_SURROGATES = re.compile("[\ud800-\udc7f\udd00-\udfff]")
_C1 = re.compile("[\x80-\x9f]")
#: what «ISO-8859-1» and «US-ASCII» senders write in practice
_READ_AS_CP1252 = frozenset({"iso-8859-1", "latin-1", "latin1", "us-ascii", "ascii"})


def repair_text(text: str) -> str:
    """Undo the usual mis-decodings of header text.

    Raw 8-bit bytes in a header come back from :mod:`email` as surrogate escapes; they are
    decoded as UTF-8, else Windows-1252. Text labelled ISO-8859-1 that is really
    Windows-1252 (C1 control characters where Windows has «€» or quotes) is re-read.
    """
    if _OTHER_SURROGATES.search(text):  # not escapes of bytes: cannot be stored or printed
        text = _OTHER_SURROGATES.sub("\ufffd", text)
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


def decode_chunk(chunk: bytes, charset: str | None) -> str:
    """Bytes in the named charset (ISO-8859-1 read as Windows-1252), else UTF-8, else
    Windows-1252 with replacements."""
    names = [charset.lower()] if charset and charset.lower() != "unknown-8bit" else []
    if names and names[0] in _READ_AS_CP1252:
        names = ["cp1252"]
    for name in [*names, "utf-8"]:
        try:
            return chunk.decode(name)
        except (LookupError, UnicodeDecodeError, ValueError):
            continue
    return chunk.decode("cp1252", "replace")


def decode_words(value: str) -> str:
    """Decode RFC 2047 encoded words in a raw header value, leniently: unknown charsets and
    bad bytes fall back to UTF-8, then Windows-1252."""
    if "=?" not in value:
        return repair_text(value)
    with contextlib.suppress(ValueError, binascii.Error):
        return repair_text(_decode_encoded_words(value))
    try:
        chunks = decode_header(value)
    except (LookupError, ValueError, UnicodeError, binascii.Error, AssertionError,
            HeaderParseError):  # the last for base64 that does not decode
        return repair_text(value)
    out = []
    for chunk, charset in chunks:
        if isinstance(chunk, bytes):
            out.append(decode_chunk(chunk, charset))
        else:
            out.append(chunk)
    return repair_text("".join(out))


_ENCODED_WORD = re.compile(r"=\?([^?\s]+)\?([bBqQ])\?([^?\s]*)\?=")
_Q_ESCAPE = re.compile(rb"=([0-9A-Fa-f]{2})")


def _decode_encoded_words(value: str) -> str:
    """RFC 2047 as written: white space between two encoded words goes, white space between
    an encoded word and plain text stays (``email.header.decode_header`` drops the space a
    folded subject has before the plain text after an encoded word: "2026-H1 –rettet").
    Adjacent words in one charset are joined before decoding (a character may be split
    across them). Raises ``ValueError`` or ``binascii.Error`` on a malformed word."""
    parts: list[tuple[str | None, bytes | str]] = []
    pos, after_word = 0, False
    for match in _ENCODED_WORD.finditer(value):
        between = value[pos:match.start()]
        if between and not (after_word and between.isspace()):
            parts.append((None, between))
        charset, encoding, data = match.groups()
        raw = data.encode("ascii")
        if encoding in "qQ":
            decoded = _Q_ESCAPE.sub(lambda m: bytes([int(m.group(1), 16)]),
                                    raw.replace(b"_", b" "))
        else:
            decoded = binascii.a2b_base64(raw + b"=" * (-len(raw) % 4))
        charset = charset.split("*", 1)[0]  # RFC 2231 language suffix
        if parts and parts[-1][0] == charset and isinstance(parts[-1][1], bytes):
            parts[-1] = (charset, parts[-1][1] + decoded)
        else:
            parts.append((charset, decoded))
        pos, after_word = match.end(), True
    parts.append((None, value[pos:]))
    return "".join(chunk if isinstance(chunk, str) else decode_chunk(chunk, charset)
                   for charset, chunk in parts)


def unfold(value: str) -> str:
    """A header value on one line, runs of white space made one space."""
    return " ".join(value.replace("\r", " ").replace("\n", " ").split())

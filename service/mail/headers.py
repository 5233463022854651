"""What of an incoming mail may reach the headers of the mail we send: subjects decoded,
stripped of control characters and shortened; one address, or none when the value was
forged; message ids only when they look like message ids."""

from __future__ import annotations

import contextlib
import functools
import re
from collections.abc import Iterable
from email.header import decode_header, make_header
from email.utils import formataddr, getaddresses, parseaddr

MAX_SUBJECT = 200

CONTROL = re.compile(r"[\x00-\x1f\x7f\u0085\u2028\u2029]+")
_MSGID = re.compile(r"<[^<>\s@]+@[^<>\s@]+>")


def clean_subject(subject: object) -> str:
    """A subject as one line of text: encoded words decoded, control characters (CR, LF,
    TAB, …) replaced by spaces, whitespace collapsed, at most ``MAX_SUBJECT`` characters."""
    text = "" if subject is None else str(subject)
    if "=?" in text:
        with contextlib.suppress(ValueError, LookupError, UnicodeDecodeError):
            text = str(make_header(decode_header(text)))
    text = " ".join(CONTROL.sub(" ", text).split())
    if len(text) > MAX_SUBJECT:
        text = text[: MAX_SUBJECT - 1].rstrip() + "…"
    return text


@functools.lru_cache(maxsize=4096)
def clean_address(value: object) -> str | None:
    """One mail address as a header value (``Name <a@b>``), or None when there is none or
    the value carries line breaks that are not folding. Kept for the addresses seen last:
    every reply cleans ours and its sender's, and parsing an address takes a while."""
    text = re.sub(r"\r?\n[ \t]", " ", "" if value is None else str(value))  # unfold
    if CONTROL.sub("", text.replace("\t", " ")) != text.replace("\t", " "):
        return None  # a bare CR or LF: a forged header, not an address
    pairs = [(n, a) for n, a in getaddresses([text]) if "@" in a] or [parseaddr(text)]
    name, address = pairs[0]
    address = address.strip()
    if "@" not in address or any(c.isspace() or c in "<>\"," for c in address):
        return None
    return formataddr((clean_subject(name), address)) if name else address


def message_ids(value: object) -> list[str]:
    """The well-formed ``<id@host>`` tokens in a header value, in order."""
    return _MSGID.findall("" if value is None else str(value))


def first_message_id(value: object) -> str | None:
    ids = message_ids(value)
    return ids[0] if ids else None


def dedupe(items: Iterable[str]) -> list[str]:
    seen: set[str] = set()
    result = []
    for item in items:
        if item not in seen:
            seen.add(item)
            result.append(item)
    return result

"""A plain-text mail as the SMTP server takes it: the bytes and the envelope, written
directly instead of through :class:`email.message.EmailMessage`.

Every reply we send is one UTF-8 text part in quoted-printable with a handful of headers
whose values we made or checked ourselves (``service.mail.headers``: an address from
``clean_address``, a subject stripped of control characters, message ids that look like
message ids). ``EmailMessage``
parses each header again through the header registry and flattens the message through the
generator: about 1.1 ms per reply, ten times writing the same bytes here. Headers are folded
at spaces to 78 characters where they can be, non-ASCII text is RFC 2047 encoded (UTF-8 in
base64 encoded words, split between characters: ``email.header.Header`` weighs every
prefix of the text in both encodings to choose, about 1 ms for a Danish subject, as much
as the rest of the mail together), and the
body is quoted-printable (``binascii.b2a_qp``), so no line exceeds 76 characters. An
address that is not ASCII (an internationalised mailbox) is left to ``EmailMessage``, which
knows SMTPUTF8; :func:`plain_text_mail` returns None for it.
"""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Sequence
from dataclasses import dataclass
from email.utils import getaddresses, parseaddr
from functools import lru_cache

#: RFC 5322's recommended line length (the hard limit is 998)
LINE = 78
#: an encoded word's frame: ``=?utf-8?b?`` and ``?=`` (RFC 2047: at most 75 in all)
_FRAME = len("=?utf-8?b??=")
#: an address alone, as ``clean_address`` leaves one: no name, comment or list
_BARE = re.compile(r"[^\s\"(),:;<>@\[\]\\]+@[^\s\"(),:;<>@\[\]\\]+")


@dataclass(frozen=True)
class WireMessage:
    """A message ready for ``SMTP.sendmail``: envelope sender, recipients, and the bytes."""

    sender: str
    recipients: tuple[str, ...]
    data: bytes


def _fold(name: str, value: str) -> str:
    """``name: value``, folded at spaces so that lines stay within :data:`LINE` where the
    words allow; a value that is not ASCII is written as encoded words, one a line."""
    if not value.isascii():
        return f"{name}: " + "\r\n ".join(_encoded_words(value, LINE - len(name) - 2))
    line = f"{name}:"
    lines: list[str] = []
    for word in value.split(" "):
        if not word:
            continue
        if len(line) + 1 + len(word) > LINE and line != f"{name}:":
            lines.append(line)
            line = ""
        line += " " + word
    lines.append(line)
    return "\r\n".join(lines)


def _encoded_words(value: str, room: int) -> list[str]:
    """``value`` as RFC 2047 encoded words of UTF-8 in base64, each within ``room``
    characters (the first line's, after the header's name: the others have more) and none
    splitting a character. Whitespace between encoded words is not part of the text (RFC
    2047 section 6.2), so the spaces of ``value`` are encoded with it."""
    most = (room - _FRAME) // 4 * 3  # bytes: base64 writes 4 characters for each 3
    words: list[str] = []
    chunk = bytearray()
    for char in value:
        encoded = char.encode("utf-8")
        if len(chunk) + len(encoded) > most:
            words.append(f"=?utf-8?b?{base64.b64encode(chunk).decode('ascii')}?=")
            chunk.clear()
        chunk += encoded
    words.append(f"=?utf-8?b?{base64.b64encode(chunk).decode('ascii')}?=")
    return words


@lru_cache(maxsize=64)
def _address_of(sender: str) -> str:
    """The envelope sender of a ``From`` value (one sender sends every reply of a run)."""
    return parseaddr(sender)[1]


def recipients_of(to: str) -> tuple[str, ...]:
    """The addresses of a ``To`` value, an address alone read as it is."""
    if _BARE.fullmatch(to):
        return (to,)
    return tuple(address for _name, address in getaddresses([to]) if address)


def plain_text_mail(sender: str, to: str, headers: Sequence[tuple[str, str]],
                    text: str) -> WireMessage | None:
    """The mail from ``sender`` to ``to`` (header values, ``Name <a@b>`` or ``a@b``; ``to``
    may name several, separated by commas, and the mail goes to each) with
    ``headers`` after ``From`` and ``To`` and ``text`` as its UTF-8 body; None when an address is
    not ASCII. Header values must hold no line breaks (raises ``ValueError``)."""
    if not (sender.isascii() and to.isascii()):
        return None
    lines = []
    for name, value in (("From", sender), ("To", to), *headers):
        if "\r" in value or "\n" in value:
            raise ValueError(f"a line break in the {name} header")
        lines.append(_fold(name, value))
    lines += ["MIME-Version: 1.0", 'Content-Type: text/plain; charset="utf-8"',
              "Content-Transfer-Encoding: quoted-printable"]
    lines_of_text = text.replace("\r\n", "\n").replace("\r", "\n")  # one kind of line end
    body = binascii.b2a_qp(lines_of_text.encode("utf-8"), istext=True)
    if not body.endswith(b"\n"):
        body += b"\n"
    data = ("\r\n".join(lines) + "\r\n\r\n").encode("ascii") + body.replace(b"\n", b"\r\n")
    return WireMessage(sender=_address_of(sender), recipients=recipients_of(to), data=data)

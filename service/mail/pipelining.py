"""Messages over an SMTP session in one round trip each instead of four (RFC 2920,
``PIPELINING``), for servers that offer it: Microsoft 365, Exchange, Postfix and most relays
do.

``smtplib.SMTP.sendmail`` waits for the server's answer to each of MAIL, RCPT and DATA
before it sends the next command, then for the answer to the message's end: four waits per
message. A poll run sends a receipt per report, and each wait is a round trip to the relay
plus, while the poller is busy, the wait for the courier's thread to run again: on one busy
two-core machine that was some 9 ms per receipt, and the receipts of the last batches were
still going out seconds after the poll had done everything else. Here MAIL, every RCPT and
DATA go in one write and their answers are read together (RFC 2920 section 3.1: DATA may
end a group), and each message's text and its end go in the same write as the next
message's commands (the text may begin a group): each message costs one wait, and the
last one's end a wait of its own (a single message: two).

:func:`sendmail_each` keeps ``sendmail``'s contract for each message: the same exceptions
for the same answers (``SMTPSenderRefused``, ``SMTPRecipientsRefused``, ``SMTPDataError``),
the recipients refused while the others took the message returned, the session reset after
a refusal and closed after ``421``.
"""

from __future__ import annotations

import contextlib
import re
import smtplib
from collections.abc import Iterable, Iterator, Sequence
from functools import lru_cache

__all__ = ["Envelope", "offers_pipelining", "sendmail_each"]

#: a message as it is sent: its sender, its recipients and its text (CRLF line ends)
Envelope = tuple[str, Sequence[str], bytes]

_LINE_START_DOT = re.compile(rb"(?m)^\.")
#: an address as MAIL and RCPT give it: the sender is the same for every message, the
#: recipients a ministry's institutions, and quoting parses the address each time
_quoted = lru_cache(maxsize=1024)(smtplib.quoteaddr)


def offers_pipelining(client: smtplib.SMTP) -> bool:
    """Whether the session's server said ``PIPELINING`` in its answer to EHLO."""
    return bool(client.does_esmtp and client.has_extn("pipelining"))


def _reset(client: smtplib.SMTP) -> None:
    """RSET after a refusal, so the session can take the next message (a server gone
    meanwhile is found by the next message)."""
    with contextlib.suppress(smtplib.SMTPServerDisconnected):
        client.rset()


def _end_of_data(data: bytes) -> bytes:
    """The message as DATA carries it: a line that starts with a dot gets another (RFC 5321
    section 4.5.2), then the line with the dot alone."""
    stuffed = _LINE_START_DOT.sub(b"..", data)
    if not stuffed.endswith(b"\r\n"):
        stuffed += b"\r\n"
    return stuffed + b".\r\n"


def sendmail_each(client: smtplib.SMTP,
                  envelopes: Iterable[Envelope]) -> Iterator[dict[str, tuple[int, bytes]]]:
    """Send each envelope over ``client`` (its server offers PIPELINING), each message's
    text with the next one's commands: for each message in turn, the recipients refused
    while the others took it. At the first message that is not taken, what ``SMTP.sendmail``
    raises for it is raised and no later message is sent; when the next one's commands
    had gone with its text, the session is closed (which ends that transaction unsent)."""
    ending = b""  # the previous message's text and end, sent with the next one's commands
    refused: dict[str, tuple[int, bytes]] = {}
    for sender, recipients, data in envelopes:
        try:
            commands = _commands(client, sender, recipients, len(data))
        except ValueError:  # an address the session cannot say: this message's, not the last's
            if ending:
                client.send(ending)
                _taken(client, reset=True)
                yield refused
            raise
        client.send(ending + commands)
        if ending:
            try:
                _taken(client, reset=False)
            except smtplib.SMTPException:
                client.close()  # this message's commands are on their way: given up
                raise
            yield refused
        refused = _answered(client, sender, recipients)
        ending = _end_of_data(data)
    if ending:
        client.send(ending)
        _taken(client, reset=True)
        yield refused


def _commands(client: smtplib.SMTP, sender: str, recipients: Sequence[str],
              size: int) -> bytes:
    """A message's MAIL, RCPT and DATA, as one group."""
    options = f" SIZE={size}" if client.has_extn("size") else ""
    commands = [f"MAIL FROM:{_quoted(sender)}{options}",
                *(f"RCPT TO:{_quoted(to)}" for to in recipients), "DATA"]
    return "".join(f"{command}\r\n" for command in commands).encode(client.command_encoding)


def _answered(client: smtplib.SMTP, sender: str,
              recipients: Sequence[str]) -> dict[str, tuple[int, bytes]]:
    """The answers to a message's MAIL, RCPT and DATA: the recipients refused when the
    server waits for the text (``354``), else ``sendmail``'s exception."""
    code, answer = client.getreply()
    if code == 421:  # the server closes: nothing else comes
        client.close()
        raise smtplib.SMTPSenderRefused(code, answer, sender)
    mail_refused = None if code == 250 else (code, answer)
    refused: dict[str, tuple[int, bytes]] = {}
    for to in recipients:
        code, answer = client.getreply()
        if code not in (250, 251):
            refused[to] = (code, answer)
        if code == 421:
            client.close()
            raise smtplib.SMTPRecipientsRefused(refused)
    code, answer = client.getreply()  # to DATA
    taken = mail_refused is None and len(refused) < len(recipients)
    if code == 354 and not taken:  # a server that says go on regardless: an empty message
        client.send(b".\r\n")
        client.getreply()
    if mail_refused is not None:
        _reset(client)
        raise smtplib.SMTPSenderRefused(*mail_refused, sender)
    if not taken:
        _reset(client)
        raise smtplib.SMTPRecipientsRefused(refused)
    if code != 354:
        _failed(client, code, answer, reset=True)
    return refused


def _taken(client: smtplib.SMTP, reset: bool) -> None:
    """The answer to a message's end: taken, else ``SMTPDataError`` (the session reset for
    the next message when ``reset``, closed after ``421``)."""
    code, answer = client.getreply()
    if code != 250:
        _failed(client, code, answer, reset)


def _failed(client: smtplib.SMTP, code: int, answer: bytes, reset: bool) -> None:
    if code == 421:
        client.close()
    elif reset:
        _reset(client)
    raise smtplib.SMTPDataError(code, answer)

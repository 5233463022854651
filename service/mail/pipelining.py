"""One message over an SMTP session in two round trips instead of four (RFC 2920,
``PIPELINING``), for servers that offer it: Microsoft 365, Exchange, Postfix and most relays
do.

``smtplib.SMTP.sendmail`` waits for the server's answer to each of MAIL, RCPT and DATA
before it sends the next command, then for the answer to the message's end: four waits per
message. A poll run sends a receipt per report, and each wait is a round trip to the relay
plus, while the poller is busy, the wait for the courier's thread to run again: on one busy
two-core machine that was some 9 ms per receipt, and the receipts of the last batches were
still going out seconds after the poll had done everything else. Here MAIL, every RCPT and
DATA go in one write and their answers are read together (RFC 2920 section 3.1: DATA may
end a group), then the message's text and its end.

:func:`sendmail` keeps ``sendmail``'s contract: the same exceptions for the same answers
(``SMTPSenderRefused``, ``SMTPRecipientsRefused``, ``SMTPDataError``), the recipients refused
while the others took the message returned, the session reset after a refusal and closed
after ``421``.
"""

from __future__ import annotations

import contextlib
import re
import smtplib
from collections.abc import Sequence

__all__ = ["offers_pipelining", "sendmail"]

_LINE_START_DOT = re.compile(rb"(?m)^\.")


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


def sendmail(client: smtplib.SMTP, sender: str, recipients: Sequence[str],
             data: bytes) -> dict[str, tuple[int, bytes]]:
    """Send ``data`` (CRLF line ends) from ``sender`` to ``recipients`` over ``client``, a
    session whose server offers PIPELINING: the recipients refused while the others took
    the message, as ``SMTP.sendmail`` returns them; its exceptions otherwise."""
    options = f" SIZE={len(data)}" if client.has_extn("size") else ""
    commands = [f"MAIL FROM:{smtplib.quoteaddr(sender)}{options}",
                *(f"RCPT TO:{smtplib.quoteaddr(to)}" for to in recipients), "DATA"]
    client.send("".join(f"{command}\r\n" for command in commands))
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
    if code == 354:
        client.send(_end_of_data(data))
        code, answer = client.getreply()
        if code == 250:
            return refused
    if code == 421:
        client.close()
    else:
        _reset(client)
    raise smtplib.SMTPDataError(code, answer)

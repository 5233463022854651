"""The local mail server of ``mrp local``: one SMTP port on loopback (aiosmtpd) that takes
both the reports people send in and the mail the service sends out, routed by recipient.

- Mail to the intake address is APPENDed to the local IMAP server's intake folder, where
  the poller picks it up as it would from the ministry's mailbox.
- Mail to any other address (receipts, answers, reminders) is delivered nowhere: it is
  printed in full on standard output (its headers, its text, its attachments by name and
  size) between two separator lines, while the web server's access log goes to a file.
"""

from __future__ import annotations

import asyncio
import email
import logging
import threading
from collections.abc import Callable
from email import policy
from email.message import EmailMessage
from email.utils import formatdate
from typing import Any

import click

log = logging.getLogger("mrp.local")

#: the first and last line around each mail printed
RULE = "=" * 24
#: MIME plumbing, left out of the headers printed
_PLUMBING = {"content-type", "content-transfer-encoding", "mime-version"}

_output = threading.Lock()


def echo(text: str) -> None:
    """One block of text on standard output, never interleaved with another thread's."""
    with _output:
        click.echo(text)


def render(raw: bytes, recipients: list[str]) -> str:
    """A mail as a person reads it: headers, the text, and the attachments named."""
    msg = email.message_from_bytes(raw, policy=policy.default)
    assert isinstance(msg, EmailMessage)
    lines = ["", f"{RULE} mail from mrp to {', '.join(recipients)} {RULE}"]
    lines += [f"{name}: {value}" for name, value in msg.items()
              if name.lower() not in _PLUMBING]
    body = msg.get_body(preferencelist=("plain",))
    text = body.get_content() if body is not None else "(no text)"
    lines += ["", str(text).rstrip("\n")]
    attachments = [part for part in msg.walk()
                   if part is not body and not part.is_multipart()
                   and (part.get_content_disposition() == "attachment" or part.get_filename())]
    if attachments:
        lines += ["", "Attachments:"]
        for part in attachments:
            size = len(part.get_payload(decode=True) or b"")
            lines.append(f"  {part.get_filename() or '(no name)'} "
                         f"({part.get_content_type()}, {size} bytes)")
    lines.append(f"{RULE} end of mail {RULE}")
    return "\n".join(lines)


class LocalMail:
    """aiosmtpd handler: ``deliver`` puts a mail for ``intake_address`` in the intake
    folder (it may block: it runs in a thread); ``show`` prints the others."""

    def __init__(self, intake_address: str, deliver: Callable[[bytes], None],
                 show: Callable[[str], None] = echo) -> None:
        self.intake_address = intake_address.strip().lower()
        self.deliver = deliver
        self.show = show

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        intake = [r for r in envelope.rcpt_tos if r.strip().lower() == self.intake_address]
        others = [r for r in envelope.rcpt_tos if r not in intake]
        raw = bytes(envelope.original_content or envelope.content)
        if intake:
            received = (f"Received: from {session.host_name or 'localhost'} "
                        f"({session.peer[0]}) by mrp.localhost with SMTP; "
                        f"{formatdate(localtime=True)}\r\n").encode("ascii", "replace")
            try:
                await asyncio.get_running_loop().run_in_executor(
                    None, self.deliver, received + raw)
            except Exception as exc:
                log.warning("the local intake mailbox did not take a mail: %s", exc)
                return "451 4.3.0 The local intake mailbox did not take the mail; try again"
            echo(f"mail from {envelope.mail_from or '<>'} put in the intake mailbox "
                 f"({self.intake_address}); the next poll reads it")
        if others:
            self.show(render(raw, others))
        return "250 OK"


def start_server(handler: LocalMail, port: int) -> Any:
    """The SMTP server on 127.0.0.1:``port``, running in its own thread; stop it with
    ``.stop()``."""
    from aiosmtpd.controller import Controller

    controller = Controller(handler, hostname="127.0.0.1", port=port, enable_SMTPUTF8=True)
    try:
        controller.start()
    except OSError as exc:
        raise click.ClickException(f"no SMTP server on 127.0.0.1:{port}: {exc.strerror or exc}"
                                   " (choose another with --smtp-port)") from exc
    return controller

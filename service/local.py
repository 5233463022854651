"""Everything on one machine for a first look (``make run`` / ``mrp local``): the API and
dashboard on SQLite, a local IMAP server (pymap) with the poller attached, a local SMTP sink
that prints the receipts, the demo plans, and a few sample reports mailed in.

Not for production: ``mrp serve`` and ``mrp intake run`` are (see docker-compose.yml).
"""

from __future__ import annotations

import io
import logging
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from email.message import EmailMessage
from email.utils import make_msgid
from typing import Any

import click
from flask import Flask
from sqlalchemy import func, select

from service.domain.demo import DEMO_MAILBOX
from service.domain.models import ApiToken, InboundMessage, Plan
from service.extensions import db

log = logging.getLogger("mrp.local")

IMAP_USER = "opfoelgning"
IMAP_PASSWORD = "demo"  # a throw-away mailbox on loopback only
MAILBOX_ADDRESS = "opfoelgning@mrp.localhost"


def _wait_for_port(port: int, timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.1)
    raise click.ClickException(f"nothing listens on 127.0.0.1:{port} after {timeout:g} s")


def _fresh_tokens() -> dict[str, str]:
    """New demo tokens each run (secrets are never stored, so old ones cannot be shown);
    the previous run's are revoked."""
    from service.clock import utcnow
    from service.domain.tokens import create_token

    for token in db.session.scalars(
        select(ApiToken).where(ApiToken.name.like("demo %"), ApiToken.revoked_at.is_(None))
    ):
        token.revoked_at = utcnow()
    db.session.commit()
    return {
        "admin": create_token(role="admin", name="demo admin")[1],
        "department SKM": create_token(role="department", name="demo department",
                                       ministry="SKM")[1],
        "institution UFST": create_token(role="institution", name="demo institution",
                                         institution="UFST")[1],
    }


def _mail(sender: str, subject: str, filename: str, data: bytes, ctype: str,
          **headers: str) -> bytes:
    msg = EmailMessage()
    msg["From"] = sender
    msg["To"] = MAILBOX_ADDRESS
    msg["Subject"] = subject
    msg["Message-ID"] = make_msgid(domain=sender.split("@")[-1])
    for name, value in headers.items():
        msg[name.replace("_", "-")] = value
    msg.set_content("Hermed vores opfølgning.\n\nVenlig hilsen\n")
    if data:
        maintype, subtype = ctype.split("/")
        msg.add_attachment(data, maintype=maintype, subtype=subtype, filename=filename)
    return bytes(msg)


def sample_mails() -> list[bytes]:
    """For the current half-year (by the clock): a filled-in template (accepted), a CSV with
    errors (rejected), an out-of-office reply (ignored) and a report from an unknown sender
    (quarantined)."""
    import openpyxl

    from service.clock import utcnow
    from service.domain.demo import half_years
    from service.exports.template import followup_template
    from service.vocabulary import period_words

    current, _previous = half_years(utcnow().date())
    year = current.year
    ufst = db.session.scalar(select(Plan).where(Plan.reference == f"UFST-{year}"))
    mails: list[bytes] = []
    if ufst is not None:
        _name, data = followup_template(ufst, str(current))
        wb = openpyxl.load_workbook(io.BytesIO(data))
        ws = wb["Opfølgning"]
        answers = {"M1": ("På rette spor", 35, 50, "Sagsbehandlingstiden falder som planlagt."),
                   "M2": ("Udfordret", None, 40, "Pilotdriften er forsinket to måneder."),
                   "M3": ("På rette spor", None, 50, "Første analyser er leveret."),
                   "M4": ("Ikke på rette spor", 8.9, 20, "Sygefraværet er steget.")}
        for row in ws.iter_rows(min_row=9):
            code = row[0].value
            if code in answers:
                status, value, progress, comment = answers[code]
                row[8].value, row[9].value, row[10].value, row[11].value = (
                    status, value, progress, comment)
        out = io.BytesIO()
        wb.save(out)
        mails.append(_mail("UFST Opfølgning <opfoelgning@ufst.dk>",
                           f"Opfølgning UFST-{year} {period_words(current)}", "opfølgning.xlsx",
                           out.getvalue(),
                           "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"))
    csv = "Mål-ID;Status;Målt værdi;Fremdrift (%);Kommentar\r\nM1;grøn;91,5;60;\r\n" \
          "M7;gul;;;Forkert mål\r\n"
    mails.append(_mail("mrp@motorst.dk", f"[MST-{year}] Opfølgning {current}", "opfølgning.csv",
                       csv.encode("utf-8-sig"), "text/csv"))
    mails.append(_mail("anne@ufst.dk", "Automatisk svar: Fraværende", "", b"", "",
                       Auto_Submitted="auto-replied"))
    mails.append(_mail("ukendt@example.org", f"Opfølgning DST-{year} {current}", "rapport.csv",
                       csv.encode(), "text/csv"))
    return mails


class _ReceiptPrinter:
    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        import email
        from email import policy

        msg = email.message_from_bytes(envelope.content, policy=policy.default)
        click.echo(f"\n--- receipt to {', '.join(envelope.rcpt_tos)}: {msg['Subject']}")
        return "250 OK"


def run_local(app: Flask, *, host: str, port: int, imap_port: int, smtp_port: int,
              interval: float) -> None:
    from flask_migrate import upgrade

    from service.domain.demo import load_demo
    from service.intake.imap import Mailbox
    from service.intake.service import poll_once
    from service.intake.settings import mailboxes

    upgrade()
    click.echo(load_demo())
    tokens = _fresh_tokens()
    children: list[subprocess.Popen[bytes]] = []
    smtp = None
    try:
        children.append(subprocess.Popen(
            [sys.executable, "-c", "from pymap.main import main; main()",
             "--host", "127.0.0.1", "--port", str(imap_port),
             "dict", "--demo-user", IMAP_USER, "--demo-password", IMAP_PASSWORD],
        ))
        _wait_for_port(imap_port)
        try:
            from aiosmtpd.controller import Controller

            smtp = Controller(_ReceiptPrinter(), hostname="127.0.0.1", port=smtp_port)
            smtp.start()
        except ImportError:
            click.echo("aiosmtpd is not installed: receipts wait for an SMTP server.")
        app.config.update(
            IMAP_HOST="127.0.0.1", IMAP_PORT=imap_port, IMAP_USERNAME=IMAP_USER,
            IMAP_PASSWORD=IMAP_PASSWORD, IMAP_SECURITY="none", INTAKE_MAILBOXES="",
            SMTP_HOST="127.0.0.1", SMTP_PORT=smtp_port, SMTP_SECURITY="none",
            SMTP_USERNAME="", MAIL_FROM=MAILBOX_ADDRESS,
        )
        # once: the demo's own quarantined mail is in no mailbox
        if not db.session.scalar(select(func.count()).select_from(InboundMessage)
                                 .where(InboundMessage.mailbox != DEMO_MAILBOX)):
            with Mailbox(mailboxes(app.config)[0]) as mailbox:
                for raw in sample_mails():
                    mailbox.append("INBOX", raw)
        env = {**os.environ, "MRP_DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"]}
        children.append(subprocess.Popen(
            [sys.executable, "-m", "service", "serve", "--host", host, "--port", str(port),
             "--workers", "2"], env=env,
        ))
        _wait_for_port(port)
        url = f"http://{host}:{port}"
        click.echo(
            f"\nmrp runs at {url}  (dashboard {url}/, API {url}/api/v1, docs {url}/api/docs)\n"
            f"Local IMAP 127.0.0.1:{imap_port} (user {IMAP_USER}, password {IMAP_PASSWORD}), "
            f"polled every {interval:g} s; receipts are printed here.\n"
            + "".join(f"  {role} token: {secret}\n" for role, secret in tokens.items())
            + "Stop with Ctrl-C."
        )
        stop = threading.Event()
        for sig in (signal.SIGTERM, signal.SIGINT):
            signal.signal(sig, lambda *_: stop.set())
        while not stop.is_set():
            for result in poll_once():
                if result.fetched or not result.ok:
                    click.echo(f"poll {result.mailbox}: fetched {result.fetched} "
                               f"{result.states or ''} {result.error or ''}".rstrip())
            stop.wait(interval)
    finally:
        for child in reversed(children):
            child.terminate()
        for child in children:
            try:
                child.wait(10)
            except subprocess.TimeoutExpired:
                child.kill()
        if smtp is not None:
            smtp.stop()

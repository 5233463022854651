"""Everything on one machine for a first look (``make run`` / ``mrp local``): the API and
dashboard on SQLite, a local IMAP server (pymap) with the poller attached, a local SMTP
server that takes reports in and prints the mail the service sends (``mail.py``), the demo
plans, demo tokens that stay the same after a restart (``tokens.py``), and a few sample
reports mailed in (``samples.py``).

Not for production: ``mrp serve`` and ``mrp intake run`` are (see docker-compose.yml).
"""

from __future__ import annotations

import logging
import os
import shlex
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import click
from flask import Flask
from sqlalchemy import func, select

from service.domain.demo import DEMO_MAILBOX
from service.domain.models import InboundMessage
from service.extensions import db
from service.local.mail import LocalMail, echo, start_server
from service.local.samples import UFST_SENDER, example_report, sample_mails
from service.local.tokens import FILE_NAME as TOKENS_FILE
from service.local.tokens import demo_tokens

log = logging.getLogger("mrp.local")

IMAP_USER = "opfoelgning"
IMAP_PASSWORD = "demo"  # a throw-away mailbox on loopback only
MAILBOX_ADDRESS = "opfoelgning@mrp.localhost"
#: in the instance folder: the report the printed example commands send, and the access log
EXAMPLE_FILE = "example-report.eml"
ACCESS_LOG = "access.log"


def _wait_for_port(port: int, timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.1)
    raise click.ClickException(f"nothing listens on 127.0.0.1:{port} after {timeout:g} s")


def banner(*, url: str, smtp_port: int | None, imap_port: int, interval: float,
           instance: Path, tokens: dict[str, str]) -> str:
    """What the terminal shows once everything runs."""
    example = shlex.quote(str(instance / EXAMPLE_FILE))
    lines = [
        "",
        f"mrp runs at {url}",
        f"  Dashboard:        {url}/  (sign in with a token below)",
        f"  API:              {url}/api/v1  (docs {url}/api/docs)",
        f"  Intake address:   {MAILBOX_ADDRESS}",
    ]
    if smtp_port is None:
        lines.append("  aiosmtpd is not installed (pip install -e '.[local]'): no SMTP server, "
                     "the service's mail waits unsent.")
    else:
        lines += [
            f"  SMTP submission:  127.0.0.1:{smtp_port}  (no login, no TLS)",
            f"Send a report in (mail to {MAILBOX_ADDRESS} is put in the intake mailbox, "
            "which is polled):",
            f"  python3 -c \"import smtplib, sys; smtplib.SMTP('127.0.0.1', {smtp_port})"
            f".sendmail('{UFST_SENDER}', ['{MAILBOX_ADDRESS}'], "
            f"open(sys.argv[1], 'rb').read())\" {example}",
            f"  swaks --server 127.0.0.1:{smtp_port} --from {UFST_SENDER} "
            f"--to {MAILBOX_ADDRESS} --data {example}",
            "Mail the service sends (receipts, answers, reminders) goes to the same port and "
            "is printed here in full, between ==== lines.",
        ]
    lines += [
        f"Local IMAP 127.0.0.1:{imap_port} (user {IMAP_USER}, password {IMAP_PASSWORD}), "
        f"polled every {interval:g} s.",
        f"The web server's access log: {instance / ACCESS_LOG}",
        f"Demo tokens (the same after a restart, kept in {instance / TOKENS_FILE}):",
        *(f"  {role} token: {secret}" for role, secret in tokens.items()),
        "Stop with Ctrl-C.",
    ]
    return "\n".join(lines)


def _mail_server(app: Flask, smtp_port: int) -> Any:
    """The local SMTP server, or None without aiosmtpd."""
    from service.intake.imap import Mailbox
    from service.intake.settings import mailboxes

    settings = mailboxes(app.config)[0]

    def deliver(raw: bytes) -> None:
        with Mailbox(settings) as mailbox:
            mailbox.append(settings.folder, raw)

    try:
        return start_server(LocalMail(MAILBOX_ADDRESS, deliver), smtp_port)
    except ImportError:
        return None


def run_local(app: Flask, *, host: str, port: int, imap_port: int, smtp_port: int,
              interval: float) -> None:
    from flask_migrate import upgrade

    from service.domain.demo import load_demo
    from service.intake.imap import Mailbox
    from service.intake.service import poll_once
    from service.intake.settings import mailboxes

    instance = Path(app.instance_path)
    upgrade()
    click.echo(load_demo())
    tokens = demo_tokens(instance)
    children: list[subprocess.Popen[bytes]] = []
    smtp = None
    access_log = (instance / ACCESS_LOG).open("ab")
    try:
        children.append(subprocess.Popen(
            [sys.executable, "-c", "from pymap.main import main; main()",
             "--host", "127.0.0.1", "--port", str(imap_port),
             "dict", "--demo-user", IMAP_USER, "--demo-password", IMAP_PASSWORD],
        ))
        _wait_for_port(imap_port)
        app.config.update(
            IMAP_HOST="127.0.0.1", IMAP_PORT=imap_port, IMAP_USERNAME=IMAP_USER,
            IMAP_PASSWORD=IMAP_PASSWORD, IMAP_SECURITY="none", IMAP_FOLDER="INBOX",
            INTAKE_MAILBOXES="", SMTP_HOST="127.0.0.1", SMTP_PORT=smtp_port,
            SMTP_SECURITY="none", SMTP_AUTH="password", SMTP_USERNAME="",
            MAIL_FROM=MAILBOX_ADDRESS, INTAKE_ADDRESS=MAILBOX_ADDRESS,
        )
        smtp = _mail_server(app, smtp_port)
        (instance / EXAMPLE_FILE).write_bytes(example_report(MAILBOX_ADDRESS))
        # once: the demo's own quarantined mail is in no mailbox
        if not db.session.scalar(select(func.count()).select_from(InboundMessage)
                                 .where(InboundMessage.mailbox != DEMO_MAILBOX)):
            with Mailbox(mailboxes(app.config)[0]) as mailbox:
                for raw in sample_mails(MAILBOX_ADDRESS):
                    mailbox.append("INBOX", raw)
        env = {**os.environ, "MRP_DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"],
               "MRP_INSTANCE_PATH": str(instance)}
        # gunicorn writes its access log to standard output: into the file, so that the
        # terminal shows what happens to the mail
        children.append(subprocess.Popen(
            [sys.executable, "-m", "service", "serve", "--host", host, "--port", str(port),
             "--workers", "2"], env=env, stdout=access_log,
        ))
        _wait_for_port(port)
        echo(banner(url=f"http://{host}:{port}", smtp_port=None if smtp is None else smtp_port,
                    imap_port=imap_port, interval=interval, instance=instance, tokens=tokens))
        stop = threading.Event()
        for sig in (signal.SIGTERM, signal.SIGINT):
            signal.signal(sig, lambda *_: stop.set())
        while not stop.is_set():
            for result in poll_once():
                if result.fetched or not result.ok:
                    echo(f"poll {result.mailbox}: fetched {result.fetched} "
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
        access_log.close()

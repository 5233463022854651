"""What the intake benchmark (``bench/intake.py``) sends and where: report mails, an IMAP
server (pymap in a process of its own, or a throw-away Dovecot), the app with its plans, the ceiling
(fetch and parse, nothing stored), and a receiving SMTP server (aiosmtpd) in a process of
its own, so that what it costs is not paid by the poll being measured."""

from __future__ import annotations

import contextlib
import io
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from email.message import EmailMessage
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent

PERIOD = "2026-H1"
HEADER = ["Mål-ID", "Status", "Målt værdi", "Fremdrift (%)", "Kommentar"]
ROWS = [("M1", "På rette spor", "35", "50", "Følger planen.")]


# -- reports and mails ----------------------------------------------------------------------


def xlsx_report() -> bytes:
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.append(HEADER)
    for row in ROWS:
        ws.append(list(row))
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def csv_report(padding_bytes: int = 0) -> bytes:
    """``;``-separated, decimal comma; ``padding_bytes`` of extra notes after the goals, in a
    column beyond the report's (as a wide export has them): read past, never kept."""
    lines = [";".join([*HEADER, "Noter"])] + [";".join(row) for row in ROWS]
    text = "\r\n".join(lines) + "\r\n"
    if padding_bytes:
        note = ";;;;;" + "Ekstra noter fra økonomisystemet, ikke en del af rapporten. " * 2
        count = padding_bytes // (len(note.encode()) + 2) + 1
        text += "\r\n".join([note] * count) + "\r\n"
    return text.encode("utf-8")


def json_report(plan: str) -> bytes:
    return json.dumps({"plan": plan, "period": PERIOD, "goals": [
        {"goal": "M1", "status": "on_track", "value": 35, "progress": 50,
         "comment": "Følger planen."}]}, ensure_ascii=False).encode()


def report_mail(n: int, sender: str, plan: str, kind: str, attachment: bytes,
                run: str = "0") -> bytes:
    msg = EmailMessage()
    msg["From"] = sender
    msg["To"] = "opfoelgning@mrp.example"
    msg["Subject"] = f"[{plan}] Opfølgning {PERIOD}"
    msg["Date"] = "Wed, 01 Jul 2026 09:15:00 +0200"
    msg["Message-ID"] = f"<bench-{run}-{n}@example.dk>"
    msg.set_content("Hej\n\nRapporten er vedhæftet.\n\nMed venlig hilsen\nKontoret\n")
    if kind == "xlsx":
        msg.add_attachment(attachment, maintype="application",
                           subtype="vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                           filename="Opfølgning.xlsx")
    elif kind == "csv":
        msg.add_attachment(attachment, maintype="text", subtype="csv", filename="rapport.csv")
    else:
        msg.add_attachment(attachment, maintype="application", subtype="json",
                           filename="rapport.json")
    return msg.as_bytes(policy=msg.policy.clone(linesep="\r\n"))


def kinds(count: int) -> list[str]:
    """40 % XLSX, 30 % CSV, 30 % JSON, interleaved."""
    pattern = ["xlsx", "csv", "json", "xlsx", "csv", "json", "xlsx", "csv", "json", "xlsx"]
    return [pattern[i % 10] for i in range(count)]


# -- servers and the database ---------------------------------------------------------------


@contextlib.contextmanager
def imap_server(dovecot: bool) -> Iterator[Any]:
    """A fresh IMAP server (``.account()`` makes a new mailbox) and its certificate."""
    from tests.support import mailservers as ms

    certdir = Path(tempfile.mkdtemp(prefix="mrp-bench-cert-"))
    certdir.chmod(0o755)
    cert = ms.make_certificate(certdir)
    cert.key.chmod(0o644)
    try:
        if dovecot:
            binary = ms.dovecot_binary()
            if binary is None:
                raise SystemExit("dovecot is not installed")
            endpoint = ms.OAuth2Endpoint({ms.CLIENT_ID: ms.CLIENT_SECRET})
            endpoint.start()
            server = ms.DovecotServer(binary, cert, endpoint)
            try:
                server.start()
                yield server, cert
            finally:
                server.stop()
                endpoint.stop()
        else:
            process = PymapProcess(cert)
            try:
                yield process, cert
            finally:
                process.stop()
    finally:
        shutil.rmtree(certdir, ignore_errors=True)


class PymapProcess:
    """pymap in a process of its own, as a production IMAP server is (on another machine):
    what serving the mail costs is not paid by the poll being measured, as it would be by a
    server thread sharing the poller's interpreter. ``account()`` asks it for a new mailbox
    over its standard input."""

    def __init__(self, cert: Any) -> None:
        self.cert = cert
        self.process = subprocess.Popen(
            [sys.executable, str(Path(__file__).resolve()), "--pymap", str(cert.cert),
             str(cert.key)],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
            env={**os.environ, "PYTHONPATH": str(ROOT)},
        )
        assert self.process.stdout is not None
        self.ports = json.loads(self.process.stdout.readline())

    def account(self) -> Any:
        from tests.support import mailservers as ms

        assert self.process.stdin is not None and self.process.stdout is not None
        self.process.stdin.write("account\n")
        self.process.stdin.flush()
        username = self.process.stdout.readline().strip()
        return ms.ImapAccount(server="pymap", host=ms.HOST, ports=dict(self.ports),
                              username=username, password=ms.PASSWORD,
                              ssl_context=self.cert.client_context(),
                              no_starttls_port=self.ports["none"], delimiter="/")

    def stop(self) -> None:
        end_child(self.process)


def end_child(process: subprocess.Popen[str]) -> None:
    """End a server process of the bench: its standard input closed, killed if it lingers."""
    assert process.stdin is not None
    process.stdin.close()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def _serve_pymap(cert: str, key: str) -> None:
    """The pymap process: its ports as one JSON line, then a user name for each
    ``account`` line read; ends when its standard input closes."""
    from tests.support import mailservers as ms

    server = ms.PymapServer(ms.Certificate(Path(cert), Path(key)))
    server.start()
    print(json.dumps(server.ports), flush=True)
    try:
        for line in sys.stdin:
            if line.strip() == "account":
                username = ms.unique_user()
                server.add_user(username, ms.PASSWORD)
                print(username, flush=True)
    finally:
        server.stop()


def mails(plans: list[tuple[str, str]], count: int, run: str) -> list[bytes]:
    """``count`` report mails over ``plans`` in turn (a 40/30/30 mix of XLSX, CSV and JSON),
    each with a Message-ID of its own for ``run`` (so a run's mails are new to the database
    and to the raw store's duplicate check)."""
    xlsx, csv = xlsx_report(), csv_report()
    raws = []
    for n, kind in enumerate(kinds(count)):
        sender, plan = plans[n % len(plans)]
        attachment = {"xlsx": xlsx, "csv": csv}.get(kind) or json_report(plan)
        raws.append(report_mail(n, sender, plan, kind, attachment, run=run))
    return raws


# -- the app, its database and the mailbox ---------------------------------------------


def make_app(url: str, extra: dict[str, Any] | None = None) -> Any:
    from service import create_app

    return create_app({"DATABASE_URL": url, "SECRET_KEY": "bench", "PLUGIN_TIMEOUT": 10.0,
                       **(extra or {})})


def migrate(url: str, fresh_postgres: bool) -> None:
    from flask_migrate import upgrade
    from sqlalchemy import text

    from service.extensions import db

    app = make_app(url)
    with app.app_context():
        if fresh_postgres:
            with db.engine.begin() as conn:
                conn.execute(text("DROP SCHEMA public CASCADE"))
                conn.execute(text("CREATE SCHEMA public"))
        upgrade()
        db.session.remove()
        db.engine.dispose()
    app.extensions["mrp.plugins"].close()


def build_plans(app: Any, count: int, per_institution: int = 50) -> list[tuple[str, str]]:
    """``count`` approved plans with one goal (M1), over institutions of ``per_institution``
    plans each: ``[(sender address, plan reference)]``."""
    from tests.support.factories import goal_body, ok, plan_body

    client = app.test_client()
    with app.app_context():
        from service.domain.tokens import create_token

        _row, secret = create_token(role="admin", name="bench")
    admin = {"Authorization": f"Bearer {secret}"}
    ok(client.post("/api/v1/ministries", json={"code": "FM", "name": "Finansministeriet"},
                   headers=admin), 201)
    plans: list[tuple[str, str]] = []
    for i in range(0, count):
        code = f"I{i // per_institution:03d}"
        address = f"opfoelgning@{code.lower()}.example.dk"
        if i % per_institution == 0:
            ok(client.post("/api/v1/institutions", headers=admin, json={
                "code": code, "name": f"Styrelse {code}", "ministry": "FM",
                "reporting_addresses": [address]}), 201)
        plan = ok(client.post("/api/v1/plans", json=plan_body(code), headers=admin), 201)
        ok(client.post(f"/api/v1/plans/{plan['id']}/goals", json=goal_body("M1"),
                       headers=admin), 201)
        ok(client.post(f"/api/v1/plans/{plan['id']}/approve", headers=admin))
        plans.append((address, plan["reference"]))
    return plans


def ceiling(settings: Any) -> tuple[int, float]:
    """Fetch and parse every mail in INBOX, storing nothing: (mails, seconds)."""
    from service.intake.imap import Mailbox
    from service.intake.message import parse_message
    from service.intake.reports import builtin_parsers, choose_parser, read_with

    parsers = builtin_parsers()
    count = 0
    start = time.perf_counter()
    with Mailbox(settings) as mailbox:
        mailbox.select()
        for _uid, raw in mailbox.fetch(mailbox.uids()):
            mail = parse_message(raw)
            for att in mail.attachments:
                name, ctype = att.filename or "", att.content_type or ""
                parser = choose_parser(parsers, name, ctype, att.data)
                if parser is not None:
                    read_with(parser, name, ctype, att.data)
                    break
            count += 1
    return count, time.perf_counter() - start


def copy_back(settings: Any) -> None:
    """Processed → INBOX again, for the next database's run."""
    from service.intake.imap import Mailbox

    with Mailbox(settings) as mailbox:
        mailbox.select(settings.processed)
        uids = mailbox.uids()
        for start in range(0, len(uids), 500):
            mailbox.client.move(uids[start:start + 500], mailbox.server_name("INBOX"))


def append(settings: Any, raws: list[bytes]) -> None:
    from service.intake.imap import Mailbox

    with Mailbox(settings) as mailbox:
        for raw in raws:
            mailbox.append("INBOX", raw)


# -- the receiving SMTP server ----------------------------------------------------------------

SMTP_USER, SMTP_PASSWORD = "kvittering", "bench-smtp"


class SmtpProcess:
    """aiosmtpd on loopback in a process of its own, with STARTTLS (the bench's certificate),
    a password login and PIPELINING, as a real relay has; ``received()`` is how many messages it
    has taken (each ``250`` after DATA)."""

    def __init__(self, cert: Path, key: Path) -> None:
        self.countfile = Path(tempfile.mkdtemp(prefix="mrp-bench-smtp-")) / "received"
        self.countfile.touch()
        self.process = subprocess.Popen(
            [sys.executable, str(Path(__file__).resolve()), "--smtp", str(cert), str(key),
             str(self.countfile)],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
            env={**os.environ, "PYTHONPATH": str(ROOT)},
        )
        assert self.process.stdout is not None
        self.port = int(self.process.stdout.readline().strip())

    def received(self) -> int:
        return self.countfile.stat().st_size

    def wait_for(self, count: int, timeout: float = 30.0) -> bool:
        deadline = time.monotonic() + timeout
        while self.received() < count:
            if time.monotonic() > deadline:
                return False
            time.sleep(0.005)
        return True

    def stop(self) -> None:
        end_child(self.process)
        shutil.rmtree(self.countfile.parent, ignore_errors=True)


def _serve_smtp(cert: str, key: str, countfile: str) -> None:
    """The SMTP process: one byte appended to ``countfile`` per message taken; ends when its
    standard input closes."""
    import ssl

    from aiosmtpd.controller import Controller
    from aiosmtpd.smtp import AuthResult, LoginPassword

    from tests.support.mailservers import free_port, with_pipelining

    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)
    out = open(countfile, "ab", buffering=0)  # noqa: SIM115 - open for the process's life

    class Handler:
        async def handle_EHLO(self, server: Any, session: Any, envelope: Any, hostname: str,
                              responses: list[str]) -> list[str]:
            # PIPELINING, as the relays a ministry sends through say (Microsoft 365,
            # Exchange, Postfix)
            session.host_name = hostname
            return with_pipelining(responses)

        async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
            out.write(b".")
            return "250 OK"

    def authenticator(smtp: Any, session: Any, envelope: Any, mechanism: str,
                      data: Any) -> AuthResult:
        ok = (isinstance(data, LoginPassword) and data.login.decode() == SMTP_USER
              and data.password.decode() == SMTP_PASSWORD)
        return AuthResult(success=ok, handled=ok)

    port = free_port()
    controller = Controller(Handler(), hostname="127.0.0.1", port=port,
                            server_hostname="localhost", ready_timeout=10.0,
                            tls_context=context, require_starttls=True,
                            authenticator=authenticator, auth_require_tls=True)
    controller.start()
    print(port, flush=True)
    try:
        sys.stdin.read()
    finally:
        controller.stop()


if __name__ == "__main__" and sys.argv[1:2] == ["--smtp"]:
    sys.path.insert(0, str(ROOT))
    _serve_smtp(*sys.argv[2:5])
elif __name__ == "__main__" and sys.argv[1:2] == ["--pymap"]:
    sys.path.insert(0, str(ROOT))
    _serve_pymap(*sys.argv[2:4])

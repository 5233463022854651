"""Intake throughput and memory against a real IMAP server.

Starts a local IMAP server (pymap in-process by default; a throw-away Dovecot with
``--dovecot``), appends report mails (40 % XLSX, 30 % CSV, 30 % JSON, each for its own
approved plan and the period 2026-H1, so every one is accepted), then

* **ceiling**: fetches them (``BODY.PEEK[]`` in batches of 100) and parses each mail and
  its report (``parse_message``, ``choose_parser`` + ``read_with``), storing nothing;
* **ingest**: runs the real poller (fetch, store raw, process, move) into a fresh SQLite
  database, and into PostgreSQL too when ``MRP_BENCH_DATABASE_URL`` is set (its schema is
  dropped and migrated: use a database of its own);
* **memory**: ingests one mail with a 20 MB CSV attachment (size limits raised for that run)
  in a fresh process, and prints the peak of Python allocations (tracemalloc) and the growth
  of the peak RSS, each as a multiple of the attachment's size.

Prints one ``key: value`` line per result; ``ratio`` is ingest ÷ ceiling (target ≥ 0.5) and
``memory_peak_x`` the tracemalloc peak ÷ attachment size (target < 10). Exits 1 if a target
is missed.

    .venv/bin/python bench/intake.py [--mails 1000] [--dovecot] [--quick]
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import os
import resource
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
sys.path.insert(0, str(ROOT))

RATIO_TARGET = 0.5
MEMORY_TARGET = 10.0
MB = 1024 * 1024
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


def report_mail(n: int, sender: str, plan: str, kind: str, attachment: bytes) -> bytes:
    msg = EmailMessage()
    msg["From"] = sender
    msg["To"] = "opfoelgning@mrp.example"
    msg["Subject"] = f"[{plan}] Opfølgning {PERIOD}"
    msg["Date"] = "Wed, 01 Jul 2026 09:15:00 +0200"
    msg["Message-ID"] = f"<bench-{n}@example.dk>"
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
            server = ms.PymapServer(cert)
            server.start()
            try:
                yield server, cert
            finally:
                server.stop()
    finally:
        shutil.rmtree(certdir, ignore_errors=True)


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


# -- the measurements -----------------------------------------------------------------------


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


def ingest(app: Any, settings: Any) -> tuple[dict[str, int], float]:
    from service.intake import settings as intake_settings
    from service.intake.poller import poll_mailbox

    with app.app_context():
        opts = intake_settings.options(app.config)
        start = time.perf_counter()
        result = poll_mailbox(settings, opts)
        elapsed = time.perf_counter() - start
    if not result.ok:
        raise SystemExit(f"ingest failed: {result.error}")
    return result.states, elapsed


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


def run_throughput(args: argparse.Namespace, account: Any, workdir: Path) -> bool:
    settings = account.settings()
    sqlite_url = f"sqlite:///{workdir / 'bench.sqlite'}"
    migrate(sqlite_url, fresh_postgres=False)
    app = make_app(sqlite_url)
    t0 = time.perf_counter()
    plans = build_plans(app, args.plans)
    print(f"setup_plans: {len(plans)} in {time.perf_counter() - t0:.1f} s")

    xlsx, csv = xlsx_report(), csv_report()
    raws = []
    for n, kind in enumerate(kinds(args.mails)):
        sender, plan = plans[n % len(plans)]
        attachment = {"xlsx": xlsx, "csv": csv}.get(kind) or json_report(plan)
        raws.append(report_mail(n, sender, plan, kind, attachment))
    t0 = time.perf_counter()
    append(settings, raws)
    print(f"setup_append: {len(raws)} mails in {time.perf_counter() - t0:.1f} s "
          f"({account.server})")

    count, seconds = ceiling(settings)
    ceiling_rate = count / seconds
    print(f"ceiling_mails_per_s: {ceiling_rate:.1f} ({count} mails in {seconds:.2f} s, "
          "fetch + parse, nothing stored)")

    ok = True
    backends = [("sqlite", app)]
    pg_url = os.environ.get("MRP_BENCH_DATABASE_URL", "")
    if pg_url:
        migrate(pg_url, fresh_postgres=True)
        pg_app = make_app(pg_url)
        build_plans(pg_app, args.plans)
        backends.append(("postgresql", pg_app))
    for i, (name, backend_app) in enumerate(backends):
        if i:
            copy_back(settings)
        states, seconds = ingest(backend_app, settings)
        rate = args.mails / seconds
        ratio = rate / ceiling_rate
        print(f"ingest_{name}_mails_per_s: {rate:.1f} ({args.mails} mails in {seconds:.2f} s; "
              + ", ".join(f"{k} {v}" for k, v in sorted(states.items())) + ")")
        print(f"ratio_{name}: {ratio:.2f} (target >= {RATIO_TARGET})")
        if states.get("accepted") != args.mails:
            print(f"error: only {states.get('accepted', 0)} of {args.mails} accepted")
            ok = False
        ok = ok and ratio >= RATIO_TARGET
        backend_app.extensions["mrp.plugins"].close()
    return ok


def run_memory(args: argparse.Namespace, server: Any, cert: Any, workdir: Path) -> bool:
    """One mail with a large CSV, ingested in a fresh process (see ``memory_child``)."""
    size = int(args.memory_mb * MB)
    url = f"sqlite:///{workdir / 'memory.sqlite'}"
    migrate(url, fresh_postgres=False)
    app = make_app(url)
    sender, plan = build_plans(app, 1)[0]
    app.extensions["mrp.plugins"].close()
    attachment = csv_report(padding_bytes=size)
    raw = report_mail(0, sender, plan, "csv", attachment)
    memory_account = server.account()
    append(memory_account.settings(), [raw])
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    child = subprocess.run(
        [sys.executable, str(Path(__file__).resolve()), "--memory-child", json.dumps({
            "url": url, "host": memory_account.host, "port": memory_account.ports["ssl"],
            "username": memory_account.username, "password": memory_account.password,
            "ca_file": str(cert.cert), "attachment": len(attachment), "raw": len(raw)})],
        env=env, capture_output=True, text=True, timeout=600,
    )
    sys.stdout.write(child.stdout)
    if child.returncode != 0:
        sys.stderr.write(child.stderr)
        return False
    peak_x = float(next(line.split(":")[1].split()[0] for line in child.stdout.splitlines()
                        if line.startswith("memory_peak_x:")))
    return peak_x < MEMORY_TARGET


def memory_child(spec: dict[str, Any]) -> None:
    """Ingest the one mail in this fresh process, measuring its peak memory."""
    import tracemalloc

    from service.intake import settings as intake_settings
    from service.intake.poller import poll_mailbox

    big = 4 * spec["raw"]  # the mail's and the report parsers' limits, raised for this mail
    app = make_app(spec["url"], {
        "IMAP_HOST": spec["host"], "IMAP_PORT": spec["port"],
        "IMAP_USERNAME": spec["username"], "IMAP_PASSWORD": spec["password"],
        "IMAP_SECURITY": "ssl", "IMAP_CA_FILE": spec["ca_file"],
        "INTAKE_MAX_MESSAGE_BYTES": big, "INTAKE_MAX_ATTACHMENT_BYTES": big,
    })
    with app.app_context():
        opts = intake_settings.options(app.config)
        (mailbox,) = intake_settings.mailboxes(app.config)
        rss_before = _rss_now()
        tracemalloc.start()
        base = tracemalloc.get_traced_memory()[0]
        start = time.perf_counter()
        result = poll_mailbox(mailbox, opts)
        seconds = time.perf_counter() - start
        peak = tracemalloc.get_traced_memory()[1] - base
        tracemalloc.stop()
        rss_peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    app.extensions["mrp.plugins"].close()
    att = spec["attachment"]
    states = ", ".join(f"{k} {v}" for k, v in sorted(result.states.items()))
    print(f"memory_mail: attachment {att / MB:.1f} MB, raw mail {spec['raw'] / MB:.1f} MB, "
          f"{states or result.error}, {seconds:.2f} s (under tracemalloc)")
    print(f"memory_peak_x: {peak / att:.2f} (tracemalloc peak of Python allocations during "
          f"the poll, {peak / MB:.1f} MB; target < {MEMORY_TARGET:g})")
    print(f"memory_rss_x: {(rss_peak - rss_before) / att:.2f} (growth of peak RSS over RSS "
          f"before the poll, {(rss_peak - rss_before) / MB:.1f} MB)")
    if result.states.get("accepted") != 1:
        raise SystemExit(f"the large mail was not accepted: {result.states} {result.error}")


def _rss_now() -> int:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--mails", type=int, default=1000)
    parser.add_argument("--plans", type=int, default=None,
                        help="distinct plans the mails report on [default: one per mail]")
    parser.add_argument("--memory-mb", type=float, default=20.0)
    parser.add_argument("--dovecot", action="store_true", help="Dovecot instead of pymap")
    parser.add_argument("--quick", action="store_true",
                        help="a small run: 40 mails, a 1 MB attachment")
    parser.add_argument("--memory-child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.memory_child:
        memory_child(json.loads(args.memory_child))
        return
    if args.quick:
        args.mails, args.memory_mb = 40, 1.0
    args.plans = args.plans or args.mails
    import logging

    logging.getLogger("mrp").setLevel(logging.WARNING)
    workdir = Path(tempfile.mkdtemp(prefix="mrp-bench-"))
    try:
        with imap_server(args.dovecot) as (server, cert):
            ok = run_throughput(args, server.account(), workdir)
            ok = run_memory(args, server, cert, workdir) and ok
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    print(f"result: {'ok' if ok else 'target missed'}")
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()

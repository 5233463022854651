"""Intake end to end, as a sender waits for it: from report mails in an IMAP mailbox to the
last receipt taken by an SMTP server.

Starts a local IMAP server (pymap in a process of its own by default, as a production
server is; a throw-away Dovecot with ``--dovecot``) and a receiving SMTP server (aiosmtpd,
in a process of its own, with STARTTLS, a login and PIPELINING, as a production relay has),
and for each of two workloads,
``--repeat`` times over,

* **spread**: one report mail per plan (40 % XLSX, 30 % CSV, 30 % JSON), each for its own
  approved plan and the period 2026-H1;
* **oneplan**: the same number of mails, all for one plan and period (each supersedes the
  one before);

appends the mails to a new mailbox and measures

* **ceiling**: fetching them (``BODY.PEEK[]`` in batches of 100) and parsing each mail and
  its report (``parse_message``, ``choose_parser`` + ``read_with``), storing nothing;
* **end to end**: ``mrp intake poll --once`` as the CLI runs it (``poll_once``: fetch, store
  raw, decide, move, then every receipt over SMTP) into a fresh SQLite database, and into
  PostgreSQL too when ``MRP_BENCH_DATABASE_URL`` is set (its schema is dropped and migrated:
  use a database of its own); the run is done when the SMTP server has taken the last
  receipt.

``ratio_<workload>_<database>`` is end to end ÷ ceiling of the same repetition, the median
over the repetitions (targets: SQLite ≥ 0.8, PostgreSQL ≥ 0.6). Then

* **memory**: one mail with a 20 MB CSV attachment (size limits raised for it) polled in a
  fresh process, against the same poll of an empty mailbox: ``memory_rss_x`` is the growth
  of the process's peak resident memory (``VmHWM``, as an operator sees it) ÷ the
  attachment's size (target ≤ 10);
* **peer** (``--peer`` only): the same mails through django-helpdesk 2.6.1's ``get_email``
  (installed into a throw-away virtual environment under ``~/.cache/mrp-bench``, never into
  the project's), against mrp end to end with receipts on SQLite (target ≥ 4×).

Prints one ``key: value`` line per result and exits 1 if a target is missed.

    .venv/bin/python bench/intake.py [--mails 1000] [--repeat 5] [--dovecot] [--peer] [--quick]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from intake_mails import (  # noqa: E402
    SMTP_PASSWORD,
    SMTP_USER,
    SmtpProcess,
    append,
    build_plans,
    ceiling,
    copy_back,
    csv_report,
    imap_server,
    mails,
    make_app,
    migrate,
    report_mail,
)

TARGETS = {"sqlite": 0.8, "postgresql": 0.6}
MEMORY_TARGET = 10.0
PEER_TARGET = 4.0
HELPDESK = "django-helpdesk==2.6.1"
MB = 1024 * 1024
#: what a benchmark run leaves in the database, emptied before the next (PostgreSQL)
RUN_TABLES = ("outbound_message", "followup_finding", "followup_goal", "followup_review",
              "followup", "inbound_message", "intake_run", "audit_event")


def mail_config(account: Any, cert: Any, smtp: SmtpProcess | None,
                **extra: Any) -> dict[str, Any]:
    """The app's IMAP and SMTP settings for ``account`` and the bench's SMTP server."""
    config: dict[str, Any] = {
        "IMAP_HOST": account.host, "IMAP_PORT": account.ports["ssl"],
        "IMAP_USERNAME": account.username, "IMAP_PASSWORD": account.password,
        "IMAP_SECURITY": "ssl", "IMAP_CA_FILE": str(cert.cert),
        "MAIL_FROM": "mrp@mrp.example",
    }
    if smtp is not None:
        config.update(SMTP_HOST="127.0.0.1", SMTP_PORT=smtp.port, SMTP_SECURITY="starttls",
                      SMTP_USERNAME=SMTP_USER, SMTP_PASSWORD=SMTP_PASSWORD,
                      SMTP_CA_FILE=str(cert.cert))
    config.update(extra)
    return config


def end_to_end(url: str, config: dict[str, Any], smtp: SmtpProcess,
               count: int) -> tuple[float, dict[str, int]]:
    """``poll_once`` into ``url``: (seconds until the SMTP server took the last of ``count``
    receipts, the states)."""
    from service.intake.service import poll_once

    app = make_app(url, config)
    before = smtp.received()
    try:
        with app.app_context():
            start = time.perf_counter()
            results = poll_once()
            taken = smtp.wait_for(before + count)
            seconds = time.perf_counter() - start
            from service.extensions import db

            _say_why_rejected(db)
            db.session.remove()
            db.engine.dispose()
    finally:
        app.extensions["mrp.plugins"].close()
    states: dict[str, int] = {}
    for result in results:
        if not result.ok:
            raise SystemExit(f"poll failed: {result.error}")
        for key, value in result.states.items():
            states[key] = states.get(key, 0) + value
    states["receipts"] = smtp.received() - before
    if not taken:
        print(f"error: only {states['receipts']} of {count} receipts taken")
    return seconds, states


def _say_why_rejected(db: Any) -> None:
    """Every bench report is valid: a rejected one names its error findings."""
    from sqlalchemy import select

    from service.domain.models import FollowUp, FollowUpFinding

    for plan_id, rule, message in db.session.execute(
            select(FollowUp.plan_id, FollowUpFinding.rule, FollowUpFinding.message)
            .join(FollowUpFinding).where(FollowUp.status == "rejected",
                                         FollowUpFinding.severity == "error").limit(5)):
        print(f"error: plan {plan_id} rejected: {rule}: {message}")


def copy_sqlite(source: Path, target: Path) -> None:
    """A copy of a SQLite database with what its write-ahead log holds (a file copy would
    miss the last writes)."""
    import sqlite3

    with sqlite3.connect(source) as src, sqlite3.connect(target) as dst:
        src.backup(dst)
    src.close()
    dst.close()


def empty_postgres(url: str) -> None:
    from sqlalchemy import create_engine, text

    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(text(f"TRUNCATE {', '.join(RUN_TABLES)} RESTART IDENTITY CASCADE"))
    engine.dispose()


def _median_line(values: list[float]) -> str:
    shown = " ".join(f"{v:.2f}" for v in values)
    return f"median of {len(values)}: {shown}" if len(values) > 1 else "one run"


def run_workloads(args: argparse.Namespace, server: Any, cert: Any, smtp: SmtpProcess,
                  workdir: Path) -> bool:
    template = workdir / "template.sqlite"
    migrate(f"sqlite:///{template}", fresh_postgres=False)
    app = make_app(f"sqlite:///{template}")
    t0 = time.perf_counter()
    plans = build_plans(app, args.mails)
    app.extensions["mrp.plugins"].close()
    print(f"setup_plans: {len(plans)} in {time.perf_counter() - t0:.1f} s")
    backends = [("sqlite", "")]
    pg_url = os.environ.get("MRP_BENCH_DATABASE_URL", "")
    if pg_url:
        migrate(pg_url, fresh_postgres=True)
        pg_app = make_app(pg_url)
        build_plans(pg_app, args.mails)
        pg_app.extensions["mrp.plugins"].close()
        backends.append(("postgresql", pg_url))
    workloads = {"spread": plans, "oneplan": plans[:1]}
    ceilings: dict[str, list[float]] = {w: [] for w in workloads}
    ratios: dict[tuple[str, str], list[float]] = {}
    rates: dict[tuple[str, str], list[float]] = {}
    ok = True
    for rep in range(args.repeat):
        for workload, its_plans in workloads.items():
            account = server.account()
            settings = account.settings()
            raws = mails(its_plans, args.mails, run=f"{rep}-{workload}")
            t0 = time.perf_counter()
            append(settings, raws)
            if rep == 0:
                print(f"setup_append_{workload}: {len(raws)} mails in "
                      f"{time.perf_counter() - t0:.1f} s ({account.server})")
            count, seconds = ceiling(settings)
            ceiling_rate = count / seconds
            ceilings[workload].append(ceiling_rate)
            for i, (backend, url) in enumerate(backends):
                if i:
                    copy_back(settings)
                if backend == "sqlite":
                    run_file = workdir / f"run-{rep}-{workload}.sqlite"
                    copy_sqlite(template, run_file)
                    url = f"sqlite:///{run_file}"
                else:
                    empty_postgres(url)
                seconds, states = end_to_end(url, mail_config(account, cert, smtp), smtp,
                                             args.mails)
                rate = args.mails / seconds
                rates.setdefault((workload, backend), []).append(rate)
                ratios.setdefault((workload, backend), []).append(rate / ceiling_rate)
                if states.get("accepted") != args.mails or states["receipts"] != args.mails:
                    print(f"error: {workload} on {backend}: {states}")
                    ok = False
                if backend == "sqlite":
                    Path(url.removeprefix("sqlite:///")).unlink(missing_ok=True)
            print(f"run_{rep + 1}_{workload}: ceiling {ceiling_rate:.1f} mails/s, " + ", ".join(
                f"{b} {rates[(workload, b)][-1]:.1f} mails/s ({ratios[(workload, b)][-1]:.2f})"
                for b, _url in backends), flush=True)
    for workload in workloads:
        print(f"ceiling_{workload}_mails_per_s: {statistics.median(ceilings[workload]):.1f} "
              f"({args.mails} mails, fetch + parse, nothing stored; "
              f"{_median_line(ceilings[workload])})")
        for backend, _url in backends:
            rate = statistics.median(rates[(workload, backend)])
            ratio = statistics.median(ratios[(workload, backend)])
            target = TARGETS[backend]
            print(f"e2e_{workload}_{backend}_mails_per_s: {rate:.1f} ({args.mails} mails, "
                  f"receipts included; {_median_line(rates[(workload, backend)])})")
            print(f"ratio_{workload}_{backend}: {ratio:.2f} (target >= {target}; "
                  f"{_median_line(ratios[(workload, backend)])})")
            ok = ok and round(ratio, 2) >= target  # judged as printed
    return ok


# -- memory ---------------------------------------------------------------------------------


def run_memory(args: argparse.Namespace, server: Any, cert: Any, smtp: SmtpProcess,
               workdir: Path) -> bool:
    """One mail with a large CSV, polled in a fresh process, against an empty mailbox's poll
    in another (see ``memory_child``)."""
    size = int(args.memory_mb * MB)
    url = f"sqlite:///{workdir / 'memory.sqlite'}"
    migrate(url, fresh_postgres=False)
    app = make_app(url)
    sender, plan = build_plans(app, 1)[0]
    app.extensions["mrp.plugins"].close()
    attachment = csv_report(padding_bytes=size)
    raw = report_mail(0, sender, plan, "csv", attachment, run="memory")
    big = 4 * len(raw)  # the mail's and the report parsers' limits, raised for this mail
    peaks = {}
    for case in ("empty", "large"):
        account = server.account()
        if case == "large":
            append(account.settings(), [raw])
        # and the parse budget's, which a 20 MB CSV (some 160,000 rows) is far over; parsed
        # in the poll process itself (no worker pool), so its peak RSS holds all of it
        config = mail_config(account, cert, smtp, INTAKE_MAX_MESSAGE_BYTES=big,
                             INTAKE_MAX_ATTACHMENT_BYTES=big, INTAKE_MAX_ROWS=10**7,
                             INTAKE_MAX_CELLS=10**8, INTAKE_PARSE_SECONDS=600,
                             INTAKE_WORKERS=1)
        child = subprocess.run(
            [sys.executable, str(Path(__file__).resolve()), "--memory-child",
             json.dumps({"url": url, "config": config})],
            env={**os.environ, "PYTHONPATH": str(ROOT)}, capture_output=True, text=True,
            timeout=600,
        )
        if child.returncode != 0:
            sys.stderr.write(child.stderr)
            print(f"error: the memory poll ({case}) failed")
            return False
        peaks[case] = json.loads(child.stdout.strip().splitlines()[-1])
    large = peaks["large"]
    grown = large["peak"] - peaks["empty"]["peak"]
    print(f"memory_mail: attachment {len(attachment) / MB:.1f} MB, raw mail "
          f"{len(raw) / MB:.1f} MB, {large['states']}, {large['seconds']:.2f} s")
    print(f"memory_rss_x: {grown / len(attachment):.2f} (peak RSS of the poll process "
          f"{large['peak'] / MB:.0f} MB, over an empty mailbox's {peaks['empty']['peak'] / MB:.0f}"
          f" MB: {grown / MB:.1f} MB; target <= {MEMORY_TARGET:g})")
    return "accepted 1" in large["states"] and round(grown / len(attachment), 2) <= MEMORY_TARGET


def memory_child(spec: dict[str, Any]) -> None:
    """Poll once in this fresh process (the app made first, as ``mrp intake poll`` does) and
    print its peak resident memory."""
    from service.intake.service import poll_once

    app = make_app(spec["url"], spec["config"])
    with app.app_context():
        start = time.perf_counter()
        results = poll_once()
        seconds = time.perf_counter() - start
    app.extensions["mrp.plugins"].close()
    states = ", ".join(f"{k} {v}" for r in results for k, v in sorted(r.states.items()))
    print(json.dumps({"peak": _peak_rss(), "seconds": seconds,
                      "states": states or "nothing fetched"}))


def _peak_rss() -> int:
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) * 1024
    raise RuntimeError("no VmHWM in /proc/self/status")


# -- the peer -------------------------------------------------------------------------------


def helpdesk_python() -> tuple[Path | None, str]:
    """The Python of a throw-away virtual environment with django-helpdesk, made on first
    use; (None, why) when it cannot be installed (PyPI unreachable, say)."""
    cache = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "mrp-bench"
    venv = cache / HELPDESK.replace("==", "-")
    python = venv / "bin" / "python"
    check = [str(python), "-c", "import helpdesk"]
    if python.exists() and subprocess.run(check, capture_output=True).returncode == 0:
        return python, "cached"
    cache.mkdir(parents=True, exist_ok=True)
    subprocess.run([sys.executable, "-m", "venv", "--clear", str(venv)], check=True)
    done = subprocess.run([str(python), "-m", "pip", "install", "-q", HELPDESK],
                          capture_output=True, text=True, timeout=900)
    if done.returncode != 0:
        last = (done.stderr.strip().splitlines() or ["pip failed"])[-1]
        return None, f"{HELPDESK} could not be installed (is PyPI reachable?): {last}"
    return python, "installed"


def run_peer(args: argparse.Namespace, server: Any, cert: Any, smtp: SmtpProcess,
             workdir: Path) -> bool:
    python, how = helpdesk_python()
    if python is None:
        print(f"peer: skipped: {how}")
        return False
    template = workdir / "peer.sqlite"
    migrate(f"sqlite:///{template}", fresh_postgres=False)
    app = make_app(f"sqlite:///{template}")
    plans = build_plans(app, args.peer_mails)
    app.extensions["mrp.plugins"].close()
    theirs: list[float] = []
    ours: list[float] = []
    for rep in range(args.repeat):
        raws = mails(plans, args.peer_mails, run=f"peer-{rep}")
        peer_account, our_account = server.account(), server.account()
        append(peer_account.settings(), raws)
        append(our_account.settings(), raws)
        done = subprocess.run(
            [str(python), str(ROOT / "bench" / "helpdesk_peer.py"), peer_account.host,
             str(peer_account.ports["none"]), peer_account.username, peer_account.password],
            capture_output=True, text=True, timeout=1800,
            env={**os.environ, "SSL_CERT_FILE": str(cert.cert)},
        )
        if done.returncode != 0 or not done.stdout.startswith("helpdesk:"):
            sys.stderr.write(done.stderr[-3000:])
            print("peer: error: django-helpdesk's get_email failed")
            return False
        words = done.stdout.split()
        taken, seconds = int(words[1]), float(words[4])
        if taken != args.peer_mails:
            sys.stderr.write(done.stderr[-3000:])
            print(f"peer: error: {taken} of {args.peer_mails} mails taken in")
        theirs.append(taken / seconds)
        run_file = workdir / f"peer-{rep}.sqlite"
        copy_sqlite(template, run_file)
        seconds, _states = end_to_end(f"sqlite:///{run_file}",
                                      mail_config(our_account, cert, smtp), smtp,
                                      args.peer_mails)
        ours.append(args.peer_mails / seconds)
        run_file.unlink(missing_ok=True)
    helpdesk = statistics.median(theirs)
    mrp = statistics.median(ours)
    print(f"peer_helpdesk_mails_per_s: {helpdesk:.1f} ({HELPDESK} get_email, "
          f"{args.peer_mails} mails, sending nothing; {_median_line(theirs)}; {how})")
    print(f"peer_mrp_mails_per_s: {mrp:.1f} (the same mails end to end with receipts, "
          f"SQLite; {_median_line(ours)})")
    print(f"peer_x: {mrp / helpdesk:.1f} (target >= {PEER_TARGET:g})")
    return round(mrp / helpdesk, 1) >= PEER_TARGET


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--mails", type=int, default=1000)
    parser.add_argument("--repeat", type=int, default=5,
                        help="repetitions; the figures are their medians [default: 5]")
    parser.add_argument("--memory-mb", type=float, default=20.0)
    parser.add_argument("--dovecot", action="store_true", help="Dovecot instead of pymap")
    parser.add_argument("--peer", action="store_true",
                        help=f"compare with {HELPDESK} (installed into a throw-away venv)")
    parser.add_argument("--peer-mails", type=int, default=500)
    parser.add_argument("--no-memory", action="store_true", help="skip the memory run")
    parser.add_argument("--quick", action="store_true",
                        help="a small run: 40 mails once, a 1 MB attachment")
    parser.add_argument("--memory-child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.memory_child:
        memory_child(json.loads(args.memory_child))
        return
    if args.quick:
        args.mails, args.repeat, args.memory_mb, args.peer_mails = 40, 1, 1.0, 40
    import logging

    logging.getLogger("mrp").setLevel(logging.WARNING)
    workdir = Path(tempfile.mkdtemp(prefix="mrp-bench-"))
    try:
        with imap_server(args.dovecot) as (server, cert):
            smtp = SmtpProcess(cert.cert, cert.key)
            try:
                ok = run_workloads(args, server, cert, smtp, workdir)
                if not args.no_memory:
                    ok = run_memory(args, server, cert, smtp, workdir) and ok
                if args.peer:
                    ok = run_peer(args, server, cert, smtp, workdir) and ok
            finally:
                smtp.stop()
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    print(f"result: {'ok' if ok else 'target missed'}")
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()

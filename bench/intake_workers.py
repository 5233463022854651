"""The intake's parsing in a pool of worker processes against parsing in one process.

Starts a local IMAP server (pymap in-process by default; a throw-away Dovecot with
``--dovecot``), appends the report mails of ``bench/intake.py`` (40 % XLSX, 30 % CSV, 30 %
JSON, each for its own approved plan, so every one is accepted), then

* **ceiling_1**: fetches them (``BODY.PEEK[]`` in batches of 100) and parses each batch in
  this process (``service.intake.parse.parse_each``: the MIME and the report), storing
  nothing: the single-process ceiling;
* **ceiling_pool**: the same, each batch parsed in a pool of ``--workers`` processes
  (``service.intake.pool.ParsePool``), checked to give the same results;
* **ingest** (unless ``--no-ingest``): runs the real poller into a fresh SQLite database with
  ``MRP_INTAKE_WORKERS=1`` and again with ``--workers`` (its pool started before, as
  ``mrp intake run`` starts it once).

Prints one ``key: value`` line per result; ``ratio`` is ceiling_pool ÷ ceiling_1 (target
> 1.0 with two workers on two cores). Exits 1 if the target is missed.

    .venv/bin/python bench/intake_workers.py [--mails 1000] [--workers 2] [--dovecot]
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import intake_mails as base  # noqa: E402  (bench/intake_mails.py: the mails, servers, plans)

RATIO_TARGET = 1.0
BATCH = 100


def fetch_and_parse(settings: Any, pool: Any) -> tuple[list[Any], float]:
    """Fetch every mail in INBOX in batches and parse each batch (in ``pool``, else here):
    (the parsed mails, seconds)."""
    from service.intake.imap import Mailbox
    from service.intake.parse import ParseSettings, parse_each

    parse_settings = ParseSettings()
    parsed: list[Any] = []
    start = time.perf_counter()
    with Mailbox(settings) as mailbox:
        mailbox.select()
        uids = mailbox.uids()
        for at in range(0, len(uids), BATCH):
            raws = [raw for _uid, raw in mailbox.fetch(uids[at:at + BATCH])]
            parsed.extend(pool.parse(raws, parse_settings) if pool is not None
                          else parse_each(raws, parse_settings))
    return parsed, time.perf_counter() - start


def database(workdir: Path, workers: int, plans: int) -> tuple[Any, list[tuple[str, str]]]:
    """A fresh SQLite database with ``plans`` approved plans, and an app on it parsing with
    ``workers``: (the app, [(sender, plan reference)])."""
    url = f"sqlite:///{workdir / f'bench-{workers}.sqlite'}"
    base.migrate(url, fresh_postgres=False)
    app = base.make_app(url, {"INTAKE_WORKERS": workers})
    return app, base.build_plans(app, plans)


def poll(app: Any, settings: Any) -> tuple[dict[str, int], float]:
    """One poll of ``settings``' mailbox by the real poller: (its states, seconds)."""
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


def ingest(app: Any, settings: Any, mails: int, workers: int) -> float:
    """The real poller: mails per second; the mails are put back in INBOX after."""
    states, seconds = poll(app, settings)
    app.extensions["mrp.plugins"].close()
    if states.get("accepted") != mails:
        raise SystemExit(f"workers={workers}: only {states} of {mails} accepted")
    base.copy_back(settings)
    return mails / seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--mails", type=int, default=1000)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--rounds", type=int, default=3, help="best of this many runs")
    parser.add_argument("--dovecot", action="store_true", help="Dovecot instead of pymap")
    parser.add_argument("--no-ingest", action="store_true")
    args = parser.parse_args()
    import logging

    from service.intake.parse import ParseSettings
    from service.intake.pool import ParsePool, shared_pool

    logging.getLogger("mrp").setLevel(logging.WARNING)
    workdir = Path(tempfile.mkdtemp(prefix="mrp-bench-workers-"))
    pool = ParsePool(args.workers)
    try:
        with base.imap_server(args.dovecot) as (server, _cert):
            account = server.account()
            settings = account.settings()
            app_1, plans = database(workdir, 1, args.mails)
            xlsx, csv = base.xlsx_report(), base.csv_report()
            raws = []
            for n, kind in enumerate(base.kinds(args.mails)):
                sender, plan = plans[n]
                attachment = {"xlsx": xlsx, "csv": csv}.get(kind) or base.json_report(plan)
                raws.append(base.report_mail(n, sender, plan, kind, attachment))
            base.append(settings, raws)
            print(f"setup_append: {len(raws)} mails ({account.server})")
            pool.parse(raws[:10], ParseSettings())  # the workers started
            one = many = 0.0
            for _ in range(args.rounds):
                inline, seconds_1 = fetch_and_parse(settings, None)
                pooled, seconds_pool = fetch_and_parse(settings, pool)
                if pooled != inline:
                    raise SystemExit("the pool's results differ from the inline parse")
                one = max(one, len(inline) / seconds_1)
                many = max(many, len(pooled) / seconds_pool)
            ratio = many / one
            print(f"ceiling_1_mails_per_s: {one:.1f} (fetch + parse in one process)")
            print(f"ceiling_pool_mails_per_s: {many:.1f} (fetch + parse in {args.workers} "
                  "workers)")
            print(f"ratio: {ratio:.2f} (target > {RATIO_TARGET})")
            if not args.no_ingest:
                rate_1 = ingest(app_1, settings, args.mails, 1)
                app_n, plans_n = database(workdir, args.workers, args.mails)
                assert plans_n == plans
                # started once per `mrp intake run`, not per poll: not counted
                started = shared_pool(args.workers)
                if started is not None:
                    started.parse(raws[:10], ParseSettings())
                rate_n = ingest(app_n, settings, args.mails, args.workers)
                print(f"ingest_sqlite_1_mails_per_s: {rate_1:.1f}")
                print(f"ingest_sqlite_{args.workers}_mails_per_s: {rate_n:.1f} "
                      f"({rate_n / rate_1:.2f}x)")
    finally:
        pool.close()
        shutil.rmtree(workdir, ignore_errors=True)
    ok = round(ratio, 2) > RATIO_TARGET  # judged as printed
    print(f"result: {'ok' if ok else 'target missed'}")
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()

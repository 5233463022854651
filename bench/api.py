"""API throughput over HTTP, against the trivial route measured in the same run.

Seeds a database with 10,000 plans (20 ministries, 200 institutions, 5 goals a plan, with
indicators and milestones), starts `mrp serve` (gunicorn) on a free loopback port and drives
it with a bounded load generator of its own (threads with keep-alive `http.client`
connections; a fixed number of requests per route and a time cap). For each route it prints
requests per second, the ratio to `GET /api/v1/health` in the same run, and how many answers
came from the response cache (`X-Cache: hit`, `service/api/cache.py`).

The cache keeps an answer until the plan data changes, so the figures above are those of
repeated reads. Three more measurements show the rest:

* `mix`: the plan list again while another client changes a plan every 100 ms, so most
  requests find the data changed and build the page again;
* `ref`: a second server with the cache off (`MRP_API_CACHE_BYTES=0`): the plan list built
  on every request, and next to it `bench/reference_app.py`'s hand-built page (Core rows and
  dicts, no ORM, marshmallow or flask-smorest; checked to give the API's exact body and
  totals), each against `/health` on that server;
* `sql`: the SQL statements of one list request at page sizes 5, 20 and 100 (in-process,
  with an SQLAlchemy event counter), built with the cache off, and a kept answer's.

Target: the plan list at >= 0.5 of the trivial route. Exits 1 when a target is missed
(only a warning with --quick).

    .venv/bin/python bench/api.py [--quick] [--plans 10000] [--requests 2000] [--threads 8]

SQLite in a temporary folder always; PostgreSQL too when MRP_BENCH_DATABASE_URL names a
database (it is emptied: its public schema is dropped and migrated again).
"""

from __future__ import annotations

import argparse
import contextlib
import http.client
import io
import itertools
import json
import os
import random
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import event, func, insert, select, text  # noqa: E402

TARGET = 0.5
TASK_TYPES = ("operations", "project", "policy", "internal_administration")
GOAL_TYPES = ("output", "effect", "quality", "activity")
PAGE_SIZES = (5, 20, 100)


@dataclass
class Scale:
    ministries: int = 20
    institutions: int = 200
    plans: int = 10_000
    goals_per_plan: int = 5
    requests: int = 2_000
    threads: int = 8
    time_cap: float = 20.0
    workers: int = 0  # 0: what `mrp serve` picks (MRP_WEB_WORKERS or 2 × cores + 1)


@dataclass
class Routes:
    health: str = "/api/v1/health"
    plans_list: str = "/api/v1/plans?ministry=M07&year=2026&page_size=20"
    plan_get: list[str] = field(default_factory=list)
    goals_list: str = "/api/v1/goals?task_type=project&page_size=20"

    def table(self) -> list[tuple[str, list[str]]]:
        return [
            ("health", [self.health]),
            ("plans-list", [self.plans_list]),
            ("plan-get", self.plan_get),
            ("goals-list", [self.goals_list]),
        ]


def say(line: str) -> None:
    print(line, flush=True)


# --- database ------------------------------------------------------------------------------


def make_app(url: str, **config: Any) -> Any:
    from service import create_app

    return create_app({"DATABASE_URL": url, "SECRET_KEY": "bench", **config})


def reset_postgres(url: str) -> None:
    from service.extensions import db

    app = make_app(url)
    with app.app_context():
        with db.engine.begin() as conn:
            conn.execute(text("DROP SCHEMA public CASCADE"))
            conn.execute(text("CREATE SCHEMA public"))
        db.engine.dispose()


def migrate(url: str) -> None:
    from flask_migrate import upgrade

    from service.extensions import db

    app = make_app(url)
    log = io.StringIO()
    with app.app_context():
        try:
            with contextlib.redirect_stderr(log):  # Alembic's INFO lines
                upgrade()
        except BaseException:
            sys.stderr.write(log.getvalue())
            raise
        db.engine.dispose()


def seed(url: str, scale: Scale) -> tuple[str, list[int]]:
    """Bulk-insert the data set; returns an admin token and a sample of plan ids."""
    from service.domain.models import (
        Goal,
        Indicator,
        Institution,
        Milestone,
        Ministry,
        Plan,
        ReportingAddress,
    )
    from service.domain.tokens import create_token
    from service.extensions import db

    rng = random.Random(2026)
    now = datetime.now(UTC)
    app = make_app(url)
    with app.app_context():
        session = db.session
        session.execute(
            insert(Ministry),
            [
                {
                    "id": m + 1,
                    "code": f"M{m + 1:02d}",
                    "name": f"Ministerium {m + 1}",
                    "severity_overrides": {},
                    "created_at": now,
                }
                for m in range(scale.ministries)
            ],
        )
        per_ministry = max(1, scale.institutions // scale.ministries)
        institutions = [
            {
                "id": i + 1,
                "code": f"I{i + 1:03d}",
                "name": f"Styrelse {i + 1}",
                "ministry_id": min(i // per_ministry, scale.ministries - 1) + 1,
                "created_at": now,
            }
            for i in range(scale.institutions)
        ]
        session.execute(insert(Institution), institutions)
        session.execute(
            insert(ReportingAddress),
            [
                {"institution_id": i["id"], "address": f"opfoelgning@{i['code'].lower()}.dk"}
                for i in institutions
            ],
        )
        plans, goals, indicators, milestones = [], [], [], []
        goal_id = 0
        for p in range(scale.plans):
            institution = institutions[p % scale.institutions]
            start = 2024 + p % 4
            end = start + p % 3
            approved = p % 3 != 0
            plans.append(
                {
                    "id": p + 1,
                    "reference": f"{institution['code']}-{start}-{p + 1}",
                    "institution_id": institution["id"],
                    "title": f"Mål- og resultatplan {start}–{end}",
                    "period_start": start,
                    "period_end": end,
                    "top_manager_name": "Anne Jensen",
                    "top_manager_title": "Direktør",
                    "followup_cadence": "half-yearly",
                    "status": "approved" if approved else "draft",
                    "approved_at": now if approved else None,
                    "approved_by": "departementet" if approved else None,
                    "created_at": now,
                    "updated_at": now,
                }
            )
            for g in range(scale.goals_per_plan):
                goal_id += 1
                task_type = TASK_TYPES[(p + g) % len(TASK_TYPES)]
                quantitative = task_type in ("operations", "internal_administration")
                goals.append(
                    {
                        "id": goal_id,
                        "plan_id": p + 1,
                        "position": g,
                        "code": f"M{g + 1}",
                        "title": f"Mål {g + 1} for plan {p + 1}",
                        "description": "Et mål med en beskrivelse af, hvad der skal opnås.",
                        "task_type": task_type,
                        "goal_type": GOAL_TYPES[(p + 2 * g) % 4],
                        "nature": "quantitative" if quantitative else "qualitative",
                        "success_criterion": "Målet er opfyldt, når målepunktet er nået.",
                        "deadline": date(end, 12, 31),
                        "politically_fixed": g == 0,
                        "owner": "Kontorchef",
                        "status": "active",
                    }
                )
                if quantitative:
                    indicators.append(
                        {
                            "goal_id": goal_id,
                            "position": 0,
                            "name": "Sagsbehandlingstid",
                            "unit": "dage",
                            "baseline": float(rng.randint(30, 60)),
                            "baseline_year": start - 1,
                            "target": 30.0,
                            "direction": "decrease",
                            "data_source": "Sagssystemet",
                        }
                    )
                if task_type == "project":
                    milestones.extend(
                        {
                            "goal_id": goal_id,
                            "position": k,
                            "title": f"Milepæl {k + 1}",
                            "due_date": date(start, 3 * k + 3, 30),
                            "done": k == 0,
                        }
                        for k in range(2)
                    )
        for model, rows in (
            (Plan, plans),
            (Goal, goals),
            (Indicator, indicators),
            (Milestone, milestones),
        ):
            for chunk in range(0, len(rows), 5_000):  # Core executemany: no ORM objects
                session.connection().execute(insert(model.__table__), rows[chunk : chunk + 5_000])
        if db.engine.dialect.name == "postgresql":
            for table in (
                "ministry",
                "institution",
                "reporting_address",
                "plan",
                "goal",
                "indicator",
                "milestone",
            ):
                session.execute(
                    text(
                        f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                        f"(SELECT coalesce(max(id), 1) FROM {table}))"
                    )
                )
        session.commit()
        session.execute(text("ANALYZE"))  # planner statistics, as a live database has
        session.commit()
        _row, secret = create_token(role="admin", name="bench")
        sample = rng.sample(range(1, scale.plans + 1), min(100, scale.plans))
        counts = {
            m.__tablename__: session.scalar(select(func.count()).select_from(m))
            for m in (Ministry, Institution, Plan, Goal, Indicator, Milestone)
        }
        db.session.remove()
        db.engine.dispose()
    assert counts["plan"] == scale.plans, counts
    return secret, sample


# --- server --------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextlib.contextmanager
def serve(
    url: str, scale: Scale, log_path: Path, *, reference: bool = False, cache: bool = True
) -> Iterator[int]:
    """``mrp serve``; with ``reference``, gunicorn in the same configuration serving
    ``bench/reference_app.py`` (the application plus the hand-built list)."""
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("MRP_")}
    env["MRP_DATABASE_URL"] = url
    if not cache:
        env["MRP_API_CACHE_BYTES"] = "0"
    if reference:
        args = [
            str(Path(sys.executable).with_name("gunicorn")),
            "--chdir", str(ROOT / "bench"),
            "--bind", f"127.0.0.1:{port}",
            "--workers", str(workers_of(scale)),
            "--access-logfile", "-",  # as `mrp serve` logs every request
            "--timeout", "60",
            "reference_app:app",
        ]
    else:
        args = [
            str(Path(sys.executable).with_name("mrp")),
            "serve",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
        ]
        if scale.workers:
            args += ["--workers", str(scale.workers)]
    with log_path.open("wb") as log:
        process = subprocess.Popen(args, env=env, stdout=log, stderr=subprocess.STDOUT)
        try:
            deadline = time.monotonic() + 60
            while True:
                if process.poll() is not None:
                    raise SystemExit("mrp serve exited:\n" + log_path.read_text())
                try:
                    status, _body = get(port, "/api/v1/health", {})
                    if status == 200:
                        break
                except OSError:
                    pass
                if time.monotonic() > deadline:
                    raise SystemExit("mrp serve did not answer:\n" + log_path.read_text())
                time.sleep(0.2)
            yield port
        finally:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def get(port: int, path: str, headers: dict[str, str]) -> tuple[int, bytes]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        conn.request("GET", path, headers=headers)
        response = conn.getresponse()
        return response.status, response.read()
    finally:
        conn.close()


# --- load generator ------------------------------------------------------------------------


@dataclass
class Result:
    requests: int
    seconds: float
    latencies: list[float]
    hits: int = 0  # answers with X-Cache: hit

    @property
    def rps(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0

    def percentile(self, q: float) -> float:
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000 if ordered else 0.0


def load(
    port: int, paths: list[str], headers: dict[str, str], total: int, threads: int, time_cap: float
) -> Result:
    """``total`` GET requests (or as many as fit in ``time_cap`` seconds) from ``threads``
    threads, each with its own keep-alive connection (reopened when the server closes it)."""
    tickets = itertools.count()
    latencies: list[list[float]] = [[] for _ in range(threads)]
    hits = [0] * threads
    failures: list[str] = []
    ready = threading.Barrier(threads + 1)
    deadline = [0.0]

    def worker(slot: int) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        mine = latencies[slot]
        ready.wait()
        try:
            while True:
                ticket = next(tickets)
                if ticket >= total or time.perf_counter() > deadline[0]:
                    return
                started = time.perf_counter()
                conn.request("GET", paths[ticket % len(paths)], headers=headers)
                response = conn.getresponse()
                body = response.read()
                if response.status != 200:
                    failures.append(f"{response.status} {body[:200]!r}")
                    return
                mine.append(time.perf_counter() - started)
                if response.getheader("X-Cache") == "hit":
                    hits[slot] += 1
        except (OSError, http.client.HTTPException) as error:
            failures.append(repr(error))
        finally:
            conn.close()

    pool = [threading.Thread(target=worker, args=(i,), daemon=True) for i in range(threads)]
    for thread in pool:
        thread.start()
    started = time.perf_counter()
    deadline[0] = started + time_cap
    ready.wait()
    for thread in pool:
        thread.join()
    elapsed = time.perf_counter() - started
    if failures:
        raise SystemExit(f"requests to {paths[0]} failed: {failures[:3]}")
    flat = [x for chunk in latencies for x in chunk]
    return Result(len(flat), elapsed, flat, sum(hits))


WRITE_EVERY = 0.1  # seconds between plan changes during the mixed load


def mixed_load(
    port: int, path: str, headers: dict[str, str], scale: Scale, plan: str
) -> tuple[Result, int]:
    """``path`` under load while another connection changes the plan ``plan`` every
    ``WRITE_EVERY`` seconds: every change gives the data a new version, so the reads after
    it build their pages again. Returns the reads' result and the number of changes."""
    stop = threading.Event()
    writes = [0]
    failures: list[str] = []

    def writer() -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        try:
            while not stop.wait(WRITE_EVERY):
                body = json.dumps({"title": f"Ændret {writes[0]}", "reason": "bench"})
                conn.request("PATCH", plan, body=body,
                             headers={**headers, "Content-Type": "application/json"})
                response = conn.getresponse()
                response.read()
                if response.status != 200:
                    failures.append(f"PATCH {plan}: {response.status}")
                    return
                writes[0] += 1
        except (OSError, http.client.HTTPException) as error:
            failures.append(repr(error))
        finally:
            conn.close()

    thread = threading.Thread(target=writer, daemon=True)
    thread.start()
    try:
        result = load(port, [path], headers, scale.requests, scale.threads, scale.time_cap)
    finally:
        stop.set()
        thread.join()
    if failures:
        raise SystemExit(f"the writer failed: {failures[0]}")
    return result, writes[0]


# --- SQL statements per request ------------------------------------------------------------


def statements_per_request(
    url: str, secret: str, paths: dict[str, Callable[[int], str]], *, cache: bool = False
) -> dict[str, list[int]]:
    """Statements of one request per page size; with ``cache``, of a kept answer (the warm-up
    request keeps it)."""
    from service.extensions import db

    app = make_app(url, API_CACHE_BYTES=16_000_000 if cache else 0)
    counts: dict[str, list[int]] = {}
    with app.app_context():
        seen = [0]

        def count(*_args: Any) -> None:
            seen[0] += 1

        engines = list(db.engines.values())  # the token check's pool too (PostgreSQL)
        for engine in engines:
            event.listen(engine, "before_cursor_execute", count)
        client = app.test_client()
        headers = {"Authorization": f"Bearer {secret}"}
        for name, make_path in paths.items():
            counts[name] = []
            for size in PAGE_SIZES:
                client.get(make_path(size), headers=headers)  # warm-up
                seen[0] = 0
                response = client.get(make_path(size), headers=headers)
                if response.status_code != 200:
                    raise SystemExit(f"{make_path(size)}: {response.status_code}")
                items = len(response.get_json())
                total = json.loads(response.headers["X-Pagination"])["total"]
                if items != min(size, total):
                    raise SystemExit(f"{make_path(size)} gave {items} of {total} items")
                counts[name].append(seen[0])
        db.session.remove()
        for engine in engines:
            event.remove(engine, "before_cursor_execute", count)
            engine.dispose()
    return counts


# --- one backend ---------------------------------------------------------------------------


def run(backend: str, url: str, scale: Scale, workdir: Path) -> bool:
    started = time.perf_counter()
    if backend == "postgresql":
        reset_postgres(url)
    migrate(url)
    migrated = time.perf_counter()
    secret, sample = seed(url, scale)
    seeded = time.perf_counter()
    goals = scale.plans * scale.goals_per_plan
    say(
        f"setup    {backend:<10}  migrate {migrated - started:5.1f} s  seed "
        f"{seeded - migrated:5.1f} s  ({scale.plans} plans, {goals} goals, "
        f"{scale.ministries} ministries, {scale.institutions} institutions)"
    )

    routes = Routes(plan_get=[f"/api/v1/plans/{pid}" for pid in sample])
    headers = {"Authorization": f"Bearer {secret}"}
    ok = True
    with serve(url, scale, workdir / f"serve-{backend}.log") as port:
        for _name, paths in routes.table():  # warm every worker and cache once
            load(port, paths, headers, min(200, scale.requests // 4), scale.threads, scale.time_cap)
        results: dict[str, Result] = {}
        for name, paths in routes.table():
            results[name] = load(
                port, paths, headers, scale.requests, scale.threads, scale.time_cap
            )
        changing = mixed_load(port, routes.plans_list, headers, scale, routes.plan_get[0])
    base = results["health"].rps
    for name, paths in routes.table():
        result = results[name]
        ratio = round(result.rps / base, 2) if base else 0.0  # judged as printed
        verdict = ""
        if name == "plans-list":
            met = ratio >= TARGET
            ok = ok and met
            verdict = f"  target >= {TARGET:.2f}: {'met' if met else 'MISSED'}"
        say(
            f"rps      {backend:<10}  {name:<11} {result.rps:9.1f} req/s  ratio {ratio:5.2f}  "
            f"p50 {result.percentile(0.5):6.1f} ms  p99 {result.percentile(0.99):6.1f} ms  "
            f"n={result.requests} hits={result.hits}{verdict}  {paths[0]}"
        )
    result, writes = changing
    say(
        f"mix      {backend:<10}  plans-list  {result.rps:9.1f} req/s  ratio "
        f"{result.rps / base if base else 0.0:5.2f}  p50 {result.percentile(0.5):6.1f} ms  "
        f"n={result.requests} hits={result.hits}  (while a plan changed every "
        f"{WRITE_EVERY * 1000:.0f} ms: {writes} writes)  {routes.plans_list}"
    )

    ok = reference_run(url, scale, workdir, backend, routes, headers) and ok

    counts = statements_per_request(
        url,
        secret,
        {
            "plans-list": lambda n: f"/api/v1/plans?ministry=M07&year=2026&page_size={n}",
            "goals-list": lambda n: f"/api/v1/goals?task_type=project&page_size={n}",
            "plans-all": lambda n: f"/api/v1/plans?page_size={n}",
        },
    )
    counts |= statements_per_request(
        url,
        secret,
        {"plans-kept": lambda n: f"/api/v1/plans?ministry=M07&year=2026&page_size={n}"},
        cache=True,
    )
    for name, values in counts.items():
        # never more statements for a larger page (a short first page even saves the count)
        flat = all(later <= first for first, later in itertools.pairwise(values))
        ok = ok and flat
        sizes = "  ".join(
            f"page_size={size}: {value}" for size, value in zip(PAGE_SIZES, values, strict=True)
        )
        say(
            f"sql      {backend:<10}  {name:<11} {sizes}  "
            f"{'does not grow' if flat else 'GROWS WITH PAGE SIZE'}"
        )
    return ok


REFERENCE = "/bench/plans-by-hand?ministry=M07&year=2026&page_size=20"


def reference_run(
    url: str,
    scale: Scale,
    workdir: Path,
    backend: str,
    routes: Routes,
    headers: dict[str, str],
) -> bool:
    """A server of its own with the cache off, serving the application plus
    ``bench/reference_app.py``'s hand-built plan list: the API's list and the hand-built one,
    each built on every request, against ``/health`` on that server. The hand-built body
    and totals must equal the API's, or the comparison would be unfair."""
    log = workdir / f"reference-{backend}.log"
    with serve(url, scale, log, reference=True, cache=False) as port:
        api = _fetch(port, routes.plans_list, headers)
        by_hand = _fetch(port, REFERENCE, headers)
        if api != by_hand:
            say(f"ref      {backend:<10}  plans-by-hand  DIFFERS from {routes.plans_list}")
            return False
        paths = {
            "health": [routes.health],
            "plans-list": [routes.plans_list],
            "plans-by-hand": [REFERENCE],
        }
        for name in paths:
            load(
                port,
                paths[name],
                headers,
                min(200, scale.requests // 4),
                scale.threads,
                scale.time_cap,
            )
        results = {
            name: load(port, p, headers, scale.requests, scale.threads, scale.time_cap)
            for name, p in paths.items()
        }
    base = results["health"].rps
    notes = {
        "plans-list": "the API with the cache off: every request builds the page",
        "plans-by-hand": "the same page built by hand from Core rows and dicts, without the "
        "ORM, marshmallow or flask-smorest",
    }
    for name, note in notes.items():
        result = results[name]
        if result.hits:
            raise SystemExit(f"{name}: {result.hits} answers from a cache that is off")
        say(
            f"ref      {backend:<10}  {name:<13} {result.rps:9.1f} req/s  ratio "
            f"{result.rps / base if base else 0.0:5.2f}  p50 {result.percentile(0.5):6.1f} ms  "
            f"(health {base:.1f} req/s on that server; {note})  {paths[name][0]}"
        )
    return True


def _fetch(port: int, path: str, headers: dict[str, str]) -> tuple[Any, Any]:
    """The body and the pagination totals of one GET."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        conn.request("GET", path, headers=headers)
        response = conn.getresponse()
        body = response.read()
        if response.status != 200:
            raise SystemExit(f"{path}: {response.status} {body[:300]!r}")
        total = json.loads(response.getheader("X-Pagination") or "{}").get("total")
        return json.loads(body), total
    finally:
        conn.close()


def workers_of(scale: Scale) -> int:
    return scale.workers or int(os.environ.get("MRP_WEB_WORKERS") or 2 * (os.cpu_count() or 1) + 1)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--quick",
        action="store_true",
        help="a small run (500 plans, few requests) to check the bench works",
    )
    parser.add_argument("--plans", type=int)
    parser.add_argument("--requests", type=int, help="requests per route")
    parser.add_argument("--threads", type=int, help="client threads (connections)")
    parser.add_argument("--workers", type=int, help="gunicorn workers")
    parser.add_argument("--time-cap", type=float, help="seconds per route at most")
    args = parser.parse_args(argv)

    scale = Scale()
    if args.quick:
        scale = Scale(
            ministries=10,
            institutions=20,
            plans=500,
            requests=100,
            threads=2,
            time_cap=1.5,
            workers=1,
        )
    for name in ("plans", "requests", "threads", "workers", "time_cap"):
        if getattr(args, name) is not None:
            setattr(scale, name, getattr(args, name))
    if scale.ministries < 7:
        parser.error("the plan list route filters on ministry M07")

    workers = workers_of(scale)
    say(
        f"bench    api         {'quick' if args.quick else 'full'}: gunicorn workers={workers} "
        f"(sync), client threads={scale.threads}, requests={scale.requests} or "
        f"{scale.time_cap:g} s per route, cores={os.cpu_count()}, loopback"
    )

    backends = [("sqlite", None)]
    if os.environ.get("MRP_BENCH_DATABASE_URL"):
        backends.append(("postgresql", os.environ["MRP_BENCH_DATABASE_URL"]))
    ok = True
    workdir = Path(tempfile.mkdtemp(prefix="mrp-bench-"))
    try:
        for backend, url in backends:
            url = url or f"sqlite:///{workdir / 'bench.sqlite'}"
            ok = run(backend, url, scale, workdir) and ok
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    say(f"result   {'ok' if ok else 'TARGET MISSED'}")
    if not ok and not args.quick:
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())

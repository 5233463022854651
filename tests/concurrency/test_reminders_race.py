"""Two ``mrp reminders send`` processes at once, against a slow mail server: every
reminder is mailed once, by one of them; the other skips it."""

from __future__ import annotations

import subprocess
from collections import Counter

from sqlalchemy import select

from service.domain.models import Reminder
from service.extensions import db
from tests.concurrency.conftest import MRP, process_env
from tests.support.factories import build_dst_plan, goal_body, ok, plan_body

INSTITUTIONS = ("ABC", "DEF", "GHI")


def approved_plan(client, admin, code: str) -> None:
    ok(client.post("/api/v1/ministries", json={"code": f"M{code}", "name": f"Min. {code}"},
                   headers=admin), 201)
    ok(client.post("/api/v1/institutions", headers=admin, json={
        "code": code, "name": f"{code} styrelse", "ministry": f"M{code}",
        "reporting_addresses": [f"opfoelgning@{code.lower()}.dk"]}), 201)
    plan = ok(client.post("/api/v1/plans", json=plan_body(code), headers=admin), 201)
    ok(client.post(f"/api/v1/plans/{plan['id']}/goals", json=goal_body(), headers=admin), 201)
    ok(client.post(f"/api/v1/plans/{plan['id']}/approve", headers=admin))


def test_two_runs_at_once_send_each_reminder_once(client, admin, database_url, smtp_server,
                                                  tmp_path):
    build_dst_plan(client, admin)
    for code in INSTITUTIONS:
        approved_plan(client, admin, code)
    smtp_server.delay = 0.4  # each send holds its claim a while: the runs overlap
    env = process_env(database_url, MRP_SMTP_HOST=smtp_server.host,
                      MRP_SMTP_PORT=str(smtp_server.port), MRP_SMTP_SECURITY="none",
                      MRP_MAIL_FROM="mrp@fm.dk")
    runs = [subprocess.Popen([MRP, "reminders", "send", "--today", "2026-08-10"], env=env,
                             cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                             text=True) for _ in range(2)]
    outputs = [run.communicate(timeout=120)[0] for run in runs]
    assert [run.returncode for run in runs] == [0, 0], outputs

    plans = ["DST-2026", *(f"{code}-2026" for code in INSTITUTIONS)]
    subjects = Counter(m.message["Subject"].split("]")[0] for m in smtp_server.messages)
    assert subjects == Counter(f"Rykker: opfølgning [{plan}" for plan in plans)
    db.session.expire_all()
    rows = sorted((r.plan.reference, r.period, r.kind) for r in db.session.scalars(
        select(Reminder)))
    assert rows == sorted((plan, "2026-H1", "overdue") for plan in plans)
    # each reminder is one run's: sent there, and skipped (or not found due) in the other
    lines = [line for output in outputs for line in output.splitlines()]
    for plan in plans:
        assert sum(line.startswith(f"{plan} 2026-H1 overdue: sent") for line in lines) == 1


def test_a_slow_send_does_not_hold_up_other_writers(client, admin, database_url, smtp_server,
                                                     tmp_path):
    """The claim is committed before the mail goes: the database is not locked while the
    mail server takes its time (on SQLite that lock would be every writer's)."""
    import time

    build_dst_plan(client, admin)
    smtp_server.delay = 6.0
    env = process_env(database_url, MRP_SMTP_HOST=smtp_server.host,
                      MRP_SMTP_PORT=str(smtp_server.port), MRP_SMTP_SECURITY="none",
                      MRP_MAIL_FROM="mrp@fm.dk")
    run = subprocess.Popen([MRP, "reminders", "send", "--today", "2026-08-10"], env=env,
                           cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                           text=True)
    try:
        deadline = time.monotonic() + 60
        while smtp_server.arrived == 0:
            assert run.poll() is None and time.monotonic() < deadline
            time.sleep(0.05)
        started = time.monotonic()
        ok(client.patch("/api/v1/institutions/DST", headers=admin,
                        json={"name": "Danmarks Statistik (DST)"}))
        assert time.monotonic() - started < 2.0
        assert run.poll() is None  # still sending
    finally:
        output = run.communicate(timeout=60)[0]
    assert run.returncode == 0, output
    assert "DST-2026 2026-H1 overdue: sent" in output

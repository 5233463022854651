"""A page costs the same number of SQL statements whatever its size (no N+1 queries)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date

import pytest
from sqlalchemy import event

from service.domain.models import (
    Goal,
    Indicator,
    Institution,
    Milestone,
    Ministry,
    Plan,
    ReportingAddress,
)
from service.extensions import db
from tests.support.factories import ok

ROWS = 110


@pytest.fixture
def many(app):
    """ROWS institutions over two ministries, each with an address and a plan with a goal
    that has an indicator and a milestone."""
    ministries = [Ministry(code=f"MIN{i}", name=f"Ministerium {i}") for i in range(2)]
    for i in range(ROWS):
        institution = Institution(
            code=f"INST{i:03d}", name=f"Styrelse {i}", ministry=ministries[i % 2],
            addresses=[ReportingAddress(address=f"mrp@inst{i}.dk")],
        )
        plan = Plan(reference=f"INST{i:03d}-2026", institution=institution, title="Plan",
                    period_start=2026, period_end=2027, status="draft")
        Goal(plan=plan, code="M1", title="Mål", task_type="operations", goal_type="output",
             nature="quantitative", deadline=date(2026, 12, 31), status="active",
             indicators=[Indicator(name="Tid", unit="dage", target=30, direction="decrease")],
             milestones=[Milestone(title="Start", due_date=date(2026, 6, 30))])
        db.session.add(institution)
    db.session.commit()
    db.session.remove()


@contextmanager
def counting() -> Iterator[list[str]]:
    statements: list[str] = []

    def count(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement)

    engines = list(db.engines.values())  # the token check's pool too (PostgreSQL)
    for engine in engines:
        event.listen(engine, "before_cursor_execute", count)
    try:
        yield statements
    finally:
        for engine in engines:
            event.remove(engine, "before_cursor_execute", count)


@pytest.mark.parametrize(("url", "key"), [
    ("/api/v1/plans", "reference"),
    ("/api/v1/goals", "plan"),
    ("/api/v1/institutions", "code"),
])
def test_statements_do_not_grow_with_the_page(client, admin, many, url, key):
    counts = {}
    for size in (5, 100):
        db.session.remove()
        with counting() as statements:
            items = ok(client.get(f"{url}?page_size={size}", headers=admin))
        assert len(items) == size
        assert all(item[key] for item in items)
        counts[size] = len(statements)
    assert counts[5] == counts[100], counts
    assert counts[100] <= 8, counts


def test_dumped_lists_carry_the_related_codes(client, admin, many):
    """The eager loads are the ones the schemas read: ministry codes on plans, plan
    references on goals, addresses on institutions."""
    plans = ok(client.get("/api/v1/plans?page_size=3", headers=admin))
    assert [p["ministry"] for p in plans] == ["MIN0", "MIN1", "MIN0"]
    goals = ok(client.get("/api/v1/goals?page_size=2", headers=admin))
    assert [g["plan"] for g in goals] == ["INST000-2026", "INST001-2026"]
    assert goals[0]["indicators"][0]["target"] == 30
    assert goals[0]["milestones"][0]["due_date"] == "2026-06-30"
    institutions = ok(client.get("/api/v1/institutions?page_size=2", headers=admin))
    assert institutions[1]["reporting_addresses"] == ["mrp@inst1.dk"]

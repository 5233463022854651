"""``savepoint()``: what fails inside one is undone alone, and what succeeds is committed
with its transaction, never before; on SQLite too, where pysqlite opens its transaction only
before a data change and a SAVEPOINT sent first would be committed by its RELEASE."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from service.domain.common import savepoint
from service.domain.models import Ministry
from service.extensions import db


def codes() -> list[str]:
    return sorted(db.session.scalars(select(Ministry.code)))


def count_elsewhere() -> int:
    """Ministries as another connection sees them (what is committed)."""
    with db.engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(Ministry)).scalar() or 0)


def test_a_released_savepoint_waits_for_its_transaction(app):
    assert codes() == []  # only a read so far: pysqlite has no transaction open yet
    with savepoint():
        db.session.add(Ministry(code="AA", name="A"))
    with savepoint():
        db.session.add(Ministry(code="BB", name="B"))
    assert codes() == ["AA", "BB"]
    assert count_elsewhere() == 0
    db.session.rollback()
    assert codes() == []
    assert count_elsewhere() == 0


def test_a_failed_savepoint_is_undone_alone(app):
    codes()
    with savepoint():
        db.session.add(Ministry(code="AA", name="A"))
    with pytest.raises(RuntimeError), savepoint():
        db.session.add(Ministry(code="BB", name="B"))
        db.session.flush()
        raise RuntimeError("this one fails")
    with savepoint():
        db.session.add(Ministry(code="CC", name="C"))
    db.session.commit()
    assert codes() == ["AA", "CC"]
    assert count_elsewhere() == 2

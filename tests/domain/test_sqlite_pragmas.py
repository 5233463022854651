"""SQLite connections enforce foreign keys and use WAL, so readers do not block the writer."""

from __future__ import annotations

import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError

from service.domain.models import Institution
from service.extensions import db


@pytest.fixture
def database_url(sqlite_template):
    """SQLite, whichever backends the run covers."""
    return f"sqlite:///{sqlite_template}"


def test_foreign_keys_on_and_wal(app):
    assert db.engine.dialect.name == "sqlite"
    with db.engine.connect() as conn:
        assert conn.execute(text("PRAGMA foreign_keys")).scalar() == 1
        assert conn.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert conn.execute(text("PRAGMA busy_timeout")).scalar() == 10000


def test_every_new_connection_gets_them(app):
    db.engine.dispose()
    with db.engine.connect() as first, db.engine.connect() as second:
        for conn in (first, second):
            assert conn.execute(text("PRAGMA foreign_keys")).scalar() == 1
            assert conn.execute(text("PRAGMA journal_mode")).scalar() == "wal"


def test_a_dangling_foreign_key_is_refused(app):
    db.session.add(Institution(code="ORPHAN", name="Uden ministerium", ministry_id=4242))
    with pytest.raises(IntegrityError):
        db.session.commit()
    db.session.rollback()

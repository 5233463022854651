"""Extension objects, created unbound and wired to an app with ``init_app``: the database
and its migrations. The API's own (its cache, its error handling) are in
:mod:`service.api.extensions`."""

from __future__ import annotations

from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy import MetaData
from sqlalchemy.orm import DeclarativeBase

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


db = SQLAlchemy(model_class=Base)

#: on PostgreSQL, ``db.engines[AUTOCOMMIT]``: a pool of its own whose connections read in
#: autocommit, for the token check every API request runs (``service.domain.tokens``). Its
#: connections never roll back, so the statement stays prepared on them; a connection the
#: request's session rolls back loses every statement prepared on it (psycopg deallocates
#: them), and the next read there would take a round trip more and prepare it again.
AUTOCOMMIT = "autocommit"
migrate = Migrate(render_as_batch=True, compare_type=True)

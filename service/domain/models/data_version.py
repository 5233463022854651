"""The data version: one row whose token changes whenever the plan data changes."""

from __future__ import annotations

from sqlalchemy import BigInteger
from sqlalchemy.orm import Mapped, mapped_column

from service.extensions import db


class DataVersion(db.Model):
    """A single row (``id`` 1). Database triggers (migration 0005) give ``token`` a new
    random value in the same transaction as every write to the tables of
    ``service.domain.data_version.WATCHED``, whoever writes: the API, the command line, a
    migration or plain SQL. A token is random and does not come back, so an answer cached
    under it is the answer for that state of the data. See ``service.domain.data_version``."""

    __tablename__ = "data_version"

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    token: Mapped[int] = mapped_column(BigInteger)

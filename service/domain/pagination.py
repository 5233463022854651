"""Pages of query results: one count and one select, whatever the page size."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from sqlalchemy import Select, func, select
from sqlalchemy.sql.base import ExecutableOption

from service.extensions import db

T = TypeVar("T")


@dataclass(frozen=True)
class Page(Generic[T]):
    items: list[T]
    total: int


def paginate(
    stmt: Select[Any], page: int, page_size: int, options: Sequence[ExecutableOption] = ()
) -> Page[Any]:
    """Run ``stmt`` for one page (1-based); ``options`` (eager loads) apply to the page only,
    so a page costs the same number of statements whatever its size."""
    total = db.session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery()))
    page_stmt = stmt.options(*options).limit(page_size).offset((page - 1) * page_size)
    items = list(db.session.scalars(page_stmt))
    return Page(items=items, total=int(total or 0))

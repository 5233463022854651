"""Pages of query results: one count and one select, whatever the page size."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from sqlalchemy import Select, func, select
from sqlalchemy.sql.base import ExecutableOption

from service.domain.common import MAX_ID
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
    if (page - 1) * page_size > MAX_ID:  # past any table's end; would overflow OFFSET
        items: list[Any] = []
    else:
        page_stmt = stmt.options(*options).limit(page_size).offset((page - 1) * page_size)
        items = list(db.session.scalars(page_stmt).unique())
    if page == 1 and len(items) < page_size:
        return Page(items=items, total=len(items))  # the whole result is on this page
    total = db.session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery()))
    return Page(items=items, total=int(total or 0))

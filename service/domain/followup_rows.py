"""A batch's follow-ups written as rows: one INSERT per table, outside the unit of work.

The intake records a hundred reports at a time. Added to the session, each report, its goal
lines and findings cost the ORM about a millisecond to cascade, order, flush and expire
again, as much as everything else done with the mail. Here the batch's follow-ups are built
as ORM objects (``record_followup(add=False)``) but never added: :func:`insert_followups`
gives every row its id, inserts each table's rows with one statement, and leaves the
objects detached with their identity, so that what reads them next (the receipts) reads
them as they were written, and a cascade that reaches one attaches it without inserting it
again. Superseding within the batch goes as ``record_followup`` leaves it for ``links``:
each superseded report goes in superseded by itself, and :func:`link_superseded` points it
to its successor after the insert.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import bindparam, inspect, insert, update
from sqlalchemy.orm import make_transient_to_detached
from sqlalchemy.orm.attributes import set_committed_value

from service.domain.ids import next_ids
from service.domain.models import FollowUp, FollowUpFinding, FollowUpGoal
from service.extensions import db

__all__ = ["insert_followups", "link_superseded"]


def _values(row: Any) -> dict[str, Any]:
    """The row's columns as an INSERT takes them; a column left unset gets its default
    (set on the object too, as a flush would)."""
    values: dict[str, Any] = {}
    state = row.__dict__
    for attr in inspect(type(row)).column_attrs:
        column = attr.columns[0]
        value = state.get(attr.key)
        if value is None and column.default is not None and not column.primary_key:
            default = column.default
            value = default.arg(None) if default.is_callable else default.arg  # type: ignore[attr-defined]
            setattr(row, attr.key, value)
        values[column.key] = value
    return values


def insert_followups(followups: Sequence[FollowUp]) -> None:
    """Insert the batch's follow-ups (each with its id given already, in the order they
    came), then their goal lines and findings, one statement per table, in the caller's
    transaction; the objects are detached afterwards, holding what was written."""
    if not followups:
        return
    assert all(f.id is not None for f in followups), "follow-ups get their ids first"
    goals = [goal for followup in followups for goal in followup.goals]
    findings = [finding for followup in followups for finding in followup.findings]
    for rows, model in ((goals, FollowUpGoal), (findings, FollowUpFinding)):
        for row, new in zip(rows, next_ids(model, len(rows)), strict=True):
            row.id = new
            row.followup_id = row.followup.id
    connection = db.session.connection()
    for rows, model in ((followups, FollowUp), (goals, FollowUpGoal),
                        (findings, FollowUpFinding)):
        if rows:
            connection.execute(insert(model.__table__), [_values(row) for row in rows])
    for row in (*followups, *goals, *findings):
        make_transient_to_detached(row)


def link_superseded(links: list[tuple[FollowUp, FollowUp]]) -> None:
    """Point each superseded report of a batch at its successor, once the batch's
    follow-ups are inserted (``record_followup``'s ``links``): one UPDATE for them all.
    The session is told the new value as the database's, so it writes nothing again."""
    if not links:
        return
    table = FollowUp.__table__
    db.session.connection().execute(
        update(table).where(table.c.id == bindparam("old"))
        .values(superseded_by_id=bindparam("new")),
        [{"old": superseded.id, "new": successor.id} for superseded, successor in links],
    )
    for superseded, successor in links:
        set_committed_value(superseded, "superseded_by_id", successor.id)

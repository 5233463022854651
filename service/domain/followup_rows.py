"""A batch's follow-ups written as rows: one INSERT per table, outside the unit of work.

The intake records a hundred reports at a time. Added to the session, each report, its goal
lines and findings cost the ORM about a millisecond to cascade, order, flush and expire
again, as much as everything else done with the mail. Here the batch's follow-ups are built
as ORM objects (``record_followup(add=False)``) but never added: :func:`insert_followups`
inserts each table's rows with one statement and leaves them detached
(:func:`service.domain.rows.insert_rows`), for the receipts to read as they were written.
Superseding within the batch goes as ``record_followup`` leaves it for ``links``: each
superseded report goes in superseded by itself, and :func:`link_superseded` points it to
its successor after the insert.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import bindparam, update
from sqlalchemy.orm.attributes import set_committed_value

from service.domain.models import FollowUp, FollowUpFinding, FollowUpGoal
from service.domain.rows import insert_rows
from service.extensions import db

__all__ = ["insert_followups", "link_superseded"]


def insert_followups(followups: Sequence[FollowUp]) -> None:
    """Insert the batch's follow-ups (each with its id given already, in the order they
    came), then their goal lines and findings, one statement per table, in the caller's
    transaction; the objects are detached afterwards, holding what was written."""
    if not followups:
        return
    assert all(f.id is not None for f in followups), "follow-ups get their ids first"
    goals = [goal for followup in followups for goal in followup.goals]
    findings = [finding for followup in followups for finding in followup.findings]
    for row in (*goals, *findings):
        row.followup_id = row.followup.id
    for model, rows in ((FollowUp, followups), (FollowUpGoal, goals),
                        (FollowUpFinding, findings)):
        insert_rows(model, rows)


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

"""Which state the plan data is in, as one cheap read.

The token of ``data_version`` changes, by database triggers, in the same transaction as any
write to the ``WATCHED`` tables. Each new value is random (64 bits on SQLite, 53 on
PostgreSQL), so a value does not come back, not even after a restore. Two reads that see
the same token see the same rows of those tables, so an answer built from them can be
reused for as long as the token stays (``service.api.cache``).

The triggers are written per dialect in migration 0005: on SQLite a row trigger per table
and operation; on PostgreSQL a deferred constraint trigger per table (it runs at commit, so
the row it updates is locked only while the transaction commits and never while it holds
other row locks, which could deadlock two writers) and a statement trigger for TRUNCATE.
"""

from __future__ import annotations

#: the tables whose writes change the token: what plans, ministries and institutions are
#: built from (goals are there for the plan list's task and goal type filters)
WATCHED = ("ministry", "institution", "reporting_address", "plan", "goal")

#: the token now; no row (the table emptied by hand) reads as NULL, and the next write to a
#: watched table puts the row back. Every API request reads it with its token check
#: (``service.domain.tokens.authenticate_reading_version``), before the view's statements.
TOKEN_SQL = "SELECT token FROM data_version WHERE id = 1"

"""The plans a batch of mails names are loaded in one query with everything validation
reads (``lookups.plans_named``): building the plugins' views of them asks for nothing more,
not even a goal's plan from the session (a plan's goals loaded with it do not hold it)."""

from __future__ import annotations

from sqlalchemy import event, inspect
from sqlalchemy.engine import Engine

from service.domain.validation import plan_view
from service.extensions import db
from service.intake.lookups import plans_named


def test_a_plan_s_view_is_built_from_what_the_lookup_loaded(app, dst_plan):
    statements: list[str] = []

    def before(_conn, _cursor, statement, _params, _context, _many):
        statements.append(statement)

    with app.test_request_context():
        db.session.expire_all()
        found = plans_named({dst_plan["reference"], "FINDES-IKKE"})
        plan = found[dst_plan["reference"]]
        assert found["FINDES-IKKE"] is None and plan is not None
        event.listen(Engine, "before_cursor_execute", before)
        try:
            view = plan_view(plan)
        finally:
            event.remove(Engine, "before_cursor_execute", before)
        assert statements == []
        assert view.reference == dst_plan["reference"]
        assert [g.code for g in view.goals] == [g.code for g in plan.goals]
        assert any(g.indicators and g.indicators[0].target_history for g in view.goals)
        assert all("plan" in inspect(goal).unloaded for goal in plan.goals)

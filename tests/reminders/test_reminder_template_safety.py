"""The template a reminder attaches carries no live formula and survives control
characters in the plan's texts (written straight into the database)."""

from __future__ import annotations

from sqlalchemy import update

from service.domain.models import Goal, Institution, Plan
from service.extensions import db
from tests.reminders.test_reminders import attachment, send
from tests.support.factories import build_dst_plan
from tests.support.sheets import CONTROL, CONTROL_CLEAN, HYPERLINK, assert_no_formula_in_workbook


def test_the_attached_template_writes_every_text_as_text(client, admin, runner, smtp_server):
    plan = build_dst_plan(client, admin)
    db.session.execute(update(Plan).where(Plan.id == plan["id"]).values(title=HYPERLINK))
    db.session.execute(update(Institution).where(Institution.code == "DST")
                       .values(name="@Danmarks\x01 Statistik"))
    db.session.execute(update(Goal).where(Goal.plan_id == plan["id"], Goal.code == "M1")
                       .values(title=CONTROL))
    db.session.execute(update(Goal).where(Goal.plan_id == plan["id"], Goal.code == "M2")
                       .values(title="-" + HYPERLINK))
    db.session.commit()

    result = send(runner, "2026-07-16")
    assert result.exit_code == 0, result.output
    assert "DST-2026 2026-H1 upcoming: sent" in result.output
    [mail] = smtp_server.messages
    _name, wb = attachment(mail.message)
    [part] = list(mail.message.iter_attachments())
    assert_no_formula_in_workbook(part.get_content())
    ws = wb["Opfølgning"]
    assert ws["B4"].value == "'@Danmarks Statistik"
    assert ws["B5"].value == "'" + HYPERLINK
    assert (ws["B9"].value, ws["B10"].value) == (CONTROL_CLEAN, "'-" + HYPERLINK)
    assert ws["B9"].data_type == ws["B10"].data_type == "s"

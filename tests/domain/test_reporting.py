"""Reporting in the dashboard, in the domain (service.domain.reporting): who may report, the
periods due, the rapportkladde saved and loaded, a submission recorded as a mailed report is
(findings, superseding, the draft removed when accepted, kept when rejected), and a file
read with the ministry's parsers."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from service.domain import reporting
from service.domain.actors import Actor
from service.domain.errors import Forbidden, Invalid, NotFound
from service.domain.followups import record_followup
from service.domain.models import FollowUp, FollowUpDraft, Institution, Plan
from service.extensions import db
from service.vocabulary import Role
from tests.support.factories import build_dst_plan

LINES = {"M1": {"status": "on_track", "value": "35", "progress": "50", "comment": "Fint."},
         "M2": {"status": "on_track", "value": "92,5", "progress": "50", "comment": "Godt."},
         "M3": {"status": "on_track", "comment": "Efter planen."}}


@pytest.fixture
def dst(client, admin) -> Plan:
    plan_id = build_dst_plan(client, admin)["id"]
    return db.session.get(Plan, plan_id)


def _institution(plan: Plan, code: str | None = None) -> Actor:
    inst = db.session.scalar(select(Institution).where(Institution.code == code)) if code \
        else plan.institution
    return Actor(name="DST's rapportør", role=Role.INSTITUTION, institution_id=inst.id,
                 ministry_id=inst.ministry_id)


def test_only_the_plans_institution_reports(dst, client, admin):
    actor = _institution(dst)
    assert reporting.reporting_plan(actor, dst.id).id == dst.id
    department = Actor(name="FM", role=Role.DEPARTMENT, ministry_id=dst.institution.ministry_id)
    with pytest.raises(Forbidden):
        reporting.reporting_plan(department, dst.id)
    with pytest.raises(Forbidden):
        reporting.reporting_plan(Actor(name="admin", role=Role.ADMIN), dst.id)
    client.post("/api/v1/institutions", headers=admin, json={
        "code": "NBI", "name": "Nationalbanken", "ministry": "FM"})
    with pytest.raises(NotFound):
        reporting.reporting_plan(_institution(dst, "NBI"), dst.id)


def test_the_periods_due_are_those_begun_without_a_current_report(dst):
    assert reporting.periods_due(dst, date(2025, 12, 31)) == []
    assert reporting.periods_due(dst, date(2026, 8, 1)) == ["2026-H1", "2026-H2"]
    record_followup(dst, period="2026-H1", rows=[], channel="email", submitted_by="x")
    db.session.commit()  # rejected (no rows): still due
    assert reporting.periods_due(dst, date(2026, 8, 1)) == ["2026-H1", "2026-H2"]
    reporting.submit_typed(_institution(dst), dst, "2026-H1", LINES)
    assert reporting.periods_due(dst, date(2026, 8, 1)) == ["2026-H2"]
    assert [(p.reference, due) for p, due in reporting.reports_due(
        _institution(dst), date(2026, 8, 1))] == [("DST-2026", ["2026-H2"])]
    with pytest.raises(NotFound):
        reporting.reporting_period(dst, "2028-H1")


def test_a_draft_is_loaded_on_the_sheet_beside_the_previous_report(dst):
    actor = _institution(dst)
    reporting.submit_typed(actor, dst, "2026-H1", LINES)
    reporting.save_draft(actor, dst, "2026-H2", {"M1": {"status": "at_risk", "value": " 38 "}})
    sheet = reporting.report_sheet(dst, "2026-H2")
    assert sheet.previous_period == "2026-H1" and sheet.draft is not None
    first = sheet.lines[0]
    assert first.goal.code == "M1" and first.values["status"] == "at_risk"
    assert first.values["value"] == "38"  # stripped
    assert first.previous is not None and first.previous.comment == "Fint."
    with pytest.raises(Invalid) as refused:
        reporting.save_draft(actor, dst, "2026-H2", {"M1": {"comment": "a\x07b"}})
    assert list(refused.value.errors) == ["M1.comment"]


def test_a_submission_supersedes_and_a_rejected_one_keeps_the_draft(dst):
    actor = _institution(dst)
    mailed = record_followup(dst, period="2026-H1", rows=[
        {"goal": c, "status": "at_risk", "comment": "x"} for c in ("M1", "M2", "M3")],
        channel="email", submitted_by="opfoelgning@dst.dk")
    db.session.commit()
    rejected = reporting.submit_typed(actor, dst, "2026-H1", {**LINES, "M3": {}})
    assert (rejected.status, rejected.channel) == ("rejected", "web")
    assert db.session.get(FollowUp, mailed.id).current
    assert reporting.get_draft(dst, "2026-H1") is not None
    accepted = reporting.submit_typed(actor, dst, "2026-H1", LINES)
    assert accepted.status == "accepted"
    db.session.expire_all()
    assert db.session.get(FollowUp, mailed.id).superseded_by_id == accepted.id
    assert db.session.scalar(select(FollowUpDraft)) is None


def test_a_csv_file_is_read_with_the_ministrys_parsers(dst):
    data = ("Mål-ID;Status;Målt værdi;Kommentar\nM1;grøn;35;Fint.\nM2;grøn;93;Godt.\n"
            "M3;grøn;;Efter planen.\n").encode()
    followup = reporting.submit_file(_institution(dst), dst, "2026-H1", "r.csv", "text/csv",
                                     data)
    assert (followup.channel, followup.status) == ("upload", "accepted")
    with pytest.raises(Invalid) as refused:
        reporting.submit_file(_institution(dst), dst, "2026-H1", "r.csv", "text/csv",
                              b"Periode;2026-H2\n" + data)
    assert refused.value.field == "file" and "2. halvår 2026" in refused.value.message

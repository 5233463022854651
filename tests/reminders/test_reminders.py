"""`mrp reminders send`: upcoming and overdue reminders, once each, with the template."""

from __future__ import annotations

import io
from datetime import date

import openpyxl
import pytest
from sqlalchemy import select

from service.domain.models import Reminder
from service.domain.reminders import expected_periods, period_at, reminder_kind
from service.extensions import db
from service.vocabulary import Period
from tests.support.factories import build_dst_plan, goal_body, ok, plan_body
from tests.support.mailservers import free_port

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
ROWS = [
    {"goal": "M1", "status": "grøn", "value": 35, "progress": 50},
    {"goal": "M2", "status": "gul", "value": 91, "progress": 40},
    {"goal": "M3", "status": "På rette spor", "progress": 30},
]


def send(runner, today, *extra):
    return runner.invoke(args=["reminders", "send", "--today", today, *extra])


def reminders():
    db.session.expire_all()
    return [(r.plan.reference, r.period, r.kind, sorted(r.recipients))
            for r in db.session.scalars(select(Reminder).order_by(Reminder.id))]


def delivered(server):
    """The recipients of each message the server took."""
    return [sorted(m.rcpt_tos) for m in server.messages]


def attachment(message):
    [part] = [p for p in message.iter_attachments()]
    assert part.get_content_type() == XLSX
    return part.get_filename(), openpyxl.load_workbook(io.BytesIO(part.get_content()))


@pytest.fixture
def dst(client, admin):
    """DST-2026 (half-yearly, 2026–2027, approved) with two reporting addresses."""
    plan = build_dst_plan(client, admin)
    ok(client.patch("/api/v1/institutions/DST", headers=admin, json={
        "reporting_addresses": ["opfoelgning@dst.dk", "mrp@dst.dk"]}))
    return plan


def test_upcoming_reminder_with_the_filled_template(runner, smtp_server, dst):
    assert send(runner, "2026-07-15").exit_code == 0  # due 30 July: 15 days away
    assert smtp_server.messages == []
    result = send(runner, "2026-07-16")  # 14 days away
    assert result.exit_code == 0, result.output
    assert "DST-2026 2026-H1 upcoming: sent" in result.output
    [mail] = smtp_server.messages
    assert sorted(mail.rcpt_tos) == ["mrp@dst.dk", "opfoelgning@dst.dk"]
    message = mail.message
    assert message["From"] == "mrp@fm.dk"
    assert message["Reply-To"] == "opfoelgning@fm.dk"
    assert message["Auto-Submitted"] == "auto-generated"
    assert message["Content-Language"] == "da"
    assert message["Subject"] == (
        "Påmindelse: opfølgning [DST-2026] 1. halvår 2026 – frist 30. juli 2026")
    text = message.get_body(("plain",)).get_content()
    assert "Dette er en påmindelse om opfølgningen" in text
    assert '"Mål- og resultatplan 2026" (DST-2026) for 1. halvår 2026.' in text
    assert "Fristen er torsdag den 30. juli 2026." in text
    assert "Send skemaet som svar på denne mail (til opfoelgning@fm.dk)" in text
    filename, wb = attachment(message)
    assert filename == "opfoelgning-DST-2026-2026-H1.xlsx"
    assert filename in text
    ws = wb["Opfølgning"]
    assert (ws["A2"].value, ws["B2"].value) == ("Planreference", "DST-2026")
    assert (ws["A3"].value, ws["B3"].value) == ("Periode", "2026-H1")
    assert [ws.cell(row=r, column=1).value for r in (9, 10, 11)] == ["M1", "M2", "M3"]
    assert reminders() == [
        ("DST-2026", "2026-H1", "upcoming", ["mrp@dst.dk", "opfoelgning@dst.dk"])]


def test_rerun_sends_nothing_twice(runner, smtp_server, dst):
    assert send(runner, "2026-07-20").exit_code == 0
    for day in ("2026-07-20", "2026-07-25", "2026-07-30"):
        result = send(runner, day)
        assert result.exit_code == 0, result.output
        assert "nothing due" in result.output
    assert len(smtp_server.messages) == 1
    assert len(reminders()) == 1


def test_overdue_reminder_after_the_due_date(runner, smtp_server, dst):
    assert send(runner, "2026-07-20").exit_code == 0  # upcoming
    result = send(runner, "2026-07-31")
    assert result.exit_code == 0, result.output
    assert "DST-2026 2026-H1 overdue: sent" in result.output
    upcoming, overdue = (m.message for m in smtp_server.messages)
    assert upcoming["Subject"].startswith("Påmindelse:")
    assert overdue["Subject"] == (
        "Rykker: opfølgning [DST-2026] 1. halvår 2026 – fristen var 30. juli 2026")
    text = overdue.get_body(("plain",)).get_content()
    assert "Vi har endnu ikke modtaget opfølgningen" in text
    assert "Fristen var torsdag den 30. juli 2026." in text
    _, wb = attachment(overdue)
    assert wb["Opfølgning"]["B3"].value == "2026-H1"
    assert sorted(smtp_server.messages[1].rcpt_tos) == ["mrp@dst.dk", "opfoelgning@dst.dk"]
    assert [r[2] for r in reminders()] == ["upcoming", "overdue"]
    assert send(runner, "2026-09-01").exit_code == 0
    assert len(smtp_server.messages) == 2  # overdue once only


def test_an_accepted_report_means_no_overdue_reminder(client, admin, runner, smtp_server, dst):
    report = ok(client.post(f"/api/v1/plans/{dst['id']}/followups", headers=admin,
                            json={"period": "2026-H1", "goals": ROWS}), 201)
    assert report["status"] == "accepted"
    for day in ("2026-07-20", "2026-08-15", "2026-12-01"):
        result = send(runner, day)
        assert result.exit_code == 0 and "nothing due" in result.output
    assert smtp_server.messages == []
    assert reminders() == []


def test_a_rejected_report_still_gets_the_overdue_reminder(
    client, admin, runner, smtp_server, dst
):
    rejected = ok(client.post(f"/api/v1/plans/{dst['id']}/followups", headers=admin,
                              json={"period": "2026-H1", "goals": [{"goal": "M1",
                                                                    "status": "lilla"}]}), 201)
    assert rejected["status"] == "rejected"
    assert send(runner, "2026-08-15").exit_code == 0
    [mail] = smtp_server.messages
    text = mail.message.get_body(("plain",)).get_content()
    assert "Rykker" in mail.message["Subject"]
    assert "den blev afvist" in text


def test_smtp_down_records_nothing_and_the_next_run_sends(app, runner, smtp_server, dst):
    port = app.config["SMTP_PORT"]
    app.config["SMTP_PORT"] = free_port()  # nothing listens there
    result = send(runner, "2026-07-20")
    assert result.exit_code == 1
    assert "DST-2026 2026-H1 upcoming: failed" in result.output
    assert reminders() == []
    app.config["SMTP_PORT"] = port
    result = send(runner, "2026-07-21")
    assert result.exit_code == 0, result.output
    assert len(smtp_server.messages) == 1
    assert [r[:3] for r in reminders()] == [("DST-2026", "2026-H1", "upcoming")]


def approved_plan(client, admin, code: str, addresses: list[str]) -> None:
    """Institution ``code`` in a ministry of its own, with an approved plan for 2026."""
    ok(client.post("/api/v1/ministries", json={"code": f"M{code}", "name": f"Min. {code}"},
                   headers=admin), 201)
    ok(client.post("/api/v1/institutions", headers=admin, json={
        "code": code, "name": f"{code} styrelse", "ministry": f"M{code}",
        "reporting_addresses": addresses}), 201)
    plan = ok(client.post("/api/v1/plans", json=plan_body(code), headers=admin), 201)
    ok(client.post(f"/api/v1/plans/{plan['id']}/goals", json=goal_body(), headers=admin), 201)
    ok(client.post(f"/api/v1/plans/{plan['id']}/approve", headers=admin))


def test_one_failure_does_not_stop_the_others(app, client, admin, runner, smtp_server_refusing,
                                               dst):
    """The server refuses ABC's address: that send fails and is not recorded; DST's goes
    out and is; the next run tries ABC again."""
    server = smtp_server_refusing
    app.config["SMTP_PORT"] = server.port
    approved_plan(client, admin, "ABC", ["opfoelgning@abc.dk"])
    result = send(runner, "2026-08-10")
    assert result.exit_code == 1
    assert "ABC-2026 2026-H1 overdue: failed" in result.output
    assert "DST-2026 2026-H1 overdue: sent" in result.output
    assert delivered(server) == [["mrp@dst.dk", "opfoelgning@dst.dk"]]
    assert [r[:3] for r in reminders()] == [("DST-2026", "2026-H1", "overdue")]
    again = send(runner, "2026-08-11")
    assert again.exit_code == 1
    assert "ABC-2026 2026-H1 overdue: failed" in again.output
    assert "DST-2026" not in again.output
    assert len(delivered(server)) == 1


def test_refused_address_is_not_sent_again_to_the_others(app, client, admin, runner,
                                                          smtp_server_refusing):
    """The server takes the reminder for one address and refuses the other: it is recorded
    as sent to the one that took it, the refused address is named and the run fails, and
    the next run does not repeat it to the address that has it."""
    server = smtp_server_refusing
    app.config["SMTP_PORT"] = server.port
    approved_plan(client, admin, "TWO", ["gammel@abc.dk", "opfoelgning@two.dk"])
    result = send(runner, "2026-08-10")
    assert result.exit_code == 1
    assert ("TWO-2026 2026-H1 overdue: sent → opfoelgning@two.dk; refused by the mail "
            "server: gammel@abc.dk") in result.output
    assert delivered(server) == [["opfoelgning@two.dk"]]
    (row,) = [r for r in reminders() if r[0] == "TWO-2026"]
    assert row == ("TWO-2026", "2026-H1", "overdue", ["opfoelgning@two.dk"])
    again = send(runner, "2026-08-11")
    assert "TWO-2026" not in again.output
    assert delivered(server) == [["opfoelgning@two.dk"]]


def test_only_approved_plans_and_only_with_addresses(client, admin, runner, smtp_server):
    ok(client.post("/api/v1/ministries", json={"code": "FM", "name": "Fin"}, headers=admin), 201)
    ok(client.post("/api/v1/institutions", headers=admin, json={
        "code": "DST", "name": "DST", "ministry": "FM",
        "reporting_addresses": ["opfoelgning@dst.dk"]}), 201)
    ok(client.post("/api/v1/institutions", headers=admin, json={
        "code": "NOA", "name": "Uden adresser", "ministry": "FM"}), 201)
    draft = ok(client.post("/api/v1/plans", json=plan_body("DST"), headers=admin), 201)
    ok(client.post(f"/api/v1/plans/{draft['id']}/goals", json=goal_body(), headers=admin), 201)
    silent = ok(client.post("/api/v1/plans", json=plan_body("NOA"), headers=admin), 201)
    ok(client.post(f"/api/v1/plans/{silent['id']}/goals", json=goal_body(), headers=admin), 201)
    ok(client.post(f"/api/v1/plans/{silent['id']}/approve", headers=admin))
    result = send(runner, "2026-08-10")
    assert result.exit_code == 0, result.output
    assert "NOA-2026 2026-H1 overdue: skipped" in result.output
    assert "DST-2026" not in result.output
    assert smtp_server.messages == []
    assert reminders() == []


def test_dry_run_sends_and_records_nothing(runner, smtp_server, dst):
    result = send(runner, "2026-07-20", "--dry-run")
    assert result.exit_code == 0, result.output
    assert "DST-2026 2026-H1 upcoming: planned → mrp@dst.dk, opfoelgning@dst.dk" in result.output
    assert smtp_server.messages == [] and reminders() == []


def test_days_before_is_configurable(app, runner, smtp_server, dst):
    app.config["REMINDER_DAYS_BEFORE"] = 40
    assert send(runner, "2026-06-25").exit_code == 0  # H1 still running; due in 35 days
    [mail] = smtp_server.messages
    assert "[DST-2026] 1. halvår 2026" in mail.message["Subject"]


def test_bad_today_is_a_usage_error(runner):
    result = runner.invoke(args=["reminders", "send", "--today", "31-07-2026"])
    assert result.exit_code == 2
    assert "--today" in result.output


# -- which period, which kind ---------------------------------------------------------------


@pytest.mark.parametrize(("day", "cadence", "expected"), [
    (date(2026, 7, 20), "half-yearly", Period(2026, "H", 2)),
    (date(2026, 6, 30), "half-yearly", Period(2026, "H", 1)),
    (date(2026, 10, 1), "quarterly", Period(2026, "Q", 4)),
    (date(2026, 3, 31), "quarterly", Period(2026, "Q", 1)),
    (date(2026, 12, 31), "yearly", Period(2026, "Y", 1)),
    (date(2026, 2, 1), None, Period(2026, "H", 1)),
])
def test_period_at(day, cadence, expected):
    assert period_at(day, cadence) == expected


class _Plan:
    def __init__(self, cadence, start=2026, end=2027):
        self.followup_cadence, self.period_start, self.period_end = cadence, start, end


def test_expected_periods_are_the_last_ended_and_the_running_within_the_plan():
    assert expected_periods(_Plan("half-yearly"), date(2026, 7, 20)) == [
        Period(2026, "H", 1), Period(2026, "H", 2)]
    assert expected_periods(_Plan("half-yearly"), date(2026, 3, 1)) == [Period(2026, "H", 1)]
    assert expected_periods(_Plan("quarterly"), date(2027, 1, 10)) == [
        Period(2026, "Q", 4), Period(2027, "Q", 1)]
    assert expected_periods(_Plan("yearly"), date(2028, 1, 20)) == [Period(2027, "Y", 1)]
    assert expected_periods(_Plan("yearly"), date(2029, 1, 20)) == []


def test_reminder_kind():
    due = date(2026, 7, 30)
    assert reminder_kind(due, date(2026, 7, 15), 14, reported=False) is None
    assert reminder_kind(due, date(2026, 7, 16), 14, reported=False) == "upcoming"
    assert reminder_kind(due, date(2026, 7, 30), 14, reported=False) == "upcoming"
    assert reminder_kind(due, date(2026, 7, 31), 14, reported=False) == "overdue"
    assert reminder_kind(due, date(2026, 7, 31), 14, reported=True) is None
    assert reminder_kind(due, date(2026, 7, 20), 14, reported=True) is None

"""`mrp reminders send`, kind `review`: a report the department has not reviewed
MRP_REVIEW_REMINDER_DAYS days after it came gets one mail to the department's people of the
plan's ministry, with the link to it on the plan's page; at most once per plan and period."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import select, update

from service.domain.models import FollowUp, OutboundMessage, Reminder
from service.extensions import db
from tests.support.factories import build_dst_plan, ok

ROWS = [
    {"goal": "M1", "status": "grøn", "value": 35, "progress": 50},
    {"goal": "M2", "status": "gul", "value": 91, "progress": 40},
    {"goal": "M3", "status": "På rette spor", "progress": 30},
]
RECEIVED = datetime(2026, 7, 10, 9, 30, tzinfo=UTC)


@pytest.fixture
def app_config(app_config):
    return {**app_config, "WEB_BASE_URL": "https://mrp.fm.dk/"}


def send(runner, today):
    return runner.invoke(args=["reminders", "send", "--today", today])


def _report(client, admin, plan_id, received=RECEIVED, rows=ROWS):
    report = ok(client.post(f"/api/v1/plans/{plan_id}/followups", headers=admin,
                            json={"period": "2026-H1", "goals": rows}), 201)
    db.session.execute(update(FollowUp).where(FollowUp.id == report["id"])
                       .values(received_at=received))
    db.session.commit()
    return report


def _person(client, admin, email, ministry, role="department", active=True):
    made = ok(client.post("/api/v1/users", headers=admin, json={
        "email": email, "name": email.split("@")[0].title(), "role": role,
        "ministry": ministry}), 201)
    if not active:
        ok(client.patch(f"/api/v1/users/{made['email']}", headers=admin,
                        json={"active": False}))


def mails(server):
    """The review reminders the server took (not the review answers to the institution)."""
    return [m for m in server.messages if "venter på departementets" in m.message["Subject"]]


def review_reminders():
    db.session.expire_all()
    return [(r.period, r.state, sorted(r.recipients)) for r in db.session.scalars(
        select(Reminder).where(Reminder.kind == "review").order_by(Reminder.id))]


@pytest.fixture
def dst(client, admin):
    plan = build_dst_plan(client, admin)
    ok(client.post("/api/v1/ministries", json={"code": "SKM", "name": "Skatteministeriet"},
                   headers=admin), 201)
    _person(client, admin, "anne@fm.dk", "FM")
    _person(client, admin, "bo@fm.dk", "FM")
    _person(client, admin, "gone@fm.dk", "FM", active=False)
    _person(client, admin, "sofie@skm.dk", "SKM")  # another ministry's department
    return plan


def test_one_mail_to_the_department_once_the_days_have_passed(
        client, admin, runner, smtp_server, dst):
    report = _report(client, admin, dst["id"])
    result = send(runner, "2026-07-23")  # 13 days after
    assert result.exit_code == 0 and "nothing due" in result.output, result.output
    result = send(runner, "2026-07-24")  # 14 days
    assert result.exit_code == 0, result.output
    assert "DST-2026 2026-H1 review: sent → anne@fm.dk, bo@fm.dk" in result.output
    [mail] = smtp_server.messages
    assert sorted(mail.rcpt_tos) == ["anne@fm.dk", "bo@fm.dk"]
    message = mail.message
    assert message["From"] == "mrp@fm.dk"
    assert message["Auto-Submitted"] == "auto-generated"
    assert message["Content-Language"] == "da"
    assert message["Subject"] == ("Påmindelse: opfølgning [DST-2026] 1. halvår 2026 venter "
                                  "på departementets gennemgang")
    text = message.get_body(("plain",)).get_content()
    assert "Til departementet for Finansministeriet" in text
    assert ('Danmarks Statistik har sendt opfølgningen på mål- og resultatplanen '
            '"Mål- og resultatplan 2026" (DST-2026) for 1. halvår 2026.') in text
    assert "Den blev modtaget 10. juli 2026 og er endnu ikke gennemgået." in text
    assert (f"https://mrp.fm.dk/plans/{dst['id']}?period=2026-H1#followup-{report['id']}"
            in text)
    assert list(message.iter_attachments()) == []
    assert review_reminders() == [("2026-H1", "sent", ["anne@fm.dk", "bo@fm.dk"])]
    [stored] = db.session.scalars(select(OutboundMessage).where(
        OutboundMessage.key == f"reminder:{dst['id']}:2026-H1:review"))
    assert stored.sent_at is not None and stored.subject == message["Subject"]
    for day in ("2026-07-24", "2026-08-01", "2026-09-15"):  # once, however often it runs
        result = send(runner, day)
        assert result.exit_code == 0 and "review:" not in result.output, result.output
    assert len(mails(smtp_server)) == 1


def test_at_most_once_per_plan_and_period_even_for_a_report_sent_again(
        client, admin, token, runner, smtp_server, dst):
    first = _report(client, admin, dst["id"])
    assert send(runner, "2026-07-30").exit_code == 0
    assert len(mails(smtp_server)) == 1
    ok(client.post(f"/api/v1/followups/{first['id']}/review",
                   headers=token("department", ministry="FM"),
                   json={"decision": "returned", "comment": "Ret M2."}))
    _report(client, admin, dst["id"], received=datetime(2026, 8, 1, tzinfo=UTC))
    result = send(runner, "2026-09-01")  # the new report has waited a month: no second mail
    assert result.exit_code == 0 and "review:" not in result.output
    assert len(mails(smtp_server)) == 1
    assert len(review_reminders()) == 1


def test_a_reviewed_or_newer_report_gets_no_reminder(client, admin, token, runner,
                                                    smtp_server, dst):
    first = _report(client, admin, dst["id"])
    ok(client.post(f"/api/v1/followups/{first['id']}/review",
                   headers=token("department", ministry="FM"),
                   json={"decision": "acknowledged"}))
    result = send(runner, "2026-08-15")
    assert result.exit_code == 0 and "nothing due" in result.output, result.output
    # a rejected report after the reviewed one is the period's latest: it waits for review
    _report(client, admin, dst["id"], received=datetime(2026, 8, 20, tzinfo=UTC),
            rows=[{"goal": "M1", "status": "lilla"}])
    assert "nothing due" in send(runner, "2026-09-02").output
    result = send(runner, "2026-09-03")
    assert "DST-2026 2026-H1 review: sent" in result.output
    assert len(mails(smtp_server)) == 1


def test_no_department_people_skips_and_a_later_run_sends(client, admin, runner, smtp_server):
    plan = build_dst_plan(client, admin)
    _report(client, admin, plan["id"])
    result = send(runner, "2026-08-01")
    assert result.exit_code == 0
    assert ("DST-2026 2026-H1 review: skipped (the ministry has no active department users)"
            in result.output)
    assert smtp_server.messages == [] and review_reminders() == []
    _person(client, admin, "anne@fm.dk", "FM")
    assert "review: sent → anne@fm.dk" in send(runner, "2026-08-02").output
    assert [sorted(m.rcpt_tos) for m in mails(smtp_server)] == [["anne@fm.dk"]]


def test_the_setting_moves_the_day(app, client, admin, runner, smtp_server, dst):
    app.config["REVIEW_REMINDER_DAYS"] = 3
    _report(client, admin, dst["id"])
    assert "nothing due" in send(runner, "2026-07-12").output
    assert "review: sent" in send(runner, "2026-07-13").output

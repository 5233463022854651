"""What a mailed report becomes: rejected with its findings, accepted with warnings, a later
report superseding an earlier one, plan and period taken from the subject."""

from __future__ import annotations

from tests.intake.pipeline.conftest import corpus, json_report, report_mail
from tests.support.factories import ok


def _followups(client, admin, plan_id):
    return ok(client.get(f"/api/v1/plans/{plan_id}/followups", headers=admin))


def _messages(client, admin):
    return ok(client.get("/api/v1/intake/messages", headers=admin))


def test_errors_reject_the_report_and_leave_the_current_status_alone(
    client, admin, dst_plan, mailbox, poll
):
    mailbox.append("INBOX", report_mail(attachment=json_report()))
    poll()
    bad = json_report(goals=[
        {"goal": "M1", "status": "lilla", "value": 12, "progress": 10},
        {"goal": "M2", "status": "off_track", "value": 80, "progress": 10, "comment": "Nej"},
        {"goal": "M3", "status": "off_track", "progress": 10, "comment": "Nej"},
    ])
    mailbox.append("INBOX", report_mail(attachment=bad))
    poll()

    newest, first = _followups(client, admin, dst_plan["id"])
    assert (first["status"], newest["status"]) == ("accepted", "rejected")
    assert first["superseded_by"] is None and first["current"] is True
    assert newest["current"] is False
    assert {g["goal"]: g["status_raw"] for g in newest["goals"]}["M1"] == "lilla"
    errors = [f for f in newest["findings"] if f["severity"] == "error"]
    assert ("followup.status", "M1") in {(f["rule"], f["goal"]) for f in errors}
    assert [m["state"] for m in _messages(client, admin)] == ["rejected", "accepted"]

    overview = ok(client.get("/api/v1/overview?period=2026-H1", headers=admin))
    [plan] = overview["plans"]
    assert plan["report"]["followup"] == first["id"]
    assert plan["report"]["rejected"] == 1
    assert {g["goal"]: g["status"] for g in plan["goals"]}["M1"] == "on_track"


def test_warnings_keep_the_report_accepted(client, admin, dst_plan, mailbox, poll):
    # M2 at risk without a comment: followup.explain, a warning
    report = json_report(goals=[
        {"goal": "M1", "status": "on_track", "value": 35, "progress": 50},
        {"goal": "M2", "status": "Udfordret", "value": 93.5, "progress": 40},
        {"goal": "M3", "status": "on_track", "progress": 60},
    ])
    mailbox.append("INBOX", report_mail(attachment=report))
    poll()

    [followup] = _followups(client, admin, dst_plan["id"])
    assert followup["status"] == "accepted"
    assert followup["current"] is True
    severities = {(f["rule"], f["goal"]): f["severity"] for f in followup["findings"]}
    assert severities[("followup.explain", "M2")] == "warning"
    assert "error" not in severities.values()


def test_a_later_report_supersedes_the_earlier(client, admin, dst_plan, mailbox, poll):
    mailbox.append("INBOX", corpus("json-report.eml"))
    poll()
    mailbox.append("INBOX", corpus("xlsx-template.eml"))
    poll()

    later, earlier = _followups(client, admin, dst_plan["id"])
    assert earlier["superseded_by"] == later["id"]
    assert later["superseded_by"] is None
    assert (earlier["current"], later["current"]) == (False, True)
    assert earlier["period"] == later["period"] == "2026-H1"
    messages = {m["message_id"]: m for m in _messages(client, admin)}
    assert messages["<json-report@dst.dk>"]["followup"] == earlier["id"]
    assert messages["<xlsx-template@dst.dk>"]["followup"] == later["id"]


def test_plan_and_period_from_the_subject_alone(client, admin, dst_plan, mailbox, poll):
    # csv-reply.eml: a CSV without the plan and period labels; the subject names both
    mailbox.append("INBOX", corpus("csv-reply.eml"))
    poll()

    [followup] = _followups(client, admin, dst_plan["id"])
    assert (followup["plan"], followup["period"], followup["status"]) == (
        "DST-2026", "2026-H1", "accepted")
    assert [g["goal"] for g in followup["goals"]] == ["M1", "M2", "M3"]
    assert {g["goal"]: g["value"] for g in followup["goals"]}["M2"] == 93.5


def test_danish_period_words_in_the_subject(client, admin, dst_plan, mailbox, poll):
    report = json_report(plan=None, period=None)
    mailbox.append("INBOX", report_mail(subject="Opfølgning DST-2026 2. halvår 2026",
                                        attachment=report))
    mailbox.append("INBOX", report_mail(subject="Opfølgning [dst-2026] for 1. halvår 2026",
                                        attachment=report + b" "))
    poll()

    periods = {f["period"]: f["status"] for f in _followups(client, admin, dst_plan["id"])}
    assert periods == {"2026-H2": "accepted", "2026-H1": "accepted"}

"""One bad message never stops the others: text PostgreSQL cannot store (NUL characters in
a subject, a Message-ID, a report's cells) is stored without them, and the mail after it is
still read."""

from __future__ import annotations

from tests.intake.pipeline.conftest import corpus, json_report, report_mail
from tests.support.factories import ok


def test_nul_characters_neither_stop_the_intake_nor_reach_the_database(
    client, admin, dst_plan, mailbox, poll
):
    raw = report_mail(
        attachment=json_report(goals=[
            {"goal": "M1", "status": "on_track", "value": 35, "progress": 50,
             "comment": "før\u0000efter"},
            {"goal": "M2", "status": "on\u0000track", "value": 93.5, "progress": 40},
            {"goal": "M3", "status": "on_track", "progress": 60},
        ]),
        message_id="<nul@dst.dk>",
    ).replace(b"Subject: [DST-2026] =?utf-8?q?Opf=C3=B8lgning?= 2026-H1",
              b"Subject: =?utf-8?q?[DST-2026]_2026-H1_a=00b?=")
    assert b"a=00b" in raw
    mailbox.append("INBOX", raw)
    mailbox.append("INBOX", corpus("json-report.eml"))
    poll()

    messages = {m["message_id"]: m for m in
                ok(client.get("/api/v1/intake/messages", headers=admin))}
    assert set(messages) == {"<nul@dst.dk>", "<json-report@dst.dk>"}
    assert messages["<json-report@dst.dk>"]["state"] == "accepted"
    bad = messages["<nul@dst.dk>"]
    assert bad["state"] == "rejected"  # M2's status is not a status
    assert bad["subject"] == "[DST-2026] 2026-H1 ab"
    followup = ok(client.get(f"/api/v1/followups/{bad['followup']}", headers=admin))
    assert {g["goal"]: g["comment"] for g in followup["goals"]}["M1"] == "førefter"
    assert "\u0000" not in str(followup)
    mailbox.select("INBOX")
    assert mailbox.uids() == []


def test_overlong_cells_neither_stop_the_intake_nor_fail_the_commit(
    client, admin, dst_plan, mailbox, poll
):
    long_goal, long_status = "M" + "9" * 80, "ganske " * 60
    raw = report_mail(attachment=json_report(goals=[
        {"goal": "M1", "status": long_status, "value": "x" * 500, "progress": "y" * 500},
        {"goal": "M2", "status": "on_track", "value": 93.5, "progress": 40},
        {"goal": "M3", "status": "on_track", "progress": 60},
        {"goal": long_goal, "status": "on_track"},
    ]), message_id="<long@dst.dk>")
    mailbox.append("INBOX", raw)
    mailbox.append("INBOX", corpus("json-report.eml"))
    poll()

    messages = {m["message_id"]: m for m in
                ok(client.get("/api/v1/intake/messages", headers=admin))}
    assert messages["<json-report@dst.dk>"]["state"] == "accepted"
    bad = messages["<long@dst.dk>"]
    assert bad["state"] == "rejected"
    followup = ok(client.get(f"/api/v1/followups/{bad['followup']}", headers=admin))
    rules = {f["rule"] for f in followup["findings"]}
    assert {"followup.unknown-goal", "followup.status"} <= rules
    assert long_goal[:40] in {f["goal"] for f in followup["findings"]}
    mailbox.select("INBOX")
    assert mailbox.uids() == []


def test_a_report_without_nul_is_kept_as_it_is_and_one_with_loses_every_nul():
    from service.domain.reportfiles import report_nul_free
    from service.plugins.reports import ParsedReport, ReportRow

    clean = ParsedReport(rows=(ReportRow("M1", "on_track", "1", None, "fint", 2),),
                         plan="FM-2026", period="1. halvår 2026")
    assert report_nul_free(clean) is clean
    dirty = ParsedReport(rows=(ReportRow("M1", "on_track", "1", None, "fint", 2),
                               ReportRow("M2", "on\x00track", None, None, "f\x00ør", 3)),
                         plan="FM\x00-2026", period=None)
    fixed = report_nul_free(dirty)
    assert fixed.plan == "FM-2026"
    assert [(r.status, r.comment) for r in fixed.rows] == [("on_track", "fint"),
                                                           ("ontrack", "før")]

"""A mail whose processing fails for an internal reason (an exception in the pipeline that no
isolation catches) is quarantined alone, among others taken in from a real IMAP server, and
keeps its sender, subject and Message-ID; it is seen by the department it belongs to, as far
as it could be attributed, and says in Danish what went wrong (``internal_error``), in the
API and on the dashboard's intake page."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from service.plugins import hookimpl
from service.plugins.reports import ParsedReport
from tests.intake.pipeline.conftest import folder_counts, json_report, report_mail
from tests.support.factories import ok
from tests.web.conftest import secret_of, sign_in

PLUGIN = "fm-broken-sheet"


class GarbageParser:
    """A ministry's report parser that accepts its files and returns garbage the parsers'
    isolation lets through: a ParsedReport, but its rows are lines of text."""

    name = PLUGIN

    def accepts(self, filename: str, content_type: str, head: bytes) -> bool:
        return filename.endswith(".fmark")

    def parse(self, data: bytes, filename: str) -> ParsedReport:
        lines = tuple(data.decode().splitlines())
        return ParsedReport(rows=lines, plan="DST-2026")  # type: ignore[arg-type]


class GarbagePlugin:
    @hookimpl
    def mrp_report_parsers(self) -> list[GarbageParser]:
        return [GarbageParser()]


@pytest.fixture
def garbage_plugin(app, client, admin, dst_plan) -> Iterator[None]:
    manager = app.extensions["mrp.plugins"]
    manager.register(GarbagePlugin(), PLUGIN)
    ok(client.put(f"/api/v1/plugins/{PLUGIN}/ministries/FM", json={}, headers=admin))
    yield
    manager.unregister(PLUGIN)


@pytest.fixture
def skm(client, admin) -> None:
    ok(client.post("/api/v1/ministries", json={"code": "SKM", "name": "Skatteministeriet"},
                   headers=admin), 201)


def _mails() -> dict[str, bytes]:
    def report(period: str, n: str) -> bytes:
        return report_mail(subject=f"[DST-2026] Opfølgning {period}", message_id=f"<{n}@dst.dk>",
                           attachment=json_report(period=period))

    return {
        "first": report("2026-H1", "first"),
        "broken-record": report("2026-H2", "broken-record"),
        "broken-plugin": report_mail(subject="[DST-2026] Statusark 2027-H1",
                                     message_id="<broken-plugin@dst.dk>",
                                     attachment=b"M1 | gr\xc3\xb8n", filename="dst.fmark",
                                     content_type="application/octet-stream"),
        "last": report("2027-H2", "last"),
    }


def _by_message_id(client, headers) -> dict[str, dict]:
    return {m["message_id"].strip("<>").partition("@")[0]: m for m in
            ok(client.get("/api/v1/intake/messages", headers=headers))}


def test_a_failing_mail_keeps_its_headers_is_its_departments_and_says_why(
    app, client, admin, token, dst_plan, skm, garbage_plugin, mailbox, poll, monkeypatch
):
    from service.intake import pipeline

    real_record = pipeline.record_followup

    def record_followup(plan, **kwargs):  # a bug in the domain, for one report
        if kwargs["period"] == "2026-H2":
            raise KeyError("goal")
        return real_record(plan, **kwargs)

    monkeypatch.setattr(pipeline, "record_followup", record_followup)
    mails = _mails()
    for raw in mails.values():
        mailbox.append("INBOX", raw)
    poll()

    messages = _by_message_id(client, admin)
    assert {n: m["state"] for n, m in messages.items()} == {
        "first": "accepted", "broken-record": "quarantined", "broken-plugin": "quarantined",
        "last": "accepted"}
    assert folder_counts(mailbox, "INBOX", "Processed", "Quarantine") == {
        "INBOX": 0, "Processed": 2, "Quarantine": 2}

    record, plugin = messages["broken-record"], messages["broken-plugin"]
    assert (record["sender"], record["subject"], record["message_id"]) == (
        "opfoelgning@dst.dk", "[DST-2026] Opfølgning 2026-H2", "<broken-record@dst.dk>")
    assert (record["reason"], record["plan"], record["followup"]) == (
        "internal_error", "DST-2026", None)
    assert record["detail"].startswith(
        "Intern fejl da opfølgningen blev registreret: KeyError. Fejlen ligger i systemet")
    assert "goal" not in record["detail"]  # the exception's own text stays in the log
    assert (plugin["sender"], plugin["subject"], plugin["message_id"]) == (
        "opfoelgning@dst.dk", "[DST-2026] Statusark 2027-H1", "<broken-plugin@dst.dk>")
    assert (plugin["reason"], plugin["plan"]) == ("internal_error", None)  # by its sender
    assert plugin["detail"].startswith("Intern fejl da rapporten blev læst: ")

    # the department they belong to sees them, and so does DST; SKM's does not
    fm = token("department", ministry="FM")
    assert set(_by_message_id(client, fm)) == set(mails)
    assert set(_by_message_id(client, token("institution", institution="DST"))) == set(mails)
    assert ok(client.get("/api/v1/intake/messages",
                         headers=token("department", ministry="SKM"))) == []

    # and so does its page, in Danish
    sign_in(client, secret_of(fm))
    html = client.get("/intake").get_data(as_text=True)
    assert f'id="message-{record["id"]}"' in html and f'id="message-{plugin["id"]}"' in html
    assert html.count("Intern fejl i systemet") == 2
    assert "Intern fejl da opfølgningen blev registreret: KeyError." in html
    assert "[DST-2026] Opfølgning 2026-H2" in html and "opfoelgning@dst.dk" in html

    # once the fault is mended, the department reprocesses it
    monkeypatch.setattr(pipeline, "record_followup", real_record)
    again = ok(client.post(f"/api/v1/intake/messages/{record['id']}/reprocess", headers=fm))
    assert (again["state"], again["reason"], again["plan"]) == ("accepted", None, "DST-2026")


def test_a_mail_the_parser_breaks_on_keeps_its_headers_for_the_admin(
    client, admin, token, dst_plan, mailbox, poll, monkeypatch
):
    """Broken before its sender was checked: nobody's but the administrators', who still see
    who sent it and what it is called."""
    from service.intake import parse

    real_parse = parse.parse_message

    def parse_message(raw: bytes, **kwargs):
        if b"<broken-parse@dst.dk>" in raw:
            raise UnicodeError("a shape the parser did not expect")
        return real_parse(raw, **kwargs)

    monkeypatch.setattr(parse, "parse_message", parse_message)
    mailbox.append("INBOX", report_mail(subject="[DST-2026] Opfølgning 2026-H1",
                                        message_id="<fine@dst.dk>", attachment=json_report()))
    mailbox.append("INBOX", report_mail(subject="[DST-2026] Opfølgning 2026-H2",
                                        message_id="<broken-parse@dst.dk>",
                                        attachment=json_report(period="2026-H2")))
    poll()

    messages = _by_message_id(client, admin)
    assert messages["fine"]["state"] == "accepted"
    broken = messages["broken-parse"]
    assert (broken["state"], broken["reason"], broken["plan"]) == (
        "quarantined", "internal_error", None)
    assert (broken["sender"], broken["subject"], broken["message_id"]) == (
        "opfoelgning@dst.dk", "[DST-2026] Opfølgning 2026-H2", "<broken-parse@dst.dk>")
    assert broken["detail"].startswith("Intern fejl da mailen blev læst: UnicodeError.")
    assert set(_by_message_id(client, token("department", ministry="FM"))) == {"fine"}


def test_headers_the_database_refuses_cost_the_headers_not_the_attribution(
    client, admin, token, dst_plan, mailbox, poll, monkeypatch
):
    """The failing mail's state is stored even when its headers are what the database will
    not take: without them, still its department's."""
    from service.intake import pipeline

    real_record, real_settle = pipeline.record_followup, pipeline._settle

    def record_followup(plan, **kwargs):
        if kwargs["period"] == "2026-H2":
            raise KeyError("goal")
        return real_record(plan, **kwargs)

    def settle(msg, outcome, found):
        if outcome.reason == "internal_error" and found.facts and found.facts.subject:
            raise ValueError("the database refuses this subject")
        return real_settle(msg, outcome, found)

    monkeypatch.setattr(pipeline, "record_followup", record_followup)
    monkeypatch.setattr(pipeline, "_settle", settle)
    mails = _mails()
    for name in ("first", "broken-record"):
        mailbox.append("INBOX", mails[name])
    poll()

    [first, broken] = sorted(ok(client.get("/api/v1/intake/messages", headers=admin)),
                             key=lambda m: m["id"])
    assert first["state"] == "accepted"
    assert (broken["state"], broken["reason"], broken["plan"]) == (
        "quarantined", "internal_error", "DST-2026")
    assert (broken["sender"], broken["subject"], broken["message_id"]) == (None, None, None)
    fm = token("department", ministry="FM")
    assert [m["id"] for m in ok(client.get("/api/v1/intake/messages?state=quarantined",
                                           headers=fm))] == [broken["id"]]
    assert folder_counts(mailbox, "INBOX", "Quarantine") == {"INBOX": 0, "Quarantine": 1}

"""A ministry's own report format, offered by a plugin through ``mrp_report_parsers``: read
for the ministries that enable the plugin, and only for them."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from service.plugins import hookimpl
from service.plugins.reports import ParsedReport, ReportRow
from tests.intake.pipeline.conftest import report_mail
from tests.support.factories import ok

PLUGIN = "fm-statusark"
#: FM's format: a header line, then «goal | status | value | progress» per line
REPORT = (
    "FM-STATUSARK DST-2026 2026-H1\n"
    "M1 | grøn | 35 | 50\n"
    "M2 | gul | 93,5 | 40 | Leverancen er forsinket\n"
    "M3 | grøn | | 60\n"
).encode()


class StatusarkParser:
    name = "fm-statusark"

    def __init__(self) -> None:
        self.parsed: list[str] = []
        self.asked: list[tuple[str, int]] = []  # (filename, bytes of the head shown)

    def accepts(self, filename: str, content_type: str, head: bytes) -> bool:
        self.asked.append((filename, len(head)))
        return filename.lower().endswith(".statusark")

    def parse(self, data: bytes, filename: str) -> ParsedReport:
        self.parsed.append(filename)
        lines = data.decode("utf-8").splitlines()
        _, plan, period = lines[0].split()
        rows = []
        for number, line in enumerate(lines[1:], start=2):
            cells = [c.strip() for c in line.split("|")] + [None]
            rows.append(ReportRow(goal=cells[0], status=cells[1], value=cells[2] or None,
                                  progress=cells[3], comment=cells[4], row=number))
        return ParsedReport(rows=tuple(rows), plan=plan, period=period, format=self.name)


class StatusarkPlugin:
    def __init__(self, parser: StatusarkParser) -> None:
        self.parser = parser

    @hookimpl
    def mrp_report_parsers(self) -> list[StatusarkParser]:
        return [self.parser]


@pytest.fixture
def statusark(app) -> Iterator[StatusarkParser]:
    """The plugin, installed for this test only."""
    parser = StatusarkParser()
    manager = app.extensions["mrp.plugins"]
    manager.register(StatusarkPlugin(parser), PLUGIN)
    yield parser
    manager.unregister(PLUGIN)


def _mail() -> bytes:
    return report_mail(subject="Halvårsopfølgning", attachment=REPORT,
                       filename="dst.statusark", content_type="application/octet-stream")


def test_enabled_for_the_ministry_its_parser_reads_the_mail(
    client, admin, dst_plan, mailbox, poll, statusark
):
    ok(client.put(f"/api/v1/plugins/{PLUGIN}/ministries/FM", json={}, headers=admin))
    mailbox.append("INBOX", _mail())
    poll()

    [message] = ok(client.get("/api/v1/intake/messages", headers=admin))
    assert (message["state"], message["plan"]) == ("accepted", "DST-2026")
    assert statusark.parsed == ["dst.statusark"]
    [followup] = ok(client.get(f"/api/v1/plans/{dst_plan['id']}/followups", headers=admin))
    assert followup["period"] == "2026-H1"
    assert [(g["goal"], g["status"], g["value"], g["row"]) for g in followup["goals"]] == [
        ("M1", "on_track", 35.0, 2), ("M2", "at_risk", 93.5, 3), ("M3", "on_track", None, 4)]


def test_disabled_its_format_is_not_read(client, admin, dst_plan, mailbox, poll, statusark):
    ok(client.put(f"/api/v1/plugins/{PLUGIN}/ministries/FM", json={}, headers=admin))
    assert client.delete(f"/api/v1/plugins/{PLUGIN}/ministries/FM",
                         headers=admin).status_code == 204
    mailbox.append("INBOX", _mail())
    poll()

    [message] = ok(client.get("/api/v1/intake/messages", headers=admin))
    assert (message["state"], message["reason"]) == ("quarantined", "no_report")
    assert statusark.parsed == []
    assert ok(client.get(f"/api/v1/plans/{dst_plan['id']}/followups", headers=admin)) == []


def test_installed_but_never_enabled_is_not_read(client, admin, dst_plan, mailbox, poll,
                                                 statusark):
    mailbox.append("INBOX", _mail())
    poll()

    [message] = ok(client.get("/api/v1/intake/messages", headers=admin))
    assert (message["state"], message["reason"]) == ("quarantined", "no_report")
    assert statusark.parsed == []


def test_its_parser_is_asked_once_per_attachment_with_the_same_head(
    client, admin, dst_plan, mailbox, poll, statusark
):
    """Which parser reads an attachment is decided once, from its first 4,096 bytes; the
    parser chosen reads it without being asked again."""
    from email.message import EmailMessage

    ok(client.put(f"/api/v1/plugins/{PLUGIN}/ministries/FM", json={}, headers=admin))
    mail = EmailMessage()
    mail["From"], mail["To"] = "opfoelgning@dst.dk", "opfoelgning@mrp.example"
    mail["Subject"], mail["Message-ID"] = "Halvårsopfølgning", "<statusark@dst.dk>"
    mail.set_content("Rapporten er vedhæftet.\n")
    mail.add_attachment(b"\x89PNG" + bytes(10_000), maintype="image", subtype="png",
                        filename="logo.png")
    mail.add_attachment(REPORT, maintype="application", subtype="octet-stream",
                        filename="dst.statusark")
    mailbox.append("INBOX", mail.as_bytes(policy=mail.policy.clone(linesep="\r\n")))
    poll()

    [message] = ok(client.get("/api/v1/intake/messages", headers=admin))
    assert (message["state"], message["plan"]) == ("accepted", "DST-2026")
    assert statusark.asked == [("logo.png", 4096), ("dst.statusark", len(REPORT))]
    assert statusark.parsed == ["dst.statusark"]

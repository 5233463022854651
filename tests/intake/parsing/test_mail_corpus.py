"""Every mail in tests/fixtures/mail parsed, with exact expectations."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from service.intake.authresults import dmarc_passes
from service.intake.classify import classify, is_from_us
from service.intake.reports import parse_attachment
from service.intake.subject import parse_subject
from service.plugins.reports import ReportError, ReportParser
from tests.intake.parsing.helpers import MAIL, OUR_SERVER, load_mail

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# (goal, status, value, progress, row) as each format writes them
TEMPLATE_ROWS = [
    ("M1", "På rette spor", 35, 50, 6),
    ("M2", "Udfordret", "93,5", 40, 7),
    ("M3", "Opfyldt", None, 100, 8),
]
CSV_ROWS = [
    ("M1", "På rette spor", "35", "50", 5),
    ("M2", "Udfordret", "93,5", "40", 6),
    ("M3", "Opfyldt", None, "100", 7),
]
JSON_ROWS = [
    ("M1", "on_track", 35, 50, 1),
    ("M2", "at_risk", 93.5, 40, 2),
    ("M3", "achieved", None, 100, 3),
]

REPORT_MAILS = {
    # file: (subject, attachment filename, content type, format, plan, period, rows)
    "xlsx-template.eml": ("[DST-2026] Opfølgning 1. halvår 2026",
                          "Opfølgning DST-2026 1. halvår.xlsx", XLSX, "xlsx", "DST-2026",
                          "2026-H1", TEMPLATE_ROWS),
    "csv-latin1.eml": ("Opfølgning DST-2026 første halvår 2026", "opfølgning_æøå.csv",
                       "text/csv", "csv", "DST-2026", "2026-H1", CSV_ROWS),
    "csv-reply.eml": ("SV: Opfølgning DST-2026 H1 2026 – påmindelse", "Opfølgning H1 2026.csv",
                      "text/csv", "csv", None, None,
                      [("M1", "På rette spor", "35", "50", 2),
                       ("M2", "Udfordret", "93.5", "40", 3),
                       ("M3", "Opfyldt", None, "100", 4)]),
    "json-report.eml": ("DST-2026 2026-H1 opfoelgning", "rapport.json", "application/json",
                        "json", "DST-2026", "2026-H1", JSON_ROWS),
    "outlook-html.eml": ("SV: Opfølgning DST-2026 H1 2026", "Opfoelgning.xlsx", XLSX, "xlsx",
                         "DST-2026", "2026-H1", TEMPLATE_ROWS),
    "forwarded.eml": ("VS: [DST-2026] Opfølgning 2026-H1", "rapport.csv", "text/csv", "csv",
                      "DST-2026", "2026-H1", CSV_ROWS),
    "winmail.eml": ("[DST-2026] Opfoelgning H1 2026", "Opfølgning DST-2026.xlsx", XLSX, "xlsx",
                    "DST-2026", "2026-H1", TEMPLATE_ROWS),
    "inline-json.eml": ("Opfølgning [DST-2026] 2026-H1", "opfolgning.json", "application/json",
                        "json", "DST-2026", "2026-H1", JSON_ROWS),
    "forged-sender.eml": ("[DST-2026] Opfølgning 2026-H1", "rapport.csv", "text/csv", "csv",
                          "DST-2026", "2026-H1", CSV_ROWS),
}


@pytest.mark.parametrize("name", sorted(REPORT_MAILS))
def test_report_mail(name: str, parsers: list[ReportParser]) -> None:
    subject, filename, ctype, fmt, plan, period, rows = REPORT_MAILS[name]
    mail = load_mail(name)
    assert mail.sender == "opfoelgning@dst.dk"
    assert mail.sender_name == "DST Opfølgning"
    assert mail.subject == subject
    expected_id = "<forged@evil.example>" if name == "forged-sender.eml" else (
        f"<{name.removesuffix('.eml')}@dst.dk>")
    assert mail.message_id == expected_id
    assert mail.date == datetime(2026, 7, 1, 9, 15, tzinfo=timezone(timedelta(hours=2)))
    assert classify(mail) is None
    assert mail.oversized == ()
    assert [a.filename for a in mail.attachments] == [filename]
    attachment = mail.attachments[0]
    assert attachment.content_type == ctype
    report = parse_attachment(parsers, attachment.filename, attachment.content_type,
                              attachment.data)
    assert (report.format, report.plan, report.period) == (fmt, plan, period)
    assert [(r.goal, r.status, r.value, r.progress, r.row) for r in report.rows] == rows
    info = parse_subject(mail.subject)
    assert info.plan == "DST-2026"
    assert info.period == "2026-H1"


def test_bodies_are_decoded_text() -> None:
    assert "Søren Ærø" in load_mail("xlsx-template.eml").body_text
    assert "første halvår. Målene M1-M3" in load_mail("csv-latin1.eml").body_text
    assert load_mail("csv-reply.eml").body_text.startswith("Hej\n\nSe vedhæftede. Årsagen")
    html = load_mail("outlook-html.eml").body_text
    assert html == ("Hej\n\nVedhæftet er opfølgningen for 1. halvår 2026.\n\n"
                    "Med venlig hilsen\nSøren Ærø")
    assert "MsoNormal" not in html
    assert load_mail("forwarded.eml").body_text == "Videresender rapporten fra kontoret."
    assert load_mail("winmail.eml").body_text == "Rapporten er vedhæftet."


def test_thread_headers() -> None:
    mail = load_mail("csv-reply.eml")
    assert mail.in_reply_to == "<reminder-17@mrp.example>"
    assert mail.references == ("<plan-7@mrp.example>", "<reminder-17@mrp.example>")


def test_dmarc() -> None:
    assert dmarc_passes(load_mail("xlsx-template.eml"), OUR_SERVER)
    assert dmarc_passes(load_mail("xlsx-template.eml"), "MX.MRP.EXAMPLE")
    assert not dmarc_passes(load_mail("xlsx-template.eml"), "mx.other.example")
    forged = load_mail("forged-sender.eml")
    assert len(forged.authentication_results) == 2  # ours says fail; a forged one says pass
    assert not dmarc_passes(forged, OUR_SERVER)
    assert not dmarc_passes(load_mail("missing-headers.eml"), OUR_SERVER)


@pytest.mark.parametrize(
    ("name", "expected"),
    [("auto-reply.eml", "auto_reply"), ("out-of-office.eml", "auto_reply"),
     ("bounce.eml", "bounce"), ("from-us.eml", "auto_reply")],
)
def test_classification(name: str, expected: str) -> None:
    assert classify(load_mail(name)) == expected


def test_out_of_office_is_danish() -> None:
    mail = load_mail("out-of-office.eml")
    assert mail.subject == "Fraværende: [DST-2026] Påmindelse om opfølgning"
    assert mail.auto_submitted is None


def test_bounce_details() -> None:
    mail = load_mail("bounce.eml")
    assert mail.sender == "mailer-daemon@mx.mrp.example"
    assert mail.return_path == ""
    assert mail.content_type == "multipart/report"
    assert mail.report_type == "delivery-status"
    assert mail.has_delivery_status
    assert mail.attachments == ()


def test_from_us() -> None:
    mail = load_mail("from-us.eml")
    assert is_from_us(mail, ["Opfoelgning@MRP.example"])
    assert not is_from_us(load_mail("xlsx-template.eml"), ["opfoelgning@mrp.example"])
    assert not is_from_us(load_mail("missing-headers.eml"), ["opfoelgning@mrp.example"])


def test_missing_headers(parsers: list[ReportParser]) -> None:
    mail = load_mail("missing-headers.eml")
    assert (mail.message_id, mail.sender, mail.sender_name, mail.subject) == (
        None, None, None, None)
    assert [a.filename for a in mail.attachments] == ["rapport.csv"]
    assert classify(mail) is None


def test_no_mime_at_all() -> None:
    mail = load_mail("no-mime.eml")
    assert (mail.sender, mail.subject, mail.date, mail.message_id) == (None, None, None, None)
    assert mail.body_text == "Nothing but a body, and no sender at all."
    assert mail.attachments == ()


def test_broken_mime(parsers: list[ReportParser]) -> None:
    mail = load_mail("broken-mime.eml")
    assert mail.sender == "opfoelgning@dst.dk"
    assert mail.sender_name == "Søren"  # unknown charset: read as Windows-1252
    assert mail.subject == "Opfølgning DST-2026 1. halvår 2026"  # raw 8-bit header
    assert mail.date is None
    assert mail.body_text == "Brødtekst i ukendt tegnsæt."
    assert "CloseBoundaryNotFoundDefect" in mail.defects
    assert "Date: unparseable" in mail.defects
    [attachment] = mail.attachments
    assert attachment.filename == "rapport 1.csv"  # unquoted, with a space
    report = parse_attachment(parsers, attachment.filename, attachment.content_type,
                              attachment.data)
    assert [(r.goal, r.status, r.row) for r in report.rows] == [
        ("M1", "grøn", 2), ("M2", "gul", 3), ("M3", "rød", 4)]
    assert parse_subject(mail.subject).period == "2026-H1"


def test_zip_bomb_mail(parsers: list[ReportParser]) -> None:
    [attachment] = load_mail("zip-bomb.eml").attachments
    with pytest.raises(ReportError) as caught:
        parse_attachment(parsers, attachment.filename, attachment.content_type, attachment.data)
    assert caught.value.reason == "zip_bomb"


def test_oversized_mail_is_not_loaded() -> None:
    mail = load_mail("oversized.eml")
    assert mail.attachments == ()
    [big] = mail.oversized
    assert big.filename == "stor.csv"
    assert big.content_type == "text/csv"
    assert big.size == 10_487_702  # the decoded size, computed without decoding
    assert mail.subject == "[DST-2026] Opfoelgning 2026-H1 (stor fil)"


def test_every_fixture_parses() -> None:
    names = sorted(p.name for p in MAIL.glob("*.eml"))
    assert len(names) == 18
    for name in names:
        load_mail(name)  # never raises

"""The heaviest mails within the size limits that we can build: a workbook with hundreds of
thousands of cells (made as XML directly: openpyxl would take longer to write it than the
intake to refuse it), and MIME nested far deeper than any mail program nests it."""

from __future__ import annotations

import io
import random
import zipfile

from tests.intake.pipeline.conftest import json_report, report_mail

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

_PARTS = {
    "[Content_Types].xml": (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.'
        'relationships+xml"/><Default Extension="xml" ContentType="application/xml"/>'
        '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-'
        'officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/'
        'sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.'
        'worksheet+xml"/></Types>'),
    "_rels/.rels": (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
        'relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>'),
    "xl/workbook.xml": (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
        'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
        '<sheets><sheet name="Opfølgning" sheetId="1" r:id="rId1"/></sheets></workbook>'),
    "xl/_rels/workbook.xml.rels": (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
        'relationships/worksheet" Target="worksheets/sheet1.xml"/></Relationships>'),
}


def _text(value: str) -> str:
    return f'<c t="inlineStr"><is><t>{value}</t></is></c>'


def huge_workbook(rows: int = 25_000, columns: int = 12) -> bytes:
    """The template's header and three goals, then ``rows`` rows of ``columns`` numbers
    beside the table (notes a wide export carries): ``rows × columns`` cells to read, none
    of them a goal row. Random numbers, so it compresses as real sheets do (a zip bomb's
    ratio is refused before this is read)."""
    rng = random.Random(16)
    head = ["Plan", "DST-2026"], ["Periode", "2026-H1"], [], [
        "Mål-ID", "Status", "Målt værdi", "Fremdrift (%)", "Kommentar"]
    lines = ["<row>" + "".join(_text(v) for v in cells) + "</row>" for cells in head]
    for goal in ("M1", "M2", "M3"):
        lines.append("<row>" + _text(goal) + _text("on_track") + "</row>")
    blank = "<c/>" * 5
    for _ in range(rows):
        lines.append("<row>" + blank + "".join(
            f"<c><v>{rng.random():.6f}</v></c>" for _ in range(columns)) + "</row>")
    sheet = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
             '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
             "<sheetData>" + "".join(lines) + "</sheetData></worksheet>")
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, xml in _PARTS.items():
            archive.writestr(name, xml)
        archive.writestr("xl/worksheets/sheet1.xml", sheet)
    return buf.getvalue()


def huge_workbook_mail(message_id: str = "<huge@dst.dk>", **kwargs: int) -> bytes:
    return report_mail(attachment=huge_workbook(**kwargs), filename="opfoelgning.xlsx",
                       content_type=XLSX_TYPE, message_id=message_id)


def nested_mail(levels: int, message_id: str = "<nested@dst.dk>") -> bytes:
    """A report mail whose JSON report lies ``levels`` multiparts deep."""
    head = (b"From: opfoelgning@dst.dk\r\nTo: opfoelgning@mrp.example\r\n"
            b"Subject: [DST-2026] Opfolgning 2026-H1\r\nMessage-ID: " + message_id.encode()
            + b"\r\nDate: Wed, 01 Jul 2026 09:15:00 +0200\r\nMIME-Version: 1.0\r\n")
    body = (b"Content-Type: application/json\r\nContent-Disposition: attachment; "
            b'filename="r.json"\r\n\r\n' + json_report() + b"\r\n")
    for level in reversed(range(levels)):
        body = (b"Content-Type: multipart/mixed; boundary=b%d\r\n\r\n--b%d\r\n" % (level, level)
                + body + b"--b%d--\r\n" % level)
    return head + body


def hostile_nesting(levels: int = 3000, message_id: str = "<hostile@dst.dk>") -> bytes:
    """Multiparts opened ``levels`` deep and never closed, deeper than the email package
    is let read."""
    return (b"From: opfoelgning@dst.dk\r\nSubject: [DST-2026] dyb\r\nMessage-ID: "
            + message_id.encode() + b"\r\nMIME-Version: 1.0\r\n" + b"".join(
                b"Content-Type: multipart/mixed; boundary=b%d\r\n\r\n--b%d\r\n" % (i, i)
                for i in range(levels)))

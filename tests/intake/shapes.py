"""Report mails in the shapes mail programs send them in, written byte for byte: forwarded
messages base64 or quoted-printable encoded (against RFC 2046), forwards in forwards, ``.eml``
files, a forwarded bounce, generic content types, names only in ``name=``, capital
extensions, inline parts, RFC 2231, RFC 2047 and raw UTF-8 file names, winmail.dat under a
generic type.

Every mail is from the corpus's registered sender about DST-2026, 2026-H1 (see
``tests/fixtures/mail/README.md``); :data:`SHAPES` maps a name to (mail, the report's
file name as parsed, its format).
"""

from __future__ import annotations

import base64
import quopri
from pathlib import Path

REPORTS = Path(__file__).resolve().parents[1] / "fixtures" / "reports"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def report(name: str) -> bytes:
    return (REPORTS / name).read_bytes()


def b64(data: bytes) -> bytes:
    return base64.encodebytes(data).replace(b"\n", b"\r\n")


def qp(data: bytes) -> bytes:
    return quopri.encodestring(data.replace(b"\r\n", b"\n")).replace(b"\n", b"\r\n")


def part(headers: list[str], body: bytes) -> bytes:
    return "".join(f"{h}\r\n" for h in headers).encode() + b"\r\n" + body


def mail(name: str, parts: list[bytes], *, subject: str = "[DST-2026] Opfølgning 2026-H1",
         sender: str = "opfoelgning@dst.dk", text: str = "Rapporten er vedhæftet.") -> bytes:
    """A multipart/mixed mail: a text part, then ``parts``; Message-ID ``<NAME@dst.dk>``."""
    boundary = f"=_shape_{name}"
    subject_word = "=?utf-8?b?" + base64.b64encode(subject.encode()).decode() + "?="
    head = part([
        f"From: DST =?utf-8?q?Opf=C3=B8lgning?= <{sender}>",
        "To: opfoelgning@mrp.example",
        f"Subject: {subject_word}",
        "Date: Wed, 01 Jul 2026 09:15:00 +0200",
        f"Message-ID: <{name}@dst.dk>",
        "MIME-Version: 1.0",
        f'Content-Type: multipart/mixed; boundary="{boundary}"',
    ], b"")
    text_part = part(["Content-Type: text/plain; charset=utf-8",
                      "Content-Transfer-Encoding: 8bit"], text.encode() + b"\r\n")
    out = [head]
    for body in [text_part, *parts]:
        out.append(f"--{boundary}\r\n".encode() + body + b"\r\n")
    out.append(f"--{boundary}--\r\n".encode())
    return b"".join(out)


def attached(headers: list[str], data: bytes) -> bytes:
    """A base64 part."""
    return part([*headers, "Content-Transfer-Encoding: base64"], b64(data))


def forwarded(headers: list[str], inner: bytes) -> bytes:
    """A forwarded message part with the given headers; the body encoded as they say."""
    cte = next((h.split(":", 1)[1].strip().lower() for h in headers
                if h.lower().startswith("content-transfer-encoding:")), "7bit")
    body = {"base64": b64, "quoted-printable": qp}.get(cte, lambda d: d)(inner)
    return part(headers, body)


def _inner_csv(name: str) -> bytes:
    """The office's original mail: a CSV report sent 8-bit (UTF-8), so that a
    quoted-printable forward has something to encode."""
    return mail(name, [part([
        "Content-Type: text/csv; charset=utf-8",
        'Content-Disposition: attachment; filename="rapport.csv"',
        "Content-Transfer-Encoding: 8bit",
    ], report("report.csv"))], text="Hej, her er opfølgningen.")


def _inner_json(name: str) -> bytes:
    return mail(name, [attached(["Content-Type: application/json",
                                 'Content-Disposition: attachment; filename="rapport.json"'],
                                report("report.json"))])


def _bounce() -> bytes:
    """A delivery report returning the office's report mail, which the sender forwards."""
    boundary = "=_dsn"
    parts = [
        part(["Content-Type: text/plain"], b"Mailen kunne ikke afleveres.\r\n"),
        part(["Content-Type: message/delivery-status"],
             b"Reporting-MTA: dns; mx.dst.dk\r\n\r\nFinal-Recipient: rfc822; gammel@mrp.example"
             b"\r\nAction: failed\r\nStatus: 5.1.1\r\n"),
        part(["Content-Type: message/rfc822"], _inner_csv("returned")),
    ]
    head = part(["From: MAILER-DAEMON@mx.dst.dk", "To: opfoelgning@dst.dk",
                 "Subject: Undelivered Mail Returned to Sender", "Auto-Submitted: auto-replied",
                 "MIME-Version: 1.0", "Content-Type: multipart/report;"
                 f' report-type=delivery-status; boundary="{boundary}"'], b"")
    body = b"".join(f"--{boundary}\r\n".encode() + p + b"\r\n" for p in parts)
    return head + body + f"--{boundary}--\r\n".encode()


def build() -> dict[str, tuple[bytes, str, str]]:
    shapes: dict[str, tuple[bytes, str, str]] = {}

    def add(name: str, parts: list[bytes], filename: str, fmt: str) -> None:
        shapes[name] = (mail(f"shape-{name}", parts), filename, fmt)

    xlsx, csv, json = report("template.xlsx"), report("report.csv"), report("report.json")
    add("forwarded-base64", [forwarded(
        ["Content-Type: message/rfc822", "Content-Transfer-Encoding: base64"],
        _inner_csv("inner-base64"))], "rapport.csv", "csv")
    add("forwarded-quoted-printable", [forwarded(
        ["Content-Type: message/rfc822", "Content-Disposition: inline",
         "Content-Transfer-Encoding: quoted-printable"],
        _inner_csv("inner-qp"))], "rapport.csv", "csv")
    add("forwarded-eml-file", [attached(
        ["Content-Type: application/octet-stream; name=\"Opfoelgning.eml\"",
         'Content-Disposition: attachment; filename="Opfoelgning.eml"'],
        _inner_json("inner-eml"))], "rapport.json", "json")
    add("forwarded-twice", [forwarded(
        ["Content-Type: message/rfc822"],
        mail("middle", [forwarded(["Content-Type: message/rfc822",
                                   "Content-Transfer-Encoding: base64"],
                                  _inner_json("innermost"))]))], "rapport.json", "json")
    add("forwarded-bounce", [forwarded(["Content-Type: message/rfc822"], _bounce())],
        "rapport.csv", "csv")
    add("octet-stream-xlsx", [attached(
        ["Content-Type: application/octet-stream",
         'Content-Disposition: attachment; filename="rapport.xlsx"'], xlsx)],
        "rapport.xlsx", "xlsx")
    add("name-parameter-only", [attached(
        [f'Content-Type: {XLSX}; name="rapport.xlsx"'], xlsx)], "rapport.xlsx", "xlsx")
    add("octet-stream-name-only", [attached(
        ['Content-Type: application/octet-stream; name="rapport.csv"'], csv)],
        "rapport.csv", "csv")
    add("capital-xlsx", [attached(
        ["Content-Type: application/octet-stream",
         'Content-Disposition: attachment; filename="RAPPORT.XLSX"'], xlsx)],
        "RAPPORT.XLSX", "xlsx")
    add("capital-csv", [attached(
        ["Content-Type: text/plain",
         'Content-Disposition: attachment; filename="RAPPORT.CSV"'], csv)],
        "RAPPORT.CSV", "csv")
    add("capital-json", [attached(
        ['Content-Type: application/octet-stream; name="RAPPORT.JSON"'], json)],
        "RAPPORT.JSON", "json")
    add("inline-xlsx", [attached(
        [f"Content-Type: {XLSX}", 'Content-Disposition: inline; filename="rapport.xlsx"'],
        xlsx)], "rapport.xlsx", "xlsx")
    add("inline-xlsx-unnamed", [attached(
        [f"Content-Type: {XLSX}", "Content-Disposition: inline"], xlsx)], "", "xlsx")
    add("unnamed-octet-stream", [attached(["Content-Type: application/octet-stream"], json)],
        "", "json")
    add("rfc2231-filename", [attached(
        ["Content-Type: application/octet-stream",
         "Content-Disposition: attachment; filename*=UTF-8''Opf%C3%B8lgning%20DST-2026.XLSX"],
        xlsx)], "Opfølgning DST-2026.XLSX", "xlsx")
    add("rfc2231-continued-name", [attached(
        [f"Content-Type: {XLSX};\r\n name*0*=utf-8'da'Opf%C3%B8lgning%20;\r\n"
         " name*1*=1.%20halv%C3%A5r.xlsx"], xlsx)], "Opfølgning 1. halvår.xlsx", "xlsx")
    add("encoded-word-filename", [attached(
        ["Content-Type: text/csv; name=\"=?utf-8?B?T3Bmw7hsZ25pbmcuY3N2?=\"",
         'Content-Disposition: attachment; filename="=?utf-8?B?T3Bmw7hsZ25pbmcuY3N2?="'], csv)],
        "Opfølgning.csv", "csv")
    add("encoded-word-name-only", [attached(
        ['Content-Type: application/octet-stream; name="=?iso-8859-1?Q?Opf=F8lgning?=.json"'],
        json)], "Opfølgning.json", "json")
    add("raw-utf8-filename", [attached(
        ["Content-Type: application/octet-stream",
         'Content-Disposition: attachment; filename="Opfølgning 1. halvår.xlsx"'], xlsx)],
        "Opfølgning 1. halvår.xlsx", "xlsx")
    add("winmail-octet-stream", [attached(
        ['Content-Type: application/octet-stream; name="winmail.dat"'],
        report("winmail.dat"))], "Opfølgning DST-2026.xlsx", "xlsx")
    return shapes


SHAPES = build()

"""Property-based tests (hypothesis): the mail parser and the report parsers given arbitrary
bytes and structured but odd input.

:func:`parse_message` never raises, and what it gives can be stored (no lone surrogates in
its text); a report parser raises nothing but :class:`ReportError`, and the rows it gives can
be stored too. Each test tries a bounded number of examples, derandomized, so a run is
reproducible and takes seconds.
"""

from __future__ import annotations

import base64
import contextlib
import io
import json
import math
import quopri
import zipfile
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import Workbook

from service.intake.authresults import dmarc_result
from service.intake.message import InboundMail, parse_message
from service.intake.reports import CsvParser, JsonParser, XlsxParser, parse_attachment
from service.plugins.reports import ParsedReport, ReportError, ReportLimits
from tests.intake.parsing.helpers import MAIL, OUR_SERVER, report_bytes

FUZZ = settings(max_examples=200, deadline=None, derandomize=True, database=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
LIMITS = ReportLimits(max_attachment_bytes=256 * 1024, max_rows=50)
PARSERS = [XlsxParser(LIMITS), CsvParser(LIMITS), JsonParser(LIMITS)]


def storable(text: object) -> bool:
    """Text a database takes: encodable as UTF-8 (no lone surrogates)."""
    if text is None:
        return True
    try:
        str(text).encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def check_mail(mail: InboundMail) -> None:
    texts = [mail.message_id, mail.sender, mail.sender_name, mail.subject, mail.in_reply_to,
             mail.auto_submitted, mail.body_text, *mail.references,
             *(value for _name, value in mail.headers),
             *(a.filename for a in mail.attachments), *(o.filename for o in mail.oversized)]
    assert all(storable(t) for t in texts), texts
    assert all(isinstance(a.data, bytes) for a in mail.attachments)
    dmarc_result(mail.authentication_results, OUR_SERVER)  # never raises either


def check_report(report: ParsedReport) -> None:
    assert isinstance(report, ParsedReport)
    assert report.rows
    for row in report.rows:
        assert isinstance(row.goal, str) and row.goal
        assert all(storable(t) for t in (row.goal, row.status, row.comment, row.value,
                                          row.progress))
    assert storable(report.plan) and storable(report.period)


def read(parser: Any, data: bytes, filename: str) -> None:
    """Parse; only ReportError may come out, and a report that comes out is storable."""
    try:
        report = parser.parse(data, filename)
    except ReportError as exc:
        assert str(exc) and exc.reason
        return
    check_report(report)


# --- mails -------------------------------------------------------------------------------

CORPUS = sorted(p.read_bytes() for p in MAIL.glob("*.eml") if p.stat().st_size < 100_000)


@FUZZ
@given(st.binary(max_size=4096))
def test_any_bytes_are_a_mail(raw: bytes) -> None:
    check_mail(parse_message(raw))


@FUZZ
@given(st.sampled_from(CORPUS), st.data())
def test_corpus_mails_mangled(raw: bytes, data: st.DataObject) -> None:
    """A corpus mail with bytes flipped, cut, or repeated."""
    edits = data.draw(st.lists(st.tuples(st.integers(0, len(raw)), st.binary(max_size=8),
                                         st.integers(0, 16)), max_size=6))
    mangled = bytearray(raw)
    for at, insert, cut in edits:
        mangled[at : at + cut] = insert
    check_mail(parse_message(bytes(mangled), max_attachment_bytes=4096))


_TEXT = st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=40)
_ODD_TEXT = st.one_of(
    _TEXT,
    st.sampled_from([
        "=?utf-8?b?T3Bmw7hsZ25pbmc=?=", "=?x-bogus?q?S=F8ren?=", "=?utf-8?q?=FF=FE?=",
        "=?utf-16?b?2D0=?=", "=?utf-8?b?broken", "=?iso-8859-1?q?=80?=", "=?utf-8?b??=",
        "=?idna?q?xn--?=", "=?base64?b?eA==?=", '"unclosed', "(comment", "a\\", "<>",
        "<@>", "@", "x@y@z", "\t", "; ;", "\udcff", "=?utf-8?q?=00?=",
    ]),
)
_PARAMS = st.lists(st.one_of(
    st.tuples(st.sampled_from(["name", "filename", "boundary", "charset", "report-type",
                               "name*", "filename*", "filename*0*", "filename*1*",
                               "name*0", "name*1"]), _ODD_TEXT),
    st.sampled_from([("filename*", "UTF-8''Opf%C3%B8lgning.XLSX"),
                     ("filename*", "x-bogus''%FF%FE.csv"), ("filename*", "''"),
                     ("filename*", "utf-8'da'%"), ("name", "=?utf-8?b?cmFwcG9ydC5qc29u?=")]),
), max_size=4)
_TYPES = st.sampled_from([
    "text/plain", "text/html", "text/csv", "application/json", XLSX, "application/octet-stream",
    "application/ms-tnef", "message/rfc822", "message/global", "message/delivery-status",
    "message/partial", "multipart/mixed", "multipart/alternative", "multipart/report",
    "multipart/digest", "image/png", "text/x-unknown", "bogus", "",
])
_CTES = st.sampled_from(["", "7bit", "8bit", "binary", "base64", "quoted-printable",
                         "x-uuencode", "BASE64", "bogus"])
_DISPOSITIONS = st.sampled_from(["", "attachment", "inline", "ATTACHMENT", "bogus"])


def _params(pairs: list[tuple[str, str]]) -> str:
    return "".join(f'; {key}="{value}"' if i % 2 else f"; {key}={value}"
                   for i, (key, value) in enumerate(pairs))


def _encode(body: bytes, cte: str) -> bytes:
    if cte.lower() == "base64":
        return base64.encodebytes(body)
    if cte == "quoted-printable":
        return quopri.encodestring(body)
    return body


@st.composite
def _part(draw: st.DrawFn, depth: int = 0) -> bytes:
    ctype, cte = draw(_TYPES), draw(_CTES)
    headers = [f"Content-Type: {ctype}{_params(draw(_PARAMS))}"]
    if disposition := draw(_DISPOSITIONS):
        headers.append(f"Content-Disposition: {disposition}{_params(draw(_PARAMS))}")
    if cte:
        headers.append(f"Content-Transfer-Encoding: {cte}")
    if ctype.startswith("multipart/") and depth < 3:
        boundary = f"b{depth}{draw(st.integers(0, 9))}"
        headers[0] = f'Content-Type: {ctype}; boundary="{boundary}"'
        subs = draw(st.lists(_part(depth + 1), max_size=3))
        body = b"".join(b"--" + boundary.encode() + b"\r\n" + s + b"\r\n" for s in subs)
        if draw(st.booleans()):
            body += b"--" + boundary.encode() + b"--\r\n"
    elif ctype.startswith("message/") and depth < 3:
        body = _encode(draw(_mail(depth + 1)), cte)
    else:
        body = _encode(draw(st.one_of(
            st.binary(max_size=300),
            st.sampled_from([report_bytes("report.csv"), report_bytes("report.json"),
                             report_bytes("winmail.dat"), b"PK\x03\x04", b"{", b""])),
        ), cte)
    return "\r\n".join(headers).encode("utf-8", "surrogateescape") + b"\r\n\r\n" + body


@st.composite
def _mail(draw: st.DrawFn, depth: int = 0) -> bytes:
    names = ["From", "Sender", "Subject", "Message-ID", "In-Reply-To", "References", "Date",
             "Return-Path", "Auto-Submitted", "Authentication-Results", "Precedence",
             "X-Autoreply", "MIME-Version"]
    headers = draw(st.lists(st.tuples(st.sampled_from(names), _ODD_TEXT), max_size=8))
    head = "".join(f"{name}: {value}\r\n" for name, value in headers)
    return head.encode("utf-8", "surrogateescape") + draw(_part(depth))


@FUZZ
@given(_mail())
def test_odd_mime_is_a_mail(raw: bytes) -> None:
    check_mail(parse_message(raw, max_attachment_bytes=2048))


@FUZZ
@given(st.lists(st.one_of(_ODD_TEXT, st.text(max_size=60)), max_size=4), _ODD_TEXT)
def test_authentication_results_never_raise(values: list[str], authserv_id: str) -> None:
    for headers, ours in ((values, authserv_id),
                          ([f"{OUR_SERVER}; {v}" for v in values], OUR_SERVER),
                          ([f"{OUR_SERVER}; dmarc=pass {v}" for v in values], OUR_SERVER)):
        result = dmarc_result(headers, ours)
        assert result is None or (isinstance(result, str) and result)


# --- reports -----------------------------------------------------------------------------

_NAMES = st.sampled_from(["", "rapport.xlsx", "rapport.csv", "rapport.json", "R.XLSX",
                          "data.bin", "x"])


@FUZZ
@given(st.binary(max_size=2048), _NAMES)
def test_any_bytes_are_refused_or_read(data: bytes, filename: str) -> None:
    for parser in PARSERS:
        assert parser.accepts(filename, XLSX, data[:512]) in (True, False)
        read(parser, data, filename)
    with contextlib.suppress(ReportError):
        parse_attachment(PARSERS, filename, "application/octet-stream", data)


_CELL_TEXT = st.one_of(
    st.text(max_size=20),
    st.sampled_from(["Mål-ID", "Status", "Målt værdi", "Fremdrift (%)", "Kommentar", "Plan",
                     "Periode", "M1", "grøn", "93,5", "1. halvår 2026", "DST-2026", '"', ";",
                     ",", "\t", "sep=;", "\x00", "\r", "\n", " ", "Plan: DST-2026"]),
)
_CELL = st.one_of(_CELL_TEXT, st.none(), st.integers(-10**20, 10**20),
                  st.floats(allow_nan=True, allow_infinity=True), st.booleans())
_HEADER = st.permutations(["Mål-ID", "Status", "Målt værdi", "Fremdrift (%)", "Kommentar"])
_TABLE = st.tuples(
    st.lists(st.lists(_CELL, max_size=6), max_size=4),  # above the header
    _HEADER,
    st.lists(st.lists(_CELL, max_size=7), max_size=8),  # below it
)


@FUZZ
@given(_TABLE, st.sampled_from([";", ",", "\t"]),
       st.sampled_from(["utf-8", "utf-8-sig", "cp1252", "utf-16", "latin-1"]), st.booleans())
def test_odd_csv_is_refused_or_read(table: Any, delimiter: str, encoding: str,
                                    quote_all: bool) -> None:
    import csv

    above, header, below = table
    out = io.StringIO()
    writer = csv.writer(out, delimiter=delimiter,
                        quoting=csv.QUOTE_ALL if quote_all else csv.QUOTE_MINIMAL)
    for row in [*above, header, *below]:
        writer.writerow(["" if c is None else c for c in row])
    data = out.getvalue().encode(encoding, "replace")
    read(CsvParser(LIMITS), data, "rapport.csv")
    read(CsvParser(LIMITS), data[: len(data) // 2], "rapport.csv")


_JSON_LEAF = st.one_of(st.none(), st.booleans(), st.integers(-10**30, 10**30),
                       st.floats(allow_nan=False), st.text(max_size=20))
_JSON = st.recursive(_JSON_LEAF, lambda inner: st.one_of(
    st.lists(inner, max_size=4), st.dictionaries(st.text(max_size=8), inner, max_size=4)),
    max_leaves=20)
_ODD_STRING = st.one_of(st.sampled_from(
    ["M1", "on_track", "93,5", " ", "\ud800", "M\udfff1", "\x00", "\u2028", "1e999", "NaN"]),
    st.text(max_size=12))
_NUMBER = st.one_of(st.integers(-10**30, 10**30), st.floats(allow_nan=False))


@st.composite
def _report_doc(draw: st.DrawFn) -> dict[str, Any]:
    """A JSON report of the right shape with odd text and numbers in it (arbitrary documents
    come from ``_JSON``)."""
    goals: list[Any] = []
    for _ in range(draw(st.integers(0, 6))):
        goal: dict[str, Any] = {"goal": draw(_ODD_STRING)}
        for key in draw(st.sets(st.sampled_from(["status", "comment"]))):
            goal[key] = draw(_ODD_STRING)
        for key in draw(st.sets(st.sampled_from(["value", "progress"]))):
            goal[key] = draw(st.one_of(_ODD_STRING, _NUMBER))
        goals.append(goal)
    doc: dict[str, Any] = {"goals": goals}
    for key in draw(st.sets(st.sampled_from(["plan", "period"]))):
        doc[key] = draw(_ODD_STRING)
    return doc


_REPORT = _report_doc()


@FUZZ
@given(st.one_of(_REPORT, _JSON), st.booleans())
def test_odd_json_is_refused_or_read(doc: Any, ascii_only: bool) -> None:
    text = json.dumps(doc, ensure_ascii=ascii_only, allow_nan=True)
    read(JsonParser(LIMITS), text.encode("utf-8", "surrogatepass"), "rapport.json")


def test_json_nested_too_deep_is_refused() -> None:
    read(JsonParser(LIMITS), b"[" * 100_000, "rapport.json")
    read(JsonParser(LIMITS), b'{"goals": ' + b"[" * 100_000, "rapport.json")


@st.composite
def _workbook(draw: st.DrawFn) -> bytes:
    above, header, below = draw(_TABLE)
    wb = Workbook()
    ws = wb.active
    if draw(st.booleans()):
        ws.sheet_state = "hidden"
        wb.create_sheet("Ark2")
    for row in [*above, list(header), *below]:
        safe = []
        for cell in row:
            if isinstance(cell, str):  # what openpyxl can write at all
                cell = "".join(c for c in cell if c >= " " or c in "\t\n\r")[:100]
            elif isinstance(cell, float) and not math.isfinite(cell):
                cell = None
            safe.append(cell)
        ws.append(safe)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


@settings(FUZZ, max_examples=100)  # building a workbook takes ≈ 20 ms
@given(_workbook(), st.data())
def test_odd_xlsx_is_refused_or_read(data: bytes, draw: st.DataObject) -> None:
    read(XlsxParser(LIMITS), data, "rapport.xlsx")
    # and the archive with a member damaged or dropped
    with zipfile.ZipFile(io.BytesIO(data)) as src:
        names = src.namelist()
        victim = draw.draw(st.sampled_from(names))
        garbage = draw.draw(st.binary(max_size=64))
        out = io.BytesIO()
        with zipfile.ZipFile(out, "w") as dst:
            for name in names:
                if name != victim:
                    dst.writestr(name, src.read(name))
                elif garbage:
                    dst.writestr(name, garbage)
    read(XlsxParser(LIMITS), out.getvalue(), "rapport.xlsx")


# --- what the properties found, kept as plain tests ---------------------------------------


def test_an_encoded_word_that_is_not_base64_is_kept_as_written() -> None:
    # decode_header raised HeaderParseError (not a ValueError) out of parse_message
    raw = b"From: =?utf-8?b?RFNUIE9wZsO4bG\x00uaW5n?= <opfoelgning@dst.dk>\r\nSubject: x\r\n\r\n."
    mail = parse_message(raw)
    assert mail.sender == "opfoelgning@dst.dk"
    assert mail.sender_name == "=?utf-8?b?RFNUIE9wZsO4bG\x00uaW5n?="


def test_lone_surrogates_in_json_text_become_replacement_characters() -> None:
    doc = b'{"plan": "DST-2026", "goals": [{"goal": "M1\\ud800", "status": "gr\\udfffn",' \
          b' "comment": "\\ud83d\\ude00 ok", "value": "9\\udc00"}]}'
    report = JsonParser().parse(doc, "rapport.json")
    row = report.rows[0]
    assert (row.goal, row.status, row.comment, row.value) == (
        "M1\ufffd", "gr\ufffdn", "\U0001f600 ok", "9\ufffd")
    check_report(report)


def test_a_parameter_the_email_package_trips_over_is_a_defect() -> None:
    # email.utils.decode_params raised TypeError out of the parser for these parameters
    raw = (b"From: opfoelgning@dst.dk\r\nSubject: x\r\nContent-Type: message/rfc822\r\n\r\n"
           b'Content-Type: multipart/mixed; filename*=; filename*0*=""\r\n\r\n\r\n')
    mail = parse_message(raw)
    assert mail.sender == "opfoelgning@dst.dk" and mail.attachments == ()
    assert "structure: unreadable (TypeError)" in mail.defects

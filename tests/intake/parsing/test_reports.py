"""The report parsers: XLSX shapes, the CSV dialect matrix, JSON shapes, limits and bombs."""

from __future__ import annotations

import io
import json
import time
import tracemalloc
import zipfile

import pytest
from openpyxl import Workbook

from service.intake.reports import (
    CsvParser,
    JsonParser,
    ReportLimits,
    XlsxParser,
    accepting_parser,
    builtin_parsers,
    choose_parser,
    parse_attachment,
    read_with,
)
from service.intake.reports.limits import check_zip
from service.plugins.reports import ParsedReport, ReportError, ReportParser
from service.vocabulary import parse_number, parse_status
from tests.intake.parsing.helpers import report_bytes

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def rows(report: ParsedReport) -> list[tuple[object, ...]]:
    return [(r.goal, r.status, r.value, r.progress, r.comment, r.row) for r in report.rows]


def workbook_bytes(wb: Workbook) -> bytes:
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


# --- XLSX --------------------------------------------------------------------------------


def test_template_with_labelled_plan_and_period(parsers: list[ReportParser]) -> None:
    report = parse_attachment(parsers, "skabelon.xlsx", XLSX, report_bytes("template.xlsx"))
    assert (report.format, report.plan, report.period) == ("xlsx", "DST-2026", "2026-H1")
    assert rows(report) == [
        ("M1", "På rette spor", 35, 50, "Følger planen.", 6),
        ("M2", "Udfordret", "93,5", 40, "Forsinket leverance fra leverandør.", 7),
        ("M3", "Opfyldt", None, 100, "Lanceret i maj – før tid.", 8),
    ]
    assert report.warnings == ()


def test_header_at_row_7_of_second_sheet(parsers: list[ReportParser]) -> None:
    report = parse_attachment(parsers, "data.xlsx", XLSX, report_bytes("second-sheet.xlsx"))
    assert (report.plan, report.period) == (None, None)
    assert rows(report) == [
        ("M1", "grøn", 35, 0.5, None, 8),
        ("M2", "GUL", 93.5, 40, "Leverance forsinket", 10),
        ("M3", "Opfyldt", None, 100, None, 11),
    ]


def test_english_headers(parsers: list[ReportParser]) -> None:
    report = parse_attachment(parsers, "report.xlsx", XLSX, report_bytes("english.xlsx"))
    assert rows(report) == [
        ("M1", "on_track", 35, 50, None, 2),
        ("M2", "At Risk", 93.5, 40, "Delayed", 3),
        ("M3", "achieved", None, 100, None, 4),
    ]


def test_xlsx_label_in_one_cell_and_warning_for_row_without_goal() -> None:
    wb = Workbook()
    ws = wb.active
    ws.append(["Plan: dst-2026"])
    ws.append(["Periode:", None, "første halvår 2026"])
    ws.append(["Mål-ID", "Status"])
    ws.append(["M1", "Grøn"])
    ws.append([None, "Rød"])
    report = XlsxParser().parse(workbook_bytes(wb), "r.xlsx")
    assert (report.plan, report.period) == ("DST-2026", "2026-H1")
    assert [r.goal for r in report.rows] == ["M1"]
    assert report.warnings == (
        "Ark «Sheet», række 5 har status «Rød» men intet Mål-ID og er sprunget over. Skriv "
        "målets ID (fx M1) i kolonnen Mål-ID.",
    )


def test_xlsx_without_header_names_what_to_do() -> None:
    wb = Workbook()
    wb.active.append(["Hej", "med", "dig"])
    with pytest.raises(ReportError) as caught:
        XlsxParser().parse(workbook_bytes(wb), "r.xlsx")
    assert caught.value.reason == "unreadable_report"
    assert "«Mål-ID» og «Status»" in str(caught.value)


def test_xlsx_header_without_rows() -> None:
    wb = Workbook()
    wb.active.append(["Mål-ID", "Status"])
    with pytest.raises(ReportError, match="ingen mål under overskriftsrækken \\(række 1\\)"):
        XlsxParser().parse(workbook_bytes(wb), "r.xlsx")


def test_not_a_zip() -> None:
    with pytest.raises(ReportError) as caught:
        XlsxParser().parse(b"this is no spreadsheet", "r.xlsx")
    assert caught.value.reason == "unreadable_report"
    assert "Excel-projektmappe" in str(caught.value)


def test_zip_bomb_refused_fast_and_small() -> None:
    data = report_bytes("zip-bomb.xlsx")
    tracemalloc.start()
    started = time.perf_counter()
    with pytest.raises(ReportError) as caught:
        XlsxParser().parse(data, "rapport.xlsx")
    elapsed = time.perf_counter() - started
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert caught.value.reason == "zip_bomb"
    assert "xl/worksheets/sheet1.xml" in str(caught.value)
    assert elapsed < 0.1
    assert peak < 1_000_000


def test_too_large_uncompressed() -> None:
    data = report_bytes("template.xlsx")
    with pytest.raises(ReportError) as caught:
        check_zip(data, ReportLimits(max_uncompressed_bytes=10_000))
    assert caught.value.reason == "too_large"


def test_xml_bomb_refused() -> None:
    tracemalloc.start()
    with pytest.raises(ReportError) as caught:
        XlsxParser().parse(report_bytes("xml-bomb.xlsx"), "rapport.xlsx")
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert caught.value.reason == "unsafe_report"
    assert "sikkerhedshensyn" in str(caught.value)
    assert peak < 20_000_000


def test_attachment_over_limit() -> None:
    with pytest.raises(ReportError) as caught:
        CsvParser(ReportLimits(max_attachment_bytes=100)).parse(b"x" * 101, "r.csv")
    assert caught.value.reason == "too_large"


def test_row_limit() -> None:
    body = "Mål-ID;Status\n" + "".join(f"M{i};grøn\n" for i in range(11))
    with pytest.raises(ReportError) as caught:
        CsvParser(ReportLimits(max_rows=10)).parse(body.encode(), "r.csv")
    assert caught.value.reason == "too_large"


# --- CSV ---------------------------------------------------------------------------------

HEADER = ["Mål-ID", "Status", "Målt værdi", "Fremdrift (%)", "Kommentar"]
DATA = [["M1", "Grøn", "93,5", "50", "Godt – på vej"], ["M2", "rød", "1.234,5", "10", ""]]


def _csv(delimiter: str, decimal: str, quote_all: bool = False) -> str:
    def fmt(cell: str) -> str:
        if decimal == "." and cell[:1].isdigit():
            cell = cell.replace(".", "").replace(",", ".")
        return f'"{cell}"' if quote_all or delimiter in cell else cell

    lines = [delimiter.join(fmt(c) for c in HEADER)]
    lines += [delimiter.join(fmt(c) for c in row) for row in DATA]
    return "\r\n".join(lines) + "\r\n"


@pytest.mark.parametrize("delimiter", [";", ",", "\t"])
@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "cp1252", "utf-16"])
@pytest.mark.parametrize("decimal", [",", "."])
def test_csv_dialect_matrix(delimiter: str, encoding: str, decimal: str) -> None:
    text = _csv(delimiter, decimal)
    data = text.encode(encoding)
    report = CsvParser().parse(data, "r.csv")
    values = [r.value for r in report.rows]
    assert values == (["93,5", "1.234,5"] if decimal == "," else ["93.5", "1234.5"])
    assert [parse_number(v) for v in values] == [93.5, 1234.5]
    assert [(r.goal, r.status, r.progress, r.comment, r.row) for r in report.rows] == [
        ("M1", "Grøn", "50", "Godt – på vej", 2),
        ("M2", "rød", "10", None, 3),
    ]


def test_csv_label_lines_sep_line_and_multiline_comment() -> None:
    text = ('sep=;\r\nPlan;DST-2026;;\r\nPeriode;H1 2026\r\n\r\n'
            'Mål-ID;Status;Kommentar\r\nM1;Grøn;"to\r\nlinjer"\r\n;;\r\nM2;Gul;ok\r\n')
    report = CsvParser().parse(text.encode("cp1252"), "r.csv")
    assert (report.plan, report.period) == ("DST-2026", "2026-H1")
    assert [(r.goal, r.comment, r.row) for r in report.rows] == [
        ("M1", "to\r\nlinjer", 6), ("M2", "ok", 9)]


def test_csv_without_header() -> None:
    with pytest.raises(ReportError, match="«Mål-ID» og «Status»"):
        CsvParser().parse(b"a;b;c\n1;2;3\n", "r.csv")


def test_csv_binary_refused() -> None:
    with pytest.raises(ReportError, match="ikke en tekstfil"):
        CsvParser().parse(b"PK\x03\x04\x00\x00binary", "r.csv")


# --- JSON --------------------------------------------------------------------------------


def test_json_report() -> None:
    report = JsonParser().parse(report_bytes("report.json"), "r.json")
    assert (report.plan, report.period, report.format) == ("DST-2026", "2026-H1", "json")
    assert rows(report)[1] == ("M2", "at_risk", 93.5, 40, "Forsinket leverance fra leverandør.", 2)


@pytest.mark.parametrize(
    ("doc", "where"),
    [
        (b"[1, 2]", "dokumentet skal være et objekt"),
        (b'{"plan": "DST-2026"}', 'feltet "goals" mangler'),
        (b'{"goals": {"goal": "M1"}}', '"goals" skal være en liste, ikke et objekt'),
        (b'{"goals": ["M1"]}', "goals[0] skal være et objekt, ikke en tekst"),
        (b'{"goals": [{"goal": "M1"}, {"status": "gr\\u00f8n"}]}', 'goals[1] mangler "goal"'),
        (b'{"goals": [{"goal": "M1", "value": [1]}]}', "goals[0].value skal være et tal"),
        (b'{"goals": [{"goal": "M1", "comment": 5}]}', "goals[0].comment skal være en tekst"),
        (b'{"plan": 7, "goals": [{"goal": "M1"}]}', "dokumentet.plan skal være en tekst"),
        (b'{"goals": [}', "linje 1, kolonne 12"),
        (b'{"goals": []}', '"goals" er tom'),
        (b"[" * 100_000 + b"]" * 100_000, "JSON-rapporten kan ikke læses"),
        # numbers Python's parser takes but no report can hold: said in Danish, never an
        # internal error
        (b'{"goals": [{"goal": "M1", "value": ' + b"9" * 5000 + b"}]}", "over 4.300 cifre"),
        (b'{"goals": [{"goal": "M1", "value": 1e400}]}', "goals[0].value er for stort"),
        (b'{"goals": [{"goal": "M1", "progress": -1e999}]}', "goals[0].progress er for stort"),
        (b'{"goals": [{"goal": "M1", "value": NaN}]}', "NaN er ikke et tal"),
        (b'{"goals": [{"goal": "M1", "value": Infinity}]}', "Infinity er ikke et tal"),
    ],
)
def test_json_errors_say_where(doc: bytes, where: str) -> None:
    with pytest.raises(ReportError) as caught:
        JsonParser().parse(doc, "r.json")
    assert where in str(caught.value)
    assert caught.value.reason == "unreadable_report"


# --- choosing a parser -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("filename", "ctype", "expected"),
    [
        ("r.xlsx", "application/octet-stream", "xlsx"),
        ("", XLSX, "xlsx"),
        ("R.CSV", "application/octet-stream", "csv"),
        ("", "text/csv", "csv"),
        ("data.json", "", "json"),
        ("", "application/json", "json"),
        ("image001.png", "image/png", None),
        ("rapport.pdf", "application/pdf", None),
    ],
)
def test_accepting_parser(filename: str, ctype: str, expected: str | None) -> None:
    parser = accepting_parser(builtin_parsers(), filename, ctype, b"")
    assert (parser.name if parser else None) == expected


def test_unsupported_format_says_what_to_do(parsers: list[ReportParser]) -> None:
    with pytest.raises(ReportError, match=r"\.xls\) kan ikke læses. Gem regnearket som \.xlsx"):
        parse_attachment(parsers, "gammel.xls", "application/vnd.ms-excel", b"\xd0\xcf\x11\xe0")
    with pytest.raises(ReportError, match="ikke en rapport, vi kan læse"):
        parse_attachment(parsers, "logo.png", "image/png", b"\x89PNG")


def test_the_parser_is_chosen_from_the_same_head_it_is_then_asked_to_read() -> None:
    """An unnamed JSON file is known by its first bytes: one led by more than 512 bytes of
    blank lines (but within the 4,096 shown to ``accepts``) is chosen and read."""
    body = json.dumps({"plan": "DST-2026", "period": "2026-H1",
                       "goals": [{"goal": "M1", "status": "on_track"}]}).encode()
    data = b"\n" * 1000 + body
    parser = choose_parser(builtin_parsers(), "", "application/octet-stream", data)
    assert parser is not None and parser.name == "json"
    assert read_with(parser, "", "application/octet-stream", data).plan == "DST-2026"
    assert parse_attachment(builtin_parsers(), "", "application/octet-stream", data).rows
    assert choose_parser(builtin_parsers(), "", "application/octet-stream",
                         b"\n" * 5000 + body) is None


def test_a_failing_third_party_parser_becomes_a_report_error() -> None:
    class Broken:
        name = "broken"

        def accepts(self, filename: str, content_type: str, head: bytes) -> bool:
            return True

        def parse(self, data: bytes, filename: str) -> ParsedReport:
            raise RuntimeError("boom")

    with pytest.raises(ReportError) as caught:
        parse_attachment([Broken()], "x.xlsx", XLSX, b"")
    assert caught.value.reason == "unreadable_report"


def test_builtin_plugin_hook_holds_to_the_limits_it_is_given() -> None:
    from service.plugins.manager import build_plugin_manager

    report = b"M\xe5l-ID;Status\nM1;" + b"x" * 2000 + b"\n"
    strict = build_plugin_manager(entry_points=False, report_limits=ReportLimits(
        max_attachment_bytes=1000))
    roomy = build_plugin_manager(entry_points=False)
    try:
        parsers = strict.report_parsers()
        assert [p.name for p in parsers] == ["xlsx", "csv", "json"]
        assert all(isinstance(p, ReportParser) for p in parsers)
        with pytest.raises(ReportError) as refused:
            parse_attachment(parsers, "r.csv", "text/csv", report)
        assert refused.value.reason == "too_large"
        assert parse_attachment(roomy.report_parsers(), "r.csv", "text/csv", report).rows
    finally:
        strict.close()
        roomy.close()


def test_a_plugin_parser_receives_the_limits() -> None:
    from service.plugins import hookimpl
    from service.plugins.manager import MinistryPlugins, build_plugin_manager

    seen: list[ReportLimits] = []

    class Ministry:
        @hookimpl
        def mrp_report_parsers(self, limits: ReportLimits) -> list[ReportParser]:
            seen.append(limits)
            return []

    limits = ReportLimits(max_attachment_bytes=1234, max_rows=7)
    manager = build_plugin_manager(entry_points=False, report_limits=limits)
    try:
        manager.register(Ministry(), "ministry")
        manager.report_parsers(MinistryPlugins("SKM", enabled=frozenset({"ministry"})))
        assert seen == [limits]
    finally:
        manager.close()


def test_the_app_gives_the_parsers_the_configured_attachment_limit() -> None:
    from service import create_app
    from service.domain.plugins import manager

    app = create_app({"DATABASE_URL": "sqlite://", "SECRET_KEY": "t",
                      "INTAKE_MAX_ATTACHMENT_BYTES": 30_000_000})
    with app.app_context():
        assert manager().report_limits.max_attachment_bytes == 30_000_000
        assert manager().report_limits.max_rows == ReportLimits().max_rows


# --- status words ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("word", "code"),
    [
        ("På rette spor", "on_track"), ("  på  RETTE spor ", "on_track"), ("Grøn", "on_track"),
        ("GREEN", "on_track"), ("on_track", "on_track"), ("On Track", "on_track"),
        ("Udfordret", "at_risk"), (" GUL ", "at_risk"), ("yellow", "at_risk"),
        ("at-risk", "at_risk"), ("Ikke på rette spor", "off_track"), ("rød", "off_track"),
        ("Red", "off_track"), ("Opfyldt", "achieved"), ("Delvist opfyldt", "partially_achieved"),
        ("ikke opfyldt", "not_achieved"), ("Udgået", "withdrawn"), ("udgaaet", "withdrawn"),
        ("blå", None), ("", None),
    ],
)
def test_status_words_from_a_sheet(word: str, code: str | None) -> None:
    wb = Workbook()
    ws = wb.active
    ws.append(["Mål-ID", "Status"])
    ws.append(["M1", word or None])
    [row] = XlsxParser().parse(workbook_bytes(wb), "r.xlsx").rows
    assert parse_status(row.status) == code


def test_check_zip_counts_members() -> None:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        for i in range(20):
            z.writestr(f"f{i}", b"")
    with pytest.raises(ReportError) as caught:
        check_zip(buf.getvalue(), ReportLimits(max_zip_members=10))
    assert caught.value.reason == "zip_bomb"


def test_json_accepts_unnamed_object() -> None:
    parser = JsonParser()
    assert parser.accepts("", "application/octet-stream", b'\xef\xbb\xbf  {"goals": []}')
    body = json.dumps({"goals": [{"goal": 1, "status": "grøn"}], "period": 2026}).encode()
    report = parser.parse(body, "")
    assert (report.rows[0].goal, report.period) == ("1", "2026")

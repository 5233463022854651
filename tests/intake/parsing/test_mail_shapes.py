"""The mail shapes of ``tests/intake/shapes.py`` parsed, and the bounds on forwarded messages:
nesting, size, and mails nested deeper than the email package can follow."""

from __future__ import annotations

import pytest

from service.intake.message import MAX_DEPTH, parse_message
from service.intake.reports import parse_attachment
from service.plugins.reports import ReportParser
from tests.intake.shapes import (
    SHAPES,
    attached,
    b64,
    forwarded,
    mail,
    part,
    report,
)


@pytest.mark.parametrize("name", sorted(SHAPES))
def test_shape(name: str, parsers: list[ReportParser]) -> None:
    raw, filename, fmt = SHAPES[name]
    parsed = parse_message(raw)
    assert parsed.sender == "opfoelgning@dst.dk"
    assert parsed.message_id == f"<shape-{name}@dst.dk>"
    assert parsed.subject == "[DST-2026] Opfølgning 2026-H1"
    assert parsed.body_text == "Rapporten er vedhæftet."  # a forwarded mail's text is not it
    assert [a.filename for a in parsed.attachments] == [filename]
    assert parsed.oversized == ()
    attachment = parsed.attachments[0]
    got = parse_attachment(parsers, attachment.filename, attachment.content_type,
                           attachment.data)
    assert (got.format, got.plan, got.period, len(got.rows)) == (fmt, "DST-2026", "2026-H1", 3)


def _chain(levels: int, cte: str) -> bytes:
    """A JSON report forwarded ``levels`` times, each forward encoded with ``cte``."""
    raw = mail("level-0", [attached(["Content-Type: application/json",
                                     'Content-Disposition: attachment; filename="r.json"'],
                                    report("report.json"))])
    for level in range(1, levels + 1):
        raw = mail(f"level-{level}", [forwarded(
            ["Content-Type: message/rfc822", f"Content-Transfer-Encoding: {cte}"], raw)])
    return raw


@pytest.mark.parametrize("cte", ["7bit", "base64", "quoted-printable"])
def test_forwards_within_the_depth_are_read_and_deeper_ones_are_not(cte: str) -> None:
    # every forward is two levels: the message/rfc822 part, and the message's multipart
    within = MAX_DEPTH // 2 - 1
    assert [a.filename for a in parse_message(_chain(within, cte)).attachments] == ["r.json"]
    deep = parse_message(_chain(MAX_DEPTH, cte))
    assert deep.attachments == ()
    assert "nesting too deep" in deep.defects


def test_a_structure_too_deep_for_the_email_package_is_a_defect_not_an_error() -> None:
    levels = 3000
    raw = b"From: opfoelgning@dst.dk\r\nSubject: dyb\r\nMIME-Version: 1.0\r\n" + b"".join(
        b"Content-Type: multipart/mixed; boundary=b%d\r\n\r\n--b%d\r\n" % (i, i)
        for i in range(levels))
    parsed = parse_message(raw)
    assert parsed.sender == "opfoelgning@dst.dk" and parsed.subject == "dyb"
    assert parsed.attachments == ()
    assert "structure: nesting too deep" in parsed.defects
    inner = b"".join(b"Content-Type: message/rfc822\r\n\r\n" for _ in range(levels))
    forwarded_deep = parse_message(mail("deep", [forwarded(
        ["Content-Type: message/rfc822", "Content-Transfer-Encoding: base64"], inner)]))
    assert forwarded_deep.subject == "[DST-2026] Opfølgning 2026-H1"
    assert "forwarded message: nesting too deep" in forwarded_deep.defects


def _big_csv(size: int) -> bytes:
    row = "M1;På rette spor;35;50;".encode() + b"x" * 80 + b"\r\n"
    head = "Plan;DST-2026\r\nPeriode;2026-H1\r\n\r\nMål-ID;Status;Målt værdi;Fremdrift (%)\r\n"
    return head.encode() + row * (size // len(row))


def test_large_base64_forward_is_decoded_from_the_raw_bytes() -> None:
    # Over 256 KB both the forward and the report inside it are cut out of the bytes the
    # email package reads, and decoded from the raw bytes.
    data = _big_csv(2 * 1024 * 1024)
    inner = mail("big-inner", [attached(
        ["Content-Type: text/csv", 'Content-Disposition: attachment; filename="stor.csv"'],
        data)])
    raw = mail("big", [forwarded(
        ["Content-Type: message/rfc822", "Content-Transfer-Encoding: base64"], inner)])
    parsed = parse_message(raw)
    assert [(a.filename, a.data == data) for a in parsed.attachments] == [("stor.csv", True)]
    limited = parse_message(raw, max_attachment_bytes=1024 * 1024)
    assert limited.attachments == ()
    assert [(o.filename, o.size) for o in limited.oversized] == [("stor.csv", len(data))]


def test_forwarded_eml_as_plain_text_and_unreadable_forwards() -> None:
    inner = mail("inner", [attached(["Content-Type: application/json; name=r.json"],
                                    report("report.json"))])
    as_text = parse_message(mail("txt", [attached(
        ['Content-Type: text/plain; name="videresendt.eml"'], inner)]))
    assert [a.filename for a in as_text.attachments] == ["r.json"]
    broken = parse_message(mail("broken", [part(
        ["Content-Type: message/rfc822", "Content-Transfer-Encoding: base64"],
        b"!!! not base64 at all \xff\r\n")]))
    assert broken.attachments == () and broken.body_text == "Rapporten er vedhæftet."
    empty = parse_message(mail("empty", [part(
        ["Content-Type: message/rfc822", "Content-Transfer-Encoding: base64"], b"")]))
    assert empty.attachments == ()


def test_delivery_status_is_never_taken_for_a_forward() -> None:
    raw = mail("dsn", [part(["Content-Type: message/delivery-status",
                             "Content-Transfer-Encoding: base64"],
                            b64(b"Reporting-MTA: dns; mx.mrp.example\r\n"))])
    parsed = parse_message(raw)
    assert parsed.has_delivery_status
    assert parsed.attachments == ()


@pytest.mark.parametrize(
    "headers",
    [
        ["Content-Type: message/rfc822", "Content-Transfer-Encoding: quoted-printable"],
        ['Content-Type: text/plain; name="videresendt.eml"', "Content-Transfer-Encoding: 7bit"],
        ['Content-Type: application/octet-stream; name="videresendt.eml"'],
    ],
)
def test_large_forward_whose_report_was_cut_out_inside_it(headers: list[str]) -> None:
    # The base64 report inside the forward is a run cut out of the raw bytes although the
    # forward around it is not: it is put back before the forward is decoded.
    data = _big_csv(1024 * 1024)
    inner = mail("big-inner", [attached(
        ["Content-Type: text/csv", 'Content-Disposition: attachment; filename="stor.csv"'],
        data)])
    parsed = parse_message(mail("big", [forwarded(headers, inner)]))
    assert [(a.filename, a.data == data) for a in parsed.attachments] == [("stor.csv", True)]
    limited = parse_message(mail("big", [forwarded(headers, inner)]),
                            max_attachment_bytes=512 * 1024)
    assert [(o.filename, o.size) for o in limited.oversized] == [("stor.csv", len(data))]


def test_a_text_file_of_long_lines_is_kept_whole() -> None:
    digests = b"".join(b"%064x\r\n" % (i * 2654435761) for i in range(5000))
    raw = mail("digests", [part(
        ['Content-Type: text/plain; name="hashes.txt"', "Content-Transfer-Encoding: 7bit"],
        b"header line, not base64\r\n" + digests + b"trailer\r\n")])
    [attachment] = parse_message(raw).attachments
    assert attachment.data == b"header line, not base64\r\n" + digests + b"trailer\r\n"

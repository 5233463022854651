"""Subject parsing, classification, Authentication-Results, TNEF and memory bounds."""

from __future__ import annotations

import base64
import time
import tracemalloc
from dataclasses import replace

import pytest

from service.intake.authresults import dmarc_result, parse_authentication_results
from service.intake.classify import classify
from service.intake.message import decode_words, parse_message
from service.intake.subject import find_period, find_plan_reference, parse_subject
from service.intake.tnef import unpack_tnef
from tests.intake.parsing.helpers import MAIL, load_mail, report_bytes


@pytest.mark.parametrize(
    ("text", "plan"),
    [
        ("[DST-2026] Opfølgning", "DST-2026"),
        ("Opfølgning DST-2026 H1", "DST-2026"),
        ("SV: UFST-2026-2 1. halvår 2026", "UFST-2026-2"),
        ("Re: [ufst-2026] opfølgning", "UFST-2026"),
        ("ÆØÅ1-2027", "ÆØÅ1-2027"),
        ("H1-2026 for DST-2026", "DST-2026"),
        ("DST-2026-H1", "DST-2026"),
        ("Opfølgning 2026-2027", None),
        ("dst-2026", None),
        ("ABCDEFGHIJKLMNOPQ-2026", None),  # 17 characters: no code the API accepts
        ("", None),
        (None, None),
    ],
)
def test_find_plan_reference(text: str | None, plan: str | None) -> None:
    assert find_plan_reference(text) == plan


@pytest.mark.parametrize(
    ("text", "period"),
    [
        ("[DST-2026] 2026-H1", "2026-H1"),
        ("[DST-2026] H1 2026", "2026-H1"),
        ("Opfølgning 1. halvår 2026", "2026-H1"),
        ("Opfølgning første halvår 2026", "2026-H1"),
        ("andet halvår 2026", "2026-H2"),
        ("3. kvartal 2026", "2026-Q3"),
        ("DST-2026", None),
    ],
)
def test_period_in_subject(text: str, period: str | None) -> None:
    assert parse_subject(text).period == period


def test_find_period_plain() -> None:
    assert find_period("2026") == "2026"
    assert find_period(None) is None


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("=?utf-8?b?T3Bmw7hsZ25pbmc=?=", "Opfølgning"),
        ("=?iso-8859-1?q?Opf=F8lgning?=", "Opfølgning"),
        ("=?iso-8859-1?q?=80_100?=", "€ 100"),  # labelled Latin-1, really Windows-1252
        ("=?windows-1252?q?=93citat=94?=", "“citat”"),
        ("=?x-bogus?q?S=F8ren?=", "Søren"),
        ("=?utf-8?q?a?= =?utf-8?q?b?= c", "ab c"),
        ("Opf\udcf8lgning", "Opfølgning"),  # raw 8-bit Windows-1252
        ("Opf\udcc3\udcb8lgning", "Opfølgning"),  # raw 8-bit UTF-8
    ],
)
def test_decode_words(value: str, expected: str) -> None:
    assert decode_words(value) == expected


def test_authentication_results_parsing() -> None:
    server, results = parse_authentication_results(
        "mx.mrp.example (Postfix 3.7); spf=pass (sender ok) smtp.mailfrom=dst.dk;\r\n"
        " dkim=pass header.d=dst.dk; DMARC=Pass (p=reject dis=none) header.from=dst.dk"
    )
    assert server == "mx.mrp.example"
    assert results == {"spf": "pass", "dkim": "pass", "dmarc": "pass"}
    headers = ["evil.example; dmarc=pass", "mx.mrp.example; dmarc=fail",
               "mx.mrp.example; dmarc=pass"]
    assert dmarc_result(headers, "mx.mrp.example") == "fail"  # the first of ours decides
    assert dmarc_result(headers, "") is None
    assert dmarc_result(["mx.mrp.example; spf=pass"], "mx.mrp.example") is None


def _with_headers(**headers: str):  # type: ignore[no-untyped-def]
    base = load_mail("xlsx-template.eml")
    extra = tuple((k.replace("_", "-").lower(), v) for k, v in headers.items())
    return replace(base, headers=base.headers + extra,
                   auto_submitted=headers.get("Auto_Submitted"))


@pytest.mark.parametrize(
    ("headers", "expected"),
    [
        ({"Auto_Submitted": "auto-generated"}, "auto_reply"),
        ({"Auto_Submitted": "no"}, None),
        ({"X_Autoreply": "yes"}, "auto_reply"),
        ({"X_Autorespond": "on vacation"}, "auto_reply"),
        ({"Precedence": "bulk"}, "auto_reply"),
        ({"Precedence": "list"}, "auto_reply"),
        ({"X_Auto_Response_Suppress": "All"}, None),  # alone, not an auto-reply
    ],
)
def test_auto_reply_headers(headers: dict[str, str], expected: str | None) -> None:
    assert classify(_with_headers(**headers)) == expected


@pytest.mark.parametrize(
    ("subject", "expected"),
    [
        ("Automatisk svar: Opfølgning", "auto_reply"),
        ("Autosvar: Opfølgning", "auto_reply"),
        ("Fraværende: [DST-2026]", "auto_reply"),
        ("Out of Office: report", "auto_reply"),
        ("SV: Automatic reply: report", "auto_reply"),
        ("[DST-2026] Opfølgning, fraværende leder", None),
    ],
)
def test_auto_reply_subjects(subject: str, expected: str | None) -> None:
    mail = replace(load_mail("xlsx-template.eml"), subject=subject)
    assert classify(mail) == expected


def test_postmaster_with_null_return_path_is_a_bounce() -> None:
    mail = replace(load_mail("xlsx-template.eml"), sender="postmaster@dst.dk", return_path="")
    assert classify(mail) == "bounce"
    assert classify(replace(mail, return_path="postmaster@dst.dk")) is None


def test_tnef_unpacked() -> None:
    files, body = unpack_tnef(report_bytes("winmail.dat")) or ([], "")
    assert [name for name, _ in files] == ["Opfølgning DST-2026.xlsx"]
    assert files[0][1] == report_bytes("template.xlsx")
    assert body == "Rapporten er vedhæftet."
    assert unpack_tnef(b"not tnef at all") is None


def test_unreadable_winmail_kept_as_attachment() -> None:
    raw = (
        b"From: a@dst.dk\r\nSubject: x\r\nMIME-Version: 1.0\r\n"
        b"Content-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\n"
        b"Content-Type: application/ms-tnef; name=winmail.dat\r\n"
        b"Content-Transfer-Encoding: base64\r\n\r\n" + base64.b64encode(b"garbage") +
        b"\r\n--b--\r\n"
    )
    mail = parse_message(raw)
    assert [a.filename for a in mail.attachments] == ["winmail.dat"]
    assert "winmail.dat: not readable as TNEF" in mail.defects


def _big_mail(size: int) -> tuple[bytes, bytes]:
    row = "M1;grøn;93,5;50;".encode() + b"x" * 80 + b"\r\n"
    data = "Mål-ID;Status;Målt værdi;Fremdrift (%);Kommentar\r\n".encode() + row * (
        size // len(row))
    raw = (
        b"From: opfoelgning@dst.dk\r\nSubject: =?utf-8?q?Opf=C3=B8lgning?= DST-2026\r\n"
        b"MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n"
        b"--b\r\nContent-Type: text/plain\r\n\r\nStor.\r\n--b\r\n"
        b"Content-Type: text/csv\r\nContent-Disposition: attachment; filename=a.csv\r\n"
        b"Content-Transfer-Encoding: base64\r\n\r\n"
        + base64.encodebytes(data).replace(b"\n", b"\r\n") + b"--b--\r\n"
    )
    return raw, data


def test_large_attachment_bounded_memory() -> None:
    raw, data = _big_mail(20 * 1024 * 1024)
    tracemalloc.start()
    mail = parse_message(raw, max_attachment_bytes=30 * 1024 * 1024)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert mail.attachments[0].data == data
    assert mail.subject == "Opfølgning DST-2026"
    assert peak < 2 * len(data)  # the decoded attachment, and little else


def test_oversized_attachment_is_never_decoded() -> None:
    raw, data = _big_mail(12 * 1024 * 1024)
    tracemalloc.start()
    started = time.perf_counter()
    mail = parse_message(raw)
    elapsed = time.perf_counter() - started
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert mail.attachments == ()
    assert [(o.filename, o.size) for o in mail.oversized] == [("a.csv", len(data))]
    assert peak < 1_000_000
    assert elapsed < 2


def test_small_mail_is_quick() -> None:
    raw = (MAIL / "xlsx-template.eml").read_bytes()
    parse_message(raw)
    started = time.perf_counter()
    for _ in range(50):
        parse_message(raw)
    assert (time.perf_counter() - started) / 50 < 0.01  # ≈ 0.8 ms measured

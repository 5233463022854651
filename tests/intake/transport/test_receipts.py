"""Danish receipts: headers, threading, no header injection, the body."""

from __future__ import annotations

import email
import email.policy
from datetime import UTC, datetime
from email.message import EmailMessage

import pytest

from service.mail.receipts import (
    OriginalMail,
    ReceiptFinding,
    ReceiptRow,
    build_receipt,
    clean_subject,
    receipt_subject,
)

ROWS = [
    ReceiptRow("M1", "on_track", 93.5, 50, "Følger planen"),
    ReceiptRow("M2", "at_risk", 1200, 25.5),
    ReceiptRow("M3", "achieved"),
]
FINDINGS = [
    ReceiptFinding(
        "followup.progress-range", "warning", "Fremdrift over 100 % er usædvanlig", "M2"
    ),
    ReceiptFinding("followup.unknown-goal", "error", "Målet M9 findes ikke i planen", "M9"),
    ReceiptFinding("smart.note", "info", "Husk at opdatere baseline", None),
    ReceiptFinding("followup.status-missing", "error", "Status mangler; brug fx 'Udfordret'", "M4"),
]


def original(**overrides: str) -> OriginalMail:
    values = {
        "sender": "Søren Ærø <soeren@dst.dk>",
        "subject": "[DST-2026] Opfølgning 1. halvår 2026",
        "message_id": "<rapport-1@dst.dk>",
        "references": "<tidligere-1@dst.dk> <tidligere-2@dst.dk>",
    }
    values.update(overrides)
    return OriginalMail(**values)


def build(accepted: bool = True, **overrides: str) -> EmailMessage:
    return build_receipt(
        original=original(**overrides),
        mail_from="mrp@fm.dk",
        accepted=accepted,
        plan="DST-2026",
        period="2026-H1",
        rows=ROWS,
        findings=FINDINGS,
        now=datetime(2026, 7, 3, 9, 30, tzinfo=UTC),
    )


def reparsed(message: EmailMessage) -> EmailMessage:
    parsed = email.message_from_bytes(message.as_bytes(), policy=email.policy.default)
    assert isinstance(parsed, EmailMessage)
    return parsed


def text(message: EmailMessage) -> str:
    """The body as received, with line ends as Python writes them."""
    return reparsed(message).get_content().replace("\r\n", "\n")


def test_headers_and_threading() -> None:
    message = reparsed(build())
    assert message["From"] == "mrp@fm.dk"
    assert message["To"] == "Søren Ærø <soeren@dst.dk>"
    assert message["Subject"] == "Kvittering: [DST-2026] Opfølgning 1. halvår 2026"
    assert message["In-Reply-To"] == "<rapport-1@dst.dk>"
    assert message["References"] == (
        "<tidligere-1@dst.dk> <tidligere-2@dst.dk> <rapport-1@dst.dk>"
    )
    assert message["Auto-Submitted"] == "auto-replied"
    assert message["Message-ID"].endswith("@fm.dk>")
    assert message["Date"] == "Fri, 03 Jul 2026 09:30:00 +0000"
    assert message.get_content_type() == "text/plain"
    assert message.get_content_charset() == "utf-8"


def test_crlf_in_the_subject_does_not_inject_headers() -> None:
    message = build(subject="Rapport\r\nBcc: offer@example.org\r\n\r\nFalsk krop")
    raw = message.as_bytes()
    assert b"\r\nBcc:" not in raw
    assert reparsed(message)["Bcc"] is None
    assert message["Subject"] == "Kvittering: Rapport Bcc: offer@example.org Falsk krop"


def test_encoded_words_that_decode_to_crlf_are_stripped() -> None:
    # =?utf-8?b?...?= of "Rapport\r\nBcc: offer@example.org"
    encoded = "=?utf-8?b?UmFwcG9ydA0KQmNjOiBvZmZlckBleGFtcGxlLm9yZw==?="
    message = build(subject=encoded)
    assert reparsed(message)["Bcc"] is None
    assert message["Subject"] == "Kvittering: Rapport Bcc: offer@example.org"
    assert clean_subject("=?iso-8859-1?q?R=E6kke=0D=0Af=F8lge?=") == "Række følge"


def test_subject_prefixes_do_not_stack() -> None:
    assert receipt_subject("Re: Kvittering: SV: Opfølgning") == "Kvittering: Opfølgning"
    assert receipt_subject("") == "Kvittering: opfølgning"
    assert len(receipt_subject("x" * 5000)) <= 220


def test_bad_message_ids_are_dropped() -> None:
    message = build(message_id="ikke et id\r\nBcc: x@y", references="skrald <ok@dst.dk>\r\n")
    assert message["In-Reply-To"] is None
    assert message["References"] is None
    message = build(references="skrald <ok@dst.dk> <rapport-1@dst.dk>")
    assert message["References"] == "<ok@dst.dk> <rapport-1@dst.dk>"


def test_sender_without_address_is_refused() -> None:
    with pytest.raises(ValueError, match="sender"):
        build(sender="ingen adresse")
    with pytest.raises(ValueError, match="sender"):
        build(sender="a@b.dk\r\nBcc: c@d.dk")
    folded = build(sender="Søren\r\n <soeren@dst.dk>")
    assert folded["To"] == "Søren <soeren@dst.dk>"


def test_accepted_body_in_danish() -> None:
    body = text(build(accepted=True))
    assert body.startswith("Kære modtager,\n\nJeres opfølgning på DST-2026 for 1. halvår 2026 "
                           "er modtaget og registreret.")
    assert "  - M1: På rette spor, målt værdi 93,5, fremdrift 50 %" in body
    assert "      Kommentar: Følger planen" in body
    assert "  - M2: Udfordret, målt værdi 1.200, fremdrift 25,5 %" in body
    assert "  - M3: Opfyldt" in body
    assert body.index("Registreret:") < body.index("Fejl, der skal rettes:")


def test_rejected_body_lists_errors_first() -> None:
    body = text(build(accepted=False))
    assert (
        "Jeres opfølgning på DST-2026 for 1. halvår 2026 er afvist, fordi den indeholder fejl. "
        "Ret fejlene nedenfor og send rapporten igen." in body
    )
    assert "Valideringen fandt 2 fejl og 1 advarsel." in body
    order = [
        body.index("Mål M9 (fejl): Målet M9 findes ikke i planen\n"),
        body.index("Mål M4 (fejl): Status mangler; brug fx 'Udfordret'"),
        body.index("Mål M2 (advarsel): Fremdrift over 100 % er usædvanlig"),
        body.index("Rapporten (info): Husk at opdatere baseline\n"),
        body.index("Rapportens indhold (ikke registreret):"),
        body.index("  Regel followup.unknown-goal (Mål M9)"),
        body.index("  Regel smart.note (Rapporten)"),
    ]
    assert order == sorted(order)
    assert "Registreret:" not in body


def test_body_survives_smtp_policy_as_utf8() -> None:
    raw = build().as_bytes()
    assert b"\r\n" in raw and all(line.isascii() for line in raw.split(b"\r\n"))
    assert "æøå" not in raw.decode("ascii")
    assert "Følger planen" in text(build())


def test_no_plan_or_period() -> None:
    message = build_receipt(
        original=original(), mail_from="mrp@fm.dk", accepted=False, plan=None, period=None,
        findings=[ReceiptFinding("report.unreadable", "error", "Rapporten kunne ikke læses")],
    )
    body = message.get_content()
    assert "Jeres opfølgning er afvist" in body
    assert "Rapporten (fejl): Rapporten kunne ikke læses" in body

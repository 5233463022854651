"""RFC 2047 subjects as mail programs fold them: white space between an encoded word and
plain text stays, between two encoded words it goes."""

from __future__ import annotations

from email import policy
from email.message import EmailMessage

import pytest

from service.intake.mailtext import decode_words, unfold


@pytest.mark.parametrize("subject", [
    "Opfølgning [MRP-2026-001] 2026-H1 – rettet",
    "Opfølgning på mål- og resultatplan [MRP-2026-001] for første halvår 2026 – rettet",
])
def test_a_subject_folded_by_the_mail_program_reads_as_typed(subject):
    message = EmailMessage(policy=policy.SMTP)
    message["Subject"] = subject
    raw = message.as_bytes().decode("ascii").split(":", 1)[1].split("\r\n\r\n")[0].strip()
    assert "=?" in raw and "\r\n " in raw  # encoded and folded
    assert unfold(decode_words(raw)) == subject


def test_space_between_encoded_words_goes_and_split_characters_join():
    assert decode_words("=?utf-8?q?Opf=C3?= =?utf-8?q?=B8lgning?=") == "Opfølgning"
    assert decode_words("=?utf-8?q?a?= b =?iso-8859-1?q?=E6?=") == "a b æ"
    assert decode_words("=?utf-8?b?w6Y?= x") == "æ x"  # base64 without its padding

"""A reply written directly (``reply_wire``, :mod:`service.mail.wire`) says what the same
reply as an ``EmailMessage`` says: the same headers, decoded, and the same text, within
the line lengths mail allows; an address that is not ASCII is left to ``EmailMessage``."""

from __future__ import annotations

import email
import email.policy
import re
from datetime import UTC, datetime
from email.message import EmailMessage
from email.utils import getaddresses
from itertools import takewhile

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from service.mail.receipts import OriginalMail, Reply, compose_reply, reply_message, reply_wire
from service.mail.wire import WireMessage, plain_text_mail, recipients_of

NOW = datetime(2026, 7, 3, 9, 30, tzinfo=UTC)
HEADERS = ("From", "To", "Subject", "Date", "Message-ID", "In-Reply-To", "References",
           "Auto-Submitted", "X-Auto-Response-Suppress", "Content-Language")


def reply(**overrides: str) -> Reply:
    original = OriginalMail(
        sender=overrides.pop("sender", "Søren Ærø <soeren@dst.dk>"),
        subject="", message_id=overrides.pop("message_id", "<rapport-1@dst.dk>"),
        references=overrides.pop("references", "<tidligere-1@dst.dk>"))
    return compose_reply(original, "mrp <mrp@fm.dk>",
                         overrides.pop("subject", "Kvittering: [DST-2026] Opfølgning"),
                         overrides.pop("text", "Kære modtager,\n\nDin rapport er modtaget.\n"))


def parsed(data: bytes) -> EmailMessage:
    return email.message_from_bytes(data, policy=email.policy.default)  # type: ignore[return-value]


def lines(text: str) -> str:
    """A text with one kind of line end, as a reader sees its lines."""
    return text.replace("\r\n", "\n").replace("\r", "\n")


def same_message(one: Reply) -> tuple[WireMessage, EmailMessage, EmailMessage]:
    wire = reply_wire(one, "mrp <mrp@fm.dk>", NOW)
    assert isinstance(wire, WireMessage)
    ours = parsed(wire.data)
    theirs = parsed(reply_message(one, "mrp <mrp@fm.dk>", NOW).as_bytes())
    for name in HEADERS:
        assert str(ours.get(name)) == str(theirs.get(name)), name
    assert lines(ours.get_content()) == lines(theirs.get_content())
    assert ours.get_content_type() == "text/plain"
    assert ours.get_content_charset() == "utf-8"
    assert ours["Content-Transfer-Encoding"] == "quoted-printable"
    wire_lines = wire.data.split(b"\r\n")
    assert all(len(line) <= 78 for line in wire_lines[:wire_lines.index(b"")]), "long header"
    assert all(len(line) <= 76 for line in wire_lines[wire_lines.index(b""):]), "long body"
    assert b"\n" not in wire.data.replace(b"\r\n", b"")  # CRLF only
    return wire, ours, theirs


def test_a_receipt_written_directly_says_what_the_email_message_says() -> None:
    wire, ours, _theirs = same_message(reply())
    assert wire.sender == "mrp@fm.dk"
    assert wire.recipients == ("soeren@dst.dk",)
    assert ours["To"].addresses[0].display_name == "Søren Ærø"
    assert ours["Subject"] == "Kvittering: [DST-2026] Opfølgning"
    assert ours["In-Reply-To"] == "<rapport-1@dst.dk>"
    assert ours["References"] == "<tidligere-1@dst.dk> <rapport-1@dst.dk>"


def test_long_headers_are_folded_and_read_back_whole() -> None:
    chain = " ".join(f"<tidligere-{n}-en-lang-besked-id@ministeriet.example.dk>"
                     for n in range(19))
    long_subject = "Kvittering: " + "Opfølgning på målene for det kommende halvår " * 4
    wire, ours, _theirs = same_message(reply(references=chain, subject=long_subject.strip()))
    assert ours["Subject"] == long_subject.strip()
    assert len(str(ours["References"]).split()) == 20
    assert wire.data.count(b"\r\n ") > 5  # folded, not one long line


def test_a_reply_without_a_parent_has_no_threading_headers() -> None:
    _wire, ours, _theirs = same_message(reply(message_id="", references=""))
    assert ours["In-Reply-To"] is None and ours["References"] is None


def test_a_text_of_any_letters_and_lines_reads_back_the_same() -> None:
    text = ("Kære modtager,\n\n" + "Æblegrød og rødgrød med fløde — ½ portion. " * 5
            + "\n.\n. en linje med et punktum først\n\tmed tabulator   \n" + "x" * 200 + "\n")
    same_message(reply(text=text))


@settings(max_examples=60, deadline=None)
@given(st.text(st.characters(blacklist_categories=("Cs",)), max_size=300),
       st.text(st.characters(blacklist_categories=("Cs", "Cc", "Zl", "Zp")), min_size=1,
               max_size=150))
def test_any_text_and_subject_read_back_the_same(text: str, subject: str) -> None:
    same_message(reply(text=text, subject=" ".join(subject.split()) or "Kvittering"))


def test_a_mail_to_several_goes_to_each() -> None:
    """A review answer goes to every reporting address of the institution."""
    one = Reply(to="Kontoret <kontor@dst.dk>, opfoelgning@dst.dk", subject="Svar",
                text="Hej\n", message_id="<svar-1@fm.dk>")
    wire, ours, _theirs = same_message(one)
    assert wire.recipients == ("kontor@dst.dk", "opfoelgning@dst.dk")
    assert [a.addr_spec for a in ours["To"].addresses] == ["kontor@dst.dk", "opfoelgning@dst.dk"]


def test_an_address_that_is_not_ascii_is_left_to_email_message() -> None:
    one = reply(sender="sørensen@dst.dk")
    assert isinstance(reply_wire(one, "mrp@fm.dk", NOW), EmailMessage)
    assert plain_text_mail("mrp@fm.dk", "sørensen@dst.dk", [], "Hej") is None


def test_a_header_value_with_a_line_break_is_refused() -> None:
    with pytest.raises(ValueError, match="Subject"):
        plain_text_mail("mrp@fm.dk", "a@dst.dk", [("Subject", "Hej\r\nBcc: x@y.dk")], "Hej")


def test_a_danish_subject_is_written_as_encoded_words_within_the_limits() -> None:
    subject = "Kvittering: [DST-2026] Opfølgning på 1. halvår 2026 – Æblegården og Ørestaden " * 3
    wire, ours, _theirs = same_message(reply(subject=subject.strip()))
    head = wire.data.split(b"\r\n\r\n", 1)[0].decode("ascii")
    folded = head[head.index("Subject:"):].split("\r\n")
    words = re.findall(r"=\?[^?]+\?[bBqQ]\?[^?]*\?=", "\r\n".join(
        line for line in folded[:1] + list(takewhile(lambda x: x.startswith(" "), folded[1:]))))
    assert len(words) > 3  # folded over several lines
    assert all(len(word) <= 75 for word in words)  # RFC 2047's limit for one word
    assert ours["Subject"] == subject.strip()


@settings(max_examples=300, deadline=None)
@given(st.one_of(
    st.text(st.characters(min_codepoint=32, max_codepoint=126), max_size=40),
    st.builds(lambda a, b: f"{a}@{b}", st.from_regex(r"[A-Za-z0-9.+_-]{1,12}", fullmatch=True),
              st.from_regex(r"[a-z0-9.-]{1,12}", fullmatch=True))))
def test_the_recipients_are_the_addresses_the_standard_library_reads(to: str) -> None:
    assert recipients_of(to) == tuple(a for _n, a in getaddresses([to]) if a)

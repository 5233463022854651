"""Authentication-Results read by RFC 8601's grammar: what a sender can write into the header
our server adds (quoted values, comments) or below it says nothing."""

from __future__ import annotations

import pytest

from service.intake.authresults import (
    MAX_HEADER_CHARS,
    Unparsable,
    dmarc_passes,
    dmarc_result,
    parse_authentication_results,
)
from service.intake.message import parse_message
from tests.intake.parsing.helpers import OUR_SERVER

PASS = f"{OUR_SERVER}; spf=pass smtp.mailfrom=dst.dk; dmarc=pass header.from=dst.dk"


@pytest.mark.parametrize(
    "ours",
    [
        # the text of a passing result in a quoted property value the sender chose
        f'{OUR_SERVER}; spf=fail smtp.mailfrom="x;dmarc=pass"@evil.example;'
        " dmarc=fail header.from=dst.dk",
        f'{OUR_SERVER}; spf=fail smtp.mailfrom="x; dmarc=pass"@evil.example',
        f'{OUR_SERVER}; dmarc=fail header.from="dst.dk; dmarc=pass"',
        # a parenthesis in a quoted value, which a comment stripper takes for a comment
        f'{OUR_SERVER}; spf=fail smtp.mailfrom="a(b"@evil.example; dmarc=fail'
        ' header.from="c)d;dmarc=pass"',
        # in comments
        f"{OUR_SERVER}; dmarc=fail (dmarc=pass) header.from=dst.dk",
        f"{OUR_SERVER} (; dmarc=pass); spf=pass smtp.mailfrom=dst.dk",
        f'{OUR_SERVER}; dkim=none (no "signature; dmarc=pass) header.d=x; dmarc=fail',
        f"{OUR_SERVER}; dmarc=fail ((nested) ; dmarc=pass) header.from=dst.dk",
        # two verdicts that disagree
        f"{OUR_SERVER}; dmarc=pass header.from=dst.dk; dmarc=fail header.from=dst.dk",
        # no verdict at all
        f"{OUR_SERVER}; none",
        f"{OUR_SERVER}; spf=pass smtp.mailfrom=dst.dk; dkim=pass header.d=dst.dk",
    ],
)
def test_what_the_sender_wrote_in_our_header_does_not_pass(ours: str) -> None:
    assert dmarc_result([ours], OUR_SERVER) != "pass"


@pytest.mark.parametrize(
    "ours",
    [
        PASS,
        f"{OUR_SERVER} (Postfix 3.7); spf=pass (sender ok) smtp.mailfrom=dst.dk;"
        " dkim=pass (2048-bit key) header.d=dst.dk; DMARC=Pass (p=reject dis=none)"
        " header.from=dst.dk",
        f'{OUR_SERVER} 1; spf=fail smtp.mailfrom="a;dmarc=fail"@dst.dk; dmarc=pass'
        ' reason="aligned dkim" header.from=dst.dk policy.dmarc=reject',
        f"(our server) {OUR_SERVER.upper()};\r\n dmarc=pass header.from=dst.dk",
    ],
)
def test_our_servers_passing_verdict_passes(ours: str) -> None:
    assert dmarc_result([ours], OUR_SERVER) == "pass"
    assert dmarc_result([ours], OUR_SERVER.upper() + " ") == "pass"


def test_only_the_topmost_header_of_our_server_counts() -> None:
    fail = f"{OUR_SERVER}; dmarc=fail (p=reject) header.from=dst.dk"
    other = "relay.dst.dk; dmarc=pass header.from=dst.dk"
    # a forged copy with our id below the real one is ignored, whichever way it says
    assert dmarc_result([fail, PASS], OUR_SERVER) == "fail"
    assert dmarc_result([other, PASS, fail], OUR_SERVER) == "pass"
    # other servers' headers, above or below, never count
    assert dmarc_result([other], OUR_SERVER) is None
    assert dmarc_result(["mx.mrp.example.evil.example; dmarc=pass"], OUR_SERVER) is None
    assert dmarc_result(["(x) evil.example (mx.mrp.example); dmarc=pass"], OUR_SERVER) is None
    assert dmarc_result([f"x.{OUR_SERVER}; dmarc=pass"], OUR_SERVER) is None
    # no configured id, no verdict
    assert dmarc_result([PASS], "") is None
    assert dmarc_result([PASS], "   ") is None


@pytest.mark.parametrize(
    "broken",
    [
        f'{OUR_SERVER}; dmarc=pass; "',
        f"{OUR_SERVER}; dmarc=pass header.from=dst.dk; =",
        f"{OUR_SERVER}; dmarc",
        f"{OUR_SERVER} dmarc=pass",
        f"{OUR_SERVER}; dmarc=pass (unclosed",
        f"{OUR_SERVER}; " + "(" * 3000 + ")" * 3000 + " dmarc=pass",
        f"{OUR_SERVER}; dmarc=pass" + " (x)" * MAX_HEADER_CHARS,
        f"{OUR_SERVER}; dmarc=pass \udcff",
    ],
)
def test_an_unparsable_header_of_ours_is_no_result_and_hides_nothing_below(broken: str) -> None:
    with pytest.raises(Unparsable):
        parse_authentication_results(broken)
    assert dmarc_result([broken], OUR_SERVER) is None
    # a forged passing one below it does not take its place
    assert dmarc_result([broken, PASS], OUR_SERVER) is None
    # another server's unparsable header above ours is passed over
    assert dmarc_result([broken.replace(OUR_SERVER, "relay.dst.dk"), PASS], OUR_SERVER) == "pass"


def test_unparsable_headers_never_raise() -> None:
    for value in ["", ";", "(", ")", '"', "\\", "(" * 10_000, "a" * 100_000, "\x00;dmarc=pass"]:
        assert dmarc_result([value], OUR_SERVER) is None
        assert dmarc_result([value], value or "x") in (None, "pass", "fail", "none")


def _mail(*results: str) -> bytes:
    head = "".join(f"Authentication-Results: {r}\r\n" for r in results)
    return (head + "From: opfoelgning@dst.dk\r\nSubject: x\r\n\r\nbody\r\n").encode()


def test_the_mails_headers_are_read_top_to_bottom_and_not_rfc2047_decoded() -> None:
    forged = f"{OUR_SERVER}; spf=fail smtp.mailfrom==?utf-8?q?x=3B_dmarc=3Dpass?=@evil.example"
    mail = parse_message(_mail(forged, PASS))
    assert mail.authentication_results[0] == forged  # as written, not decoded
    assert not dmarc_passes(mail, OUR_SERVER)
    assert dmarc_passes(parse_message(_mail(PASS, forged)), OUR_SERVER)
    folded = f"{OUR_SERVER};\r\n\tspf=pass smtp.mailfrom=dst.dk;\r\n dmarc=pass header.from=dst.dk"
    assert dmarc_passes(parse_message(_mail(folded)), OUR_SERVER)

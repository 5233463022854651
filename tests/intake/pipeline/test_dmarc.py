"""INTAKE_REQUIRE_DMARC: only mail our own server marked dmarc=pass is read."""

from __future__ import annotations

from typing import Any

import pytest

from tests.intake.pipeline.conftest import corpus
from tests.support.factories import ok


@pytest.fixture
def app_config(app_config: dict[str, Any]) -> dict[str, Any]:
    return {**app_config, "INTAKE_REQUIRE_DMARC": True, "INTAKE_AUTHSERV_ID": "mx.mrp.example"}


def test_forged_sender_is_quarantined_and_a_passing_one_accepted(
    client, admin, dst_plan, mailbox, poll, smtp_server
):
    mailbox.append("INBOX", corpus("forged-sender.eml"))
    mailbox.append("INBOX", corpus("json-report.eml"))
    poll()

    messages = {m["message_id"]: m for m in
                ok(client.get("/api/v1/intake/messages", headers=admin))}
    forged, genuine = messages["<forged@evil.example>"], messages["<json-report@dst.dk>"]
    assert (forged["state"], forged["reason"]) == ("quarantined", "not_authenticated")
    assert forged["followup"] is None and forged["receipt"] == "none"
    assert genuine["state"] == "accepted"
    followups = ok(client.get(f"/api/v1/plans/{dst_plan['id']}/followups", headers=admin))
    assert [f["inbound_message"] for f in followups] == [genuine["id"]]
    # the forger gets no receipt; the genuine sender one
    assert [r.message["In-Reply-To"] for r in smtp_server.messages] == ["<json-report@dst.dk>"]
    mailbox.select("Quarantine")
    assert len(mailbox.uids()) == 1


def test_mail_without_our_servers_verdict_is_not_read(client, admin, dst_plan, mailbox, poll):
    # broken-mime.eml carries no Authentication-Results at all
    mailbox.append("INBOX", corpus("broken-mime.eml"))
    poll()

    [message] = ok(client.get("/api/v1/intake/messages", headers=admin))
    assert (message["state"], message["reason"]) == ("quarantined", "not_authenticated")


OURS = "mx.mrp.example"
PASSING = (f"{OURS}; spf=pass smtp.mailfrom=dst.dk; dkim=pass header.d=dst.dk;"
           " dmarc=pass header.from=dst.dk")

#: message-id local part → the Authentication-Results headers, topmost first
FORGED = {
    # what the sender had our server copy into its header: a quoted MAIL FROM, a From
    # domain with a parenthesis, comments
    "quoted": [f'{OURS}; spf=fail smtp.mailfrom="x;dmarc=pass"@evil.example;'
               " dmarc=fail header.from=dst.dk"],
    "quoted-alone": [f'{OURS}; spf=fail smtp.mailfrom="x; dmarc=pass"@evil.example'],
    "parenthesis-in-quotes": [f'{OURS}; spf=fail smtp.mailfrom="a(b"@evil.example;'
                              ' dmarc=fail header.from="c)d;dmarc=pass"'],
    "comment": [f"{OURS}; dmarc=fail (dmarc=pass) header.from=dst.dk"],
    "encoded-word": [f"{OURS}; spf=fail smtp.mailfrom==?utf-8?q?x=3B_dmarc=3Dpass?="
                     "@evil.example"],
    # a forged copy with our id below the real one
    "copy-below": [f"{OURS}; dmarc=fail header.from=dst.dk", PASSING],
    # ours unreadable: no result, and the forged one below does not stand in
    "unparsable": [f"{OURS}; dmarc=fail header.from=dst.dk; =", PASSING],
    "no-dmarc": [f"{OURS}; spf=pass smtp.mailfrom=dst.dk", PASSING],
}
GENUINE = {
    "several": ["imap.mrp.example; none", PASSING, "relay.dst.dk; dmarc=fail",
                f"{OURS}; dmarc=fail"],
    "comments-and-quotes": [f'{OURS} (Postfix) 1; spf=fail smtp.mailfrom="a;dmarc=fail"@x;'
                            " dmarc=pass (p=reject dis=none) header.from=dst.dk"],
    "unparsable-other-above": ['relay.dst.dk; "', PASSING],
}


def _with_results(name: str, results: list[str]) -> bytes:
    from tests.intake.pipeline.conftest import json_report, report_mail

    raw = report_mail(attachment=json_report(), message_id=f"<{name}@dst.dk>")
    return "".join(f"Authentication-Results: {r}\r\n" for r in results).encode() + raw


def test_the_sender_cannot_talk_the_check_round(client, admin, dst_plan, mailbox, poll):
    for name, results in {**FORGED, **GENUINE}.items():
        mailbox.append("INBOX", _with_results(name, results))
    poll()

    messages = ok(client.get("/api/v1/intake/messages?page_size=100", headers=admin))
    got = {m["message_id"]: (m["state"], m["reason"]) for m in messages}
    want = {f"<{name}@dst.dk>": ("quarantined", "not_authenticated") for name in FORGED}
    want.update({f"<{name}@dst.dk>": ("accepted", None) for name in GENUINE})
    assert got == want
    followups = ok(client.get(f"/api/v1/plans/{dst_plan['id']}/followups", headers=admin))
    accepted = {m["id"] for m in messages if m["state"] == "accepted"}
    assert {f["inbound_message"] for f in followups} == accepted


#: what Exchange Online writes (no authserv-id; ``action=`` and ``reason=`` as it spells them)
EXCHANGE_PASS = ("spf=pass (sender IP is 192.0.2.10) smtp.mailfrom=dst.dk; dkim=pass (signature"
                 " was verified) header.d=dst.dk;dmarc=pass action=none header.from=dst.dk;"
                 "compauth=pass reason=100")
EXCHANGE_FAIL = ("spf=fail (sender IP is 203.0.113.9) smtp.mailfrom=evil.example; dkim=none"
                 " (message not signed) header.d=none;dmarc=fail action=oreject"
                 " header.from=dst.dk;compauth=fail reason=000")
EXCHANGE = {
    # message-id local part → (headers topmost first, accepted)
    "m365-pass": ([EXCHANGE_PASS], True),
    "m365-pass-forged-fail-below": ([EXCHANGE_PASS, "mx.evil.example; dmarc=fail"], True),
    "m365-fail": ([EXCHANGE_FAIL], False),
    # the sender's own header below Exchange Online's says nothing
    "m365-fail-forged-pass-below": ([EXCHANGE_FAIL, EXCHANGE_PASS], False),
    # a topmost header led by an id is not Exchange Online's: not trusted
    "m365-led-by-an-id": (["outlook.com; dmarc=pass header.from=dst.dk"], False),
    "m365-unreadable": (["dmarc=pass header.from=dst.dk; ="], False),
    "m365-none": ([], False),
}


@pytest.mark.parametrize("style", ["microsoft365", "MICROSOFT365"])
def test_exchange_online_header_without_an_id(app, client, admin, dst_plan, mailbox, poll, style):
    app.config.update(INTAKE_AUTHSERV_ID="", INTAKE_AUTHRESULTS=style)
    for name, (results, _accepted) in EXCHANGE.items():
        mailbox.append("INBOX", _with_results(name, results))
    poll()

    messages = ok(client.get("/api/v1/intake/messages?page_size=100", headers=admin))
    got = {m["message_id"]: (m["state"], m["reason"]) for m in messages}
    assert got == {
        f"<{name}@dst.dk>": ("accepted", None) if accepted
        else ("quarantined", "not_authenticated")
        for name, (_results, accepted) in EXCHANGE.items()
    }
    refused = next(m for m in messages if m["message_id"] == "<m365-fail@dst.dk>")
    assert "Microsoft 365" in refused["detail"]


def test_exchange_online_headers_are_not_read_in_the_rfc_style(client, admin, dst_plan, mailbox,
                                                               poll):
    # the default style wants our id first: Exchange Online's header has none
    mailbox.append("INBOX", _with_results("m365-pass", [EXCHANGE_PASS]))
    poll()

    [message] = ok(client.get("/api/v1/intake/messages", headers=admin))
    assert (message["state"], message["reason"]) == ("quarantined", "not_authenticated")


def test_an_unknown_style_is_refused_by_name() -> None:
    from service.config import load
    from service.intake.settings import options

    with pytest.raises(ValueError, match="MRP_INTAKE_AUTHRESULTS must be one of"):
        options(load({"MRP_INTAKE_AUTHRESULTS": "exchange"}))

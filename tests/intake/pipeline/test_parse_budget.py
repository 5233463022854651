"""A mail within the size limits that is too heavy to parse (a workbook with hundreds of
thousands of cells, MIME nested deeper than any mail program nests it, a parse that runs
past its seconds) is quarantined as ``parse_budget_exceeded`` with its raw mail kept, through
a real IMAP server, while the other mails of the same poll are taken in, and the poll does
not wait for it much longer than the budget."""

from __future__ import annotations

import time
from typing import Any

import pytest

from tests.intake.pipeline.conftest import folder_counts, json_report, report_mail
from tests.intake.pipeline.heavy import hostile_nesting, huge_workbook_mail, nested_mail
from tests.support.factories import ok
from tests.web.conftest import secret_of, sign_in

#: the default budget's seconds; the poll may take this and a few seconds more
SECONDS = 5.0


@pytest.fixture
def extra_config() -> dict[str, Any]:
    return {}


@pytest.fixture
def app_config(app_config: dict[str, Any], extra_config: dict[str, Any]) -> dict[str, Any]:
    return {**app_config, "INTAKE_PARSE_SECONDS": SECONDS, **extra_config}


def _fine(n: int) -> bytes:
    period = ("2026-H1", "2026-H2")[n % 2]
    return report_mail(subject=f"[DST-2026] Opfølgning {period}",
                       message_id=f"<fine-{n}@dst.dk>", attachment=json_report(period=period))


def _messages(client, admin) -> dict[str, dict[str, Any]]:
    return {m["message_id"]: m for m in
            ok(client.get("/api/v1/intake/messages?page_size=100", headers=admin))}


@pytest.mark.parametrize("extra_config", [{"INTAKE_WORKERS": 2}, {"INTAKE_WORKERS": 1}],
                         ids=["pool", "inline"])
def test_heavy_mails_are_quarantined_for_their_budget_and_the_others_go_in(
    client, admin, dst_plan, mailbox, poll, extra_config
):
    heavy = {
        "<huge@dst.dk>": huge_workbook_mail(),  # 300 000 cells beside three goals
        "<nested@dst.dk>": nested_mail(40),
        "<hostile@dst.dk>": hostile_nesting(150),  # past what the email package reads
    }
    raws = [_fine(1), heavy["<huge@dst.dk>"], _fine(2), heavy["<nested@dst.dk>"],
            heavy["<hostile@dst.dk>"], _fine(3)]
    for raw in raws:
        mailbox.append("INBOX", raw)

    started = time.monotonic()
    poll()
    elapsed = time.monotonic() - started

    messages = _messages(client, admin)
    assert {mid: m["state"] for mid, m in messages.items() if mid.startswith("<fine")} == {
        "<fine-1@dst.dk>": "accepted", "<fine-2@dst.dk>": "accepted",
        "<fine-3@dst.dk>": "accepted"}
    for message_id, raw in heavy.items():
        m = messages[message_id]
        assert (m["state"], m["reason"]) == ("quarantined", "parse_budget_exceeded"), m
        assert m["sender"] == "opfoelgning@dst.dk"
        stored = client.get(f"/api/v1/intake/messages/{m['id']}/raw", headers=admin)
        assert stored.status_code == 200 and stored.data == raw
    assert "mere end 50.000 celler" in messages["<huge@dst.dk>"]["detail"]
    assert "indlejret for dybt: mere end 10 niveauer" in messages["<nested@dst.dk>"]["detail"]
    assert folder_counts(mailbox, "INBOX", "Processed", "Quarantine") == {
        "INBOX": 0, "Processed": 3, "Quarantine": 3}
    assert elapsed < SECONDS + 10, elapsed

    # the dashboard's intake page says why, in Danish
    sign_in(client, secret_of(admin))
    page = client.get("/intake?state=quarantined")
    assert page.status_code == 200
    assert "For tung at læse" in page.get_data(as_text=True)


@pytest.mark.parametrize("extra_config", [{
    "INTAKE_WORKERS": 2, "INTAKE_PARSE_SECONDS": 1.0,
    # counters out of the way: only the clock stops the workbook
    "INTAKE_MAX_CELLS": 10**9, "INTAKE_MAX_ROWS": 10**9,
}], ids=["pool"])
def test_a_parse_past_its_seconds_is_given_up_and_the_others_go_in(
    client, admin, dst_plan, mailbox, poll, extra_config
):
    # far more than a second to read whole, on any machine
    raws = [_fine(1), huge_workbook_mail(rows=60_000), _fine(2), _fine(3)]
    for raw in raws:
        mailbox.append("INBOX", raw)

    started = time.monotonic()
    poll()
    elapsed = time.monotonic() - started

    messages = _messages(client, admin)
    huge = messages["<huge@dst.dk>"]
    assert (huge["state"], huge["reason"]) == ("quarantined", "parse_budget_exceeded")
    assert huge["detail"].startswith("Mailen tog mere end 1 sekunder at læse")
    assert (huge["sender"], huge["subject"]) == ("opfoelgning@dst.dk",
                                                 "[DST-2026] Opfølgning 2026-H1")
    assert [messages[f"<fine-{n}@dst.dk>"]["state"] for n in (1, 2, 3)] == ["accepted"] * 3
    # one second of budget, one of grace, a new pool: a few seconds, not the whole parse
    assert elapsed < 8, elapsed

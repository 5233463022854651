"""The pool of parse workers: the same results as parsing in the poller's own process, and a
mail that kills its worker or runs past its seconds costs that mail alone."""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from typing import Any

import pytest

from service.intake.budget import ParseBudget
from service.intake.parse import ParsedMail, ParseSettings, parse_each, parse_raw
from service.intake.pool import ParsePool
from tests.intake.pipeline.conftest import CORPUS, json_report, report_mail
from tests.intake.pipeline.test_corpus_states import (
    CRAFTED,
    EXPECTED_CORPUS,
    MAX_MESSAGE_BYTES,
)
from tests.support.factories import ok

SETTINGS = ParseSettings(budget=ParseBudget(seconds=1.0))


def crashing_parse(raw: bytes, settings: ParseSettings) -> ParsedMail:
    """``parse_raw``, except that a mail saying CRASH ends its worker at once (as a crash in
    a C library would), and one saying HANG never returns."""
    if b"X-Test: CRASH" in raw:
        os._exit(70)
    if b"X-Test: HANG" in raw:
        time.sleep(600)
    if b"X-Test: RAISE" in raw:
        raise RuntimeError("a shape the parser did not expect")
    return parse_raw(raw, settings)


def _mail(n: int, marker: str = "") -> bytes:
    raw = report_mail(message_id=f"<pool-{n}@dst.dk>", attachment=json_report())
    return raw.replace(b"\r\n\r\n", f"\r\nX-Test: {marker}\r\n\r\n".encode(), 1) \
        if marker else raw


@pytest.fixture(scope="module")
def pool() -> Iterator[ParsePool]:
    made = ParsePool(2, parse=crashing_parse)
    yield made
    made.close()


def test_the_pool_reads_every_mail_as_the_poller_itself_does(pool: ParsePool) -> None:
    raws = [path.read_bytes() for path in sorted(CORPUS.glob("*.eml"))]
    raws += [raw for raw, _state, _reason in CRAFTED.values()]
    inline = parse_each(raws, SETTINGS)
    pooled = pool.parse(raws, SETTINGS)
    assert all(isinstance(one, ParsedMail) and one.mail is not None for one in inline)
    assert pooled == inline
    assert sum(bool(one.reports) for one in pooled) >= 10  # the reports were read there too


def test_a_worker_that_dies_costs_its_mail_alone(pool: ParsePool) -> None:
    raws = [_mail(n, "CRASH" if n == 3 else "") for n in range(8)]
    before = pool.replaced
    results = pool.parse(raws, SETTINGS)
    crashed = results[3]
    assert isinstance(crashed, ParsedMail) and crashed.mail is None
    assert crashed.failure is not None and crashed.failure[0] == "internal_error"
    assert crashed.failure[1].startswith("Intern fejl da mailen blev læst")
    assert [r.mail.message_id for i, r in enumerate(results) if i != 3] == [  # type: ignore[union-attr]
        f"<pool-{n}@dst.dk>" for n in range(8) if n != 3]
    assert pool.replaced > before
    # the new pool reads the next batch
    assert [r.mail.message_id for r in pool.parse([_mail(9)], SETTINGS)] == [  # type: ignore[union-attr]
        "<pool-9@dst.dk>"]


def test_a_parse_past_its_seconds_is_given_up_and_its_worker_replaced(pool: ParsePool) -> None:
    raws = [_mail(n, "HANG" if n == 1 else "") for n in range(6)]
    started = time.monotonic()
    results = pool.parse(raws, SETTINGS)
    elapsed = time.monotonic() - started
    hung = results[1]
    assert isinstance(hung, ParsedMail) and hung.failure is not None
    assert hung.failure[0] == "parse_budget_exceeded"
    assert hung.failure[1].startswith("Mailen tog mere end 1 sekunder at læse")
    assert all(isinstance(r, ParsedMail) and r.mail is not None
               for i, r in enumerate(results) if i != 1)
    assert elapsed < 5, elapsed  # the budget, a second's grace and a new pool


def test_a_parse_that_raises_gives_its_error_in_its_place(pool: ParsePool) -> None:
    results = pool.parse([_mail(1), _mail(2, "RAISE"), _mail(3)], SETTINGS)
    assert isinstance(results[1], RuntimeError)
    assert [isinstance(r, ParsedMail) for r in results] == [True, False, True]


def test_without_processes_the_mails_are_parsed_in_the_poller(monkeypatch) -> None:
    unstartable = ParsePool(2)

    def refuse() -> None:
        raise OSError("no processes to be had")

    monkeypatch.setattr(unstartable, "_pool", refuse)
    raws = [_mail(1), _mail(2)]
    assert unstartable.parse(raws, SETTINGS) == parse_each(raws, SETTINGS)


# -- through the poller: the same states with one worker and with two ---------------------


@pytest.fixture(params=[1, 2], ids=["inline", "pool"])
def app_config(request: pytest.FixtureRequest, app_config: dict[str, Any]) -> dict[str, Any]:
    return {**app_config, "INTAKE_MAX_MESSAGE_BYTES": MAX_MESSAGE_BYTES,
            "INTAKE_WORKERS": request.param}


def test_the_corpus_reaches_the_same_states_with_one_worker_or_two(
    client, admin, dst_plan, mailbox, poll
):
    ok(client.post("/api/v1/ministries", json={"code": "SKM", "name": "Skatteministeriet"},
                   headers=admin), 201)
    ok(client.post("/api/v1/institutions", headers=admin, json={
        "code": "UFST", "name": "UFST", "ministry": "SKM",
        "reporting_addresses": ["opfoelgning@ufst.dk"]}), 201)
    raws = {name: (CORPUS / name).read_bytes() for name in EXPECTED_CORPUS}
    raws.update({name: raw for name, (raw, _s, _r) in CRAFTED.items()})
    expected = dict(EXPECTED_CORPUS)
    expected.update({name: (state, reason) for name, (_raw, state, reason) in CRAFTED.items()})
    for raw in raws.values():
        mailbox.append("INBOX", raw)
    poll()

    messages = ok(client.get("/api/v1/intake/messages?page_size=100", headers=admin))
    by_raw: dict[bytes, dict[str, Any]] = {}
    for m in messages:
        response = client.get(f"/api/v1/intake/messages/{m['id']}/raw", headers=admin)
        if response.status_code == 200:
            by_raw[response.data] = m
    got = {name: (by_raw[raw]["state"], by_raw[raw]["reason"])
           for name, raw in raws.items() if raw in by_raw}
    assert got == {name: want for name, want in expected.items() if name != "oversized.eml"}


def test_a_worker_imports_neither_the_web_framework_nor_the_database():
    """What the forkserver imports for the workers (``service.intake.parse``) is the
    parsing alone: Flask and SQLAlchemy would more than triple a pool's start, which the
    first batch of every ``mrp intake poll --once`` waits for."""
    import subprocess
    import sys

    code = ("import sys, service.intake.parse; print(sorted({m.split('.')[0] for m in "
            "sys.modules} & {'flask', 'flask_sqlalchemy', 'sqlalchemy', 'werkzeug', 'alembic'}))")
    loaded = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            check=True).stdout.strip()
    assert loaded == "[]"

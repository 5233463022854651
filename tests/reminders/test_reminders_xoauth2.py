"""`mrp reminders send` with SMTP XOAUTH2 (Microsoft 365): aiosmtpd checks every bearer
token at the token endpoint over HTTP. One token serves the run; a refused token is renewed
once; a reminder that cannot go out is not recorded, and a later run sends it once."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select

from service.domain.models import Reminder
from service.extensions import db
from service.mail import oauth2
from tests.support.factories import build_dst_plan, goal_body, ok, plan_body
from tests.support.mailservers import CLIENT_ID, CLIENT_SECRET

DAY, LATER = "2026-07-20", "2026-07-21"  # DST-2026's 2026-H1 report is due 30 July


@pytest.fixture(autouse=True)
def fresh_token_cache() -> None:
    oauth2.clear_cache()


@pytest.fixture
def app_config(app_config: dict[str, Any], smtp_server_xoauth2, oauth2_endpoint) -> dict[str, Any]:
    server = smtp_server_xoauth2
    return {
        **app_config,
        "SMTP_HOST": server.host,
        "SMTP_PORT": server.port,
        "SMTP_SECURITY": "starttls",
        "SMTP_SSL_CONTEXT": server.ssl_context,
        "SMTP_AUTH": "xoauth2",
        "SMTP_USERNAME": server.username,
        "SMTP_TIMEOUT": 30.0,  # a loaded machine can be slow to answer
        "OAUTH2_TOKEN_URL": oauth2_endpoint.token_url,
        "OAUTH2_CLIENT_ID": CLIENT_ID,
        "OAUTH2_CLIENT_SECRET": CLIENT_SECRET,
    }


@pytest.fixture
def server(smtp_server_xoauth2):
    return smtp_server_xoauth2


@pytest.fixture
def token_requests(oauth2_endpoint):
    before = len(oauth2_endpoint.requests)
    return lambda: len(oauth2_endpoint.requests) - before


@pytest.fixture
def dst(client, admin):
    return build_dst_plan(client, admin)


def approve_plan(client, admin, code: str) -> None:
    """Institution ``code`` with one reporting address and an approved plan for 2026."""
    ok(client.post("/api/v1/ministries", json={"code": f"M{code}", "name": f"Min. {code}"},
                   headers=admin), 201)
    ok(client.post("/api/v1/institutions", headers=admin, json={
        "code": code, "name": f"{code} styrelse", "ministry": f"M{code}",
        "reporting_addresses": [f"opfoelgning@{code.lower()}.dk"]}), 201)
    plan = ok(client.post("/api/v1/plans", json=plan_body(code), headers=admin), 201)
    ok(client.post(f"/api/v1/plans/{plan['id']}/goals", json=goal_body(), headers=admin), 201)
    ok(client.post(f"/api/v1/plans/{plan['id']}/approve", headers=admin))


def run(runner, today: str):
    return runner.invoke(args=["reminders", "send", "--today", today])


def recorded() -> list[str]:
    db.session.expire_all()
    return sorted(r.plan.reference for r in db.session.scalars(select(Reminder)))


def delivered(server) -> list[list[str]]:
    return sorted(sorted(m.rcpt_tos) for m in server.messages)


def test_reminders_go_out_with_one_token_for_the_run(
    client, admin, runner, server, dst, token_requests
):
    approve_plan(client, admin, "ABC")
    result = run(runner, DAY)
    assert result.exit_code == 0, result.output
    assert delivered(server) == [["opfoelgning@abc.dk"], ["opfoelgning@dst.dk"]]
    assert token_requests() == 1
    assert server.logins == [server.username] * 2
    assert recorded() == ["ABC-2026", "DST-2026"]


def test_an_expired_token_is_renewed_and_the_reminder_sent_once(
    client, admin, runner, server, dst, token_requests
):
    assert run(runner, DAY).exit_code == 0
    server.expire_tokens()  # the cached token is no good any more
    approve_plan(client, admin, "ABC")
    result = run(runner, LATER)
    assert result.exit_code == 0, result.output
    assert "ABC-2026 2026-H1 upcoming: sent" in result.output
    assert "DST-2026" not in result.output
    assert delivered(server) == [["opfoelgning@abc.dk"], ["opfoelgning@dst.dk"]]
    assert token_requests() == 2
    assert len(server.tokens_refused) == 1 and server.error_answers == [b""]


def test_refused_tokens_record_nothing_and_a_later_run_sends_once(
    runner, server, dst, token_requests
):
    server.refuse_all = True
    result = run(runner, DAY)
    assert result.exit_code == 1
    assert "DST-2026 2026-H1 upcoming: failed" in result.output
    assert "XOAUTH2 login" in result.output and "also with a new token" in result.output
    assert server.messages == [] and recorded() == []
    assert token_requests() == 2  # the token and one renewal

    server.refuse_all = False
    result = run(runner, LATER)
    assert result.exit_code == 0, result.output
    assert run(runner, LATER).exit_code == 0
    assert delivered(server) == [["opfoelgning@dst.dk"]]
    assert recorded() == ["DST-2026"]

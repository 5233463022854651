"""An app wired to a real IMAP server (pymap in-process) and a real SMTP server (aiosmtpd),
with the DST plan the mail corpus reports on."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.support.factories import build_dst_plan

CORPUS = Path(__file__).resolve().parents[2] / "fixtures" / "mail"


@pytest.fixture
def imap_account(imap_server):
    return imap_server


@pytest.fixture
def app_config(imap_account, smtp_server) -> dict[str, Any]:
    return {
        "IMAP_HOST": imap_account.host,
        "IMAP_PORT": imap_account.ports["ssl"],
        "IMAP_USERNAME": imap_account.username,
        "IMAP_PASSWORD": imap_account.password,
        "IMAP_SECURITY": "ssl",
        "IMAP_SSL_CONTEXT": imap_account.ssl_context,
        "IMAP_TIMEOUT": 10.0,
        "SMTP_HOST": smtp_server.host,
        "SMTP_PORT": smtp_server.port,
        "SMTP_SECURITY": smtp_server.security,
        "SMTP_SSL_CONTEXT": smtp_server.ssl_context,
        "MAIL_FROM": "opfoelgning@mrp.example",
    }


@pytest.fixture
def dst_plan(client, admin) -> dict[str, Any]:
    return build_dst_plan(client, admin)


@pytest.fixture
def mailbox(app, imap_account):
    """A connected client on the intake mailbox, for appending and inspecting."""
    from service.intake.imap import Mailbox

    with Mailbox(imap_account.settings()) as mb:
        yield mb


def corpus(name: str) -> bytes:
    return (CORPUS / name).read_bytes()

"""Fixtures the intake's pipeline and fault tests share: an app wired to a real IMAP server
(pymap in-process unless a test module picks another through ``imap_account``) and a real
SMTP server (aiosmtpd), and a client on the intake mailbox."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest


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
def mailbox(app, imap_account) -> Iterator[Any]:
    """A connected client on the intake mailbox, for appending and inspecting."""
    from service.intake.imap import Mailbox

    with Mailbox(imap_account.settings()) as mb:
        yield mb

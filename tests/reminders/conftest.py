"""Reminders go through a real SMTP server (aiosmtpd on loopback)."""

from __future__ import annotations

from typing import Any

import pytest


@pytest.fixture
def app_config(smtp_server) -> dict[str, Any]:
    return {
        "SMTP_HOST": smtp_server.host,
        "SMTP_PORT": smtp_server.port,
        "SMTP_SECURITY": smtp_server.security,
        "SMTP_SSL_CONTEXT": smtp_server.ssl_context,
        "SMTP_TIMEOUT": 5.0,
        "MAIL_FROM": "mrp@fm.dk",
        "REMINDER_REPLY_TO": "opfoelgning@fm.dk",
    }

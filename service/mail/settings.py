"""The SMTP settings, read from the app config (``MRP_SMTP_*``)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from service.mail.oauth2 import DEFAULT_SCOPE, OAuth2Settings
from service.mail.smtp import SmtpSettings


def smtp(config: Mapping[str, Any]) -> SmtpSettings:
    """``MRP_SMTP_*``; with ``MRP_SMTP_AUTH=xoauth2`` the token comes from the
    ``MRP_OAUTH2_*`` client credentials with the scope ``MRP_SMTP_OAUTH2_SCOPE``. The TLS
    context is made by :mod:`service.mail.smtp` when TLS is used, once per process."""
    auth = config.get("SMTP_AUTH") or "password"
    oauth2 = None
    if auth == "xoauth2":
        oauth2 = OAuth2Settings(
            token_url=config["OAUTH2_TOKEN_URL"],
            client_id=config["OAUTH2_CLIENT_ID"],
            client_secret=config["OAUTH2_CLIENT_SECRET"],
            scope=config.get("SMTP_OAUTH2_SCOPE") or DEFAULT_SCOPE,
        )
    return SmtpSettings(
        host=config["SMTP_HOST"],
        port=int(config["SMTP_PORT"]),
        security=config["SMTP_SECURITY"],
        username=config["SMTP_USERNAME"],
        password=config["SMTP_PASSWORD"],
        timeout=float(config["SMTP_TIMEOUT"]),
        auth=auth,
        oauth2=oauth2,
        ca_file=config.get("SMTP_CA_FILE") or "",
        ssl_context=config.get("SMTP_SSL_CONTEXT"),
    )

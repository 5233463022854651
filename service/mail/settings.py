"""The SMTP settings, read from the app config (``MRP_SMTP_*``), and the OAuth2 client
credentials (``MRP_OAUTH2_*``) that SMTP and IMAP share."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from service.mail.oauth2 import DEFAULT_SCOPE, OAuth2Settings
from service.mail.smtp import SmtpSettings


def oauth2_settings(
    config: Mapping[str, Any], scope: str, overrides: Mapping[str, Any] | None = None
) -> OAuth2Settings:
    """The ``MRP_OAUTH2_*`` client credentials with ``scope``; a mailbox's ``overrides``
    (``oauth2_token_url``, ``oauth2_client_id``, ``oauth2_client_secret``, ``oauth2_scope``)
    take their place."""
    overrides = overrides or {}
    return OAuth2Settings(
        token_url=overrides.get("oauth2_token_url", config["OAUTH2_TOKEN_URL"]),
        client_id=overrides.get("oauth2_client_id", config["OAUTH2_CLIENT_ID"]),
        client_secret=overrides.get("oauth2_client_secret", config["OAUTH2_CLIENT_SECRET"]),
        scope=overrides.get("oauth2_scope", scope),
    )


def smtp(config: Mapping[str, Any]) -> SmtpSettings:
    """``MRP_SMTP_*``; with ``MRP_SMTP_AUTH=xoauth2`` the token comes from the
    ``MRP_OAUTH2_*`` client credentials with the scope ``MRP_SMTP_OAUTH2_SCOPE``. The TLS
    context is made by :mod:`service.mail.smtp` when TLS is used, once per process."""
    auth = config.get("SMTP_AUTH") or "password"
    oauth2 = None
    if auth == "xoauth2":
        oauth2 = oauth2_settings(config, config.get("SMTP_OAUTH2_SCOPE") or DEFAULT_SCOPE)
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


def intake_address(config: Mapping[str, Any]) -> str:
    """Where a (corrected) report is sent: ``MRP_INTAKE_ADDRESS``, else the reminders'
    Reply-To, else the IMAP user when it is an address, else ``MRP_MAIL_FROM``."""
    user = str(config.get("IMAP_USERNAME") or "")
    return (config.get("INTAKE_ADDRESS") or config.get("REMINDER_REPLY_TO")
            or (user if "@" in user else "") or config.get("MAIL_FROM") or "")


def contact(config: Mapping[str, Any]) -> str:
    """How to reach a person: ``MRP_CONTACT``, else ``MRP_WEB_ACCESS_CONTACT``, else the
    intake address (a person reads the mail quarantined there)."""
    return (config.get("CONTACT") or config.get("WEB_ACCESS_CONTACT")
            or intake_address(config))

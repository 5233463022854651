"""Every setting once, with its default and what it is for.

Settings are read from environment variables with the prefix ``MRP_`` (``MRP_DATABASE_URL``
sets ``DATABASE_URL``); ``create_app(config)`` overrides both. Values are converted to the
type of their default.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any

PREFIX = "MRP_"

#: name → (default, comment). ``None`` defaults are strings.
SETTINGS: dict[str, tuple[Any, str]] = {
    # storage
    "INSTANCE_PATH": ("", "the instance folder: the default SQLite file, the secret key, and "
                      "`mrp local`'s demo tokens and access log; empty: `instance/` beside "
                      "the package"),
    "DATABASE_URL": (None, "SQLAlchemy URL; default: a SQLite file in the instance folder"),
    "DATABASE_PREPARED_STATEMENTS": (True, "false when DATABASE_URL is PgBouncer in transaction "
                                     "pooling (before 1.21): psycopg then prepares none"),
    "SECRET_KEY": ("", "signs the dashboard's session cookie; default: a random key kept in "
                   "the instance folder (set it when several machines serve the app)"),
    # API
    "API_CACHE_BYTES": (16_000_000, "bytes of repeated API reads each server worker keeps, "
                        "until the plan data changes (service/api/cache.py); 0: off"),
    # serving
    "TRUSTED_PROXIES": (0, "number of reverse proxies in front of the app whose "
                        "X-Forwarded-For and X-Forwarded-Proto are believed (werkzeug's "
                        "ProxyFix); 0: none, the request itself says if it came over HTTPS"),
    # HTTP, API and dashboard alike (service/requestlimits.py)
    "HTTP_MAX_URI_BYTES": (4096, "longest request target (path and query) taken; longer: 414"),
    "HTTP_MAX_HEADER_BYTES": (8190, "largest header field (name and value) taken; larger: 431"),
    "HTTP_MAX_HEADERS": (100, "most header fields a request may have; more: 431"),
    # dashboard
    "SESSION_COOKIE_SECURE": (False, "mark the dashboard's cookie Secure even on a request "
                              "over plain HTTP; one over HTTPS always gets a Secure cookie"),
    "SESSION_COOKIE_HTTPONLY": (True, "hide the dashboard's cookie from scripts"),
    "SESSION_COOKIE_SAMESITE": ("Lax", "SameSite of the dashboard's cookie: Lax or Strict"),
    "WEB_SESSION_IDLE_MINUTES": (60, "a dashboard session ends after this many minutes "
                                 "without a request"),
    "WEB_SESSION_HOURS": (10, "a dashboard session ends this many hours after sign-in, "
                          "however busy"),
    "WEB_TIMEZONE": ("Europe/Copenhagen", "time zone of the times the dashboard shows"),
    # plugins
    "PLUGINS_DIR": (None, "folder of local plugin modules (*.py), for development"),
    "PLUGIN_TIMEOUT": (2.0, "seconds a plugin may take for one plan before it is cut off"),
    "MAX_GOALS": (8, "plan.too-many-goals threshold unless a ministry sets its own"),
    # sign-in (OpenID Connect; DESIGN section 10)
    "OIDC_ISSUER": ("", "identity provider's issuer URL (discovery from its "
                    "/.well-known/openid-configuration); empty: no provider"),
    "OIDC_CLIENT_ID": ("", "mrp's client id at the provider"),
    "OIDC_CLIENT_SECRET": ("", "mrp's client secret at the provider"),
    "OIDC_SCOPES": ("openid email profile", "scopes asked for at sign-in"),
    "OIDC_LABEL": ("", "Danish text of the sign-in button (default: Log ind med din "
                   "organisations konto)"),
    "OIDC_PROVIDERS": ("", "several providers: JSON list of {name, label, issuer, client_id, "
                       "client_secret, scopes}"),
    "OIDC_GROUP_ROLES": ("", "JSON object: group id in the groups claim -> {role, ministry | "
                         "institution}; creates or updates the person at sign-in"),
    "OIDC_CLOCK_SKEW_SECONDS": (60, "how far the provider's clock may differ from ours when an "
                                "ID token's times are checked"),
    "WEB_TOKEN_LOGIN": ("", "sign in to the dashboard with an API token: true or false; "
                        "default: on exactly when no provider is configured"),
    "WEB_ACCESS_CONTACT": ("", "whom a person without access should ask (shown on the "
                           "no-access page), e.g. mrp-support@skm.dk"),
    "REPORTING_ADDRESS_ALLOW_NON_ASCII": (False, "accept letters outside ASCII (æ, ø, å) "
                                          "before the @ of a reporting address; off: such an "
                                          "address is refused, as most mail systems cannot "
                                          "receive it"),
    # IMAP intake
    "IMAP_HOST": ("127.0.0.1", "intake mailbox server"),
    "IMAP_PORT": (993, "intake mailbox port (993 for ssl, 143 for starttls/none)"),
    "IMAP_USERNAME": ("", "intake mailbox user"),
    "IMAP_PASSWORD": ("", "intake mailbox password (password login)"),
    "IMAP_SECURITY": ("ssl", "ssl (default), starttls or none; never a silent fallback"),
    "IMAP_AUTH": ("password", "password or xoauth2"),
    "IMAP_FOLDER": ("INBOX", "folder the poller reads"),
    "IMAP_PROCESSED_FOLDER": ("Processed", "where accepted and rejected mails go"),
    "IMAP_QUARANTINE_FOLDER": ("Quarantine", "where mails that cannot be trusted go"),
    "IMAP_IGNORED_FOLDER": ("Ignored", "where auto-replies and bounces go"),
    "IMAP_TIMEOUT": (30.0, "seconds for connect and each IMAP command"),
    "IMAP_BATCH_SIZE": (100, "mails fetched per FETCH, then stored, decided and moved together "
                             "(the first batches and the last smaller, from 40 up)"),
    "IMAP_CA_FILE": ("", "extra CA bundle to trust for the IMAP server (tests, private CAs)"),
    "OAUTH2_TOKEN_URL": ("", "OAuth2 client-credentials token endpoint (Microsoft 365)"),
    "OAUTH2_CLIENT_ID": ("", "OAuth2 client id"),
    "OAUTH2_CLIENT_SECRET": ("", "OAuth2 client secret"),
    "OAUTH2_SCOPE": ("https://outlook.office365.com/.default", "OAuth2 scope"),
    "INTAKE_MAILBOXES": ("", "more mailboxes: JSON list of {host, port, username, …}"),
    "INTAKE_INTERVAL": (60.0, "seconds between polls of `mrp intake run`"),
    "INTAKE_MAX_MESSAGE_BYTES": (25_000_000, "larger mails are quarantined as too_large"),
    "INTAKE_MAX_ATTACHMENT_BYTES": (
        10_000_000, "larger attachments are refused; the report parsers hold to it too"
    ),
    "INTAKE_WORKERS": (0, "processes that parse fetched mails (MIME and reports) side by side; "
                       "0: one per core; 1: in the poller's own process, without a pool "
                       "(then INTAKE_PARSE_SECONDS does not hold)"),
    "INTAKE_MAX_CELLS": (50_000, "cells the report readers may read of one mail's "
                         "attachments; more: quarantined as parse_budget_exceeded"),
    "INTAKE_MAX_ROWS": (10_000, "rows the report readers may read of one mail's attachments "
                        "(blank and non-goal rows too); more: parse_budget_exceeded"),
    "INTAKE_MAX_DEPTH": (10, "levels of multiparts and forwarded messages a mail may nest "
                         "(at most 100); deeper: parse_budget_exceeded"),
    "INTAKE_PARSE_SECONDS": (5.0, "seconds a worker may take to parse one mail; longer: the "
                             "worker is ended and the mail quarantined as "
                             "parse_budget_exceeded"),
    "INTAKE_REQUIRE_DMARC": (False, "quarantine mail without dmarc=pass from INTAKE_AUTHSERV_ID"),
    "INTAKE_AUTHSERV_ID": ("", "our receiving server's id in Authentication-Results"),
    "INTAKE_AUTHRESULTS": ("rfc8601", "how our receiving server writes Authentication-Results: "
                           "rfc8601 (led by INTAKE_AUTHSERV_ID) or microsoft365 (Exchange "
                           "Online: no id; its topmost header counts)"),
    # SMTP receipts
    "SMTP_HOST": ("127.0.0.1", "server that sends receipts"),
    "SMTP_PORT": (25, "SMTP port"),
    "SMTP_SECURITY": ("starttls", "ssl, starttls or none"),
    "SMTP_AUTH": ("password", "password (SMTP_USERNAME and SMTP_PASSWORD; no login when the "
                  "username is empty) or xoauth2 (the OAUTH2_* client credentials; Microsoft "
                  "365)"),
    "SMTP_USERNAME": ("", "SMTP user (empty: no login); with xoauth2 the mailbox to send as"),
    "SMTP_PASSWORD": ("", "SMTP password"),
    "SMTP_OAUTH2_SCOPE": ("https://outlook.office365.com/.default",
                          "OAuth2 scope of the token for SMTP XOAUTH2"),
    "SMTP_TIMEOUT": (30.0, "seconds for SMTP"),
    "SMTP_CA_FILE": ("", "extra CA bundle to trust for the SMTP server"),
    "MAIL_FROM": ("mrp@localhost", "our address: receipts come from it, mail from it is ignored"),
    "INTAKE_ADDRESS": ("", "the intake mailbox's address, named in every receipt and answer "
                       "as where to send a (corrected) report; empty: REMINDER_REPLY_TO, "
                       "else IMAP_USERNAME when it is an address, else MAIL_FROM"),
    "CONTACT": ("", "how to reach a person, named in every receipt and answer (e.g. "
                "mrp-support@skm.dk); empty: WEB_ACCESS_CONTACT, else the intake address"),
    "FOLLOWUP_GRACE_DAYS": (30, "days after a period's end before its report is late"),
    # reminders (`mrp reminders send`)
    "REMINDER_DAYS_BEFORE": (14, "days before a report's due date the upcoming reminder goes"),
    "REMINDER_REPLY_TO": ("", "Reply-To of reminders (the intake mailbox); empty: MAIL_FROM"),
    "REVIEW_REMINDER_DAYS": (14, "days after a report came, not reviewed, before the "
                             "department's people of the ministry get one reminder"),
    "WEB_BASE_URL": ("", "the dashboard's address as people open it (e.g. "
                     "https://mrp.fm.dk), for the links in mails; empty: a mail names the "
                     "page's path"),
}


def _convert(value: str, default: Any) -> Any:
    if isinstance(default, bool):
        return value.strip().lower() in {"1", "true", "yes", "on"}
    if isinstance(default, int):
        return int(value)
    if isinstance(default, float):
        return float(value)
    return value


def load(environ: Mapping[str, str] | None = None) -> dict[str, Any]:
    """Defaults overridden by ``MRP_*`` environment variables."""
    environ = os.environ if environ is None else environ
    values: dict[str, Any] = {}
    for name, (default, _comment) in SETTINGS.items():
        raw = environ.get(PREFIX + name)
        values[name] = default if raw is None else _convert(raw, default)
    return values


def markdown_table() -> str:
    """The settings as a Markdown table (the README's configuration section)."""
    rows = ["| variable | default | what |", "|---|---|---|"]
    for name, (default, comment) in SETTINGS.items():
        shown = "" if default in (None, "") else f"`{default}`"
        rows.append(f"| `{PREFIX}{name}` | {shown} | {comment} |")
    return "\n".join(rows)


if __name__ == "__main__":  # python -m service.config > table.md
    print(markdown_table())

"""The intake's settings, read from the app config: one or several mailboxes, and the
options of processing mail. SMTP's are :func:`service.mail.settings.smtp`."""

from __future__ import annotations

import json
import os
import ssl
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from service.intake.authresults import STYLES
from service.intake.budget import DEFAULT_BUDGET, ParseBudget
from service.intake.imap_connection import ImapSettings
from service.intake.parse import ParseSettings
from service.intake.rawmail import MAX_PARSE_DEPTH
from service.mail.settings import contact, intake_address, oauth2_settings


@dataclass(frozen=True)
class IntakeOptions:
    max_message_bytes: int
    max_attachment_bytes: int
    require_dmarc: bool
    authserv_id: str
    mail_from: str
    #: how our receiving server writes Authentication-Results (``authresults.STYLES``)
    authresults: str = "rfc8601"
    receipt_attempts: int = 5
    #: named in receipts and answers: where to send a corrected report, whom to ask
    intake_address: str = ""
    contact: str = ""
    #: processes that parse fetched mails (1: inline, no pool); see ``service.intake.pool``
    workers: int = 1
    budget: ParseBudget = DEFAULT_BUDGET

    @property
    def parse_settings(self) -> ParseSettings:
        return ParseSettings(self.max_attachment_bytes, self.budget)


def cores() -> int:
    """The cores this process may run on."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def _context(ca_file: str) -> ssl.SSLContext | None:
    return ssl.create_default_context(cafile=ca_file) if ca_file else None


def mailbox_key(settings: ImapSettings) -> str:
    """The stable name of a mailbox in the database: ``user@host:port/folder``."""
    return f"{settings.username}@{settings.host}:{settings.port}/{settings.folder}"


def _mailbox(config: Mapping[str, Any], overrides: Mapping[str, Any]) -> ImapSettings:
    def get(name: str) -> Any:
        return overrides.get(name.lower(), config.get(f"IMAP_{name}"))

    oauth2 = None
    auth = get("AUTH") or "password"
    if auth == "xoauth2":
        oauth2 = oauth2_settings(config, config["OAUTH2_SCOPE"], overrides)
    return ImapSettings(
        host=get("HOST"),
        port=int(get("PORT")),
        username=get("USERNAME"),
        password=get("PASSWORD"),
        security=get("SECURITY"),
        folder=get("FOLDER"),
        processed=overrides.get("processed", config["IMAP_PROCESSED_FOLDER"]),
        quarantine=overrides.get("quarantine", config["IMAP_QUARANTINE_FOLDER"]),
        ignored=overrides.get("ignored", config["IMAP_IGNORED_FOLDER"]),
        timeout=float(get("TIMEOUT")),
        auth=auth,
        oauth2=oauth2,
        batch_size=int(overrides.get("batch_size", config["IMAP_BATCH_SIZE"])),
        ssl_context=config.get("IMAP_SSL_CONTEXT") or _context(get("CA_FILE") or ""),
    )


def mailboxes(config: Mapping[str, Any]) -> list[ImapSettings]:
    """``MRP_IMAP_*`` is one mailbox; ``MRP_INTAKE_MAILBOXES`` (a JSON list of objects with
    the same keys in lower case: host, port, username, password, folder, …) adds more, each
    key defaulting to the ``MRP_IMAP_*`` value."""
    extra = config.get("INTAKE_MAILBOXES") or ""
    if isinstance(extra, str):
        extra = json.loads(extra) if extra.strip() else []
    if extra:
        return [_mailbox(config, item) for item in extra]
    return [_mailbox(config, {})]


def options(config: Mapping[str, Any]) -> IntakeOptions:
    style = str(config["INTAKE_AUTHRESULTS"]).strip().lower()
    if style not in STYLES:
        raise ValueError(
            f"MRP_INTAKE_AUTHRESULTS must be one of {', '.join(STYLES)}, not {style!r}"
        )
    return IntakeOptions(
        max_message_bytes=int(config["INTAKE_MAX_MESSAGE_BYTES"]),
        max_attachment_bytes=int(config["INTAKE_MAX_ATTACHMENT_BYTES"]),
        require_dmarc=bool(config["INTAKE_REQUIRE_DMARC"]),
        authserv_id=config["INTAKE_AUTHSERV_ID"],
        mail_from=config["MAIL_FROM"],
        authresults=style,
        intake_address=intake_address(config),
        contact=contact(config),
        workers=int(config["INTAKE_WORKERS"]) or cores(),
        budget=ParseBudget(
            max_cells=int(config["INTAKE_MAX_CELLS"]),
            max_rows=int(config["INTAKE_MAX_ROWS"]),
            max_depth=min(int(config["INTAKE_MAX_DEPTH"]), MAX_PARSE_DEPTH),
            seconds=float(config["INTAKE_PARSE_SECONDS"]),
        ),
    )

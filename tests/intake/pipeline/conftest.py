"""The DST plan the mail corpus reports on, mails built to order, and the poll; the app,
its IMAP and SMTP servers and the ``mailbox`` client come from ``tests/intake/conftest.py``."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.support.factories import build_dst_plan

CORPUS = Path(__file__).resolve().parents[2] / "fixtures" / "mail"


@pytest.fixture
def dst_plan(client, admin) -> dict[str, Any]:
    return build_dst_plan(client, admin)


def corpus(name: str) -> bytes:
    return (CORPUS / name).read_bytes()


def report_mail(
    sender: str = "opfoelgning@dst.dk",
    subject: str = "[DST-2026] Opfølgning 2026-H1",
    *,
    attachment: bytes | None = None,
    filename: str = "rapport.json",
    content_type: str = "application/json",
    message_id: str | None = None,
    body: str = "Rapporten er vedhæftet.\n",
) -> bytes:
    """A report mail like the corpus's, built here; ``attachment=None`` for none at all."""
    from email.message import EmailMessage
    from email.utils import make_msgid

    msg = EmailMessage()
    msg["From"] = sender
    msg["To"] = "opfoelgning@mrp.example"
    msg["Subject"] = subject
    msg["Date"] = "Wed, 01 Jul 2026 09:15:00 +0200"
    msg["Message-ID"] = message_id or make_msgid(domain="dst.dk")
    msg.set_content(body)
    if attachment is not None:
        maintype, _, subtype = content_type.partition("/")
        msg.add_attachment(attachment, maintype=maintype, subtype=subtype, filename=filename)
    return msg.as_bytes(policy=msg.policy.clone(linesep="\r\n"))


def json_report(plan: str | None = "DST-2026", period: str | None = "2026-H1",
                goals: list[dict[str, Any]] | None = None, **top: Any) -> bytes:
    """A JSON report; by default M1–M3 as in the corpus, without findings of note."""
    import json

    doc: dict[str, Any] = {**top}
    if plan is not None:
        doc["plan"] = plan
    if period is not None:
        doc["period"] = period
    doc["goals"] = goals if goals is not None else [
        {"goal": "M1", "status": "on_track", "value": 35, "progress": 50},
        {"goal": "M2", "status": "on_track", "value": 93.5, "progress": 40},
        {"goal": "M3", "status": "on_track", "progress": 60},
    ]
    return json.dumps(doc, ensure_ascii=False).encode("utf-8")


def folder_counts(mailbox, *folders: str) -> dict[str, int]:
    """How many mails each folder holds (the mailbox client's own view)."""
    counts = {}
    for folder in folders:
        mailbox.select(folder)
        counts[folder] = len(mailbox.uids())
    return counts


@pytest.fixture
def poll(runner):
    """``poll()`` runs ``mrp intake poll --once`` and returns its output; it must succeed."""

    def run() -> str:
        result = runner.invoke(args=["intake", "poll", "--once"])
        assert result.exit_code == 0, result.output
        return result.output

    return run

"""Faults against real servers: the poller killed, the connection dropped, the database gone,
the mailbox's UIDVALIDITY changed, a message that breaks the parser, two pollers at once.

Every test ends with :func:`check_consistency`: each mail is in exactly one final folder (or
still in the intake folder, for the next run), each stored message is in exactly one state,
each accepted or rejected message has exactly one follow-up, and nothing is lost.
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from tests.support.factories import build_dst_plan

ROOT = Path(__file__).resolve().parents[3]
CORPUS = ROOT / "tests" / "fixtures" / "mail"
MRP = Path(sys.executable).with_name("mrp")

FOLDERS = ("INBOX", "Processed", "Quarantine", "Ignored")
FOLDER_OF = {"accepted": "Processed", "rejected": "Processed", "quarantined": "Quarantine",
             "ignored": "Ignored"}

#: corpus mails of every kind, with the state each reaches
MIX: dict[str, str] = {
    "xlsx-template.eml": "accepted",
    "csv-latin1.eml": "accepted",
    "csv-reply.eml": "accepted",
    "json-report.eml": "accepted",
    "inline-json.eml": "accepted",
    "winmail.eml": "accepted",
    "auto-reply.eml": "ignored",
    "bounce.eml": "ignored",
    "no-mime.eml": "quarantined",
    "missing-headers.eml": "quarantined",
}


def corpus(name: str) -> bytes:
    return (CORPUS / name).read_bytes()


def sha(raw: bytes) -> str:
    return hashlib.sha256(raw).hexdigest()


def json_mail(n: int, *, subject: str | None = None, comment: str = "Følger planen.",
              first_goal: str = "M1") -> bytes:
    """Report mail number ``n`` for DST-2026 2026-H1 (a distinct Message-ID, so distinct
    bytes): each is accepted and supersedes the one before."""
    msg = EmailMessage()
    msg["From"] = "DST Opfølgning <opfoelgning@dst.dk>"
    msg["To"] = "opfoelgning@mrp.example"
    msg["Subject"] = subject if subject is not None else f"[DST-2026] Opfølgning 2026-H1 nr. {n}"
    msg["Date"] = "Wed, 01 Jul 2026 09:15:00 +0200"
    msg["Message-ID"] = f"<fault-{n}@dst.dk>"
    msg.set_content("Rapporten er vedhæftet.\n")
    report = {"plan": "DST-2026", "period": "2026-H1", "goals": [
        {"goal": first_goal, "status": "on_track", "value": 35 + n % 7, "progress": 50,
         "comment": comment},
        {"goal": "M2", "status": "at_risk", "value": 93.5, "progress": 40},
        {"goal": "M3", "status": "achieved", "progress": 100},
    ]}
    msg.add_attachment(json.dumps(report, ensure_ascii=False).encode(), maintype="application",
                       subtype="json", filename="rapport.json")
    msg.set_boundary(f"fault-boundary-{n}")  # the same bytes every time
    return msg.as_bytes(policy=msg.policy.clone(linesep="\r\n"))


@pytest.fixture
def dst_plan(client, admin) -> dict[str, Any]:
    plan = build_dst_plan(client, admin)
    from service.extensions import db

    db.session.remove()  # nothing held open while a subprocess writes
    return plan


@pytest.fixture
def poll(runner):
    """``poll()`` runs ``mrp intake poll --once`` in-process: (exit code, output)."""

    def run() -> tuple[int, str]:
        result = runner.invoke(args=["intake", "poll", "--once"])
        return result.exit_code, result.output

    return run


# -- the poller in a subprocess -------------------------------------------------------------


def poller_environment(database_url: str, account, smtp_server, certificate) -> dict[str, str]:
    """Environment for ``mrp intake poll --once`` in a subprocess."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("MRP_")}
    env.update({
        "MRP_DATABASE_URL": database_url,
        "MRP_SECRET_KEY": "test-secret",
        "MRP_IMAP_HOST": account.host,
        "MRP_IMAP_PORT": str(account.ports["ssl"]),
        "MRP_IMAP_USERNAME": account.username,
        "MRP_IMAP_PASSWORD": account.password,
        "MRP_IMAP_SECURITY": "ssl",
        "MRP_IMAP_CA_FILE": str(certificate.cert),
        "MRP_IMAP_TIMEOUT": "10",
        "MRP_SMTP_HOST": smtp_server.host,
        "MRP_SMTP_PORT": str(smtp_server.port),
        "MRP_SMTP_SECURITY": "none",
        "MRP_MAIL_FROM": "opfoelgning@mrp.example",
        "PYTHONPATH": str(ROOT),
    })
    return env


@pytest.fixture
def poller_env(app, imap_account, smtp_server, mail_certificate) -> dict[str, str]:
    """The same database, mailbox and SMTP server as the test's app."""
    return poller_environment(app.config["DATABASE_URL"], imap_account, smtp_server,
                              mail_certificate)


@dataclass
class Finished:
    returncode: int
    stdout: str
    stderr: str


def run_poller(env: dict[str, str], *hook: str, timeout: float = 90) -> Finished:
    """``mrp intake poll --once``; with ``hook`` (see :mod:`tests.intake.faults.hooks`), the
    same command with a fault injected."""
    if hook:
        args = [sys.executable, "-m", "tests.intake.faults.hooks", *hook]
    else:
        args = [str(MRP), "intake", "poll", "--once"]
    done = subprocess.run(args, env=env, cwd=ROOT, capture_output=True, text=True,
                          timeout=timeout, stdin=subprocess.DEVNULL)
    return Finished(done.returncode, done.stdout, done.stderr)


def start_poller(env: dict[str, str], *hook: str) -> subprocess.Popen[str]:
    args = ([sys.executable, "-m", "tests.intake.faults.hooks", *hook] if hook
            else [str(MRP), "intake", "poll", "--once"])
    return subprocess.Popen(args, env=env, cwd=ROOT, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, stdin=subprocess.DEVNULL)


# -- what the mailbox and the database hold -------------------------------------------------


def folder_contents(mailbox, folders: Iterable[str] = FOLDERS) -> dict[str, list[str]]:
    """Folder → sha256 of each mail in it."""
    contents: dict[str, list[str]] = {}
    mailbox.ensure_folders()  # where the poller never got as far as creating them
    for folder in folders:
        mailbox.select(folder)
        contents[folder] = [sha(raw) for _uid, raw in mailbox.fetch(mailbox.uids())]
    return contents


def append_all(mailbox, raws: Iterable[bytes], folder: str = "INBOX") -> None:
    for raw in raws:
        mailbox.append(folder, raw)


@dataclass
class Snapshot:
    folders: dict[str, list[str]]
    states: dict[str, str]  # sha256 → state
    followups: int
    receipts_pending: int
    receipts_sent: int = 0


def check_consistency(
    mailbox, raws: Iterable[bytes], *, complete: bool, copies_allowed: bool = False,
    intake: str = "INBOX",
) -> Snapshot:
    """The invariants every fault must leave intact. ``complete``: the intake folder is
    empty and every message final (after the run that finishes the job)."""
    from service.domain.models import FollowUp, InboundMessage
    from service.extensions import db

    wanted = [sha(raw) for raw in raws]
    folders = folder_contents(mailbox, (intake, *FOLDERS[1:]))
    where: dict[str, set[str]] = {}
    for folder, digests in folders.items():
        counted = Counter(digests)
        for digest, n in counted.items():
            assert copies_allowed or n == 1, f"{digest[:12]} is {n} times in {folder}"
            where.setdefault(digest, set()).add(folder)
    for digest in wanted:
        assert digest in where, f"mail {digest[:12]} lost: in no folder"
        assert len(where[digest]) == 1, f"mail {digest[:12]} in {sorted(where[digest])}"

    db.session.remove()
    messages = list(db.session.scalars(select(InboundMessage)))
    by_sha = Counter(m.sha256 for m in messages)
    assert all(n == 1 for n in by_sha.values()), "a mail stored twice"
    states = {m.sha256: m.state for m in messages if m.sha256}
    for digest in wanted:
        folder = next(iter(where[digest]))
        state = states.get(digest)
        if folder == intake:
            assert not complete, f"mail {digest[:12]} still in INBOX ({state})"
        else:
            assert state is not None, f"mail {digest[:12]} moved but never stored"
            assert FOLDER_OF[state] == folder, f"{state} mail in {folder}"
    for m in messages:
        assert m.state in {"received", *FOLDER_OF}, m.state
        if complete:
            assert m.state != "received", f"message {m.id} left received"

    followups = list(db.session.scalars(select(FollowUp)))
    per_message = Counter(f.inbound_message_id for f in followups)
    for m in messages:
        expected = 1 if m.state in {"accepted", "rejected"} else 0
        assert per_message.get(m.id, 0) == expected, (
            f"message {m.id} ({m.state}) has {per_message.get(m.id, 0)} follow-ups")
        if expected:
            assert m.followup_id is not None
            assert db.session.get(FollowUp, m.followup_id).inbound_message_id == m.id
    assert sum(per_message.values()) == len(followups), "a follow-up without its message"
    pending = sum(1 for m in messages if m.receipt_state == "pending")
    sent = sum(1 for m in messages if m.receipt_state == "sent")
    db.session.remove()
    return Snapshot(folders, states, len(followups), pending, sent)


def final_states(raws: dict[str, bytes]) -> dict[str, str]:
    """Name → state, from the database."""
    from service.domain.models import InboundMessage
    from service.extensions import db

    db.session.remove()
    rows = {m.sha256: m.state for m in db.session.scalars(select(InboundMessage))}
    db.session.remove()
    return {name: rows.get(sha(raw), "-") for name, raw in raws.items()}


@pytest.fixture
def mixed() -> Iterator[dict[str, bytes]]:
    """Name → raw bytes: the corpus mix and a few more JSON reports."""
    raws = {name: corpus(name) for name in MIX}
    raws.update({f"json-{n}": json_mail(n) for n in range(1, 5)})
    yield raws


def expected_mixed() -> dict[str, str]:
    return {**MIX, **{f"json-{n}": "accepted" for n in range(1, 5)}}

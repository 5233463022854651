"""Inbound messages of every state and reason, decided by the real pipeline from raw mails
(without an IMAP server: the pipeline starts from the stored raw bytes, as reprocessing does),
on top of the ``world`` of ``tests.support.factories.build_world``: SKM (UFST, MST) and FM
(DST), DST's plan approved, the others drafts.

Each kind says who may see the message: ``"admin"``, the ministries whose department does
(``"SKM"``, ``"FM"``) and the institutions (``"UFST"``, ``"MST"``, ``"DST"``). That is the
rule of docs/operations.md ("Who sees which mail") written out case by case.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from email.message import EmailMessage
from importlib import import_module
from typing import Any

import pytest
from flask import current_app
from flask.testing import FlaskClient

from tests.support.factories import ok

ADDRESS = {"UFST": "opfoelgning@ufst.dk", "MST": "mrp@motorst.dk", "DST": "opfoelgning@dst.dk"}
#: the viewers a test can be signed in as, besides ``admin``
DEPARTMENTS = ("SKM", "FM")
INSTITUTIONS = ("UFST", "MST", "DST")
MINISTRY_OF = {"UFST": "SKM", "MST": "SKM", "DST": "FM"}


def report(plan: str | None, period: str = "2026-H1") -> bytes:
    doc: dict[str, Any] = {"period": period, "goals": [
        {"goal": "M1", "status": "on_track", "value": 35, "progress": 50, "comment": "Fint."}]}
    if plan is not None:
        doc["plan"] = plan
    return json.dumps(doc).encode()


def mail(sender: str, subject: str, attachment: bytes | None = None, *,
         filename: str = "rapport.json", headers: dict[str, str] | None = None,
         n: int = 0) -> bytes:
    msg = EmailMessage()
    msg["From"] = sender
    msg["To"] = "opfoelgning@mrp.example"
    msg["Subject"] = subject
    msg["Date"] = "Wed, 01 Jul 2026 09:15:00 +0200"
    msg["Message-ID"] = f"<kind-{n}@{sender.partition('@')[2] or 'example.org'}>"
    for name, value in (headers or {}).items():
        msg[name] = value
    msg.set_content("Rapporten er vedhæftet.\n")
    if attachment is not None:
        msg.add_attachment(attachment, maintype="application", subtype="json",
                           filename=filename)
    return msg.as_bytes(policy=msg.policy.clone(linesep="\r\n"))


@dataclass(frozen=True)
class Kind:
    """One kind of message: how it is made, the state and reason the pipeline gives it, and
    who sees it."""

    name: str
    raw: Callable[[int], bytes]
    state: str
    reason: str | None
    seen_by: frozenset[str]
    options: dict[str, Any] = field(default_factory=dict)
    #: the name of a function the pipeline calls, made to raise while it decides this one
    #: (``parse.parse_message``: in ``service.intake.parse``)
    breaks: str | None = None
    decide: bool = True


def _kinds() -> list[Kind]:
    fm, skm = frozenset({"admin", "FM"}), frozenset({"admin", "SKM"})
    admin = frozenset({"admin"})
    dst, ufst, mst = ADDRESS["DST"], ADDRESS["UFST"], ADDRESS["MST"]
    return [
        Kind("received", lambda n: mail(dst, "[DST-2026] 2026-H1", report("DST-2026"), n=n),
             "received", None, admin, decide=False),
        Kind("accepted", lambda n: mail(dst, "[DST-2026] 2026-H1", report("DST-2026"), n=n),
             "accepted", None, fm | {"DST"}),
        Kind("rejected (a draft plan)",
             lambda n: mail(ufst, "[UFST-2026] 2026-H1", report("UFST-2026"), n=n),
             "rejected", None, skm | {"UFST"}),
        # a sender registered nowhere: the plan its subject names is its ministry's to see
        # (its department may register the address); naming none, the admin's only
        Kind("unknown_sender (naming a plan)",
             lambda n: mail("ukendt@example.org", "[DST-2026]", report("DST-2026"), n=n),
             "quarantined", "unknown_sender", fm),
        Kind("unknown_sender (naming another ministry's plan)",
             lambda n: mail("ukendt@example.org", "[UFST-2026] 2026-H1", report("UFST-2026"),
                            n=n),
             "quarantined", "unknown_sender", skm),
        Kind("unknown_sender (naming no plan that exists)",
             lambda n: mail("ukendt@example.org", "[DST-2099]", report("DST-2099"), n=n),
             "quarantined", "unknown_sender", admin),
        Kind("unknown_sender (naming none)",
             lambda n: mail("ukendt@example.org", "Opfølgning", report("DST-2026"), n=n),
             "quarantined", "unknown_sender", admin),
        Kind("not_authenticated",
             lambda n: mail(dst, "[DST-2026] 2026-H1", report("DST-2026"), n=n),
             "quarantined", "not_authenticated", admin,
             options={"require_dmarc": True, "authserv_id": "mx.mrp.example"}),
        Kind("sender_not_authorized (another ministry's plan)",
             lambda n: mail(ufst, "[DST-2026] 2026-H1", report("DST-2026"), n=n),
             "quarantined", "sender_not_authorized", fm),
        Kind("sender_not_authorized (a sibling's plan)",
             lambda n: mail(ufst, "[MST-2026] 2026-H1", report("MST-2026"), n=n),
             "quarantined", "sender_not_authorized", skm),
        Kind("unknown_plan (none such)",
             lambda n: mail(ufst, "[UFST-2099] 2026-H1", report("UFST-2099"), n=n),
             "quarantined", "unknown_plan", skm | {"UFST"}),
        Kind("unknown_plan (none named)",
             lambda n: mail(mst, "Opfølgning 2026-H1", report(None), n=n),
             "quarantined", "unknown_plan", skm | {"MST"}),
        Kind("no_report", lambda n: mail(mst, "[MST-2026] 2026-H1", None, n=n),
             "quarantined", "no_report", skm | {"MST"}),
        Kind("unreadable_report",
             lambda n: mail(dst, "[DST-2026] 2026-H1", b'{"plan": "DST-2026", "goals": [',
                            n=n),
             "quarantined", "unreadable_report", fm | {"DST"}),
        Kind("too_large (an attachment)",
             lambda n: mail(dst, "[DST-2026] 2026-H1", report("DST-2026") + b" " * 2000, n=n),
             "quarantined", "too_large", fm | {"DST"},
             options={"max_attachment_bytes": 1000}),
        Kind("too_large (the mail)",
             lambda n: mail(dst, "[DST-2026] 2026-H1", report("DST-2026"), n=n),
             "quarantined", "too_large", admin, options={"max_message_bytes": 100}),
        Kind("internal_error (recording the follow-up)",
             lambda n: mail(dst, "[DST-2026] 2026-H2", report("DST-2026", "2026-H2"), n=n),
             "quarantined", "internal_error", fm | {"DST"}, breaks="record_followup"),
        Kind("internal_error (parsing the mail)",
             lambda n: mail(ufst, "[UFST-2026] 2026-H1", report("UFST-2026"), n=n),
             "quarantined", "internal_error", admin, breaks="parse.parse_message"),
        Kind("ignored (auto_reply)",
             lambda n: mail(dst, "Automatisk svar: [DST-2026]", None, n=n,
                            headers={"Auto-Submitted": "auto-replied"}),
             "ignored", "auto_reply", admin),
        Kind("ignored (bounce)",
             lambda n: mail("mailer-daemon@dst.dk", "Undelivered Mail", None, n=n),
             "ignored", "bounce", admin),
        Kind("ignored (own_address)",
             lambda n: mail(current_app.config["MAIL_FROM"], "[DST-2026]", None, n=n),
             "ignored", "own_address", admin),
    ]


KINDS = _kinds()
#: every reason the pipeline gives, so a new one is not left out of the matrix
REASONS = {"unknown_sender", "not_authenticated", "sender_not_authorized", "unknown_plan",
           "no_report", "unreadable_report", "too_large", "internal_error", "auto_reply",
           "bounce", "own_address"}


def _broken(*args: Any, **kwargs: Any) -> Any:
    raise RuntimeError("a bug in the pipeline")


def build_messages(client: FlaskClient, admin: dict[str, str], world: dict[str, Any],
                   monkeypatch: pytest.MonkeyPatch) -> dict[str, int]:
    """Kind name → message id, every message decided (or left received) by the pipeline.
    DST's plan is approved first (an accepted report needs it)."""
    from service.domain.models import InboundMessage
    from service.extensions import db
    from service.intake import pipeline
    from service.intake import settings as intake_settings

    ok(client.post(f"/api/v1/plans/{world['plans']['DST']['id']}/approve", headers=admin))
    opts = intake_settings.options(current_app.config)
    ids: dict[str, int] = {}
    for n, kind in enumerate(KINDS, start=1):
        raw = kind.raw(n)
        msg = InboundMessage(mailbox="INBOX", uidvalidity=1, uid=n, size=len(raw), raw=raw,
                             sha256=hashlib.sha256(raw).hexdigest(), state="received")
        db.session.add(msg)
        db.session.commit()
        if kind.decide:
            with monkeypatch.context() as patch:
                if kind.breaks:
                    where, _, name = kind.breaks.rpartition(".")
                    module = import_module(f"service.intake.{where}") if where else pipeline
                    patch.setattr(module, name, _broken)
                pipeline.process(msg, dataclasses.replace(opts, **kind.options))
        db.session.refresh(msg)
        assert (msg.state, msg.reason) == (kind.state, kind.reason), (kind.name, msg.detail)
        ids[kind.name] = msg.id
    db.session.remove()
    return ids


def viewer(role: str, scope: str | None) -> str:
    """``admin``, a ministry code for a department, an institution code for an
    institution: as ``Kind.seen_by`` names them."""
    return "admin" if role == "admin" else str(scope)


#: (role, scope) of everyone the matrices sign in as
VIEWERS = [("admin", None)] + [("department", m) for m in DEPARTMENTS] + [
    ("institution", i) for i in INSTITUTIONS]


def token_scope(role: str, scope: str | None) -> dict[str, str]:
    if role == "department":
        return {"ministry": str(scope)}
    if role == "institution":
        return {"institution": str(scope)}
    return {}


#: plan references a viewer never reads anywhere in its list of messages: those of other
#: ministries' plans, and for an institution those of other institutions' plans
NEVER_SEES = {
    "SKM": {"DST-2026"},
    "FM": {"UFST-2026", "MST-2026", "UFST-2099"},
    "UFST": {"DST-2026", "MST-2026"},
    "MST": {"DST-2026", "UFST-2026", "UFST-2099"},
    "DST": {"UFST-2026", "MST-2026", "UFST-2099"},
    "admin": set(),
}


def decided(raw: bytes, state: str = "quarantined", reason: str | None = "no_report",
            **options: Any) -> int:
    """The id of a message stored from ``raw`` and decided by the pipeline (with
    ``options`` replacing the intake's settings), which must reach ``state`` and ``reason``."""
    from service.domain.models import InboundMessage
    from service.extensions import db
    from service.intake import pipeline
    from service.intake import settings as intake_settings

    msg = InboundMessage(mailbox="INBOX", uidvalidity=1, size=len(raw), raw=raw,
                         sha256=hashlib.sha256(raw).hexdigest(), state="received")
    db.session.add(msg)
    db.session.commit()
    opts = dataclasses.replace(intake_settings.options(current_app.config), **options)
    pipeline.process(msg, opts)
    assert (msg.state, msg.reason) == (state, reason), msg.detail
    message_id = msg.id
    db.session.remove()
    return message_id

"""The demo tokens of ``mrp local``, the same after a restart.

Their secrets are kept in the instance folder (``demo-tokens.json``, readable by its owner
only), which only ``mrp local`` writes and reads, and re-used while the database still holds
them active with the same name and role; a missing or unusable one is made anew, and every
other ``demo …`` token is revoked. Nowhere else is a secret kept: ``mrp tokens create``
shows a secret once and stores only its hash.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from sqlalchemy import select

from service.clock import utcnow
from service.domain.models import ApiToken
from service.domain.tokens import authenticate, create_token
from service.extensions import db

FILE_NAME = "demo-tokens.json"

#: label printed → what the token is
DEMO_TOKENS: dict[str, dict[str, str]] = {
    "admin": {"role": "admin", "name": "demo admin"},
    "department SKM": {"role": "department", "name": "demo department", "ministry": "SKM"},
    "institution UFST": {"role": "institution", "name": "demo institution",
                         "institution": "UFST"},
}


def _kept(path: Path) -> dict[str, Any]:
    try:
        kept = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return kept if isinstance(kept, dict) else {}


def _save(path: Path, tokens: dict[str, str]) -> None:
    part = path.with_name(path.name + ".part")
    fd = os.open(part, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as out:
        json.dump(tokens, out, indent=2)
    os.replace(part, path)


def demo_tokens(instance: Path) -> dict[str, str]:
    """label → secret of the demo tokens, re-used from the last run where they still work."""
    path = instance / FILE_NAME
    kept = _kept(path)
    tokens: dict[str, str] = {}
    keep: set[int] = set()
    for label, spec in DEMO_TOKENS.items():
        secret = kept.get(label)
        actor = authenticate(secret) if isinstance(secret, str) else None
        if actor is None or actor.name != spec["name"] or actor.role.value != spec["role"]:
            token, secret = create_token(**spec)
            keep.add(token.id)
        else:
            keep.add(int(actor.token_id))  # type: ignore[arg-type]
        tokens[label] = str(secret)
    for token in db.session.scalars(
        select(ApiToken).where(ApiToken.name.like("demo %"), ApiToken.revoked_at.is_(None),
                               ApiToken.id.not_in(keep))
    ):
        token.revoked_at = utcnow()
    db.session.commit()
    _save(path, tokens)
    return tokens

"""`mrp local`'s demo tokens: the same after a restart while the database still holds them,
made anew when it does not, and no other demo token left working."""

from __future__ import annotations

import json
from pathlib import Path

from flask import Flask

from service.domain.demo import load_demo
from service.domain.tokens import authenticate, create_token, revoke_token
from service.local.tokens import demo_tokens


def test_demo_tokens_are_kept_and_renewed_when_they_no_longer_work(
        app: Flask, tmp_path: Path) -> None:
    load_demo(activity=False)
    _stray, stray_secret = create_token(role="admin", name="demo admin (old)")
    first = demo_tokens(tmp_path)
    assert set(first) == {"admin", "department SKM", "institution UFST"}
    assert all(authenticate(secret) for secret in first.values())
    assert authenticate(stray_secret) is None  # an earlier run's demo tokens are revoked
    assert json.loads((tmp_path / "demo-tokens.json").read_text()) == first

    assert demo_tokens(tmp_path) == first  # a restart with the same instance folder

    revoke_token(authenticate(first["admin"]).token_id)
    second = demo_tokens(tmp_path)
    assert second["admin"] != first["admin"] and authenticate(second["admin"])
    assert {k: v for k, v in second.items() if k != "admin"} == {
        k: v for k, v in first.items() if k != "admin"}

    (tmp_path / "demo-tokens.json").write_text("not json")
    third = demo_tokens(tmp_path)
    assert set(third.values()).isdisjoint(second.values())
    assert not any(authenticate(secret) for secret in second.values())

"""Every route under /api/v1, every method it allows, fed malformed bodies and odd ids:
never a 500, never HTML, every error as application/problem+json."""

from __future__ import annotations

import json
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

PROBLEM = "application/problem+json"
WRONG_TYPES = {
    "code": 7, "name": ["x"], "title": {"a": 1}, "ministry": 3, "institution": [],
    "period_start": "next year", "period_end": 2.5, "top_manager": "boss",
    "followup_cadence": 1, "task_type": {}, "goal_type": 4, "nature": None,
    "indicators": "none", "milestones": {"a": 1}, "reason": 12, "settings": "x",
    "severity": [], "reporting_addresses": "a@b.dk", "deadline": 20261231,
    "politically_fixed": "maybe", "period": 2026, "goals": 1,
}
NESTED = "[" * 50_000 + "]" * 50_000
BODIES: list[tuple[str, bytes, str | None]] = [
    ("invalid-json", b'{"code": "SKM",', "application/json"),
    ("array", b'[{"code": "SKM"}]', "application/json"),
    ("number", b"42", "application/json"),
    ("null", b"null", "application/json"),
    ("wrong-types", json.dumps(WRONG_TYPES).encode(), "application/json"),
    ("huge-string", json.dumps({"name": "x" * 1_500_000, "title": "y"}).encode(),
     "application/json"),
    ("deeply-nested", NESTED.encode(), "application/json"),
    ("deeply-nested-object", ('{"a":' * 20_000 + "1" + "}" * 20_000).encode(),
     "application/json"),
    ("wrong-content-type", b'{"code": "SKM", "name": "x"}', "text/plain"),
    ("form-content-type", b"code=SKM&name=x", "application/x-www-form-urlencoded"),
    ("empty-json", b"", "application/json"),
    ("empty", b"", None),
    ("not-utf8", b'{"name": "\xff\xfe"}', "application/json"),
    ("nul-characters", json.dumps({
        "code": "A\x00B", "name": "x\x00", "title": "t\x00", "reason": "r\x00",
        "ministry": "SKM\x00", "institution": "UFST\x00", "period_start": 2026,
        "period_end": 2026, "task_type": "operations\x00", "goal_type": "output",
        "nature": "quantitative", "indicators": [{"name": "\x00"}]}).encode(),
     "application/json"),
]
ODD_INTS = ["0", "999999", "99999999999999999999999999", "abc", "-1", "1.5"]
ODD_STRINGS = ["NOPE", "99999999999999999999999999", "²", "x" * 300, "%00", "..%2F..", "ø"]


def _api_rules(app: Flask) -> list[Any]:
    return [r for r in app.url_map.iter_rules() if r.rule.startswith("/api/v1")]


def _fill(rule: Any, value_for: dict[str, str]) -> str:
    path = rule.rule
    for arg in rule.arguments:
        path = path.replace(f"<int:{arg}>", value_for[arg]).replace(f"<{arg}>", value_for[arg])
    return path


def _paths(rule: Any, world: dict[str, Any]) -> list[str]:
    """The route with in-scope ids first, then with odd ids in each position."""
    plan = world["plans"]["UFST"]
    real = {
        "plan_id": str(plan["id"]), "goal_id": str(world["goals"]["UFST"]["id"]),
        "ident": "UFST" if "institutions" in rule.rule else "SKM", "code": "SKM",
        "name": "builtin", "rule": "plan.top-manager",
    }
    for arg in rule.arguments:
        real.setdefault(arg, "1")
    paths = [_fill(rule, real)]
    for arg in rule.arguments:
        converter = rule._converters[arg].__class__.__name__
        for odd in ODD_INTS if converter == "IntegerConverter" else ODD_STRINGS:
            paths.append(_fill(rule, {**real, arg: odd}))
    return paths


def _check(response: Any, what: str) -> None:
    assert response.status_code < 500, f"{what}: {response.status_code} {response.data[:300]!r}"
    assert response.mimetype != "text/html", what
    if response.status_code >= 400:
        assert response.mimetype == PROBLEM, f"{what}: {response.mimetype}"
        body = response.get_json()
        assert body["status"] == response.status_code, what
        assert {"type", "title", "status", "detail"} <= set(body), what


@pytest.mark.parametrize("role", ["admin", "institution"])
def test_every_route_survives_malformed_input(
    app: Flask, client: FlaskClient, world: dict[str, Any], token: Any, role: str
) -> None:
    headers = token("admin") if role == "admin" else token("institution", institution="UFST")
    rules = _api_rules(app)
    assert len(rules) >= 15
    seen_methods = set()
    for rule in rules:
        methods = sorted(rule.methods - {"HEAD", "OPTIONS"})
        for method in methods:
            seen_methods.add(method)
            for path in _paths(rule, world):
                _check(client.open(path, method=method, headers=headers), f"{method} {path}")
            path = _paths(rule, world)[0]
            if method in {"GET", "DELETE"}:
                continue
            for name, data, content_type in BODIES:
                response = client.open(
                    path, method=method, data=data, content_type=content_type, headers=headers
                )
                _check(response, f"{method} {path} {name}")
    assert {"GET", "POST", "PATCH", "DELETE"} <= seen_methods


def test_query_strings_survive_garbage(
    app: Flask, client: FlaskClient, world: dict[str, Any], admin: dict[str, str]
) -> None:
    queries = [
        "page=abc", "page=0", "page=-1", "page=99999999999999999999", "page_size=0",
        "page_size=99999999999999999999", "year=abc", "year=99999999999999999999",
        "plan=99999999999999999999", "plan=abc", "status=nope", "ministry=" + "x" * 5000,
        "unknown=1", "goal_type=%00", "page=1&page=2", "ministry=%00", "institution=U%00",
        "task_type=%00", "state=%00",
    ]
    for rule in _api_rules(app):
        if "GET" not in rule.methods or rule.arguments:
            continue
        for query in queries:
            response = client.get(f"{rule.rule}?{query}", headers=admin)
            _check(response, f"GET {rule.rule}?{query}")

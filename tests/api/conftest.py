"""Tokens for the three roles, and an approved plan, on top of the ``world`` fixture; and
the check that every error answer is the one the OpenAPI document gives."""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import jsonschema
import pytest
from flask import Flask, Response, request, request_finished
from flask.testing import FlaskClient

from tests.support.factories import ok


@pytest.fixture
def department(token: Callable[..., dict[str, str]], world: dict[str, Any]) -> dict[str, str]:
    """The Skatteministeriet department (UFST and MST)."""
    return token("department", ministry="SKM")


@pytest.fixture
def institution(token: Callable[..., dict[str, str]], world: dict[str, Any]) -> dict[str, str]:
    """UFST."""
    return token("institution", institution="UFST")


@pytest.fixture
def approved(client: FlaskClient, admin: dict[str, str], world: dict[str, Any]) -> dict[str, Any]:
    """UFST's plan, approved by the admin."""
    plan = world["plans"]["UFST"]
    return ok(client.post(f"/api/v1/plans/{plan['id']}/approve", headers=admin))


def problem_of(response: Any, status: int) -> dict[str, Any]:
    """The problem+json body of an error answer with ``status``."""
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.mimetype == "application/problem+json"
    body = response.get_json()
    assert body["status"] == status
    assert body["title"] and body["detail"] and body["type"].startswith("urn:mrp:problem:")
    return body


# --- every error answer is the one the OpenAPI document gives for its operation ------------

HTTP_METHODS = frozenset({"get", "put", "post", "patch", "delete"})
_RULE_PARAMETER = re.compile(r"<(?:[a-z_]+(?:\([^)]*\))?:)?([a-z_]+)>")


@dataclass(frozen=True)
class Answer:
    """An error answer the test received, with the operation it came from."""

    method: str
    path: str  # as the OpenAPI document writes it: /api/v1/plans/{plan_id}
    url: str
    status: int
    mimetype: str
    body: bytes


def _record(answers: list[Answer]) -> Callable[..., None]:
    def record(sender: Flask, response: Response, **_extra: Any) -> None:
        rule = request.url_rule
        method = request.method.lower()
        if response.status_code < 400 or rule is None or method not in HTTP_METHODS:
            return  # a 404 or 405 of no route is no operation's answer
        answers.append(Answer(
            method=method, path=_RULE_PARAMETER.sub(r"{\1}", rule.rule), url=request.full_path,
            status=response.status_code, mimetype=response.mimetype,
            body=response.get_data(),
        ))

    return record


_SPEC: dict[str, Any] = {}


def json_schema(node: Any) -> Any:
    """An OpenAPI 3.0 schema as JSON Schema: ``nullable`` becomes a ``null`` type."""
    if isinstance(node, list):
        return [json_schema(item) for item in node]
    if not isinstance(node, dict):
        return node
    out = {key: json_schema(value) for key, value in node.items() if key != "nullable"}
    if node.get("nullable") is True:
        if isinstance(out.get("type"), str):
            out["type"] = [out["type"], "null"]
            if "enum" in out:
                out["enum"] = [*out["enum"], None]
        else:
            out = {"anyOf": [out, {"type": "null"}]}
    return out


def openapi_document() -> dict[str, Any]:
    """The API's OpenAPI document, as /api/openapi.json serves it (built once), its schemas
    made JSON Schema."""
    if not _SPEC:
        from service.api.extensions import api

        spec = json.loads(json.dumps(api.spec.to_dict()))
        spec["components"]["schemas"] = json_schema(spec["components"]["schemas"])
        _SPEC.update(spec)
    return _SPEC


def _resolve(spec: dict[str, Any], node: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in node:
        target: Any = spec
        for part in node["$ref"].removeprefix("#/").split("/"):
            target = target[part]
        node = target
    return node


def undocumented(answer: Answer, spec: dict[str, Any]) -> str | None:
    """Why ``answer`` is not what the document says its operation answers, or None."""
    operation = spec["paths"].get(answer.path, {}).get(answer.method)
    if operation is None:
        return None  # not an operation of the document (the document itself, Swagger UI)
    what = f"{answer.method.upper()} {answer.url} → {answer.status}"
    responses = operation["responses"]
    documented = responses.get(str(answer.status))
    if documented is None and answer.status >= 500:
        documented = responses.get("default")
    if documented is None:
        return f"{what}: the document gives no {answer.status} for {answer.path}"
    content = _resolve(spec, documented).get("content", {})
    if answer.mimetype not in content:
        return f"{what}: {answer.mimetype} is not documented (only {sorted(content)})"
    schema = content[answer.mimetype].get("schema")
    if schema is None:
        return None
    try:
        body = json.loads(answer.body)
    except ValueError:
        return f"{what}: the body is not JSON: {answer.body[:200]!r}"
    validator = jsonschema.Draft7Validator({**json_schema(schema),
                                            "components": spec["components"]})
    errors = sorted(validator.iter_errors(body), key=str)
    if errors:
        return f"{what}: {errors[0].message} in {body}"
    return None


@pytest.fixture(autouse=True)
def documented_errors() -> Iterator[list[Answer]]:
    """Every error answer a test of the API receives validates against the schema the OpenAPI
    document gives for its operation and status, under its media type."""
    answers: list[Answer] = []
    record = _record(answers)
    request_finished.connect(record)
    try:
        yield answers
    finally:
        request_finished.disconnect(record)
    if answers:
        spec = openapi_document()
        problems = [why for answer in answers if (why := undocumented(answer, spec))]
        assert not problems, "\n".join(problems)

"""/api/openapi.json documents every route, and /api/docs works without a CDN."""

from __future__ import annotations

import re
from typing import Any

from tests.support.factories import ok

HTTP_METHODS = {"get", "put", "post", "delete", "patch", "head", "options", "trace"}


def _openapi_path(rule: str) -> str:
    return re.sub(r"<(?:[a-z_]+(?:\([^)]*\))?:)?([a-z_]+)>", r"{\1}", rule)


def _refs(node: Any) -> list[str]:
    if isinstance(node, dict):
        found = [node["$ref"]] if isinstance(node.get("$ref"), str) else []
        return found + [r for v in node.values() for r in _refs(v)]
    if isinstance(node, list):
        return [r for v in node for r in _refs(v)]
    return []


def _resolve(spec: dict[str, Any], ref: str) -> Any:
    assert ref.startswith("#/"), ref
    node: Any = spec
    for part in ref[2:].split("/"):
        node = node[part.replace("~1", "/").replace("~0", "~")]
    return node


def test_document_is_openapi_3(client):
    response = client.get("/api/openapi.json")
    spec = ok(response)
    assert response.mimetype == "application/json"
    assert re.fullmatch(r"3\.\d+\.\d+", spec["openapi"])
    assert spec["info"]["title"] and spec["info"]["version"] == "v1"
    assert spec["components"]["securitySchemes"]["bearer"] == {
        "type": "http", "scheme": "bearer", "description": "API token"}
    for ref in _refs(spec):
        assert _resolve(spec, ref) is not None, ref
    operation_ids = []
    for path, item in spec["paths"].items():
        assert path.startswith("/"), path
        names = set(re.findall(r"{([^}]+)}", path))
        for method, operation in item.items():
            if method == "parameters":
                continue
            assert method in HTTP_METHODS, (path, method)
            assert operation["responses"], (path, method)
            for status in operation["responses"]:
                assert status == "default" or re.fullmatch(r"[1-5]\d\d", status), status
            declared = {p["name"] for p in [*item.get("parameters", []),
                                            *operation.get("parameters", [])]
                        if p["in"] == "path"}
            assert declared == names, (path, method)
            for parameter in [*item.get("parameters", []), *operation.get("parameters", [])]:
                assert parameter["in"] in {"path", "query", "header", "cookie"}
                assert "schema" in parameter or "content" in parameter
                if parameter["in"] == "path":
                    assert parameter["required"] is True
            if "operationId" in operation:
                operation_ids.append(operation["operationId"])
    assert len(operation_ids) == len(set(operation_ids))


def test_every_route_is_documented(app, client):
    spec = ok(client.get("/api/openapi.json"))
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/api/v1"):
            continue
        path = _openapi_path(rule.rule)
        assert path in spec["paths"], path
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            assert method.lower() in spec["paths"][path], (method, path)


def test_every_operation_declares_bearer_security(client):
    spec = ok(client.get("/api/openapi.json"))
    for path, item in spec["paths"].items():
        for method, operation in item.items():
            if method == "parameters":
                continue
            expected = [] if path == "/api/v1/health" else [{"bearer": []}]
            assert operation.get("security") == expected, (method, path)


def test_schemas_are_in_the_document(client):
    schemas = ok(client.get("/api/openapi.json"))["components"]["schemas"]
    for name in ("Ministry", "Institution", "Plan", "PlanPatch", "Goal", "GoalPatch",
                 "Indicator", "Milestone", "AuditEvent", "Validation", "Finding"):
        assert name in schemas, name
    plan = schemas["Plan"]
    assert set(plan["required"]) == {"institution", "title", "period_start", "period_end"}
    for server_owned in ("id", "reference", "status", "approved_at", "approved_by"):
        assert plan["properties"][server_owned].get("readOnly") is True, server_owned
    assert plan["additionalProperties"] is False
    goal = schemas["Goal"]["properties"]
    assert goal["goal_type"]["enum"] == ["effect", "output", "activity", "quality"]
    assert goal["indicators"]["items"]["$ref"].endswith("/Indicator")


def test_list_endpoints_document_pagination(client):
    spec = ok(client.get("/api/openapi.json"))
    for path in ("/api/v1/plans", "/api/v1/goals", "/api/v1/institutions"):
        names = {p["name"] for p in spec["paths"][path]["get"]["parameters"]}
        assert {"page", "page_size"} <= names, path
        assert "X-Pagination" in str(spec["paths"][path]["get"]["responses"]["200"])


def test_swagger_ui_is_served_locally(client):
    response = client.get("/api/docs")
    assert response.status_code == 200
    assert response.mimetype == "text/html"
    html = response.get_data(as_text=True)
    assert "/api/openapi.json" in html
    assets = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert any(a.endswith(".js") for a in assets) and any(a.endswith(".css") for a in assets)
    assert not re.search(r'(?:src|href)="(?:https?:)?//', html), "no CDN"
    for asset in assets:
        assert asset.startswith("/api/docs/static/"), asset
        with client.get(asset) as fetched:
            assert fetched.status_code == 200, asset
            assert len(fetched.get_data()) > 1000, asset
            assert fetched.mimetype in {"text/javascript", "application/javascript",
                                        "text/css"}
    for missing in ("/api/docs/static/nope.js", "/api/docs/static/../../__init__.py"):
        with client.get(missing) as response:
            assert response.status_code == 404


def test_error_answers_are_documented_as_problems(client):
    spec = ok(client.get("/api/openapi.json"))
    problem = spec["components"]["schemas"]["Problem"]
    assert set(problem["required"]) == {"type", "title", "status", "detail"}
    assert problem["properties"]["errors"]["additionalProperties"]["items"]["type"] == "string"
    assert "Error" not in spec["components"]["schemas"]  # flask-smorest's own shape is gone
    for name, response in spec["components"]["responses"].items():
        for mimetype in response.get("content", {}):
            assert mimetype == "application/problem+json", (name, mimetype)
    for path, item in spec["paths"].items():
        for method, operation in item.items():
            if method == "parameters":
                continue
            responses = operation["responses"]
            expected = {"414", "422", "431"} | (set() if path == "/api/v1/health" else {"401"})
            if "requestBody" in operation:
                expected |= {"400", "413"}
            if "{" in path:
                expected.add("404")
            assert expected <= set(responses), (method, path, sorted(responses))
            for status, response in responses.items():
                if status[0] in "45" or status == "default":
                    ref = response["$ref"]
                    assert "application/problem+json" in _resolve(spec, ref)["content"], ref
    unauthorized = spec["components"]["responses"]["UNAUTHORIZED"]
    assert "WWW-Authenticate" in unauthorized["headers"]


def test_the_error_check_sees_what_the_document_does_not_say(client, admin, documented_errors):
    from tests.api.conftest import Answer, openapi_document, undocumented

    client.get("/api/v1/plans")  # 401: documented
    client.get("/api/v1/plans?nope=1", headers=admin)  # 422: documented
    assert [(a.method, a.path, a.status) for a in documented_errors] == [
        ("get", "/api/v1/plans", 401), ("get", "/api/v1/plans", 422)]
    spec = openapi_document()
    assert [undocumented(a, spec) for a in documented_errors] == [None, None]
    body = b'{"type": "urn:mrp:problem:conflict", "title": "Conflict", "status": 409}'
    wrong = [
        Answer("get", "/api/v1/plans", "/api/v1/plans?", 409, "application/problem+json", body),
        Answer("get", "/api/v1/plans", "/api/v1/plans?", 401, "application/json", body),
        Answer("post", "/api/v1/plans", "/api/v1/plans?", 409, "application/problem+json", body),
    ]
    reasons = [undocumented(a, spec) for a in wrong]
    assert "gives no 409" in reasons[0]
    assert "application/json is not documented" in reasons[1]
    assert "'detail' is a required property" in reasons[2]

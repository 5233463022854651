"""Unknown query parameters are refused, as unknown body fields are: a misspelt filter
(``?ministy=SKM``) would otherwise answer with everything instead of an error.

A route's query parameters are what its view declares to flask-smorest: the fields of its
``@blp.arguments(..., location="query")`` schemas, and ``page`` and ``page_size`` when it is
paginated. The names are read from the view's API documentation once per route and method.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import marshmallow as ma
from flask import Flask, Response, current_app, request

from service.api.problems import problem

PAGINATION = frozenset({"page", "page_size"})
UNKNOWN = "Unknown field."


def method_function(view: Callable[..., Any], method: str) -> Any:
    """The function behind ``view`` for ``method`` (a ``MethodView``'s method, or the view)."""
    view_class = getattr(view, "view_class", None)
    if view_class is None:
        return view
    return getattr(view_class, method, None) or getattr(view_class, "get", None)


def declared(view: Callable[..., Any], method: str) -> frozenset[str]:
    """The query parameters ``view`` takes for ``method`` (lower case; ``head`` is ``get``)."""
    doc = getattr(method_function(view, method), "_apidoc", None) or {}
    names: set[str] = set(PAGINATION) if "pagination" in doc else set()
    for parameter in doc.get("arguments", {}).get("parameters", []):
        if parameter.get("in") != "query":
            continue
        schema = parameter["schema"]
        if isinstance(schema, type):
            schema = schema()
        assert isinstance(schema, ma.Schema)
        names.update(
            field.data_key or name
            for name, field in schema.fields.items()
            if not field.dump_only
        )
    return frozenset(names)


def init_app(app: Flask, prefix: str) -> None:
    """Refuse, with a 422 naming them, query parameters the route does not declare."""
    known: dict[tuple[str, str], frozenset[str]] = {}

    @app.before_request
    def _refuse_unknown_query_parameters() -> Response | None:
        if not request.args or not request.path.startswith(prefix) or request.endpoint is None:
            return None
        method = "get" if request.method == "HEAD" else request.method.lower()
        key = (request.endpoint, method)
        names = known.get(key)
        if names is None:
            view = current_app.view_functions[request.endpoint]
            names = known[key] = declared(view, method)
        unknown = sorted(set(request.args) - names)
        if not unknown:
            return None
        return problem(
            422,
            "The request has unknown query parameters: " + ", ".join(unknown) + ".",
            errors={name: [UNKNOWN] for name in unknown},
        )

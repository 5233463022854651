"""The HTTP API under /api/v1 (DESIGN section 6)."""

from __future__ import annotations

from typing import Any

from apispec import BasePlugin
from flask import Flask, request, send_from_directory
from werkzeug.routing import IntegerConverter
from werkzeug.wrappers import Response


class IdConverter(IntegerConverter):
    """``<int:…>``: only ids a database integer holds match; a larger one is a plain 404
    rather than an overflow in the database driver."""

    def __init__(self, map: Any, *args: Any, **kwargs: Any) -> None:
        from service.domain.common import MAX_ID

        kwargs.setdefault("min", 1)
        kwargs.setdefault("max", MAX_ID)
        super().__init__(map, *args, **kwargs)


class BearerSecurity(BasePlugin):
    """Every operation in the OpenAPI document declares the bearer token it needs (the
    public ones declare none)."""

    METHODS = frozenset({"get", "put", "post", "delete", "patch", "head", "options"})

    def operation_helper(self, path: str | None = None, operations: dict | None = None,
                         **kwargs: Any) -> None:
        from service.api.auth import PUBLIC_PATHS

        for method, operation in (operations or {}).items():
            if method in self.METHODS:
                operation.setdefault(
                    "security", [] if path in PUBLIC_PATHS else [{"bearer": []}]
                )


def init_app(app: Flask) -> None:
    from service.api import auth, problems, query
    from service.api.extensions import api, response_cache
    from service.api.views import BLUEPRINTS

    app.url_map.converters["int"] = IdConverter
    api.init_app(app, spec_kwargs={"extra_plugins": [BearerSecurity()]})
    problems.register(app)

    @app.before_request
    def _refuse_nul_in_path() -> Response | None:
        """No object's code or name holds a NUL, and PostgreSQL refuses it in a query."""
        if request.path.startswith("/api/") and "\x00" in request.path:
            return problems.problem(404, "No such resource.")
        return None

    auth.init_app(app)
    query.init_app(app, auth.API_PREFIX)  # after the token check: a 401 comes first
    response_cache.init_app(app)  # after both: they run on every request, kept or not
    for blueprint in BLUEPRINTS:
        api.register_blueprint(blueprint)
    api.spec.components.security_scheme(
        "bearer", {"type": "http", "scheme": "bearer", "description": "API token"}
    )
    api.spec.options["security"] = [{"bearer": []}]
    _serve_swagger_ui(app)


def _serve_swagger_ui(app: Flask) -> None:
    """Swagger UI's files from the swagger-ui-bundle package: no CDN needed."""
    import swagger_ui_bundle

    @app.route("/api/docs/static/<path:filename>")
    def swagger_ui_static(filename: str) -> Response:
        return send_from_directory(swagger_ui_bundle.swagger_ui_path, filename)

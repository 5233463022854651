"""The HTTP API under /api/v1 (DESIGN section 6)."""

from __future__ import annotations

from flask import Flask, send_from_directory
from werkzeug.wrappers import Response


def init_app(app: Flask) -> None:
    from service.api import auth, problems
    from service.api.views import BLUEPRINTS
    from service.extensions import api

    api.init_app(app)
    problems.register(app)
    auth.init_app(app)
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

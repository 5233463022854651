"""Liveness: answers without a token."""

from __future__ import annotations

from flask.views import MethodView
from marshmallow import Schema, fields

from service.api.blueprint import Blueprint

blp = Blueprint("health", __name__, url_prefix="/api/v1/health", description="Liveness",
                public=True)


class HealthSchema(Schema):
    status = fields.String()


@blp.route("")
class Health(MethodView):
    @blp.response(200, HealthSchema)
    def get(self) -> dict[str, str]:
        """Is the service up?"""
        return {"status": "ok"}

"""/ministries: the steering parties."""

from __future__ import annotations

from flask.views import MethodView

from service.api.auth import current_actor
from service.api.blueprint import Blueprint
from service.api.cache import cached
from service.api.schemas.tenancy import (
    AttainmentSettingsSchema,
    MinistryPatchSchema,
    MinistrySchema,
    StatusThresholdsSchema,
)
from service.domain import attainment_settings, tenancy, thresholds
from service.domain.models import Ministry

blp = Blueprint("ministries", __name__, url_prefix="/api/v1/ministries", description="Ministries")


@blp.route("")
class Ministries(MethodView):
    @cached
    @blp.response(200, MinistrySchema(many=True))
    @blp.paginate()
    def get(self, pagination_parameters):
        """Ministries the caller can see."""
        page = tenancy.list_ministries(
            current_actor(), pagination_parameters.page, pagination_parameters.page_size
        )
        pagination_parameters.item_count = page.total
        return page.items

    @blp.arguments(MinistrySchema())
    @blp.response(201, MinistrySchema)
    @blp.problems(403, 409)
    def post(self, data: dict) -> Ministry:
        """Register a ministry (admin)."""
        return tenancy.create_ministry(current_actor(), data)


@blp.route("/<ident>")
class MinistryById(MethodView):
    @cached
    @blp.response(200, MinistrySchema)
    @blp.problems(404)
    def get(self, ident: str) -> Ministry:
        """One ministry, by id or code."""
        return tenancy.get_ministry(current_actor(), ident)

    @blp.arguments(MinistryPatchSchema())
    @blp.response(200, MinistrySchema)
    @blp.problems(403, 404, 409)
    def patch(self, data: dict, ident: str) -> Ministry:
        """Rename a ministry (admin)."""
        actor = current_actor()
        return tenancy.update_ministry(actor, tenancy.get_ministry(actor, ident), data)

    @blp.response(204)
    @blp.problems(403, 404, 409)
    def delete(self, ident: str) -> None:
        """Delete a ministry without institutions (admin)."""
        actor = current_actor()
        tenancy.delete_ministry(actor, tenancy.get_ministry(actor, ident))


@blp.route("/<ident>/status-thresholds")
class MinistryStatusThresholds(MethodView):
    @blp.response(200, StatusThresholdsSchema)
    @blp.problems(404)
    def get(self, ident: str) -> dict:
        """The ministry's thresholds for the computed status (the defaults until it sets its
        own)."""
        return thresholds.as_dict(tenancy.get_ministry(current_actor(), ident))

    @blp.arguments(StatusThresholdsSchema())
    @blp.response(200, StatusThresholdsSchema)
    @blp.problems(403, 404)
    def put(self, data: dict, ident: str) -> dict:
        """Set the ministry's thresholds (its department or an admin; audited). Reports
        received from then on are computed with them; earlier ones keep theirs."""
        actor = current_actor()
        return thresholds.set_thresholds(actor, tenancy.get_ministry(actor, ident), data)


@blp.route("/<ident>/attainment")
class MinistryAttainmentSettings(MethodView):
    @blp.response(200, AttainmentSettingsSchema)
    @blp.problems(404)
    def get(self, ident: str) -> dict:
        """The ministry's settings for its plans' attainment (weights off and a partial
        share of 0.5 until it sets its own)."""
        return attainment_settings.as_dict(tenancy.get_ministry(current_actor(), ident))

    @blp.arguments(AttainmentSettingsSchema())
    @blp.response(200, AttainmentSettingsSchema)
    @blp.problems(403, 404)
    def put(self, data: dict, ident: str) -> dict:
        """Turn goal weights on or off for the ministry, and set what share of its points a
        partly met goal earns (its department or an admin; audited)."""
        actor = current_actor()
        return attainment_settings.set_settings(actor, tenancy.get_ministry(actor, ident),
                                                data)

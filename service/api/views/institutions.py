"""/institutions: the agencies that own plans and mail reports."""

from __future__ import annotations

from flask.views import MethodView

from service.api.auth import current_actor
from service.api.blueprint import Blueprint
from service.api.cache import cached
from service.api.schemas.tenancy import (
    AddressSchema,
    InstitutionPatchSchema,
    InstitutionQuerySchema,
    InstitutionSchema,
)
from service.domain import institutions, tenancy
from service.domain.models import Institution

blp = Blueprint(
    "institutions", __name__, url_prefix="/api/v1/institutions", description="Institutions"
)


@blp.route("")
class Institutions(MethodView):
    @cached
    @blp.arguments(InstitutionQuerySchema(), location="query")
    @blp.response(200, InstitutionSchema(many=True))
    @blp.paginate()
    def get(self, args: dict, pagination_parameters):
        """Institutions the caller can see; filter by ministry."""
        page = tenancy.list_institutions(
            current_actor(),
            ministry=args.get("ministry"),
            page=pagination_parameters.page,
            page_size=pagination_parameters.page_size,
        )
        pagination_parameters.item_count = page.total
        return page.items

    @blp.arguments(InstitutionSchema())
    @blp.response(201, InstitutionSchema)
    @blp.problems(403, 409)
    def post(self, data: dict) -> Institution:
        """Register an institution with its reporting addresses (department, admin)."""
        return tenancy.create_institution(current_actor(), data)


@blp.route("/<ident>")
class InstitutionById(MethodView):
    @cached
    @blp.response(200, InstitutionSchema)
    @blp.problems(404)
    def get(self, ident: str) -> Institution:
        """One institution, by id or code."""
        return tenancy.get_institution(current_actor(), ident)

    @blp.arguments(InstitutionPatchSchema())
    @blp.response(200, InstitutionSchema)
    @blp.problems(403, 404, 409)
    def patch(self, data: dict, ident: str) -> Institution:
        """Change name, ministry (admin) or reporting addresses."""
        actor = current_actor()
        return tenancy.update_institution(actor, tenancy.get_institution(actor, ident), data)

    @blp.response(204)
    @blp.problems(403, 404, 409)
    def delete(self, ident: str) -> None:
        """Delete an institution without plans."""
        actor = current_actor()
        tenancy.delete_institution(actor, tenancy.get_institution(actor, ident))


@blp.route("/<ident>/addresses")
class InstitutionAddresses(MethodView):
    @blp.arguments(AddressSchema())
    @blp.response(201, InstitutionSchema)
    @blp.problems(403, 404, 409)
    def post(self, data: dict, ident: str) -> Institution:
        """Add one reporting address (department, admin): 201 with the institution. One it
        has already changes nothing (201 all the same); one another institution has is a
        409 naming that institution. An invalid address, or one with æøå before the @
        where the deployment does not allow it, is a 422 naming ``address``."""
        actor = current_actor()
        return institutions.add_address(
            actor, tenancy.get_institution(actor, ident), data["address"])


@blp.route("/<ident>/addresses/<path:address>")
class InstitutionAddress(MethodView):
    @blp.response(204)
    @blp.problems(403, 404)
    def delete(self, ident: str, address: str) -> None:
        """Remove one reporting address (department, admin): 204. One the institution does
        not have is a 404. Mail from it is quarantined from now on."""
        actor = current_actor()
        institutions.remove_address(actor, tenancy.get_institution(actor, ident), address)

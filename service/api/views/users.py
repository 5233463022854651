"""/users: the people who sign in to the dashboard (admin only)."""

from __future__ import annotations

from flask.views import MethodView

from service.api.auth import current_actor
from service.api.blueprint import Blueprint
from service.api.schemas.users import UserPatchSchema, UserSchema
from service.domain import users
from service.domain.models import User

blp = Blueprint("users", __name__, url_prefix="/api/v1/users", description="People")


@blp.route("")
class Users(MethodView):
    @blp.response(200, UserSchema(many=True))
    @blp.problems(403)
    @blp.paginate()
    def get(self, pagination_parameters):
        """Every user (admin)."""
        page = users.list_users(
            current_actor(), pagination_parameters.page, pagination_parameters.page_size
        )
        pagination_parameters.item_count = page.total
        return page.items

    @blp.arguments(UserSchema())
    @blp.response(201, UserSchema)
    @blp.problems(403, 409)
    def post(self, data: dict) -> User:
        """Register a person (admin): e-mail, name, role and scope."""
        return users.create_user(
            current_actor(), email=data["email"], name=data["name"], role=data["role"],
            ministry=data.get("ministry"), institution=data.get("institution"),
        )


@blp.route("/<ident>")
class UserById(MethodView):
    @blp.response(200, UserSchema)
    @blp.problems(403, 404)
    def get(self, ident: str) -> User:
        """One user, by id or e-mail (admin)."""
        return users.get_user(current_actor(), ident)

    @blp.arguments(UserPatchSchema())
    @blp.response(200, UserSchema)
    @blp.problems(403, 404, 409)
    def patch(self, data: dict, ident: str) -> User:
        """Change name, role, scope or ``active`` (admin). Deactivating ends the person's
        dashboard sessions and personal tokens."""
        actor = current_actor()
        return users.update_user(actor, users.get_user(actor, ident), data)

"""The people page (administrators): who may sign in, with which role and scope."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from werkzeug.wrappers import Response

from service.domain import tenancy, users
from service.domain.common import require
from service.domain.errors import DomainError
from service.web import bp
from service.web.auth import current_actor

ROLES = ("department", "institution", "admin")


def _page(form: dict[str, str] | None = None, errors: dict[str, list[str]] | None = None,
          status: int = 200) -> tuple[str, int]:
    actor = current_actor()
    return render_template(
        "web/users.html",
        people=users.list_users(actor, 1, 1000).items,
        ministries=tenancy.list_ministries(actor, 1, 1000).items,
        institutions=tenancy.list_institutions(actor, page=1, page_size=1000).items,
        roles=ROLES, form=form or {}, errors=errors or {},
    ), status


@bp.get("/users")
def users_page() -> tuple[str, int]:
    require(current_actor().is_admin, "Kun en administrator kan se brugerne.")
    return _page()


@bp.post("/users")
def users_create() -> Response | tuple[str, int]:
    actor = current_actor()
    form = {k: request.form.get(k, "").strip() for k in
            ("email", "name", "role", "ministry", "institution")}
    role = form["role"]
    try:
        made = users.create_user(
            actor, email=form["email"], name=form["name"], role=role,
            ministry=form["ministry"] if role == "department" else None,
            institution=form["institution"] if role == "institution" else None,
        )
    except DomainError as error:
        return _page(form, error.errors or {"email": [error.message]}, 422)
    flash(f"{made.name} ({made.email}) kan nu logge ind.", "info")
    return redirect(url_for("web.users_page"), code=303)


@bp.post("/users/<int:user_id>/active")
def users_active(user_id: int) -> Response:
    actor = current_actor()
    person = users.get_user(actor, user_id)
    active = request.form.get("active") == "1"
    users.update_user(actor, person, {"active": active})
    flash(f"{person.name} kan {'nu' if active else 'ikke længere'} logge ind.", "info")
    return redirect(url_for("web.users_page"), code=303)

"""Institutions and their reporting addresses on the dashboard: the list, registering one,
and one institution's page with its forms (rename; move, for administrators; add an address;
remove one, after a confirmation). The same domain services, scoping and audit as the API
(``service.domain.institutions``, ``service.domain.tenancy``); the institution role sees its
own institution and changes nothing."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from werkzeug.wrappers import Response

from service.domain import institutions, tenancy
from service.domain.actors import Actor
from service.domain.common import require
from service.domain.errors import Conflict, DomainError, Invalid, NotFound
from service.domain.models import Institution
from service.web import bp
from service.web.auth import current_actor

LIMIT = 1000


def _may_change(actor: Actor) -> bool:
    return actor.is_admin or actor.is_department


def _errors(error: DomainError, default: str) -> dict[str, str]:
    """A domain error as the page's ``{field id: message}``, the field named by the error
    (``reporting_addresses.0`` is the form's ``address``)."""
    fields = error.errors or {default: [error.message]}
    out: dict[str, str] = {}
    for name, messages in fields.items():
        field = "address" if name.startswith("reporting_addresses") else name
        out.setdefault(field, messages[0] if messages else error.message)
    return out


@bp.get("/institutions")
def institutions_page() -> str:
    actor = current_actor()
    rows = tenancy.list_institutions(actor, page=1, page_size=LIMIT).items
    return render_template(
        "web/institutions.html", institutions=rows, counts=institutions.plan_counts(rows),
        can_create=_may_change(actor),
    )


def _new_page(form: dict[str, str], errors: dict[str, str], status: int) -> tuple[str, int]:
    actor = current_actor()
    return render_template(
        "web/institution_new.html", form=form, errors=errors,
        ministries=tenancy.list_ministries(actor, 1, LIMIT).items,
    ), status


@bp.route("/institutions/new", methods=["GET", "POST"])
def institution_new() -> Response | tuple[str, int]:
    actor = current_actor()
    require(_may_change(actor),
            "Kun departementet eller en administrator kan oprette institutioner.")
    fields = ("code", "name", "ministry", "address")
    form = {k: (request.form.get(k) or "").strip() for k in fields}
    if request.method == "GET":
        return _new_page(form, {}, 200)
    errors: dict[str, str] = {}
    if not form["code"]:
        errors["code"] = "Skriv institutionens kode, fx DST."
    if not form["name"]:
        errors["name"] = "Skriv institutionens navn."
    if not form["ministry"]:
        errors["ministry"] = "Vælg ministerområdet."
    if not errors:
        try:
            made = tenancy.create_institution(actor, {
                "code": form["code"], "name": form["name"], "ministry": form["ministry"],
                "reporting_addresses": [form["address"]] if form["address"] else []})
        except (Invalid, Conflict) as error:
            errors = _errors(error, "code")
        else:
            flash(f"{made.code} {made.name} er oprettet.", "info")
            return redirect(url_for("web.institution_page", code=made.code), code=303)
    return _new_page(form, errors, 422)


def _detail(institution: Institution, errors: dict[str, str] | None = None,
            form: dict[str, str] | None = None, status: int = 200) -> tuple[str, int]:
    actor = current_actor()
    return render_template(
        "web/institution.html", institution=institution, errors=errors or {},
        form=form or {}, can_change=_may_change(actor), can_move=actor.is_admin,
        plan_count=institutions.plan_counts([institution]).get(institution.id, 0),
        ministries=tenancy.list_ministries(actor, 1, LIMIT).items if actor.is_admin else [],
    ), status


def _to_detail(institution: Institution) -> Response:
    return redirect(url_for("web.institution_page", code=institution.code), code=303)


@bp.get("/institutions/<code>")
def institution_page(code: str) -> tuple[str, int]:
    return _detail(tenancy.get_institution(current_actor(), code))


@bp.post("/institutions/<code>/name")
def institution_rename(code: str) -> Response | tuple[str, int]:
    actor = current_actor()
    institution = tenancy.get_institution(actor, code)
    name = request.form.get("name") or ""
    try:
        institutions.rename(actor, institution, name)
    except Invalid as error:
        return _detail(institution, _errors(error, "name"), {"name": name}, 422)
    flash(f"{institution.code} hedder nu {institution.name}.", "info")
    return _to_detail(institution)


@bp.post("/institutions/<code>/ministry")
def institution_move(code: str) -> Response | tuple[str, int]:
    actor = current_actor()
    institution = tenancy.get_institution(actor, code)
    ministry = request.form.get("ministry") or ""
    try:
        institutions.move(actor, institution, ministry)
    except Invalid as error:
        return _detail(institution, _errors(error, "ministry"), {"ministry": ministry}, 422)
    flash(f"{institution.code} hører nu under {institution.ministry.code} "
          f"{institution.ministry.name}, med sine planer og mails.", "info")
    return _to_detail(institution)


@bp.post("/institutions/<code>/addresses")
def institution_add_address(code: str) -> Response | tuple[str, int]:
    actor = current_actor()
    institution = tenancy.get_institution(actor, code)
    address = request.form.get("address") or ""
    try:
        institutions.add_address(actor, institution, address)
    except (Invalid, Conflict) as error:
        return _detail(institution, _errors(error, "address"), {"address": address}, 422)
    flash(f"{address.strip().lower()} er nu indberetningsadresse for {institution.code}.", "info")
    return _to_detail(institution)


@bp.post("/institutions/<code>/addresses/remove")
def institution_remove_address(code: str) -> Response | tuple[str, int]:
    """Without ``confirm``: the page that asks; with it: the removal."""
    actor = current_actor()
    institution = tenancy.get_institution(actor, code)
    require(_may_change(actor),
            "Kun departementet eller en administrator kan ændre institutioner.")
    address = (request.form.get("address") or "").strip().lower()
    if request.form.get("confirm") != "1":
        if address not in institution.reporting_addresses:
            flash(f"{institution.code} har ikke indberetningsadressen {address}.", "error")
            return _to_detail(institution)
        return render_template("web/institution_remove.html", institution=institution,
                               address=address), 200
    try:
        institutions.remove_address(actor, institution, address)
    except NotFound as error:
        flash(error.message, "error")
        return _to_detail(institution)
    flash(f"{address} er ikke længere indberetningsadresse for {institution.code}. Mails "
          "derfra kommer i karantæne.", "info")
    return _to_detail(institution)

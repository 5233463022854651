"""Ministries and institutions: registering, changing and finding them within scope."""

from __future__ import annotations

from typing import Any

from sqlalchemy import false, or_, select, update
from sqlalchemy.orm import selectinload

from service.domain import audit, scoping
from service.domain.actors import Actor
from service.domain.addresses import check_address
from service.domain.common import (
    CODE_RE,
    apply_changes,
    commit,
    flush,
    normalise_code,
    require,
    valid_id,
)
from service.domain.errors import Conflict, Invalid, NotFound
from service.domain.models import InboundMessage, Institution, Ministry, Plan, ReportingAddress
from service.domain.pagination import Page, paginate
from service.extensions import db


def _ident_clause(model: type[Ministry] | type[Institution], ident: str | int) -> Any:
    if isinstance(ident, int) or (str(ident).isascii() and str(ident).isdigit()):
        return model.id == int(ident) if valid_id(int(ident)) else false()
    code = str(ident).strip().upper()
    return model.code == code if CODE_RE.match(code) else false()


# -- ministries -------------------------------------------------------------------------


def list_ministries(actor: Actor, page: int = 1, page_size: int = 20) -> Page[Ministry]:
    stmt = scoping.ministries(actor, select(Ministry)).order_by(Ministry.code)
    return paginate(stmt, page, page_size)


def get_ministry(actor: Actor, ident: str | int) -> Ministry:
    stmt = scoping.ministries(actor, select(Ministry).where(_ident_clause(Ministry, ident)))
    ministry = db.session.scalar(stmt)
    if ministry is None:
        raise NotFound("Ministeriet findes ikke.")
    return ministry


def find_ministry_for_body(actor: Actor, code: str, field: str = "ministry") -> Ministry:
    """A ministry named in a request body: unknown and foreign read the same (no leak)."""
    stmt = scoping.ministries(actor, select(Ministry).where(Ministry.code == code.upper()))
    ministry = db.session.scalar(stmt)
    if ministry is None:
        raise Invalid(f"Ukendt ministerområde: {code}.", field=field)
    return ministry


def create_ministry(actor: Actor, data: dict[str, Any]) -> Ministry:
    require(actor.is_admin, "Kun en administrator kan oprette ministerområder.")
    ministry = Ministry(code=normalise_code(data["code"]), name=data["name"].strip())
    db.session.add(ministry)
    commit(lambda e: Conflict(f"Ministerområdet {ministry.code} findes allerede.", field="code"))
    return ministry


def update_ministry(actor: Actor, ministry: Ministry, data: dict[str, Any]) -> Ministry:
    require(actor.is_admin, "Kun en administrator kan ændre ministerområder.")
    apply_changes(ministry, data, ("name",))
    commit()
    return ministry


def delete_ministry(actor: Actor, ministry: Ministry) -> None:
    require(actor.is_admin, "Kun en administrator kan slette ministerområder.")
    if db.session.scalar(select(Institution.id).where(Institution.ministry_id == ministry.id)):
        raise Conflict("Ministerområdet har institutioner. Slet eller flyt dem først.")
    db.session.delete(ministry)
    commit()


# -- institutions -----------------------------------------------------------------------


def _normalise_addresses(addresses: list[str]) -> list[str]:
    seen: list[str] = []
    for i, raw in enumerate(addresses):
        address = check_address(raw, field=f"reporting_addresses.{i}")
        if address not in seen:
            seen.append(address)
    return seen


def list_institutions(
    actor: Actor, *, ministry: str | None = None, page: int = 1, page_size: int = 20
) -> Page[Institution]:
    stmt = scoping.institutions(actor, select(Institution))
    if ministry:
        stmt = stmt.join(Institution.ministry).where(Ministry.code == ministry.upper())
    stmt = stmt.order_by(Institution.code)
    options = (selectinload(Institution.addresses), selectinload(Institution.ministry))
    return paginate(stmt, page, page_size, options)


def get_institution(actor: Actor, ident: str | int) -> Institution:
    stmt = scoping.institutions(
        actor, select(Institution).where(_ident_clause(Institution, ident))
    )
    institution = db.session.scalar(stmt)
    if institution is None:
        raise NotFound("Institutionen findes ikke.")
    return institution


def find_institution_for_body(actor: Actor, code: str, field: str = "institution") -> Institution:
    stmt = scoping.institutions(
        actor, select(Institution).where(Institution.code == code.strip().upper())
    )
    institution = db.session.scalar(stmt)
    if institution is None:
        raise Invalid(f"Ukendt institution: {code}.", field=field)
    return institution


def create_institution(actor: Actor, data: dict[str, Any]) -> Institution:
    require(
        actor.is_admin or actor.is_department,
        "Kun departementet eller en administrator kan oprette institutioner.",
    )
    ministry = find_ministry_for_body(actor, data["ministry"])
    institution = Institution(
        code=normalise_code(data["code"]), name=data["name"].strip(), ministry_id=ministry.id
    )  # by id: a clash on the code leaves no half-made institution in ministry.institutions
    institution.addresses = [
        ReportingAddress(address=a)
        for a in _normalise_addresses(data.get("reporting_addresses", []))
    ]
    db.session.add(institution)
    flush(lambda e: Conflict(f"Institutionen {institution.code} findes allerede.", field="code"))
    audit.record_other(actor, entity="institution", entity_id=institution.id, action="create",
                       after=audit.institution_snapshot(institution))
    commit(lambda e: Conflict(f"Institutionen {institution.code} findes allerede.", field="code"))
    return institution


def update_institution(actor: Actor, institution: Institution, data: dict[str, Any]) -> Institution:
    require(
        actor.is_admin or actor.is_department,
        "Kun departementet eller en administrator kan ændre institutioner.",
    )
    before = audit.institution_snapshot(institution)
    apply_changes(institution, data, ("name",))
    if "ministry" in data:
        require(actor.is_admin, "Kun en administrator kan flytte en institution.")
        ministry = find_ministry_for_body(actor, data["ministry"])
        if ministry.id != institution.ministry_id:
            move_messages(institution, ministry)
        institution.ministry = ministry
    if "reporting_addresses" in data:
        wanted = _normalise_addresses(data["reporting_addresses"])
        keep = [a for a in institution.addresses if a.address in wanted]
        have = {a.address for a in keep}
        institution.addresses = keep + [
            ReportingAddress(address=a) for a in wanted if a not in have
        ]
    after = audit.institution_snapshot(institution)
    if after != before:
        audit.record_other(actor, entity="institution", entity_id=institution.id,
                           action="update", before=before, after=after)
    commit()
    return institution


def move_messages(institution: Institution, ministry: Ministry) -> None:
    """The mail attributed to an institution, or naming one of its plans, follows it to its
    new ministry, as its plans do: the department it left no longer sees it."""
    plans = select(Plan.id).where(Plan.institution_id == institution.id)
    db.session.execute(
        update(InboundMessage)
        .where(or_(InboundMessage.institution_id == institution.id,
                   InboundMessage.plan_id.in_(plans.scalar_subquery())))
        .where(InboundMessage.ministry_id.is_not(None))
        .values(ministry_id=ministry.id)
        .execution_options(synchronize_session=False)
    )


def delete_institution(actor: Actor, institution: Institution) -> None:
    require(
        actor.is_admin or actor.is_department,
        "Kun departementet eller en administrator kan slette institutioner.",
    )
    if db.session.scalar(select(Plan.id).where(Plan.institution_id == institution.id)):
        raise Conflict("Institutionen har planer og kan ikke slettes.")
    db.session.delete(institution)
    commit()

"""Changing one institution a step at a time, as the dashboard's forms and the API's
address routes do: rename it, move it to another ministry (administrators), add or remove
one reporting address. Each change is audited (``entity="institution"``) and, being a write
to a watched table, changes the data version (``service.domain.data_version``).

Creating one and the API's PATCH, which replaces the whole list of addresses, are in
``service.domain.tenancy``."""

from __future__ import annotations

from sqlalchemy import func, select

from service.domain import audit, scoping, tenancy
from service.domain.actors import Actor
from service.domain.addresses import check_address
from service.domain.common import commit, locked, require
from service.domain.errors import Conflict, Invalid, NotFound
from service.domain.models import Institution, Plan, ReportingAddress
from service.extensions import db
from service.vocabulary import has_control_characters

NAME_MAX = 200


def _may_change(actor: Actor) -> None:
    require(actor.is_admin or actor.is_department,
            "Kun departementet eller en administrator kan ændre institutioner.")


def _lock(institution: Institution) -> Institution:
    """The institution read again and locked to the commit: a check of its addresses (or of
    another institution's) then holds until this change is committed."""
    again = locked(select(Institution).where(Institution.id == institution.id))
    if again is None:
        raise NotFound("Institutionen findes ikke.")
    return again


def plan_counts(institutions: list[Institution]) -> dict[int, int]:
    """How many plans each institution has (those without: absent)."""
    ids = [i.id for i in institutions]
    if not ids:
        return {}
    rows = db.session.execute(
        select(Plan.institution_id, func.count()).where(Plan.institution_id.in_(ids))
        .group_by(Plan.institution_id)
    )
    return {int(inst): int(n) for inst, n in rows}


def rename(actor: Actor, institution: Institution, name: str) -> Institution:
    _may_change(actor)
    name = (name or "").strip()
    if not name:
        raise Invalid("Skriv institutionens navn.", field="name")
    if len(name) > NAME_MAX:
        raise Invalid(f"Navnet må højst være {NAME_MAX} tegn.", field="name")
    if has_control_characters(name):
        raise Invalid("Navnet må kun indeholde almindelig tekst.", field="name")
    institution = _lock(institution)
    if name != institution.name:
        audit.record_other(actor, entity="institution", entity_id=institution.id,
                           action="rename", before={"name": institution.name},
                           after={"name": name})
        institution.name = name
    commit()
    return institution


def move(actor: Actor, institution: Institution, ministry_code: str) -> Institution:
    """To another ministry, with its plans and the mail about them (administrators only)."""
    require(actor.is_admin, "Kun en administrator kan flytte en institution.")
    if not (ministry_code or "").strip():
        raise Invalid("Vælg det ministerområde, institutionen skal flyttes til.",
                      field="ministry")
    ministry = tenancy.find_ministry_for_body(actor, ministry_code.strip())
    institution = _lock(institution)
    if ministry.id != institution.ministry_id:
        audit.record_other(actor, entity="institution", entity_id=institution.id,
                           action="move", before={"ministry": institution.ministry.code},
                           after={"ministry": ministry.code})
        tenancy.move_messages(institution, ministry)
        institution.ministry = ministry
    commit()
    return institution


def _holder(actor: Actor, address: str, institution: Institution) -> Institution | None:
    """Another institution that has ``address`` already."""
    return db.session.scalar(
        select(Institution).join(ReportingAddress)
        .where(ReportingAddress.address == address, Institution.id != institution.id)
        .order_by(Institution.code).limit(1)
    )


def add_address(actor: Actor, institution: Institution, raw: str,
                field: str = "address") -> Institution:
    """Add one reporting address. One the institution has already: nothing changes. One
    another institution has: :class:`Conflict` naming that institution (or, when the actor
    may not see it, saying only that it is in another ministry)."""
    _may_change(actor)
    address = check_address(raw, field=field)
    institution = _lock(institution)
    if address in {a.address for a in institution.addresses}:
        commit()
        return institution
    other = _holder(actor, address, institution)
    if other is not None:
        visible = db.session.scalar(
            scoping.institutions(actor, select(Institution.id).where(Institution.id == other.id))
        )
        who = (f"{other.code} {other.name}. Fjern den dér først, hvis den skal flyttes"
               if visible else "en institution under et andet ministerområde")
        raise Conflict(f"{address} er allerede indberetningsadresse for {who}.", field=field)
    institution.addresses.append(ReportingAddress(address=address))
    audit.record_other(actor, entity="institution", entity_id=institution.id,
                       action="address_add", after={"address": address})
    commit(lambda e: Conflict(f"{address} er lige blevet tilføjet af en anden.", field=field))
    return institution


def remove_address(actor: Actor, institution: Institution, raw: str) -> Institution:
    """Remove one reporting address; one the institution does not have is :class:`NotFound`.
    Mail already received from it keeps its state; new mail from it is quarantined."""
    _may_change(actor)
    address = (raw or "").strip().lower()
    institution = _lock(institution)
    found = next((a for a in institution.addresses if a.address == address), None)
    if found is None:
        raise NotFound(f"{institution.code} har ikke indberetningsadressen {address}.",
                       field="address")
    institution.addresses.remove(found)
    audit.record_other(actor, entity="institution", entity_id=institution.id,
                       action="address_remove", before={"address": address})
    commit()
    return institution


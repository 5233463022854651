"""A ministry's thresholds for the computed status (DESIGN section 12): read with their
defaults, and set by the ministry's department or an admin, audited."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from service.domain.actors import Actor
from service.domain.audit import diff
from service.domain.common import commit, locked, require
from service.domain.errors import Invalid
from service.domain.models import AuditEvent, Ministry, StatusThresholds
from service.domain.status import DEFAULT_THRESHOLDS, Thresholds
from service.extensions import db
from service.vocabulary import format_number

FIELDS = ("on_track", "at_risk", "maintain_tolerance")
#: the highest attainment a ministry may ask for "on track" (150 % of expected progress)
MAX_ON_TRACK = 1.5
#: the widest tolerance of a maintained target (half of it)
MAX_TOLERANCE = 0.5


def thresholds_of(ministry_id: int | None) -> Thresholds:
    """The ministry's thresholds, or the defaults where it has set none."""
    row = db.session.get(StatusThresholds, ministry_id) if ministry_id is not None else None
    if row is None:
        return DEFAULT_THRESHOLDS
    return Thresholds(row.on_track, row.at_risk, row.maintain_tolerance)


def as_dict(ministry: Ministry) -> dict[str, Any]:
    values = thresholds_of(ministry.id)
    custom = db.session.get(StatusThresholds, ministry.id) is not None
    return {"ministry": ministry.code, "on_track": values.on_track, "at_risk": values.at_risk,
            "maintain_tolerance": values.maintain_tolerance, "default": not custom}


def _check(values: Thresholds) -> None:
    if not 0 < values.on_track <= MAX_ON_TRACK:
        raise Invalid("»På rette spor« skal være større end 0 og højst "
                      f"{format_number(MAX_ON_TRACK)}.", field="on_track")
    if not 0 < values.at_risk <= values.on_track:
        raise Invalid("»Udfordret« skal være større end 0 og højst grænsen for »På rette "
                      "spor«.", field="at_risk")
    if not 0 < values.maintain_tolerance <= MAX_TOLERANCE:
        raise Invalid("Tolerancen for fastholdte mål skal være større end 0 og højst "
                      f"{format_number(MAX_TOLERANCE)}.", field="maintain_tolerance")


def set_thresholds(actor: Actor, ministry: Ministry, data: dict[str, Any]) -> dict[str, Any]:
    """Set the ministry's thresholds (fields left out keep their value); the department of
    that ministry or an admin."""
    require(actor.is_admin or (actor.is_department and actor.ministry_id == ministry.id),
            "Kun ministerområdets departement eller en administrator kan ændre grænserne "
            "for beregnet status.")
    locked(select(Ministry.id).where(Ministry.id == ministry.id))
    before = thresholds_of(ministry.id)
    row = db.session.get(StatusThresholds, ministry.id)
    after = Thresholds(*(float(data.get(name, getattr(before, name))) for name in FIELDS))
    _check(after)
    if row is None:
        db.session.add(StatusThresholds(ministry_id=ministry.id, on_track=after.on_track,
                                        at_risk=after.at_risk,
                                        maintain_tolerance=after.maintain_tolerance))
    else:
        row.on_track, row.at_risk = after.on_track, after.at_risk
        row.maintain_tolerance = after.maintain_tolerance
    changed_before, changed_after = diff({name: getattr(before, name) for name in FIELDS},
                                         {name: getattr(after, name) for name in FIELDS})
    db.session.add(AuditEvent(
        actor=actor.name, actor_role=str(actor.role), actor_email=actor.email, plan_id=None,
        entity="ministry", entity_id=ministry.id, action="status-thresholds",
        before=changed_before, after=changed_after,
        reason=data.get("reason"),
    ))
    commit()
    return as_dict(ministry)

"""A ministry's settings for the plans' attainment (målopfyldelse): whether its goals are
weighed (off until it turns them on) and what share of its points a partly met goal
earns (0.5 until it sets its own). Read with their defaults; set by the ministry's
department or an admin, audited."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import select

from service.domain.actors import Actor
from service.domain.audit import diff
from service.domain.common import commit, locked, require
from service.domain.errors import Invalid
from service.domain.models import AttainmentSettings, AuditEvent, Ministry
from service.extensions import db


@dataclass(frozen=True, slots=True)
class Settings:
    weights_enabled: bool = False
    partial_share: float = 0.5


DEFAULT_SETTINGS = Settings()
FIELDS = ("weights_enabled", "partial_share")


def settings_of(ministry_id: int | None) -> Settings:
    """The ministry's settings, or the defaults where it has set none."""
    row = db.session.get(AttainmentSettings, ministry_id) if ministry_id is not None else None
    if row is None:
        return DEFAULT_SETTINGS
    return Settings(bool(row.weights_enabled), float(row.partial_share))


def as_dict(ministry: Ministry) -> dict[str, Any]:
    values = settings_of(ministry.id)
    custom = db.session.get(AttainmentSettings, ministry.id) is not None
    return {"ministry": ministry.code, "weights_enabled": values.weights_enabled,
            "partial_share": values.partial_share, "default": not custom}


def _check(values: Settings) -> None:
    if not isinstance(values.weights_enabled, bool):
        raise Invalid("Vægtning skal slås til eller fra (true eller false).",
                      field="weights_enabled")
    if not 0 <= values.partial_share <= 1:
        raise Invalid("Andelen for delvist opfyldte mål skal være mellem 0 og 1, fx 0,5.",
                      field="partial_share")


def set_settings(actor: Actor, ministry: Ministry, data: dict[str, Any]) -> dict[str, Any]:
    """Set the ministry's settings (fields left out keep their value); the department of
    that ministry or an admin. Audited on the ministry (action ``attainment-settings``)."""
    require(actor.is_admin or (actor.is_department and actor.ministry_id == ministry.id),
            "Kun ministerområdets departement eller en administrator kan ændre indstillingerne "
            "for målopfyldelse.")
    locked(select(Ministry.id).where(Ministry.id == ministry.id))
    before = settings_of(ministry.id)
    share = data.get("partial_share", before.partial_share)
    try:
        share = float(share)
    except (TypeError, ValueError):
        raise Invalid("Andelen for delvist opfyldte mål skal være et tal mellem 0 og 1.",
                      field="partial_share") from None
    after = Settings(data.get("weights_enabled", before.weights_enabled), share)
    _check(after)
    row = db.session.get(AttainmentSettings, ministry.id)
    if row is None:
        db.session.add(AttainmentSettings(ministry_id=ministry.id,
                                          weights_enabled=after.weights_enabled,
                                          partial_share=after.partial_share))
    else:
        row.weights_enabled, row.partial_share = after.weights_enabled, after.partial_share
    changed_before, changed_after = diff({name: getattr(before, name) for name in FIELDS},
                                         {name: getattr(after, name) for name in FIELDS})
    db.session.add(AuditEvent(
        actor=actor.name, actor_role=str(actor.role), actor_email=actor.email, plan_id=None,
        entity="ministry", entity_id=ministry.id, action="attainment-settings",
        before=changed_before, after=changed_after, reason=data.get("reason"),
    ))
    commit()
    return as_dict(ministry)

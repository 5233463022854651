"""One inbound message on the dashboard: its facts, and for a quarantined one the two ways
to resolve it. Registering the sender as a reporting address of the institution whose plan
the mail names, then processing it again (one POST: ``institutions.add_address`` and the
intake's reprocessing, as ``/intake/messages/<id>/reprocess`` runs it); or discarding it
with a reason (``inbound.discard_message``, final). Department (its ministry's mail) and
administrators; the institution role sees its mail and changes nothing."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from sqlalchemy import select
from werkzeug.wrappers import Response

from service.domain import inbound, institutions, outbound, scoping
from service.domain.actors import Actor
from service.domain.common import require
from service.domain.errors import Conflict, Invalid, NotFound
from service.domain.models import InboundMessage, Institution
from service.extensions import db
from service.web import bp
from service.web.auth import current_actor
from service.web.labels import intake_outcome


def _may_resolve(actor: Actor) -> bool:
    return actor.is_admin or actor.is_department


def _plan_institution(actor: Actor, msg: InboundMessage) -> Institution | None:
    """The institution of the plan the message names, when the actor may change it: the
    one whose reporting address the sender would become."""
    if msg.plan is None:
        return None
    return db.session.scalar(scoping.institutions(
        actor, select(Institution).where(Institution.id == msg.plan.institution_id)))


def _page(msg: InboundMessage, errors: dict[str, str] | None = None, reason: str = "",
          status: int = 200) -> tuple[str, int]:
    actor = current_actor()
    resolvable = _may_resolve(actor) and msg.state == "quarantined"
    target = _plan_institution(actor, msg) if resolvable else None
    can_register = bool(
        target is not None and msg.sender and msg.sender not in target.reporting_addresses)
    return render_template(
        "web/intake_message.html", message=msg, errors=errors or {}, reason=reason,
        can_discard=resolvable, can_register=can_register, target=target,
        sender_registered=inbound.sender_registered(msg), has_raw=msg.raw is not None,
        receipts=outbound.receipts_of([msg.id]).get(msg.id, []),
        can_reprocess=_may_resolve(actor) and msg.state in {"quarantined", "received",
                                                           "ignored"},
    ), status


@bp.get("/intake/messages/<int:message_id>")
def intake_message(message_id: int) -> tuple[str, int]:
    return _page(inbound.get_message(current_actor(), message_id))


@bp.post("/intake/messages/<int:message_id>/register")
def intake_register_sender(message_id: int) -> Response | tuple[str, int]:
    """Register the sender with the plan's institution, then process the mail again."""
    actor = current_actor()
    msg = inbound.get_message(actor, message_id)
    require(_may_resolve(actor), "Kun departementet eller en administrator kan løse mails.")
    target = _plan_institution(actor, msg)
    if msg.state != "quarantined" or target is None or not msg.sender:
        flash("Mailen kan ikke løses sådan: den er ikke i karantæne, eller den nævner ingen "
              "plan, du kan ændre.", "error")
        return _back(message_id)
    try:
        institutions.add_address(actor, target, msg.sender, field="register")
    except (Invalid, Conflict) as error:
        return _page(msg, {"register": error.message}, status=422)
    flash(f"{msg.sender} er nu indberetningsadresse for {target.code}.", "info")
    try:
        inbound.reprocessor()(msg)
        msg = inbound.visible_after_reprocessing(actor, message_id)
    except Conflict as error:
        flash(f"Mailen blev ikke behandlet igen: {error.message}", "error")
    except NotFound as error:
        flash(error.message, "info")
        return redirect(url_for("web.intake"), code=303)
    else:
        flash(f"Mailen er behandlet igen: {intake_outcome(msg.state, msg.reason)}.", "info")
    return _back(message_id)


@bp.post("/intake/messages/<int:message_id>/discard")
def intake_discard(message_id: int) -> Response | tuple[str, int]:
    actor = current_actor()
    msg = inbound.get_message(actor, message_id)
    reason = request.form.get("reason") or ""
    try:
        inbound.discard_message(actor, msg, reason)
    except Invalid as error:
        return _page(msg, {error.field or "reason": error.message}, reason, 422)
    except Conflict as error:
        flash(error.message, "error")
        return _back(message_id)
    flash("Mailen er kasseret. Den bliver ikke behandlet igen.", "info")
    return _back(message_id)


def _back(message_id: int) -> Response:
    return redirect(url_for("web.intake_message", message_id=message_id), code=303)

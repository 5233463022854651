"""/intake/messages: every mail the poller saw, its state and reason, the raw .eml, and
reprocessing."""

from __future__ import annotations

from flask import Response
from flask.views import MethodView

from service.api.auth import current_actor, require_admin
from service.api.blueprint import Blueprint
from service.api.schemas.intake import (
    DiscardSchema,
    InboundMessageDetailSchema,
    InboundMessageSchema,
    IntakeStatusSchema,
    MessageQuerySchema,
)
from service.domain import inbound
from service.domain.models import InboundMessage

blp = Blueprint("intake", __name__, url_prefix="/api/v1/intake", description="E-mail intake")


@blp.route("/messages")
class Messages(MethodView):
    @blp.arguments(MessageQuerySchema(), location="query")
    @blp.response(200, InboundMessageSchema(many=True))
    @blp.paginate()
    def get(self, args: dict, pagination_parameters):
        """Inbound messages, newest first; filter by state, reason, sender and plan."""
        page = inbound.list_messages(
            current_actor(), inbound.MessageFilters(**args),
            pagination_parameters.page, pagination_parameters.page_size,
        )
        pagination_parameters.item_count = page.total
        return page.items


@blp.route("/messages/<int:message_id>")
class MessageById(MethodView):
    @blp.response(200, InboundMessageDetailSchema)
    @blp.problems(404)
    def get(self, message_id: int) -> InboundMessage:
        """One inbound message, with the mail sent in answer (``receipts``)."""
        return inbound.get_message(current_actor(), message_id)


@blp.route("/messages/<int:message_id>/raw")
class MessageRaw(MethodView):
    @blp.response(200, content_type="message/rfc822")
    @blp.problems(404)
    def get(self, message_id: int) -> Response:
        """The mail exactly as received (.eml)."""
        msg = inbound.get_message(current_actor(), message_id)
        from service.domain.errors import NotFound

        if msg.raw is None:
            raise NotFound("Mailen blev ikke hentet (den var for stor); den ligger i karantæne.")
        return Response(
            msg.raw, mimetype="message/rfc822",
            headers={"Content-Disposition": f'attachment; filename="message-{msg.id}.eml"'},
        )


@blp.route("/messages/<int:message_id>/reprocess")
class MessageReprocess(MethodView):
    @blp.response(200, InboundMessageSchema)
    @blp.problems(403, 404, 409)
    def post(self, message_id: int) -> InboundMessage:
        """Run a stored message through the pipeline again, without the IMAP server (after a
        sender address was registered, say). Department or admin. A message that is then
        attributed to another ministry is a 404 from now on, this answer included."""
        from service.domain.common import require

        actor = current_actor()
        message = inbound.get_message(actor, message_id)  # another tenant's: 404
        require(actor.is_admin or actor.is_department,
                "Kun departementet kan genbehandle beskeder.")
        inbound.reprocessor()(message)
        return inbound.visible_after_reprocessing(actor, message_id)


@blp.route("/messages/<int:message_id>/discard")
class MessageDiscard(MethodView):
    @blp.arguments(DiscardSchema())
    @blp.response(200, InboundMessageSchema)
    @blp.problems(403, 404, 409)
    def post(self, data: dict, message_id: int) -> InboundMessage:
        """Discard a quarantined message for good, with a reason (department, admin): its
        state becomes ``discarded``, final; the reason, who and when are stored on it and in
        the audit log. Not quarantined: 409."""
        actor = current_actor()
        message = inbound.get_message(actor, message_id)  # another tenant's: 404
        return inbound.discard_message(actor, message, data["reason"])


@blp.route("/status")
class IntakeStatus(MethodView):
    @blp.response(200, IntakeStatusSchema)
    @blp.problems(403)
    def get(self) -> dict:
        """Messages per state and the time of the last successful poll (admin)."""
        require_admin()
        return inbound.status()

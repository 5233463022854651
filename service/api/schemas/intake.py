"""Inbound messages of the e-mail intake."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from service.api.schemas.common import CodeRef, StrictSchema, text

STATES = ["received", "accepted", "rejected", "quarantined", "ignored", "discarded"]


class InboundMessageSchema(Schema):
    id = fields.Integer()
    state = fields.String()
    reason = fields.String(allow_none=True)
    detail = fields.String(allow_none=True)
    sender = fields.String(allow_none=True)
    subject = fields.String(allow_none=True)
    message_id = fields.String(allow_none=True)
    received_at = fields.DateTime()
    processed_at = fields.DateTime(allow_none=True)
    size = fields.Integer()
    plan = CodeRef("plan.reference", allow_none=True)
    followup = fields.Integer(attribute="followup_id", allow_none=True)
    attempts = fields.Integer()
    receipt = fields.String(attribute="receipt_state")
    mailbox = fields.String()
    discard_reason = fields.String(allow_none=True)
    discarded_by = fields.String(allow_none=True)
    discarded_at = fields.DateTime(allow_none=True)


class DiscardSchema(StrictSchema):
    reason = text(2000, required=True, multiline=True,
                  metadata={"example": "Reklame; ikke en rapport."})


class OutboundMessageSchema(Schema):
    """A mail the service sent (or will send) in answer: its text as stored when queued."""

    kind = fields.String(metadata={"description": "receipt or quarantine_answer"})
    to = fields.String()
    subject = fields.String()
    text = fields.String()
    queued_at = fields.DateTime()
    sent_at = fields.DateTime(allow_none=True, metadata={"description": "null: not sent yet"})
    attempts = fields.Integer()
    last_error = fields.String(allow_none=True)


class InboundMessageDetailSchema(InboundMessageSchema):
    receipts = fields.List(fields.Nested(OutboundMessageSchema))


class MessageQuerySchema(StrictSchema):
    state = fields.String(validate=validate.OneOf(STATES))
    reason = fields.String(validate=validate.Length(max=40))
    sender = fields.String(validate=validate.Length(max=320))
    plan = fields.String(validate=validate.Length(max=40))


class IntakeStatusSchema(Schema):
    counts = fields.Dict(keys=fields.String(), values=fields.Integer())
    last_successful_poll = fields.DateTime(allow_none=True)
    last_error = fields.String(allow_none=True)
    receipts_failed = fields.Integer()

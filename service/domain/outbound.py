"""Reading the stored outbound mail (the dashboard's and the API's view of what was sent)."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select

from service.domain.models import OutboundMessage
from service.extensions import db


def receipts_of(message_ids: Sequence[int]) -> dict[int, list[OutboundMessage]]:
    """The mail sent in answer to each of the inbound messages (receipts, answers), oldest
    first, in one query. The caller has scoped the messages."""
    found: dict[int, list[OutboundMessage]] = {}
    if not message_ids:
        return found
    for row in db.session.scalars(
        select(OutboundMessage)
        .where(OutboundMessage.inbound_message_id.in_(list(message_ids)))
        .order_by(OutboundMessage.id)
    ):
        found.setdefault(row.inbound_message_id or 0, []).append(row)
    return found

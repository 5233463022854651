"""The reference for ``bench/api.py``: the application plus one route that answers the
benchmark's plan list with the same body and totals, built by hand (SQLAlchemy Core rows
and plain dicts: no ORM objects, no marshmallow, no flask-smorest).

It is served by gunicorn exactly as ``mrp serve`` serves the application, so its requests
per second against ``/api/v1/health`` on the same server say how far any implementation of
that list can get on this stack: the target's ceiling, measured. Never part of the product.

    gunicorn --chdir bench reference_app:app
"""

from __future__ import annotations

import json
from typing import Any

from flask import Response, abort, request
from sqlalchemy import func, select

from service import create_app
from service.domain.models import Institution, Ministry, Plan
from service.domain.tokens import authenticate
from service.extensions import db

PATH = "/bench/plans-by-hand"

app = create_app()

_COLUMNS = (
    *Plan.__table__.c,
    Institution.code.label("institution_code"),
    Ministry.code.label("ministry_code"),
)


def _stamp(value: Any) -> str | None:
    return value.isoformat() if value is not None else None


@app.get(PATH)
def plans_by_hand() -> Response:
    """``/api/v1/plans?ministry=&year=&page_size=`` for an admin token, page 1."""
    header = request.headers.get("Authorization", "")
    if not header.startswith("Bearer ") or authenticate(header[7:].strip()) is None:
        abort(401)
    ministry = request.args["ministry"].upper()
    year = int(request.args["year"])
    size = int(request.args.get("page_size", 20))
    where = (Ministry.code == ministry, Plan.period_start <= year, Plan.period_end >= year)
    joined = select(*_COLUMNS).join(Plan.institution).join(Institution.ministry).where(*where)
    rows = db.session.execute(joined.order_by(Plan.id).limit(size)).all()
    total = len(rows)
    if total == size:
        total = db.session.scalar(
            select(func.count()).select_from(Plan).join(Plan.institution)
            .join(Institution.ministry).where(*where)
        ) or 0
    body = [
        {
            "id": r.id,
            "reference": r.reference,
            "institution": r.institution_code,
            "ministry": r.ministry_code,
            "title": r.title,
            "period_start": r.period_start,
            "period_end": r.period_end,
            "top_manager": {"name": r.top_manager_name, "title": r.top_manager_title}
            if r.top_manager_name else None,
            "followup_cadence": r.followup_cadence,
            "status": r.status,
            "approved_at": _stamp(r.approved_at),
            "approved_by": r.approved_by,
            "closed_at": _stamp(r.closed_at),
            "created_at": _stamp(r.created_at),
            "updated_at": _stamp(r.updated_at),
        }
        for r in rows
    ]
    response = app.json.response(body)
    pages = (total - 1) // size + 1 if total else 0
    response.headers["X-Pagination"] = json.dumps(
        {"total": total, "total_pages": pages, "first_page": 1, "last_page": pages, "page": 1}
    )
    return response

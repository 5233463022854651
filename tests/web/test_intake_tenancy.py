"""The dashboard's intake follows the API's rule of who sees which mail: a message of every
state and reason (``tests.support.intake_messages``), for everyone, on the intake page (each
state's tab), its .eml and its reprocess button."""

from __future__ import annotations

import re

import pytest

from service.web.labels import INTAKE_STATE_LABELS
from tests.support.factories import ok, plan_body
from tests.support.intake_messages import (
    ADDRESS,
    KINDS,
    NEVER_SEES,
    VIEWERS,
    build_messages,
    decided,
    mail,
    report,
    token_scope,
    viewer,
)
from tests.web.conftest import page_csrf

ROW = re.compile(r'<tr id="message-(\d+)"')


@pytest.mark.parametrize(("role", "scope"), VIEWERS, ids=lambda v: str(v))
def test_intake_pages_by_state_reason_and_viewer(client, admin, world, monkeypatch, signed_in,
                                                 role, scope):
    ids = build_messages(client, admin, world, monkeypatch)
    page = signed_in(role, **token_scope(role, scope))
    me = viewer(role, scope)
    shown: set[int] = set()
    for state in [None, *INTAKE_STATE_LABELS]:
        html = page.get("/intake" + (f"?state={state}" if state else "")).get_data(as_text=True)
        rows = {int(n) for n in ROW.findall(html)}
        expected = {ids[k.name] for k in KINDS if me in k.seen_by
                    and (k.state == state or (state is None
                                              and k.state in {"quarantined", "rejected"}))}
        assert rows == expected, (state, rows ^ expected)
        assert not {ref for ref in NEVER_SEES[me] if ref in html}, state
        shown |= rows
    assert shown == {ids[k.name] for k in KINDS if me in k.seen_by}
    csrf = page_csrf(page)
    for kind in KINDS:
        message_id = ids[kind.name]
        raw = page.get(f"/intake/messages/{message_id}/raw")
        assert raw.status_code == (200 if me in kind.seen_by else 404), kind.name
        response = page.post(f"/intake/messages/{message_id}/reprocess",
                             data={"csrf_token": csrf})
        if role == "institution":
            assert response.status_code == 403, kind.name
        elif me in kind.seen_by:
            assert response.status_code == 303, kind.name
        else:
            assert response.status_code == 404, kind.name
            assert not {ref for ref in NEVER_SEES[me] if ref in response.get_data(as_text=True)}


def test_reprocessed_into_another_ministry_the_page_says_only_that(client, admin, world,
                                                                   signed_in):
    msg = decided(mail(ADDRESS["UFST"], "[DST-2027] 2027-H1", report("DST-2027", "2027-H1"),
                       n=1), reason="unknown_plan")
    page = signed_in("department", ministry="SKM")
    assert f'id="message-{msg}"' in page.get("/intake").get_data(as_text=True)
    ok(client.post("/api/v1/plans", json=plan_body("DST", period_start=2027, period_end=2028),
                   headers=admin), 201)
    response = page.post(f"/intake/messages/{msg}/reprocess",
                         data={"csrf_token": page_csrf(page)})
    assert response.status_code == 303
    html = page.get("/intake").get_data(as_text=True)
    assert f"Besked {msg}: Beskeden er genbehandlet og hører nu under et andet område" in html
    assert f'id="message-{msg}"' not in html and "DST-2027" not in html

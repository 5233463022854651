"""The plan's page shows the conversation per period: the report, the department's answer
and the report sent again, in order and in plain Danish; and offers it as a workbook."""

from __future__ import annotations

import csv
import io
import re

from service.domain.models import FollowUp
from service.extensions import db
from service.web.labels import format_datetime
from tests.support.factories import ok
from tests.web.switching import sign_in_as


def _section(html: str) -> str:
    start = html.index('id="h-conversation"')
    return html[start:html.index("</section>", start)]


def _steps(section: str) -> list[str]:
    return re.findall(r'data-kind="(\w+)"', section)


def test_the_institution_reads_the_conversation_in_order(client, admin, token, plans, report):
    dst = plans["DST"]["id"]
    page = sign_in_as(client, token, "institution", institution="DST")
    assert "Der er endnu ingen dialog" in _section(
        page.get(f"/plans/{dst}").get_data(as_text=True))
    first = report(dst, "2026-H1", M1="on_track", M2="at_risk", M3="on_track")
    fm = token("department", ministry="FM")
    ok(client.post(f"/api/v1/followups/{first['id']}/review", headers=fm, json={
        "decision": "returned", "comment": "Forklar afvigelsen på M2.",
        "goals": [{"goal": "M2", "comment": "Hvorfor udfordret?"}]}))
    second = report(dst, "2026-H1", M1="on_track", M2="on_track", M3="on_track")
    ok(client.post(f"/api/v1/followups/{second['id']}/review", headers=fm,
                   json={"decision": "acknowledged"}))
    late = report(dst, "2026-H2", M1="grøn", M9="on_track")
    assert late["status"] == "rejected"

    html = page.get(f"/plans/{dst}").get_data(as_text=True)
    section = _section(html)
    assert section.startswith('id="h-conversation">Dialog med departementet</h2>')
    h1 = section.index(">1. halvår 2026</h3>")
    h2 = section.index(">2. halvår 2026</h3>")
    assert h1 < h2
    assert _steps(section[h1:h2]) == ["report", "review", "resubmission", "review"]
    assert _steps(section[h2:]) == ["report"]
    assert "afvist" in section[h2:]
    first_part = section[h1:h2]
    assert "Opfølgning modtaget" in first_part and "Ny opfølgning modtaget" in first_part
    assert "Departementets svar: sendt tilbage til institutionen" in first_part
    assert "Departementets svar: kvitteret" in first_part
    assert '<p class="review-comment">Forklar afvigelsen på M2.</p>' in first_part
    assert "<dt>M2</dt><dd>Hvorfor udfordret?</dd>" in first_part
    assert "via API" in first_part and "erstattet" in first_part
    db.session.expire_all()
    received = db.session.get(FollowUp, first["id"]).received_at
    assert format_datetime(received) in first_part  # 27.11.2026 kl. 09.15, Danish time
    assert "2026-H1" not in re.sub(r'<[^>]+>', "", first_part)  # codes only in attributes
    assert f'href="#followup-{first["id"]}"' in first_part

    response = page.get(f"/plans/{dst}/conversation.csv")
    assert response.status_code == 200
    assert 'filename="dialog-DST-2026.csv"' in response.headers["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff")),
                           delimiter=";"))
    assert [r[6] for r in rows[1:]] == [
        "Opfølgning modtaget", "Departementets svar", "Ny opfølgning modtaget",
        "Departementets svar", "Opfølgning modtaget"]
    assert rows[2][12:14] == ["sendt tilbage til institutionen", "Forklar afvigelsen på M2."]


def test_another_institution_sees_neither_the_page_nor_the_file(client, token, plans, report):
    dst = plans["DST"]["id"]
    report(dst, "2026-H1", M1="on_track")
    page = sign_in_as(client, token, "institution", institution="UFST")
    assert page.get(f"/plans/{dst}").status_code == 404
    assert page.get(f"/plans/{dst}/conversation.xlsx").status_code == 404
    page = sign_in_as(client, token, "department", ministry="SKM")
    assert page.get(f"/plans/{dst}/conversation.csv").status_code == 404
    assert page.get(f"/plans/{dst}/conversation.pdf").status_code == 404

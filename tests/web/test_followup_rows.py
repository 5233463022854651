"""A follow-up's rows as a table (the ``followup_rows`` macro of web/_macros.html): per goal
the status light, the measured value, the progress and the comment, and what the report
wrote where it could not be read. The plan page's history and the follow-up's kvittering
show the same table."""

from __future__ import annotations

import re
from types import SimpleNamespace

from flask import Flask


def _row(**fields: object) -> SimpleNamespace:
    blank = {"status": None, "status_raw": None, "value": None, "value_raw": None,
             "progress": None, "progress_raw": None, "comment": None}
    return SimpleNamespace(**{**blank, **fields})


def _render(app: Flask, followup: SimpleNamespace, **region: str) -> str:
    with app.app_context():
        macro = app.jinja_env.get_template("web/_macros.html").module.followup_rows
        return str(macro(followup, **region))


def _cells(html: str) -> list[list[str]]:
    body = html.split("<tbody>", 1)[1].split("</tbody>", 1)[0]
    return [[re.sub(r"<[^>]+>", "", cell).strip()
             for cell in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row, re.S)]
            for row in re.findall(r"<tr>(.*?)</tr>", body, re.S)]


def test_read_values_in_danish_and_unread_ones_as_the_report_wrote_them(app):
    followup = SimpleNamespace(goals=[
        _row(goal_code="M1", status="on_track", value=35.5, progress=50,
             comment="Sagerne går hurtigere."),
        _row(goal_code="M2", status_raw="grønt-ish", value_raw="ca. 40"),
        _row(goal_code="M3"),
    ])
    html = _render(app, followup, labelledby="h-rows")
    assert _cells(html) == [
        ["M1", "På rette spor", "35,5", "50 %", "Sagerne går hurtigere."],
        ["M2", "grønt-ish", "ca. 40", "–", ""],
        ["M3", "–", "–", "–", ""],
    ]
    assert 'data-status="on_track"' in html
    assert [h.strip() for h in re.findall(r'<th scope="col"[^>]*>([^<]*)</th>', html)] == [
        "Mål", "Status", "Målt værdi", "Fremdrift", "Kommentar"]


def test_the_region_is_named_by_its_heading_or_its_own_label(app):
    followup = SimpleNamespace(goals=[])
    by_heading = _render(app, followup, labelledby="h-rows")
    assert 'aria-labelledby="h-rows"' in by_heading and "aria-label=" not in by_heading
    by_label = _render(app, followup, label="Opfølgning 7")
    assert 'aria-label="Opfølgning 7"' in by_label and "aria-labelledby" not in by_label


def test_the_plan_page_and_the_receipt_show_the_same_rows(signed_in, plans, report):
    dst = plans["DST"]["id"]
    sent = report(dst, "2026-H1", M1="achieved", M2="at_risk", M3="on_track")
    client = signed_in("department", ministry="FM")
    receipt = client.get(f"/plans/{dst}/followups/{sent['id']}").get_data(as_text=True)
    plan = client.get(f"/plans/{dst}?period=2026-H1").get_data(as_text=True)
    in_plan = plan.split(f'id="followup-{sent["id"]}"', 1)[1]
    assert f'aria-label="Opfølgning {sent["id"]}"' in in_plan
    rows = _cells(receipt.split('id="h-receipt-rows"', 1)[1])
    assert rows == _cells(in_plan)
    assert [r[:2] for r in rows] == [
        ["M1", "Opfyldt"], ["M2", "Udfordret"], ["M3", "På rette spor"]]
    assert all(r[2:] == ["35", "50 %", "Kommentar."] for r in rows)

"""Plain Danish where a person reads: periods as ``2. halvår 2026`` (never ``2026-H2``) on
the pages, in a receipt, in the template workbook and the exports; rule codes only in a
tooltip; the change log with Danish labels and values, never Python's ``False`` or ``[``."""

from __future__ import annotations

import io
import re

from openpyxl import load_workbook

from service.mail.receipts import RULES_HEADING, ReceiptFinding, receipt_text
from service.web.changelog import value_lines
from tests.support.factories import ok

JINJA_FREE = re.compile(r"<script.*?</script>|<style.*?</style>", re.S)


def visible(html: str) -> str:
    """The page's text: without tags and their attributes."""
    text = " ".join(re.sub(r"<[^>]*>", " ", JINJA_FREE.sub(" ", html)).split())
    return text.replace(" :", ":")


def section(html: str, heading_id: str) -> str:
    return html[html.index(f'id="{heading_id}"'):].split("</section>")[0]


def test_the_overview_names_periods_in_words(signed_in, plans, report):
    report(plans["DST"]["id"], "2026-H2", M1="on_track")
    client = signed_in("admin")
    html = client.get("/?period=2026-H2").get_data(as_text=True)
    text = visible(html)
    assert "Overblik · 2. halvår 2026" in text
    assert "1. halvår 2026" in text  # the chart's table of the earlier periods
    assert "2026-H" not in text
    assert '<option value="1. halvår 2026">' in html  # the period field's suggestions
    assert "skal være modtaget senest 30. januar 2027." in text  # a date in running text
    # the field accepts the words it shows
    again = client.get("/?period=2.+halvår+2026").get_data(as_text=True)
    assert "Overblik · 2. halvår 2026" in visible(again) and "er ikke en periode" not in again


def test_the_plan_page_names_periods_in_words_and_hides_rule_codes(
    signed_in, plans, client, admin
):
    dst = plans["DST"]["id"]
    ok(client.post(f"/api/v1/plans/{dst}/followups", headers=admin, json={
        "period": "2026-H1", "goals": [{"goal": "M9", "status": "on_track"}]}), 201)
    html = signed_in("admin").get(f"/plans/{dst}").get_data(as_text=True)
    text = visible(html)
    assert "1. halvår 2026" in text and "2026-H" not in text
    assert '<option value="2026-H2"' in html  # the code stays for the download
    # the rule code: in the tooltip of the message, not in the text
    assert "followup.unknown-goal" not in text
    assert re.search(r'title="Regel: followup\.unknown-goal"', html)
    assert ">afvist<" in html  # the follow-up's state, in the glossary's word


def test_the_change_log_of_an_edited_goal_reads_as_danish(signed_in, plans, client, admin):
    dst = plans["DST"]["id"]
    goals = ok(client.get(f"/api/v1/plans/{dst}/goals", headers=admin))
    goals = goals.get("items", goals) if isinstance(goals, dict) else goals
    m3 = next(g for g in goals if g["code"] == "M3")
    ok(client.patch(f"/api/v1/goals/{m3['id']}", headers=admin, json={
        "reason": "Ny plan for lanceringen", "politically_fixed": True,
        "milestones": [{"title": "Lancering", "due_date": "2027-05-31", "done": True},
                       {"title": "Evaluering", "due_date": "2027-11-30", "done": False}]}))
    html = signed_in("admin").get(f"/plans/{dst}").get_data(as_text=True)
    log = section(html, "h-audit")
    text = visible(log)
    assert "Mål ændret" in text and "M3 · Ny statistikbank" in text
    assert "Ny plan for lanceringen" in text
    assert "Politisk resultatkrav: Nej → Ja" in text
    assert "Milepæle:" in text
    assert "31. maj 2027 · Lancering (ikke nået)" in text
    assert "31. maj 2027 · Lancering (nået)" in text
    assert "30. november 2027 · Evaluering (ikke nået)" in text
    assert re.search(r"\d{2}\.\d{2}\.\d{4} kl\. \d{2}\.\d{2}", text)  # when, in Danish
    assert "test-admin (administrator)" in text  # who
    for python in ("False", "True", "None", "[", "{", "_"):
        assert python not in text, python
    for code in ("politically_fixed", "due_date", "milestones"):
        assert code not in log, code


def test_change_values_as_a_person_reads_them():
    assert value_lines(False, "done", "goal") == ["Nej"]
    assert value_lines(None, "owner", "goal") == ["–"]
    assert value_lines("project", "task_type", "goal") == ["Projektlignende opgave"]
    assert value_lines("2027-06-30", "deadline", "goal") == ["30. juni 2027"]
    assert value_lines(1234.5, "target", "goal") == ["1.234,5"]
    assert value_lines("approved", "status", "plan") == ["Godkendt"]
    assert value_lines([], "milestones", "goal") == ["ingen"]
    assert value_lines([{"name": "Fejlrate", "unit": "%", "baseline": 90, "baseline_year": 2025,
                         "target": 95.5, "direction": "increase", "data_source": None}],
                       "indicators", "goal") == [
        "Fejlrate (%): udgangspunkt 90 (2025), målværdi 95,5, øge"]


def test_a_receipt_names_the_period_in_words_and_keeps_rule_codes_apart():
    text = receipt_text(accepted=False, plan="DST-2026", period="2026-H2", findings=[
        ReceiptFinding("followup.late", "warning", "Opfølgningen kom for sent.", None),
        ReceiptFinding("followup.unknown-goal", "error", "Målet findes ikke.", "M9")])
    assert "Jeres opfølgning på DST-2026 for 2. halvår 2026 er afvist" in text
    assert "2026-H2" not in text
    body, _, support = text.partition(RULES_HEADING)
    assert "followup.late" not in body and "[" not in body
    assert "  - Mål M9 (fejl): Målet findes ikke." in body
    assert "Regel followup.unknown-goal (Mål M9)" in support
    assert "Regel followup.late (Rapporten)" in support


def test_the_template_workbook_and_the_overview_export_name_the_period(
    client, admin, plans
):
    dst = plans["DST"]["id"]
    response = client.get(f"/api/v1/plans/{dst}/followup-template.xlsx?period=2026-H2",
                          headers=admin)
    ws = load_workbook(io.BytesIO(response.data))["Opfølgning"]
    assert (ws["A3"].value, ws["B3"].value, ws["C3"].value) == (
        "Periode", "2026-H2", "2. halvår 2026")
    assert ws["B6"].value == "30. januar 2027"
    headers = [c.value for c in ws[8]]
    assert "Udgangspunkt" in headers and "Målværdi" in headers and "Baseline" not in headers
    csv = client.get("/api/v1/exports/overview?period=2026-H2&format=csv",
                     headers=admin).data.decode("utf-8-sig")
    head, first = csv.splitlines()[:2]
    assert head.startswith("Periode;Periode i tekst;")
    assert first.startswith("2026-H2;2. halvår 2026;")

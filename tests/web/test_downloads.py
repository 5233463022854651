"""The files on the dashboard's pages: a plan and the list of plans (XLSX, CSV), the
overview (XLSX, CSV) and the annual report's account of the year (HTML, Markdown, Word),
each the same file the API serves, and scoped as the API."""

from __future__ import annotations

import io
import re
from typing import Any

import pytest
from docx import Document
from flask.testing import FlaskClient
from openpyxl import load_workbook

from tests.support.factories import goal_body, ok, plan_body
from tests.web.switching import sign_in_as

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def _cells(data: bytes) -> list[tuple[Any, ...]]:
    """A workbook's cells (its bytes differ by the second it was written in)."""
    sheet = load_workbook(io.BytesIO(data)).active
    return [tuple(row) for row in sheet.iter_rows(values_only=True)]


def _same(web: Any, api: Any, fmt: str, *, same_name: bool = True) -> None:
    assert web.status_code == 200, web.get_data(as_text=True)
    assert api.status_code == 200, api.get_data(as_text=True)
    assert web.headers["Content-Type"] == api.headers["Content-Type"]
    if same_name:  # a plan's file is named for the plan, the API's list for the plans
        assert web.headers["Content-Disposition"] == api.headers["Content-Disposition"]
    if fmt == "xlsx":
        assert _cells(web.data) == _cells(api.data)
    elif fmt == "docx":
        assert _docx_text(web.data) == _docx_text(api.data)
    else:
        assert web.data == api.data


def _docx_text(data: bytes) -> list[str]:
    document = Document(io.BytesIO(data))
    return [p.text for p in document.paragraphs] + [
        c.text for t in document.tables for r in t.rows for c in r.cells]


@pytest.fixture
def world(client: FlaskClient, admin: dict[str, str], plans: dict[str, Any],
          report: Any) -> dict[str, Any]:
    """The two ministries' approved plans, a report for 2026-H2 on DST-2026 and a draft
    DST-2028."""
    report(plans["DST"]["id"], "2026-H2", M1="achieved", M2="on_track", M3="at_risk")
    draft = ok(client.post("/api/v1/plans", headers=admin, json=plan_body(
        "DST", title="Næste plan", period_start=2028, period_end=2028)), 201)
    ok(client.post(f"/api/v1/plans/{draft['id']}/goals", headers=admin,
                   json=goal_body(deadline="2028-12-31")), 201)
    return {**plans, "draft": draft}


@pytest.mark.parametrize("fmt", ["xlsx", "csv"])
def test_the_plan_page_offers_the_plan(client, admin, token, world, fmt):
    sign_in_as(client, token, "department", ministry="FM")
    plan_id = world["DST"]["id"]
    page = client.get(f"/plans/{plan_id}").get_data(as_text=True)
    assert f'href="/plans/{plan_id}/export.{fmt}" download>' in page
    web = client.get(f"/plans/{plan_id}/export.{fmt}")
    api = client.get(f"/api/v1/exports/plans?reference=DST-2026&format={fmt}", headers=admin)
    _same(web, api, fmt, same_name=False)
    assert web.headers["Content-Type"].split(";")[0] == (XLSX if fmt == "xlsx" else "text/csv")
    assert f'filename="plan-DST-2026.{fmt}"' in web.headers["Content-Disposition"]
    rows = _cells(web.data) if fmt == "xlsx" else [
        tuple(line.split(";")) for line in web.data.decode("utf-8-sig").splitlines()]
    assert rows[0][:3] == ("Ministerområde", "Institution", "Planreference")
    assert [r[2] for r in rows[1:]] == ["DST-2026"] * 3  # the plan's three goals, no other
    assert [r[6] for r in rows[1:]] == ["M1", "M2", "M3"]


def test_the_list_offers_its_plans_with_its_filters(client, admin, token, world):
    sign_in_as(client, token, "department", ministry="FM")
    page = client.get("/plans?status=draft").get_data(as_text=True)
    assert 'href="/plans/export.csv?status=draft" download>CSV (.csv)</a>' in page
    web = client.get("/plans/export.csv?status=draft")
    _same(web, client.get("/api/v1/exports/plans?status=draft&format=csv", headers=admin),
          "csv")
    assert "DST-2028" in web.data.decode() and "DST-2026" not in web.data.decode()
    _same(client.get("/plans/export.xlsx?q=plan&year=2027"),
          client.get("/api/v1/exports/plans?q=plan&year=2027&format=xlsx",
                     headers=token("department", ministry="FM")), "xlsx")


@pytest.mark.parametrize("fmt", ["xlsx", "csv"])
def test_the_overview_offers_itself_for_its_period_and_filters(client, admin, token, world,
                                                               fmt):
    sign_in_as(client, token, "department", ministry="FM")
    page = client.get("/?period=2026-H2&task_type=operations").get_data(as_text=True)
    href = f"/overview/export.{fmt}?period=2026-H2&amp;task_type=operations"
    assert f'href="{href}" download>' in page
    assert "Overblikket for 2. halvår 2026 med de valgte filtre" in page
    web = client.get(href.replace("&amp;", "&"))
    api = client.get(f"/api/v1/exports/overview?period=2026-H2&task_type=operations"
                     f"&format={fmt}", headers=token("department", ministry="FM"))
    _same(web, api, fmt)
    assert 'filename="overblik-2026-H2.' in web.headers["Content-Disposition"]
    text = str(_cells(web.data)) if fmt == "xlsx" else web.data.decode("utf-8-sig")
    assert "DST-2026" in text and "Opfyldt" in text
    assert "UFST" not in text  # another ministry's plan is not in it
    assert "M3" not in text  # a project goal: not of the chosen task type


@pytest.mark.parametrize("fmt", ["html", "md", "docx"])
def test_the_overview_offers_the_annual_report(client, admin, token, world, fmt):
    sign_in_as(client, token, "department", ministry="FM")
    page = client.get("/?period=2026-H2&institution=DST").get_data(as_text=True)
    form = re.search(r'<form method="get" action="/annual-report".*?</form>', page, re.S)
    assert form, page
    assert '<option value="DST" selected>' in form.group(0)
    assert 'name="year" value="2026"' in form.group(0)
    assert f'name="format" value="{fmt}"' in form.group(0)
    web = client.get(f"/annual-report?institution=DST&year=2026&format={fmt}")
    api = client.get(f"/api/v1/institutions/DST/annual-report?year=2026&format={fmt}",
                     headers=admin)
    _same(web, api, fmt)
    mimetype = {"html": "text/html", "md": "text/markdown", "docx": DOCX}[fmt]
    assert web.headers["Content-Type"].split(";")[0] == mimetype
    disposition = web.headers["Content-Disposition"]
    assert disposition.startswith("inline" if fmt == "html" else "attachment")
    assert f'filename="faglige-resultater-DST-2026.{fmt}"' in disposition
    if fmt == "docx":
        text = _docx_text(web.data)
        assert "Faglige resultater 2026" in text and "M1 Kortere sagsbehandlingstid" in text
    else:
        body = web.get_data(as_text=True)
        assert "Faglige resultater 2026" in body and "Opfyldt" in body
    if fmt == "html":  # its inline style, nothing else
        assert web.headers["Content-Security-Policy"].startswith(
            "default-src 'none'; style-src 'unsafe-inline'")


def test_downloads_are_scoped_as_the_api(client, token, world):
    sign_in_as(client, token, "department", ministry="SKM")
    assert client.get(f"/plans/{world['DST']['id']}/export.xlsx").status_code == 404
    assert client.get("/annual-report?institution=DST&year=2026&format=md").status_code == 404
    assert "DST" not in client.get("/plans/export.csv?q=DST").data.decode("utf-8-sig")
    assert "DST" not in client.get("/overview/export.csv?period=2026-H2").data.decode()
    sign_in_as(client, token, "institution", institution="DST")
    own = client.get("/annual-report?year=2026&format=md")  # an institution's own
    assert own.status_code == 200 and "(DST)" in own.get_data(as_text=True)


def test_unusable_downloads_are_said(client, token, world):
    sign_in_as(client, token, "department", ministry="FM")
    assert client.get(f"/plans/{world['DST']['id']}/export.pdf").status_code == 404
    assert client.get("/annual-report?institution=DST&year=2026&format=pdf").status_code == 404
    response = client.get("/annual-report?year=2026&format=md&period=2026-H2")
    assert response.status_code == 303 and response.headers["Location"] == "/?period=2026-H2"
    assert "Vælg den institution" in client.get("/?period=2026-H2").get_data(as_text=True)
    response = client.get("/annual-report?institution=DST&year=abc&format=md")
    assert response.status_code == 303
    assert "Skriv årstallet for årsrapporten" in client.get("/").get_data(as_text=True)

"""The list of plans at /plans: drafts too, each filter narrowing, the search on reference
or title (any case, wildcards literal), the tenant's plans only; the API's ``q`` and
``reference``; and the overview's notice of drafts awaiting approval."""

from __future__ import annotations

import re
from typing import Any

import pytest
from flask.testing import FlaskClient

from service.web import plan_list
from tests.support.factories import goal_body, ok, plan_body
from tests.web.switching import sign_in_as

ROW_RE = re.compile(r'<tr data-plan="([^"]+)"')


def _rows(client: FlaskClient, query: str = "") -> list[str]:
    response = client.get(f"/plans{'?' + query if query else ''}")
    assert response.status_code == 200, response.get_data(as_text=True)
    return ROW_RE.findall(response.get_data(as_text=True))


@pytest.fixture
def signed_in(client: FlaskClient, token):
    """``signed_in("department", ministry="FM")``: the client, as that person only."""
    return lambda role="admin", **scope: sign_in_as(client, token, role, **scope)


@pytest.fixture
def many(client: FlaskClient, admin: dict[str, str], plans: dict[str, Any]) -> dict[str, Any]:
    """FM: DST-2026 (approved, 2026–2027, operations and project goals), the drafts
    DST-2028 (»Digital omstilling 100% _nu«, a project goal) and DST-2029 (»Øget
    kvalitet«, operations); SKM: UFST-2026 (closed, operations)."""
    digital = ok(client.post("/api/v1/plans", headers=admin, json=plan_body(
        "DST", title="Digital omstilling 100% _nu", period_start=2028, period_end=2028)), 201)
    ok(client.post(f"/api/v1/plans/{digital['id']}/goals", headers=admin, json=goal_body(
        task_type="project", deadline="2028-12-31")), 201)
    quality = ok(client.post("/api/v1/plans", headers=admin, json=plan_body(
        "DST", title="Øget kvalitet", period_start=2029, period_end=2029)), 201)
    ok(client.post(f"/api/v1/plans/{quality['id']}/goals", headers=admin,
                   json=goal_body(deadline="2029-12-31")), 201)
    ok(client.post(f"/api/v1/plans/{plans['UFST']['id']}/close", headers=admin,
                   json={"reason": "Erstattet"}))
    assert (digital["reference"], quality["reference"]) == ("DST-2028", "DST-2029")
    return {**plans, "digital": digital, "quality": quality}


def test_every_plan_is_listed_drafts_too(signed_in, many):
    client = signed_in("admin")
    assert _rows(client) == ["DST-2026", "UFST-2026", "DST-2028", "DST-2029"]
    html = client.get("/plans").get_data(as_text=True)
    assert "<caption" in html and "4 planer" in html
    assert '<th scope="col">Reference</th>' in html
    assert re.search(r'<form method="get" action="/plans"[^>]*aria-labelledby="h-plan-filters"',
                     html)
    for field in ("f-q", "f-status", "f-institution", "f-year", "f-task-type"):
        assert f'<label for="{field}">' in html
    assert 'href="/plans" aria-current="page">Planer</a>' in html  # the menu
    assert '<span class="badge plan-draft">Kladde</span>' in html


@pytest.mark.parametrize(("query", "expected"), [
    ("status=draft", ["DST-2028", "DST-2029"]),
    ("status=approved", ["DST-2026"]),
    ("status=closed", ["UFST-2026"]),
    ("institution=ufst", ["UFST-2026"]),
    ("institution=DST&status=draft", ["DST-2028", "DST-2029"]),
    ("year=2027", ["DST-2026", "UFST-2026"]),
    ("year=2029", ["DST-2029"]),
    ("task_type=project", ["DST-2026", "DST-2028"]),
    ("task_type=project&status=draft", ["DST-2028"]),
    ("q=digital", ["DST-2028"]),
    ("q=DIGITAL+omstilling", ["DST-2028"]),
    ("q=dst-202", ["DST-2026", "DST-2028", "DST-2029"]),
    ("q=ufst", ["UFST-2026"]),
    ("q=%25", ["DST-2028"]),  # a literal %, not any text
    ("q=_", ["DST-2028"]),  # a literal _, not any character
    ("q=0%25+_", ["DST-2028"]),
    ("q=øget", ["DST-2029"]),  # Ø in any case, on SQLite too
    ("q=ØGET+KVALITET", ["DST-2029"]),
    ("q=x%25y", []),
])
def test_each_filter_and_the_search_narrow(signed_in, many, query, expected):
    assert _rows(signed_in("admin"), query) == expected


def test_filters_stay_in_the_form_and_unknown_ones_are_said(signed_in, many):
    client = signed_in("admin")
    html = client.get("/plans?status=draft&q=Øget&year=2029").get_data(as_text=True)
    assert '<option value="draft" selected>Kladde</option>' in html
    assert 'name="q" type="search" value="Øget"' in html
    assert 'name="year" value="2029"' in html
    html = client.get("/plans?status=bogus&year=abc&task_type=x").get_data(as_text=True)
    assert "<title>Fejl: Planer" in html
    summary = re.search(r'<div class="error-summary".*?</div>', html, re.S)
    assert summary
    assert '<a href="#f-status">Ukendt status; filteret er ikke brugt.</a>' in summary.group(0)
    assert 'href="#f-year">»abc« er ikke et årstal' in summary.group(0)
    assert 'href="#f-task-type">Ukendt opgavetype' in summary.group(0)
    assert ROW_RE.findall(html) == ["DST-2026", "UFST-2026", "DST-2028", "DST-2029"]
    assert "Ingen planer matcher filtrene." in client.get("/plans?q=zzz").get_data(as_text=True)


def test_pages_keep_the_filters(signed_in, many, monkeypatch):
    monkeypatch.setattr(plan_list, "PAGE_SIZE", 1)
    client = signed_in("admin")
    html = client.get("/plans?status=draft").get_data(as_text=True)
    assert ROW_RE.findall(html) == ["DST-2028"]
    assert "2 planer, nr. 1–1" in html and "Side 1 af 2" in html
    assert 'href="/plans?status=draft&amp;page=2" rel="next">Næste side</a>' in html
    html = client.get("/plans?status=draft&page=2").get_data(as_text=True)
    assert ROW_RE.findall(html) == ["DST-2029"]
    assert 'href="/plans?status=draft" rel="prev">Forrige side</a>' in html
    assert "Næste side" not in html
    assert _rows(client, "status=draft&page=x") == ["DST-2028"]


def test_a_department_sees_its_own_ministrys_plans_only(signed_in, many):
    skm = signed_in("department", ministry="SKM")
    assert _rows(skm) == ["UFST-2026"]
    assert _rows(skm, "q=DST") == []
    assert _rows(skm, "institution=DST") == []
    assert _rows(skm, "status=draft") == []
    assert "DST" not in skm.get("/plans").get_data(as_text=True)
    fm = signed_in("department", ministry="FM")
    assert _rows(fm) == ["DST-2026", "DST-2028", "DST-2029"]
    assert _rows(fm, "q=ufst") == []


def test_an_institution_sees_its_own_plans(signed_in, many):
    assert _rows(signed_in("institution", institution="UFST")) == ["UFST-2026"]
    assert _rows(signed_in("institution", institution="DST"), "status=draft") == [
        "DST-2028", "DST-2029"]


def test_the_api_searches_with_q_and_finds_one_reference(client, admin, token, many):
    def refs(query: str, headers: dict[str, str] = admin) -> list[str]:
        return [p["reference"] for p in ok(client.get(f"/api/v1/plans?{query}",
                                                      headers=headers))]

    assert refs("q=digital") == ["DST-2028"]
    assert refs("q=%25") == ["DST-2028"]
    assert refs("q=øGET") == ["DST-2029"]
    assert refs("reference=dst-2026") == ["DST-2026"]
    assert refs("q=dst", token("department", ministry="SKM")) == []
    response = client.get("/api/v1/plans?q=" + "x" * 101, headers=admin)
    assert response.status_code == 422 and "q" in str(response.get_json()["errors"])
    spec = client.get("/api/openapi.json").get_json()
    params = {p["name"]: p for p in spec["paths"]["/api/v1/plans"]["get"]["parameters"]}
    assert "reference or the title" in params["q"]["description"]
    assert "reference" in params
    overview = spec["components"]["schemas"]["Overview"]["properties"]
    assert "drafts" in overview and "awaiting approval" in overview["drafts"]["description"]


# -- the overview's notice --------------------------------------------------------------------


NOTICE_RE = re.compile(r'<p class="notice drafts-notice" id="drafts-notice"><a href="([^"]+)">'
                       r"([^<]+)</a></p>")


def test_the_overview_says_how_many_drafts_await_approval(signed_in, client, admin, token,
                                                           many):
    fm = signed_in("department", ministry="FM")
    html = fm.get("/?period=2026-H1").get_data(as_text=True)
    match = NOTICE_RE.search(html)
    assert match, html
    assert match.groups() == ("/plans?status=draft",
                              "2 planer er kladder og venter på godkendelse")
    assert ROW_RE.findall(fm.get(match.group(1).replace("&amp;", "&")).get_data(
        as_text=True)) == ["DST-2028", "DST-2029"]
    # the institution filter of the overview carries over to the link
    match = NOTICE_RE.search(fm.get("/?period=2026-H1&institution=DST").get_data(as_text=True))
    assert match and match.group(1) == "/plans?status=draft&amp;institution=DST"
    # SKM has no drafts: no notice; nor has an institution, which cannot approve
    assert 'id="drafts-notice"' not in signed_in("department", ministry="SKM").get(
        "/?period=2026-H1").get_data(as_text=True)
    assert 'id="drafts-notice"' not in signed_in("institution", institution="DST").get(
        "/?period=2026-H1").get_data(as_text=True)
    # one draft: singular
    ok(client.post(f"/api/v1/plans/{many['quality']['id']}/approve", headers=admin))
    match = NOTICE_RE.search(signed_in("admin").get("/?period=2026-H1").get_data(as_text=True))
    assert match and match.group(2) == "1 plan er kladde og venter på godkendelse"
    # the API says the same
    assert ok(client.get("/api/v1/overview?period=2026-H1", headers=admin))["drafts"] == 1
    skm = token("department", ministry="SKM")
    assert ok(client.get("/api/v1/overview?period=2026-H1", headers=skm))["drafts"] == 0
    assert ok(client.get("/api/v1/overview?period=2026-H1&institution=UFST",
                         headers=admin))["drafts"] == 0

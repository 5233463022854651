"""The overview, the plan page and the error pages, through the same scoping as the API."""

from __future__ import annotations

import re

import pytest

from service.domain.tokens import create_token
from tests.support.factories import ok
from tests.web.conftest import sign_in


def _lights(html: str) -> dict[str, list[tuple[str, str]]]:
    """{plan reference: [(status code, visible word), …]} from the overview table."""
    rows = {}
    for ref, body in re.findall(r'<tr data-plan="([^"]+)">(.*?)</tr>', html, re.S):
        rows[ref] = [
            (code, word) for code, word in re.findall(
                r'<td class="light light-[a-z-]+" data-status="([a-z_]+)".*?'
                r'<span class="light-text">([^<]+)</span>', body, re.S)
        ]
    return rows


def test_overview_shows_traffic_lights_and_report_state(signed_in, plans, report):
    report(plans["DST"]["id"], "2026-H1", M1="on_track", M2="at_risk", M3="off_track")
    client = signed_in("admin")
    response = client.get("/?period=2026-H1")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    lights = _lights(html)
    assert lights["DST-2026"] == [("on_track", "På rette spor"), ("at_risk", "Udfordret"),
                                  ("off_track", "Ikke på rette spor")]
    assert lights["UFST-2026"] == [("unreported", "Ikke rapporteret")]
    assert 'title="M1 · Kortere sagsbehandlingstid: På rette spor (grøn)' in html
    assert "(gul)" in html and "(rød)" in html
    assert "light-green" in html and "light-yellow" in html and "light-red" in html
    # report state in Danish words: 2026-H1's reports were due on 30.07.2026, so DST's
    # report (received now) is late and UFST's is missing
    dst_row = re.search(r'<tr data-plan="DST-2026">(.*?)</tr>', html, re.S).group(1)
    assert ">for sent<" in dst_row
    ufst_row = re.search(r'<tr data-plan="UFST-2026">(.*?)</tr>', html, re.S).group(1)
    assert ">mangler<" in ufst_row


def test_overview_period_defaults_to_the_current_half_year(signed_in, plans):
    from service.vocabulary import period_text
    from service.web.queries import current_half_year

    html = signed_in("admin").get("/").get_data(as_text=True)
    assert f"<h1>Overblik · {period_text(current_half_year())}</h1>" in html


def test_overview_shows_only_the_departments_ministry(signed_in, plans, report):
    report(plans["DST"]["id"], "2026-H1", M1="on_track", M2="on_track", M3="achieved")
    html = signed_in("department", ministry="SKM").get("/?period=2026-H1").get_data(as_text=True)
    assert "UFST-2026" in html
    assert "DST-2026" not in html and "Danmarks Statistik" not in html
    assert "SKM Skatteministeriet" in html


def test_overview_filters(signed_in, plans, report):
    report(plans["DST"]["id"], "2026-H1", M1="on_track", M2="at_risk", M3="achieved")
    client = signed_in("admin")
    html = client.get("/?period=2026-H1&institution=dst&task_type=project").get_data(as_text=True)
    assert _lights(html) == {"DST-2026": [("achieved", "Opfyldt")]}
    html = client.get("/?period=2026-H1&status=at_risk").get_data(as_text=True)
    assert _lights(html) == {"DST-2026": [("at_risk", "Udfordret")]}
    html = client.get("/?period=2026-H1&status=bogus&task_type=bogus").get_data(as_text=True)
    assert "Ukendt status" in html and "Ukendt opgavetype" in html
    assert set(_lights(html)) == {"DST-2026", "UFST-2026"}
    response = client.get("/?period=sidste+år")
    assert response.status_code == 200
    assert "er ikke en periode" in response.get_data(as_text=True)


def test_plan_page(signed_in, plans, report, client, admin):
    dst = plans["DST"]["id"]
    rejected = ok(client.post(f"/api/v1/plans/{dst}/followups", headers=admin, json={
        "period": "2026-H1", "goals": [{"goal": "M9", "status": "on_track"}]}), 201)
    assert rejected["status"] == "rejected"
    first = report(dst, "2026-H1", M1="on_track", M2="at_risk", M3="on_track")
    second = report(dst, "2026-H1", M1="achieved", M2="at_risk", M3="on_track")
    ok(client.patch(f"/api/v1/plans/{dst}", headers=admin,
                    json={"title": "Ny titel", "reason": "Præcisering"}))

    html = signed_in("department", ministry="FM").get(f"/plans/{dst}").get_data(as_text=True)
    assert "DST-2026 · Ny titel" in html
    assert "Danmarks Statistik" in html and "Anne Jensen, Direktør" in html
    for text in ("M1 · Kortere sagsbehandlingstid", "M2 · Højere datakvalitet",
                 "M3 · Ny statistikbank", "Sagsbehandlingstid", "Lancering",
                 "Driftslignende opgave", "Projektlignende opgave", "reducere"):
        assert text in html, text
    # validation findings, with severity and goal, in Danish
    assert "Validering (" in html
    # follow-up history: accepted, superseded, rejected with its findings
    assert f'id="followup-{second["id"]}"' in html and f'id="followup-{first["id"]}"' in html
    assert ">registreret<" in html and ">erstattet<" in html and ">afvist<" in html
    assert "followup.unknown-goal" in html
    # audit log
    assert "Ændringslog" in html and "Præcisering" in html and "Plan godkendt" in html
    # the template link for a period
    assert f'action="/plans/{dst}/followup-template.xlsx"' in html


def test_plan_page_of_another_tenant_is_not_found(signed_in, plans):
    client = signed_in("department", ministry="SKM")
    response = client.get(f"/plans/{plans['DST']['id']}")
    assert response.status_code == 404
    assert response.mimetype == "text/html"
    html = response.get_data(as_text=True)
    assert "Siden findes ikke" in html and "DST-2026" not in html
    assert client.get(f"/plans/{plans['UFST']['id']}").status_code == 200


def test_institution_sees_its_own_plan_only(signed_in, plans):
    client = signed_in("institution", institution="DST")
    assert client.get(f"/plans/{plans['DST']['id']}").status_code == 200
    assert client.get(f"/plans/{plans['UFST']['id']}").status_code == 404


def test_followup_template_download(signed_in, plans):
    dst = plans["DST"]["id"]
    client = signed_in("department", ministry="FM")
    response = client.get(f"/plans/{dst}/followup-template.xlsx?period=2026-H2")
    assert response.status_code == 200
    assert response.mimetype.endswith("spreadsheetml.sheet")
    assert 'filename="opfoelgning-DST-2026-2026-H2.xlsx"' in response.headers[
        "Content-Disposition"]
    assert response.data[:2] == b"PK"
    bad = client.get(f"/plans/{dst}/followup-template.xlsx?period=2031-H1")
    assert bad.status_code == 422
    assert "Perioden passer ikke" in bad.get_data(as_text=True)
    foreign = client.get(f"/plans/{plans['UFST']['id']}/followup-template.xlsx?period=2026-H1")
    assert foreign.status_code == 404


def test_template_is_the_same_file_as_the_apis(signed_in, plans, admin):
    dst = plans["DST"]["id"]
    client = signed_in("admin")
    web = client.get(f"/plans/{dst}/followup-template.xlsx?period=2026-H1")
    api = client.get(f"/api/v1/plans/{dst}/followup-template.xlsx?period=2026-H1",
                     headers=admin)
    assert web.status_code == api.status_code == 200
    assert web.headers["Content-Disposition"] == api.headers["Content-Disposition"]


def test_error_pages_are_danish_html_and_the_api_keeps_problem_json(signed_in, admin):
    client = signed_in("admin")
    for path, status in (("/no-such-page", 404), ("/plans/99999", 404)):
        response = client.get(path)
        assert response.status_code == status
        assert response.mimetype == "text/html"
        assert '<html lang="da">' in response.get_data(as_text=True)
    response = client.delete("/")
    assert response.status_code == 405 and response.mimetype == "text/html"
    assert "ikke tilladt" in response.get_data(as_text=True)
    response = client.get("/api/v1/no-such-thing", headers=admin)
    assert response.status_code == 404
    assert response.mimetype == "application/problem+json"


def test_a_crash_is_a_danish_500_page(signed_in, monkeypatch):
    client = signed_in("admin")

    def boom(*_args, **_kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr("service.web.views.overview_query", boom)
    response = client.get("/?period=2026-H1")
    assert response.status_code == 500
    html = response.get_data(as_text=True)
    assert "Der opstod en fejl" in html and "boom" not in html and "Traceback" not in html


def test_pages_send_security_headers(signed_in):
    response = signed_in("admin").get("/")
    csp = response.headers["Content-Security-Policy"]
    assert "default-src 'self'" in csp and "script-src 'self'" in csp
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["Cache-Control"] == "no-store"
    html = response.get_data(as_text=True)
    assert "style=" not in html and "<script" not in html
    assert "http://" not in html.replace('xmlns="http://www.w3.org/2000/svg"', "")
    assert "https://" not in html


@pytest.mark.parametrize("path", ["/assets/app.css", "/assets/favicon.svg"])
def test_static_files_need_no_sign_in(client, path):
    response = client.get(path)
    assert response.status_code == 200
    response.close()


def test_scope_line_names_the_institution(client, plans):
    _row, secret = create_token(role="institution", name="dst", institution="DST")
    sign_in(client, secret)
    html = client.get("/").get_data(as_text=True)
    assert "Institution</span> · DST Danmarks Statistik" in html

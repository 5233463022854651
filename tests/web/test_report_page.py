"""The institution reports in the browser (DESIGN section 14): the report page of a plan and
period, its rapportkladde (saved, loaded, seen by no one else), its submission as a
follow-up with channel ``web`` validated as a mailed report (findings, superseding, errors
linked to the fields), a file sent through the page (the filled-in template, a CSV) with
channel ``upload``, the kvittering page after, and who may do what."""

from __future__ import annotations

import io
import re
from typing import Any

import openpyxl
import pytest
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from service.domain.models import AuditEvent, FollowUp, FollowUpDraft, Goal, Plan
from service.extensions import db
from tests.web.conftest import page_csrf
from tests.web.switching import sign_in_as

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _ids(plan_id: int) -> dict[str, int]:
    return {g.code: g.id for g in db.session.scalars(select(Goal).where(Goal.plan_id == plan_id))}


def _form(client, plan_id: int, period: str, action: str, **lines: tuple[str, ...]
          ) -> dict[str, str]:
    """The report form's fields: ``M1=("on_track", "35", "50", "Kommentar")``."""
    ids = _ids(plan_id)
    data = {"csrf_token": page_csrf(client, f"/plans/{plan_id}/report?period={period}"),
            "period": period, "action": action}
    for code, values in lines.items():
        for name, value in zip(("status", "value", "progress", "comment"), values,
                               strict=False):
            data[f"g{ids[code]}-{name}"] = value
    return data


GOOD = {"M1": ("on_track", "35", "50", "Sagerne går hurtigere."),
        "M2": ("on_track", "92,5", "50", "Bedre data."),
        "M3": ("on_track", "", "40", "Lanceringen er planlagt.")}


@pytest.fixture
def dst(plans: dict[str, Any]) -> int:
    return plans["DST"]["id"]


@pytest.fixture
def institution(client, token, plans):
    return sign_in_as(client, token, "institution", institution="DST")


def _drafts(plan_id: int) -> list[FollowUpDraft]:
    db.session.expire_all()
    return list(db.session.scalars(select(FollowUpDraft).where(FollowUpDraft.plan_id == plan_id)))


def test_the_page_has_a_labelled_line_per_active_goal_and_the_previous_report(
        institution, dst, report):
    report(dst, "2026-H1", M1="at_risk", M2="on_track", M3="on_track")
    html = institution.get(f"/plans/{dst}/report?period=2026-H2").get_data(as_text=True)
    ids = _ids(dst)
    assert "<h1>Rapportér for 2. halvår 2026</h1>" in html
    for code in ("M1", "M2", "M3"):
        assert f'<label for="g{ids[code]}-status">Status for {code}</label>' in html
        assert f'id="g{ids[code]}-comment" name="g{ids[code]}-comment"' in html
    # beside each goal the previous period's report: its status, value and comment
    previous = html[html.index('id="previous-M1"'):html.index(f'for="g{ids["M1"]}-status"')]
    assert "Sidste periode, 1. halvår 2026" in previous
    assert 'data-status="at_risk"' in previous and "Udfordret" in previous
    assert "35 dage" in previous and "Kommentar." in previous
    # the first period has none before it
    html = institution.get(f"/plans/{dst}/report?period=2026-H1").get_data(as_text=True)
    assert "Ingen registreret opfølgning." in html
    # without a period: the first one due
    response = institution.get(f"/plans/{dst}/report")
    assert response.status_code == 302 and "period=2026-" in response.headers["Location"]
    # a period that is not the plan's: not found
    assert institution.get(f"/plans/{dst}/report?period=2031-H1").status_code == 404
    assert institution.get(f"/plans/{dst}/report?period=2026-Q1").status_code == 404


def test_a_draft_is_saved_loaded_and_updated_in_one_row(institution, dst):
    response = institution.post(f"/plans/{dst}/report", data=_form(
        institution, dst, "2026-H1", "save", M1=("at_risk", "38", "", "Forsinket af IT.")))
    assert response.status_code == 303
    html = institution.get(response.headers["Location"]).get_data(as_text=True)
    assert "Rapportkladden er gemt. Kun jeres institution kan se den." in html
    assert 'id="report-draft-saved"' in html
    ids = _ids(dst)
    assert '<option value="at_risk" selected>' in html
    assert f'id="g{ids["M1"]}-value" name="g{ids["M1"]}-value" value="38"' in html
    assert "Forsinket af IT.</textarea>" in html
    [draft] = _drafts(dst)
    assert draft.period == "2026-H1" and draft.saved_by == "test-institution"
    assert draft.goals[0] == {"goal": "M1", "status": "at_risk", "value": "38",
                              "progress": "", "comment": "Forsinket af IT."}
    # a second save updates the row, another period has its own
    institution.post(f"/plans/{dst}/report", data=_form(
        institution, dst, "2026-H1", "save", M1=("off_track", "40", "", "Værre.")))
    institution.post(f"/plans/{dst}/report", data=_form(
        institution, dst, "2026-H2", "save", M1=("on_track",)))
    drafts = {d.period: d for d in _drafts(dst)}
    assert sorted(drafts) == ["2026-H1", "2026-H2"]
    assert drafts["2026-H1"].goals[0]["status"] == "off_track"
    # nothing is submitted by saving
    assert db.session.scalar(select(FollowUp).where(FollowUp.plan_id == dst)) is None
    # audited, outside the plan's change log (which the department reads)
    actions = [e.action for e in db.session.scalars(select(AuditEvent).where(
        AuditEvent.entity == "followup_draft").order_by(AuditEvent.id))]
    assert actions == ["create", "update", "create"]
    assert db.session.scalar(select(AuditEvent).where(
        AuditEvent.entity == "followup_draft", AuditEvent.plan_id.is_not(None))) is None


def test_the_database_holds_one_draft_per_plan_and_period(app, dst):
    db.session.add_all([FollowUpDraft(plan_id=dst, period="2026-H1", goals=[], saved_by="a"),
                        FollowUpDraft(plan_id=dst, period="2026-H1", goals=[], saved_by="b")])
    with pytest.raises(IntegrityError):
        db.session.commit()
    db.session.rollback()


def test_submitting_records_a_web_follow_up_that_supersedes_and_shows_the_receipt(
        institution, dst, report):
    earlier = report(dst, "2026-H1", M1="at_risk", M2="on_track", M3="on_track")
    institution.post(f"/plans/{dst}/report", data=_form(
        institution, dst, "2026-H1", "save", M1=("on_track",)))
    lines = dict(GOOD, M2=("at_risk", "91", "50", ""))  # no comment: a warning
    response = institution.post(f"/plans/{dst}/report",
                                data=_form(institution, dst, "2026-H1", "submit", **lines))
    assert response.status_code == 303, response.get_data(as_text=True)
    db.session.expire_all()
    new = db.session.scalar(select(FollowUp).where(FollowUp.plan_id == dst,
                                                   FollowUp.channel == "web"))
    assert new is not None and new.status == "accepted" and new.period == "2026-H1"
    assert new.submitted_by == "test-institution"
    assert [(g.goal_code, g.status, g.value) for g in new.goals] == [
        ("M1", "on_track", 35), ("M2", "at_risk", 91), ("M3", "on_track", None)]
    assert db.session.get(FollowUp, earlier["id"]).superseded_by_id == new.id
    assert _drafts(dst) == []  # sent: the draft is gone
    assert response.headers["Location"] == f"/plans/{dst}/followups/{new.id}"
    html = institution.get(response.headers["Location"]).get_data(as_text=True)
    assert "Jeres opfølgning på DST-2026 for 1. halvår 2026 er modtaget og registreret." in html
    assert "Valideringen fandt 0 fejl og" in html
    assert "<h3>Advarsler</h3>" in html
    explain = next(f for f in new.findings if f.rule == "followup.explain")
    assert f"Mål M2 (advarsel): {explain.message}" in html
    assert 'data-rule="followup.explain"' in html
    # the plan page links the kvittering, for every follow-up
    plan_html = institution.get(f"/plans/{dst}?period=2026-H1").get_data(as_text=True)
    assert f'href="/plans/{dst}/followups/{new.id}"' in plan_html
    assert f'href="/plans/{dst}/followups/{earlier["id"]}"' in plan_html
    assert "Dashboardet" in plan_html or "dashboardet" in plan_html


def test_a_report_with_errors_is_rejected_and_the_errors_link_to_their_fields(
        institution, dst):
    ids = _ids(dst)
    lines = dict(GOOD, M1=("on_track", "mange", "50", "x"), M3=("", "", "", ""))
    response = institution.post(f"/plans/{dst}/report",
                                data=_form(institution, dst, "2026-H1", "submit", **lines))
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "<title>Fejl: Rapportér for 1. halvår 2026" in html
    summary = re.search(r'<div class="error-summary" role="alert".*?</div>', html, re.S)
    assert summary is not None
    assert f'<a href="#g{ids["M1"]}-value">' in summary.group(0)
    assert f'<a href="#g{ids["M3"]}-status">' in summary.group(0)
    assert re.search(rf'<input id="g{ids["M1"]}-value"[^>]*value="mange"[^>]*'
                     rf'aria-describedby="g{ids["M1"]}-value-hint g{ids["M1"]}-value-error"'
                     r'[^>]*aria-invalid="true"', html)
    assert 'id="report-rejected"' in html
    # kept as a mailed report with errors is: rejected, with its findings, never current
    db.session.expire_all()
    [rejected] = db.session.scalars(select(FollowUp).where(FollowUp.plan_id == dst)).all()
    assert (rejected.status, rejected.channel) == ("rejected", "web")
    rules = {(f.rule, f.goal) for f in rejected.findings if f.severity == "error"}
    assert ("followup.status", "M1") in rules and ("followup.status", "M3") in rules
    # what was typed is the draft now
    [draft] = _drafts(dst)
    assert draft.goals[0]["value"] == "mange"
    html = institution.get(f"/plans/{rejected.plan_id}/followups/{rejected.id}"
                           ).get_data(as_text=True)
    assert "er afvist, fordi den indeholder fejl." in html
    assert "<h3>Fejl, der skal rettes</h3>" in html
    assert 'id="receipt-correct"' in html


def test_text_no_report_may_hold_is_refused_before_validation(institution, dst):
    ids = _ids(dst)
    lines = dict(GOOD, M2=("on_track", "92", "50", "Bedre\x00 data"))
    response = institution.post(f"/plans/{dst}/report",
                                data=_form(institution, dst, "2026-H1", "submit", **lines))
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert f'<a href="#g{ids["M2"]}-comment">Kommentaren til M2 må kun indeholde tekst' in html
    db.session.expire_all()
    assert db.session.scalar(select(FollowUp).where(FollowUp.plan_id == dst)) is None
    response = institution.post(f"/plans/{dst}/report", data=_form(
        institution, dst, "2026-H1", "save", M1=("on_track", "1", "2", "x" * 10001)))
    assert response.status_code == 422 and _drafts(dst) == []


def _filled_template(client, plan_id: int, period: str = "2026-H1") -> bytes:
    data = client.get(f"/plans/{plan_id}/followup-template.xlsx?period={period}").data
    wb = openpyxl.load_workbook(io.BytesIO(data))
    ws = wb["Opfølgning"]
    for row, (status, value, comment) in zip((9, 10, 11), (
            ("På rette spor", 35, "Fint."), ("På rette spor", 92, "Godt."),
            ("På rette spor", None, "Lancering planlagt.")), strict=True):
        ws.cell(row=row, column=9, value=status)
        ws.cell(row=row, column=10, value=value)
        ws.cell(row=row, column=12, value=comment)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def _upload(client, plan_id: int, period: str, name: str, data: bytes, ctype: str):
    return client.post(f"/plans/{plan_id}/report/upload", content_type="multipart/form-data",
                       data={"csrf_token": page_csrf(client,
                                                     f"/plans/{plan_id}/report?period={period}"),
                             "period": period, "report-file": (io.BytesIO(data), name, ctype)})


def test_uploading_the_filled_template_is_a_follow_up_with_channel_upload(institution, dst):
    institution.post(f"/plans/{dst}/report", data=_form(
        institution, dst, "2026-H1", "save", M1=("on_track",)))
    response = _upload(institution, dst, "2026-H1", "rapport.xlsx",
                       _filled_template(institution, dst), XLSX)
    assert response.status_code == 303, response.get_data(as_text=True)
    db.session.expire_all()
    [followup] = db.session.scalars(select(FollowUp).where(FollowUp.plan_id == dst)).all()
    assert (followup.channel, followup.status) == ("upload", "accepted")
    assert [(g.goal_code, g.status, g.value, g.comment) for g in followup.goals] == [
        ("M1", "on_track", 35, "Fint."), ("M2", "on_track", 92, "Godt."),
        ("M3", "on_track", None, "Lancering planlagt.")]
    assert _drafts(dst) == []
    html = institution.get(response.headers["Location"]).get_data(as_text=True)
    assert "er modtaget og registreret." in html and "fil sendt i dashboardet" in html


def test_uploading_a_csv_supersedes_like_a_mail(institution, dst, report):
    earlier = report(dst, "2026-H1", M1="at_risk", M2="on_track", M3="on_track")
    csv = ("Mål-ID;Status;Målt værdi;Fremdrift (%);Kommentar\r\n"
           "M1;På rette spor;33,5;60;Bedre.\r\nM2;grøn;93;60;Fint.\r\n"
           "M3;På rette spor;;50;Planlagt.\r\n").encode("cp1252")
    response = _upload(institution, dst, "2026-H1", "rapport.csv", csv, "text/csv")
    assert response.status_code == 303, response.get_data(as_text=True)
    db.session.expire_all()
    new = db.session.scalar(select(FollowUp).where(FollowUp.channel == "upload"))
    assert new is not None and new.status == "accepted"
    assert [(g.goal_code, g.value) for g in new.goals] == [("M1", 33.5), ("M2", 93),
                                                          ("M3", None)]
    assert db.session.get(FollowUp, earlier["id"]).superseded_by_id == new.id


def test_a_file_for_another_plan_or_period_or_unreadable_is_refused_on_the_page(
        institution, dst, plans):
    for name, data, ctype, words in (
        ("rapport.xlsx", _filled_template(institution, dst, "2026-H2"), XLSX,
         "Filen er en rapport for 2. halvår 2026, men siden er for 1. halvår 2026."),
        ("rapport.csv", "Plan;UFST-2026\nMål-ID;Status\nM1;grøn\n".encode(), "text/csv",
         "Filen er en rapport for planen UFST-2026, ikke for DST-2026."),
        ("rapport.pdf", b"%PDF-1.4", "application/pdf", "PDF-filer kan ikke læses."),
        ("", b"", "application/octet-stream", "Vælg filen med rapporten"),
    ):
        response = _upload(institution, dst, "2026-H1", name, data, ctype)
        assert response.status_code == 422, name
        html = response.get_data(as_text=True)
        assert re.search(r'<div class="error-summary".*?<a href="#report-file">[^<]*'
                         + re.escape(words), html, re.S), (name, html[:3000])
        assert 'aria-describedby="report-file-hint report-file-error" aria-invalid="true"' \
            in html
    db.session.expire_all()
    assert db.session.scalar(select(FollowUp).where(FollowUp.plan_id == dst)) is None


def test_only_the_plans_institution_sees_the_page_and_the_draft(client, token, dst, plans):
    institution = sign_in_as(client, token, "institution", institution="DST")
    institution.post(f"/plans/{dst}/report", data=_form(
        institution, dst, "2026-H1", "save", M1=("at_risk", "", "", "Hemmelig kladde.")))
    html = institution.get(f"/plans/{dst}?period=2026-H1").get_data(as_text=True)
    assert 'id="report-link"' in html and 'id="plan-draft"' in html
    assert f'href="/plans/{dst}/report?period=2026-H1"' in \
        institution.get("/?period=2026-H1").get_data(as_text=True)
    path = f"/plans/{dst}/report?period=2026-H1"
    for role, scope, status in (("department", {"ministry": "FM"}, 403),
                                ("admin", {}, 403),
                                ("department", {"ministry": "SKM"}, 404),
                                ("institution", {"institution": "UFST"}, 404)):
        other = sign_in_as(client, token, role, **scope)
        response = other.get(path)
        assert response.status_code == status, (role, scope)
        assert "Hemmelig kladde." not in response.get_data(as_text=True)
        csrf = page_csrf(other, "/")
        for target, data in ((f"/plans/{dst}/report", {"action": "save"}),
                             (f"/plans/{dst}/report/upload", {})):
            posted = other.post(target, data={"csrf_token": csrf, "period": "2026-H1",
                                              **data})
            assert posted.status_code == status, (role, scope, target)
        if status == 403:  # it sees the plan, not the draft, nor a link to the page
            page = other.get(f"/plans/{dst}?period=2026-H1").get_data(as_text=True)
            assert "Hemmelig kladde." not in page and 'id="plan-draft"' not in page
            assert 'id="report-link"' not in page
    [draft] = _drafts(dst)
    assert draft.goals[0]["comment"] == "Hemmelig kladde."
    assert db.session.scalar(select(FollowUp).where(FollowUp.plan_id == dst)) is None


def test_the_forms_need_their_csrf_token(institution, dst):
    assert institution.post(f"/plans/{dst}/report",
                            data={"period": "2026-H1", "action": "save"}).status_code == 400
    assert institution.post(f"/plans/{dst}/report/upload",
                            data={"period": "2026-H1"}).status_code == 400
    assert _drafts(dst) == []


def test_a_plan_not_approved_has_no_report_form(client, token, admin):
    from tests.support.factories import goal_body, ok, plan_body

    ok(client.post("/api/v1/ministries", json={"code": "FM", "name": "Finansministeriet"},
                   headers=admin), 201)
    ok(client.post("/api/v1/institutions", headers=admin, json={
        "code": "DST", "name": "Danmarks Statistik", "ministry": "FM",
        "reporting_addresses": ["opfoelgning@dst.dk"]}), 201)
    plan = ok(client.post("/api/v1/plans", json=plan_body("DST"), headers=admin), 201)
    ok(client.post(f"/api/v1/plans/{plan['id']}/goals", json=goal_body(), headers=admin), 201)
    institution = sign_in_as(client, token, "institution", institution="DST")
    html = institution.get(f"/plans/{plan['id']}/report?period=2026-H1").get_data(as_text=True)
    assert 'id="report-closed"' in html and 'id="report-form"' not in html
    assert db.session.get(Plan, plan["id"]).status == "draft"

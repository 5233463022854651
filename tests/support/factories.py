"""Request bodies and a small world of ministries, institutions and plans, made through the
API itself."""

from __future__ import annotations

from typing import Any

from flask.testing import FlaskClient


def goal_body(code: str = "M1", **overrides: Any) -> dict[str, Any]:
    """A goal that passes every built-in rule (an operations output goal)."""
    body: dict[str, Any] = {
        "code": code,
        "title": "Kortere sagsbehandlingstid",
        "description": "Borgerne skal have svar hurtigere.",
        "task_type": "operations",
        "goal_type": "output",
        "nature": "quantitative",
        "success_criterion": "Gennemsnit højst 30 dage",
        "deadline": "2026-12-31",
        "politically_fixed": False,
        "owner": "Kontorchef",
        "indicators": [
            {
                "name": "Sagsbehandlingstid",
                "unit": "dage",
                "baseline": 41,
                "baseline_year": 2025,
                "target": 30,
                "direction": "decrease",
                "data_source": "Sagssystemet",
            }
        ],
        "milestones": [],
    }
    body.update(overrides)
    return body


def plan_body(institution: str = "UFST", **overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "institution": institution,
        "title": "Mål- og resultatplan 2026",
        "period_start": 2026,
        "period_end": 2027,
        "top_manager": {"name": "Anne Jensen", "title": "Direktør"},
        "followup_cadence": "half-yearly",
    }
    body.update(overrides)
    return body


def ok(response: Any, status: int = 200) -> Any:
    assert response.status_code == status, response.get_data(as_text=True)
    return response.get_json()


def build_world(client: FlaskClient, admin: dict[str, str]) -> dict[str, Any]:
    world: dict[str, Any] = {"plans": {}, "goals": {}}
    for code, name in (("SKM", "Skatteministeriet"), ("FM", "Finansministeriet")):
        ok(client.post("/api/v1/ministries", json={"code": code, "name": name}, headers=admin),
           201)
    for code, ministry, address in (
        ("UFST", "SKM", "opfoelgning@ufst.dk"),
        ("MST", "SKM", "mrp@motorst.dk"),
        ("DST", "FM", "opfoelgning@dst.dk"),
    ):
        ok(client.post("/api/v1/institutions", headers=admin, json={
            "code": code, "name": f"{code} styrelse", "ministry": ministry,
            "reporting_addresses": [address]}), 201)
    for code in ("UFST", "MST", "DST"):
        plan = ok(client.post("/api/v1/plans", json=plan_body(code), headers=admin), 201)
        world["plans"][code] = plan
        goal = ok(client.post(f"/api/v1/plans/{plan['id']}/goals", json=goal_body(),
                              headers=admin), 201)
        world["goals"][code] = goal
    return world


def build_dst_plan(client: FlaskClient, admin: dict[str, str]) -> dict[str, Any]:
    """FM / DST with the reporting address the mail corpus uses, and an approved plan
    DST-2026 (2026–2027, half-yearly) with goals M1–M3 as in the corpus's reports."""
    ok(client.post("/api/v1/ministries", json={"code": "FM", "name": "Finansministeriet"},
                   headers=admin), 201)
    ok(client.post("/api/v1/institutions", headers=admin, json={
        "code": "DST", "name": "Danmarks Statistik", "ministry": "FM",
        "reporting_addresses": ["opfoelgning@dst.dk"]}), 201)
    plan = ok(client.post("/api/v1/plans", json=plan_body("DST"), headers=admin), 201)
    goals = [
        goal_body("M1"),
        goal_body("M2", title="Højere datakvalitet", goal_type="quality",
                  indicators=[{"name": "Fejlrate", "unit": "%", "baseline": 90,
                               "baseline_year": 2025, "target": 95, "direction": "increase",
                               "data_source": "Kvalitetsmålinger"}]),
        goal_body("M3", title="Ny statistikbank", task_type="project", goal_type="output",
                  nature="qualitative", indicators=[], deadline="2027-06-30",
                  milestones=[{"title": "Lancering", "due_date": "2027-05-31",
                               "done": False}]),
    ]
    for body in goals:
        ok(client.post(f"/api/v1/plans/{plan['id']}/goals", json=body, headers=admin), 201)
    return ok(client.post(f"/api/v1/plans/{plan['id']}/approve", headers=admin))

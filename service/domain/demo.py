"""Demo data: a ministry with institutions and plans of all four task types. Idempotent."""

from __future__ import annotations

import contextlib
from datetime import date
from typing import Any

from sqlalchemy import select

from service.domain import goals, plans, tenancy
from service.domain.actors import SYSTEM
from service.domain.errors import Conflict
from service.domain.models import Institution, Ministry, Plan
from service.extensions import db

MINISTRY = {"code": "SKM", "name": "Skatteministeriet"}
INSTITUTIONS: list[dict[str, Any]] = [
    {"code": "UFST", "name": "Udviklings- og Forenklingsstyrelsen",
     "reporting_addresses": ["opfoelgning@ufst.dk"]},
    {"code": "MST", "name": "Motorstyrelsen", "reporting_addresses": ["mrp@motorst.dk"]},
    {"code": "GST", "name": "Gældsstyrelsen", "reporting_addresses": ["opfoelgning@gaeld.dk"]},
]


def _ind(name: str, unit: str, baseline: float, target: float, direction: str,
         source: str) -> dict[str, Any]:
    return {"name": name, "unit": unit, "baseline": baseline, "baseline_year": 2025,
            "target": target, "direction": direction, "data_source": source}


PLANS: dict[str, dict[str, Any]] = {
    "UFST": {
        "plan": {"title": "Mål- og resultatplan 2026–2027", "period_start": 2026,
                 "period_end": 2027, "top_manager": {"name": "Anne Jensen", "title": "Direktør"},
                 "followup_cadence": "half-yearly"},
        "approve": True,
        "goals": [
            {"code": "M1", "title": "Kortere sagsbehandlingstid i klagesager",
             "task_type": "operations", "goal_type": "output", "nature": "quantitative",
             "success_criterion": "Gennemsnitlig sagsbehandlingstid højst 30 dage",
             "deadline": date(2027, 12, 31), "owner": "Kontorchef, Klager",
             "indicators": [_ind("Sagsbehandlingstid", "dage", 41, 30, "decrease",
                                 "Sagssystemet")]},
            {"code": "M2", "title": "Nyt inddrivelsessystem i drift",
             "task_type": "project", "goal_type": "output", "nature": "qualitative",
             "success_criterion": "Systemet er i drift og gamle systemer er lukket",
             "deadline": date(2027, 6, 30), "owner": "Programdirektør",
             "milestones": [
                 {"title": "Pilotdrift", "due_date": date(2026, 6, 30), "done": False},
                 {"title": "Fuld udrulning", "due_date": date(2027, 3, 31), "done": False}]},
            {"code": "M3", "title": "Bedre datagrundlag for politiske beslutninger",
             "task_type": "policy", "goal_type": "quality", "nature": "qualitative",
             "success_criterion": "Ministeriet vurderer analyserne som rettidige og brugbare",
             "deadline": date(2027, 12, 31), "owner": "Analysechef"},
            {"code": "M4", "title": "Lavere sygefravær",
             "task_type": "internal_administration", "goal_type": "effect",
             "nature": "quantitative", "success_criterion": "Sygefravær under 7 dage pr. år",
             "deadline": date(2027, 12, 31), "owner": "HR-chef",
             "indicators": [_ind("Sygefravær", "dage pr. medarbejder", 8.5, 7, "decrease",
                                 "Lønsystemet")]},
        ],
    },
    "MST": {
        "plan": {"title": "Mål- og resultatplan 2026", "period_start": 2026, "period_end": 2026,
                 "top_manager": {"name": "Lars Holm", "title": "Direktør"},
                 "followup_cadence": "half-yearly"},
        "approve": True,
        "goals": [
            {"code": "M1", "title": "Hurtigere registrering af køretøjer",
             "task_type": "operations", "goal_type": "effect", "nature": "quantitative",
             "success_criterion": "95 % af registreringer inden for 2 dage",
             "deadline": date(2026, 12, 31), "owner": "Kontorchef, Registrering",
             "indicators": [_ind("Andel inden for 2 dage", "%", 88, 95, "increase",
                                 "Motorregistret")]},
            {"code": "M2", "title": "Ny selvbetjening for forhandlere",
             "task_type": "project", "goal_type": "output", "nature": "qualitative",
             "success_criterion": "Løsningen er lanceret for alle forhandlere",
             "deadline": date(2026, 11, 30), "owner": "Projektleder",
             "milestones": [{"title": "Test med forhandlere", "due_date": date(2026, 5, 31),
                             "done": True}]},
        ],
    },
    "GST": {
        "plan": {"title": "Mål- og resultatplan 2026–2028 (kladde)", "period_start": 2026,
                 "period_end": 2028, "top_manager": None, "followup_cadence": "yearly"},
        "approve": False,
        "goals": [
            {"code": "M1", "title": "Styrket administration", "task_type":
             "internal_administration", "goal_type": "activity", "nature": "quantitative",
             "deadline": date(2028, 12, 31),
             "indicators": [{"name": "Gennemførte kurser", "unit": "kurser", "target": 12,
                             "direction": "increase"}]},
        ],
    },
}


def load_demo() -> str:
    """Create what is missing; never duplicate. Returns a one-line summary."""
    created: list[str] = []
    ministry = db.session.scalar(select(Ministry).where(Ministry.code == MINISTRY["code"]))
    if ministry is None:
        tenancy.create_ministry(SYSTEM, MINISTRY)
        created.append(f"ministry {MINISTRY['code']}")
    for data in INSTITUTIONS:
        if db.session.scalar(select(Institution).where(Institution.code == data["code"])):
            continue
        tenancy.create_institution(SYSTEM, {**data, "ministry": MINISTRY["code"]})
        created.append(f"institution {data['code']}")
    for code, spec in PLANS.items():
        institution = db.session.scalar(select(Institution).where(Institution.code == code))
        assert institution is not None
        if db.session.scalar(select(Plan.id).where(Plan.institution_id == institution.id)):
            continue
        plan = plans.create_plan(SYSTEM, {**spec["plan"], "institution": code})
        for goal in spec["goals"]:
            goals.create_goal(SYSTEM, plan, goal)
        if spec["approve"]:
            # a stricter ministry configuration may refuse it; then it stays a draft
            with contextlib.suppress(Conflict):
                plans.approve_plan(SYSTEM, plan)
        created.append(f"plan {plan.reference}")
    return "Demo data: " + (", ".join(created) if created else "already loaded")

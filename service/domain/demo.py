"""Demo data: a ministry with institutions and plans of all four task types, and (for
``make run``) the state of a working half-year: reports for the current and the previous
period, one late, one missing, one rejected, and a quarantined mail. The years come from
the clock (``service.clock``), so the overview of today's period is never empty.
Idempotent."""

from __future__ import annotations

import contextlib
import hashlib
from datetime import date, datetime, time, timedelta
from email.message import EmailMessage
from email.policy import SMTP
from typing import Any

from sqlalchemy import select

from service.clock import utcnow
from service.domain import goals, plans, tenancy
from service.domain.actors import SYSTEM
from service.domain.errors import Conflict
from service.domain.followups import record_followup
from service.domain.models import FollowUp, InboundMessage, Institution, Ministry, Plan
from service.extensions import db
from service.vocabulary import Period, parse_period

MINISTRY = {"code": "SKM", "name": "Skatteministeriet"}
INSTITUTIONS: list[dict[str, Any]] = [
    {"code": "UFST", "name": "Udviklings- og Forenklingsstyrelsen",
     "reporting_addresses": ["opfoelgning@ufst.dk"]},
    {"code": "MST", "name": "Motorstyrelsen", "reporting_addresses": ["mrp@motorst.dk"]},
    {"code": "GST", "name": "Gældsstyrelsen", "reporting_addresses": ["opfoelgning@gaeld.dk"]},
]


def _ind(y: int, name: str, unit: str, baseline: float, target: float, direction: str,
         source: str) -> dict[str, Any]:
    return {"name": name, "unit": unit, "baseline": baseline, "baseline_year": y - 1,
            "target": target, "direction": direction, "data_source": source}


def plan_specs(y: int) -> dict[str, dict[str, Any]]:
    """The demo plans by institution code, for plans starting in year ``y``."""
    return {
        "UFST": {
            "plan": {"title": f"Mål- og resultatplan {y}–{y + 1}", "period_start": y,
                     "period_end": y + 1,
                     "top_manager": {"name": "Anne Jensen", "title": "Direktør"},
                     "followup_cadence": "half-yearly"},
            "approve": True,
            "goals": [
                {"code": "M1", "title": "Kortere sagsbehandlingstid i klagesager",
                 "task_type": "operations", "goal_type": "output", "nature": "quantitative",
                 "success_criterion": "Gennemsnitlig sagsbehandlingstid højst 30 dage",
                 "deadline": date(y + 1, 12, 31), "owner": "Kontorchef, Klager",
                 "indicators": [_ind(y, "Sagsbehandlingstid", "dage", 41, 30, "decrease",
                                     "Sagssystemet")]},
                {"code": "M2", "title": "Nyt inddrivelsessystem i drift",
                 "task_type": "project", "goal_type": "output", "nature": "qualitative",
                 "success_criterion": "Systemet er i drift og gamle systemer er lukket",
                 "deadline": date(y + 1, 6, 30), "owner": "Programdirektør",
                 "milestones": [
                     {"title": "Pilotdrift", "due_date": date(y, 6, 30), "done": False},
                     {"title": "Fuld udrulning", "due_date": date(y + 1, 3, 31), "done": False}]},
                {"code": "M3", "title": "Bedre datagrundlag for politiske beslutninger",
                 "task_type": "policy", "goal_type": "quality", "nature": "qualitative",
                 "success_criterion": "Ministeriet vurderer analyserne som rettidige og brugbare",
                 "deadline": date(y + 1, 12, 31), "owner": "Analysechef"},
                {"code": "M4", "title": "Lavere sygefravær",
                 "task_type": "internal_administration", "goal_type": "effect",
                 "nature": "quantitative", "success_criterion": "Sygefravær under 7 dage pr. år",
                 "deadline": date(y + 1, 12, 31), "owner": "HR-chef",
                 "indicators": [_ind(y, "Sygefravær", "dage pr. medarbejder", 8.5, 7, "decrease",
                                     "Lønsystemet")]},
            ],
        },
        "MST": {
            "plan": {"title": f"Mål- og resultatplan {y}", "period_start": y, "period_end": y,
                     "top_manager": {"name": "Lars Holm", "title": "Direktør"},
                     "followup_cadence": "half-yearly"},
            "approve": True,
            "goals": [
                {"code": "M1", "title": "Hurtigere registrering af køretøjer",
                 "task_type": "operations", "goal_type": "effect", "nature": "quantitative",
                 "success_criterion": "95 % af registreringer inden for 2 dage",
                 "deadline": date(y, 12, 31), "owner": "Kontorchef, Registrering",
                 "indicators": [_ind(y, "Andel inden for 2 dage", "%", 88, 95, "increase",
                                     "Motorregistret")]},
                {"code": "M2", "title": "Ny selvbetjening for forhandlere",
                 "task_type": "project", "goal_type": "output", "nature": "qualitative",
                 "success_criterion": "Løsningen er lanceret for alle forhandlere",
                 "deadline": date(y, 11, 30), "owner": "Projektleder",
                 "milestones": [{"title": "Test med forhandlere", "due_date": date(y, 5, 31),
                                 "done": True}]},
            ],
        },
        "GST": {
            "plan": {"title": f"Mål- og resultatplan {y}–{y + 2} (kladde)", "period_start": y,
                     "period_end": y + 2, "top_manager": None, "followup_cadence": "yearly"},
            "approve": False,
            "goals": [
                {"code": "M1", "title": "Styrket administration", "task_type":
                 "internal_administration", "goal_type": "activity", "nature": "quantitative",
                 "deadline": date(y + 2, 12, 31),
                 "indicators": [{"name": "Gennemførte kurser", "unit": "kurser", "target": 12,
                                 "direction": "increase"}]},
            ],
        },
    }


#: the mailbox the demo's quarantined mail names (no real one)
DEMO_MAILBOX = "demo"

#: the institution whose report for the previous period never came (``make run`` only)
LATE_INSTITUTION: dict[str, Any] = {
    "code": "SKTST", "name": "Skattestyrelsen", "reporting_addresses": ["mrp@sktst.dk"]}


def _late_plan(y: int) -> dict[str, Any]:
    return {
        "plan": {"title": f"Mål- og resultatplan {y}", "period_start": y, "period_end": y,
                 "top_manager": {"name": "Mette Lund", "title": "Direktør"},
                 "followup_cadence": "half-yearly"},
        "approve": True,
        "goals": [
            {"code": "M1", "title": "Flere borgere får årsopgørelsen rigtig første gang",
             "task_type": "operations", "goal_type": "effect", "nature": "quantitative",
             "success_criterion": "Højst 4 % af årsopgørelserne ændres efter udsendelse",
             "deadline": date(y, 12, 31), "owner": "Kontorchef, Personskat",
             "indicators": [_ind(y, "Ændrede årsopgørelser", "%", 6, 4, "decrease",
                                 "Skattesystemet")]},
            {"code": "M2", "title": "Kortere ventetid i telefonen",
             "task_type": "operations", "goal_type": "output", "nature": "quantitative",
             "success_criterion": "Gennemsnitlig ventetid under 5 minutter",
             "deadline": date(y, 12, 31), "owner": "Kundecenterchef",
             "indicators": [_ind(y, "Ventetid", "minutter", 9, 5, "decrease",
                                 "Telefonisystemet")]},
        ],
    }


def _create_plans(specs: dict[str, dict[str, Any]], created: list[str]) -> None:
    for code, spec in specs.items():
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


def load_demo(today: date | None = None, *, activity: bool = True) -> str:
    """Create what is missing; never duplicate. Returns a one-line summary. ``today``: the
    day the plans and periods are reckoned from (the clock's by default). ``activity``:
    also the reports, the late institution and the quarantined mail of a working
    half-year (the browser tests add reports of their own and leave it out)."""
    today = today or utcnow().date()
    created: list[str] = []
    ministry = db.session.scalar(select(Ministry).where(Ministry.code == MINISTRY["code"]))
    if ministry is None:
        tenancy.create_ministry(SYSTEM, MINISTRY)
        created.append(f"ministry {MINISTRY['code']}")
    institutions = INSTITUTIONS + ([LATE_INSTITUTION] if activity else [])
    for data in institutions:
        if db.session.scalar(select(Institution).where(Institution.code == data["code"])):
            continue
        tenancy.create_institution(SYSTEM, {**data, "ministry": MINISTRY["code"]})
        created.append(f"institution {data['code']}")
    specs = plan_specs(today.year)
    if activity:
        specs[LATE_INSTITUTION["code"]] = _late_plan(today.year)
    _create_plans(specs, created)
    if activity:
        created += _activity(today)
    return "Demo data: " + (", ".join(created) if created else "already loaded")


def half_years(today: date) -> tuple[Period, Period]:
    """The half-year ``today`` is in, and the one before it."""
    current = parse_period(f"{today.year}-H{1 if today.month <= 6 else 2}")
    previous = parse_period(
        f"{today.year}-H1" if today.month > 6 else f"{today.year - 1}-H2")
    assert current is not None and previous is not None
    return current, previous


def _at(day: date, today: date) -> datetime:
    """A receipt time on ``day`` at 10:00 UTC, never after now."""
    return min(datetime.combine(min(day, today), time(10), tzinfo=utcnow().tzinfo), utcnow())


def _g(goal: str, status: str, comment: str | None = None, **more: Any) -> dict[str, Any]:
    return {"goal": goal, "status": status, "comment": comment, **more}


def _plan_of(code: str) -> Plan | None:
    return db.session.scalar(
        select(Plan).join(Institution).where(Institution.code == code, Plan.status == "approved")
        .order_by(Plan.id.desc()))


def _activity(today: date) -> list[str]:
    """Reports of the previous and the current half-year and a quarantined mail, once."""
    ufst, mst, sktst = _plan_of("UFST"), _plan_of("MST"), _plan_of("SKTST")
    if ufst is None or mst is None or sktst is None:
        return []  # a stricter configuration kept a plan a draft: nothing to report on
    demo_plans = [ufst.id, mst.id, sktst.id]
    if db.session.scalar(select(FollowUp.id).where(FollowUp.plan_id.in_(demo_plans)).limit(1)):
        return []
    current, previous = half_years(today)
    cur, prev = str(current), str(previous)
    reports = [
        # UFST: on time for both periods, the previous one corrected once (superseded)
        (ufst, prev, previous.end + timedelta(days=14), [
            _g("M1", "on_track", value=36, progress=45),
            _g("M2", "on_track", "Pilotdriften er i gang.", progress=30),
            _g("M3", "on_track", "Analyserne leveres som aftalt."),
            _g("M4", "on_track", value=8.1, progress=25)]),
        (ufst, prev, previous.end + timedelta(days=20), [
            _g("M1", "on_track", value=36, progress=45),
            _g("M2", "at_risk", "Pilotdriften er forsinket to måneder.", progress=30),
            _g("M3", "on_track", "Analyserne leveres som aftalt."),
            _g("M4", "on_track", value=8.1, progress=25)]),
        (ufst, cur, today - timedelta(days=3), [
            _g("M1", "at_risk", "Flere klagesager end ventet.", value=38, progress=40),
            _g("M2", "off_track", "Leverandøren har ikke leveret; ny plan på vej.",
               progress=35),
            _g("M3", "on_track", "To analyser leveret til tiden."),
            _g("M4", "achieved", "Målet er nået før tid.", value=6.9, progress=100)]),
        # MST: the previous period's report came after the deadline (late)
        (mst, prev, previous.end + timedelta(days=45), [
            _g("M1", "on_track", value=91, progress=40), _g("M2", "on_track", progress=60)]),
        (mst, cur, today - timedelta(days=1), [
            _g("M1", "partially_achieved", "Nåede 93 % mod målet 95 %.", value=93,
               progress=80),
            _g("M2", "achieved", "Lanceret for alle forhandlere.", progress=100)]),
        # SKTST: nothing for the previous period (missing); this period's first try rejected
        (sktst, cur, today - timedelta(days=2), [
            _g("M1", "grøn", value="mange"), _g("M7", "on_track")]),
    ]
    for plan, period, day, rows in reports:
        record_followup(plan, period=period, rows=rows, channel="api",
                        submitted_by=f"opfoelgning@{plan.institution.code.lower()}.dk",
                        received_at=_at(day, today))
        db.session.flush()
    gst = db.session.scalar(select(Institution).where(Institution.code == "GST"))
    assert gst is not None
    msg = EmailMessage()
    msg["From"] = "opfoelgning@gaeld.dk"
    msg["To"] = "opfoelgning@mrp.localhost"
    msg["Subject"] = f"Opfølgning {cur}"
    msg["Message-ID"] = "<demo-quarantined@gaeld.dk>"
    msg.set_content("Hermed vores opfølgning. Planen er ikke godkendt endnu.\n")
    raw = msg.as_bytes(policy=SMTP)  # as a mail server hands it over: CRLF lines
    db.session.add(InboundMessage(
        mailbox=DEMO_MAILBOX, uidvalidity=1, uid=1, sha256=hashlib.sha256(raw).hexdigest(),
        size=len(raw), raw=raw, message_id=msg["Message-ID"], sender=msg["From"],
        subject=msg["Subject"], received_at=_at(today - timedelta(days=1), today),
        state="quarantined", reason="unknown_plan",
        detail="Gældsstyrelsen har ingen godkendt plan for perioden.",
        institution_id=gst.id, ministry_id=gst.ministry_id,
    ))
    db.session.commit()
    return [f"{len(reports)} reports for {prev} and {cur}", "a quarantined mail"]

"""Fixtures for the plugin tests: a plan and a follow-up that pass every built-in rule,
a plugin manager with the built-ins, and a fixture to register a plugin for one test."""

from __future__ import annotations

import copy
import logging
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime
from typing import Any

import pytest

from service.plugins.builders import followup_from_rows, plan_from_dict
from service.plugins.manager import MinistryPlugins, PluginManager, build_plugin_manager
from service.plugins.views import FollowUpView, PlanView

TODAY = date(2026, 7, 15)

GOOD_PLAN: dict[str, Any] = {
    "id": 7,
    "reference": "UFST-2026",
    "institution": "UFST",
    "ministry": "SKM",
    "title": "Mål- og resultatplan 2026–2027",
    "period_start": 2026,
    "period_end": 2027,
    "top_manager": {"name": "Anne Jensen", "title": "Direktør"},
    "followup_cadence": "half-yearly",
    "status": "approved",
    "goals": [
        {
            "code": "M1",
            "title": "Kortere sagsbehandlingstid",
            "task_type": "operations",
            "goal_type": "output",
            "nature": "quantitative",
            "success_criterion": "Gennemsnit ≤ 30 dage",
            "deadline": "2026-12-31",
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
        },
        {
            "code": "M2",
            "title": "Nyt inddrivelsessystem",
            "task_type": "project",
            "goal_type": "output",
            "nature": "qualitative",
            "success_criterion": "Systemet er i drift",
            "deadline": "2027-06-30",
            "milestones": [
                {"title": "Udbud afsluttet", "due_date": "2026-05-01", "done": True},
                {"title": "Pilotdrift", "due_date": "2026-10-01", "done": False},
            ],
        },
        {
            "code": "M3",
            "title": "Bedre lovforberedelse",
            "task_type": "policy",
            "goal_type": "quality",
            "nature": "qualitative",
            "success_criterion": "Departementet vurderer kvaliteten som høj",
            "deadline": "2027-12-31",
        },
        {
            "code": "M4",
            "title": "Flere borgere betaler til tiden",
            "task_type": "operations",
            "goal_type": "effect",
            "nature": "quantitative",
            "success_criterion": "Mindst 95 % betaler rettidigt",
            "deadline": "2027-12-31",
            "indicators": [
                {
                    "name": "Rettidig betaling",
                    "unit": "%",
                    "baseline": 91,
                    "baseline_year": 2025,
                    "target": 95,
                    "direction": "increase",
                    "data_source": "Skattekontoen",
                }
            ],
        },
        {
            "code": "M5",
            "title": "Lavere sygefravær",
            "task_type": "internal_administration",
            "goal_type": "output",
            "nature": "quantitative",
            "success_criterion": "Højst 7 dage pr. medarbejder",
            "deadline": "2027-12-31",
            "indicators": [
                {
                    "name": "Sygefravær",
                    "unit": "dage",
                    "baseline": 8.5,
                    "baseline_year": 2025,
                    "target": 7,
                    "direction": "decrease",
                }
            ],
        },
        {
            "code": "M6",
            "title": "Udgået mål",
            "task_type": "bogus",
            "goal_type": "bogus",
            "nature": "quantitative",
            "status": "withdrawn",
            "withdrawn_reason": "Opgaven er flyttet",
        },
    ],
}

GOOD_ROWS: list[dict[str, Any]] = [
    {"goal": "M1", "status": "På rette spor", "value": "35,5", "progress": 50},
    {"goal": "M2", "status": "grøn", "progress": "40%"},
    {"goal": "M3", "status": "on_track", "comment": "Arbejdet følger planen."},
    {"goal": "M4", "status": "Udfordret", "value": 92, "comment": "Ny kampagne i efteråret."},
    {"goal": "M5", "status": "achieved", "value": 6.8, "progress": 100},
]


def plan_dict(**changes: Any) -> dict[str, Any]:
    """A deep copy of the good plan, with top-level changes."""
    data = copy.deepcopy(GOOD_PLAN)
    data.update(changes)
    return data


def make_plan(data: dict[str, Any] | None = None) -> PlanView:
    return plan_from_dict(data if data is not None else GOOD_PLAN)


def make_followup(
    rows: list[dict[str, Any]] | None = None, *, period: str = "2026-H1", received: date = TODAY
) -> FollowUpView:
    return followup_from_rows(
        plan="UFST-2026",
        period=period,
        rows=copy.deepcopy(GOOD_ROWS) if rows is None else rows,
        received_at=datetime(received.year, received.month, received.day, 9, tzinfo=UTC),
        channel="email",
        submitted_by="opfoelgning@ufst.dk",
    )


def rules_of(findings: list[Any]) -> set[str]:
    return {f.rule for f in findings}


@pytest.fixture
def manager() -> Iterator[PluginManager]:
    pm = build_plugin_manager(entry_points=False, timeout=1.0, clock=lambda: TODAY)
    yield pm
    pm.close()


@pytest.fixture
def mp() -> MinistryPlugins:
    return MinistryPlugins(ministry="SKM")


@pytest.fixture
def good_plan() -> PlanView:
    return make_plan()


@pytest.fixture
def plugin_log(caplog: pytest.LogCaptureFixture) -> Iterator[pytest.LogCaptureFixture]:
    """Captures the plugin manager's log records (re-enabling its logger in case a logging
    configuration elsewhere in the test session disabled existing loggers)."""
    logger = logging.getLogger("service.plugins.manager")
    disabled, logger.disabled = logger.disabled, False
    with caplog.at_level(logging.ERROR, logger="service.plugins"):
        yield caplog
    logger.disabled = disabled


@pytest.fixture
def register(manager: PluginManager) -> Iterator[Callable[..., None]]:
    """``register(plugin, name, **options)`` registers a plugin for this test only."""
    names: list[str] = []

    def add(plugin: object, name: str, **options: Any) -> None:
        manager.register(plugin, name, **options)
        names.append(name)

    yield add
    for name in names:
        manager.unregister(name)

"""The example plugin applies only where enabled, adds its task type there, and checks
effect goals' data sources and control goals' hit rates."""

from __future__ import annotations

import importlib.metadata
from collections.abc import Iterator
from datetime import date

import mrp_plugin_example
import pytest

from service.plugins.builders import plan_from_dict
from service.plugins.manager import MinistryPlugins, PluginManager, build_plugin_manager
from service.plugins.views import PlanView

SKM = MinistryPlugins(ministry="SKM", enabled=frozenset({"example"}))
FM = MinistryPlugins(ministry="FM")


def installed() -> bool:
    return any(ep.name == "example" for ep in importlib.metadata.entry_points(group="mrp.plugins"))


@pytest.fixture
def manager() -> Iterator[PluginManager]:
    """The built-ins plus the example plugin (from its entry point when installed)."""
    pm = build_plugin_manager(entry_points=installed(), timeout=1.0, clock=lambda: date(2026, 7, 1))
    if pm.plugin("example") is None:
        pm.register(mrp_plugin_example, "example", version=mrp_plugin_example.__version__)
    yield pm
    pm.close()


def plan(*goals: dict) -> PlanView:
    return plan_from_dict(
        {
            "institution": "TOLD",
            "ministry": "SKM",
            "period_start": 2026,
            "period_end": 2026,
            "top_manager": {"name": "Direktør"},
            "followup_cadence": "half-yearly",
            "goals": list(goals),
        }
    )


EFFECT = {
    "code": "M1",
    "task_type": "operations",
    "goal_type": "effect",
    "nature": "quantitative",
    "success_criterion": "95 % betaler til tiden",
    "deadline": "2026-12-31",
    "indicators": [
        {
            "name": "Rettidig betaling",
            "unit": "%",
            "baseline": 91,
            "target": 95,
            "direction": "increase",
        }
    ],
}
CONTROL = {
    "code": "M2",
    "task_type": "control",
    "goal_type": "output",
    "nature": "quantitative",
    "success_criterion": "Træfprocent ≥ 40",
    "deadline": "2026-12-31",
    "indicators": [
        {
            "name": "Antal kontroller",
            "unit": "antal",
            "baseline": 900,
            "target": 1000,
            "direction": "increase",
            "data_source": "Kontrolsystemet",
        }
    ],
}


def rules(findings: list) -> list[str]:
    return [f.rule for f in findings if f.plugin == "example"]


@pytest.mark.skipif(not installed(), reason="pip install -e examples/mrp-plugin-example")
def test_installed_through_its_entry_point(manager: PluginManager) -> None:
    info = manager.plugin("example")
    assert info is not None and info.source == "entry_point" and not info.builtin
    assert info.version == importlib.metadata.version("mrp-plugin-example")
    assert [t.code for t in info.task_types] == ["control"]


def test_applies_only_where_enabled(manager: PluginManager) -> None:
    p = plan(EFFECT, CONTROL)
    assert rules(manager.validate_plan(p, SKM)) == [
        "example.control-hit-rate",
        "example.effect-data-source",
    ]
    fm = manager.validate_plan(p, FM)
    assert rules(fm) == []
    assert [(f.rule, f.goal) for f in fm if f.rule == "goal.types"] == [("goal.types", "M2")]


def test_task_type_only_for_enabling_ministries(manager: PluginManager) -> None:
    assert manager.task_types(SKM)["control"].label == "Kontrolopgave"
    assert "control" not in manager.task_types(FM)


def test_silent_on_good_goals(manager: PluginManager) -> None:
    effect = {**EFFECT, "indicators": [{**EFFECT["indicators"][0], "data_source": "SKAT"}]}
    control = {
        **CONTROL,
        "indicators": [
            *CONTROL["indicators"],
            {
                "name": "Træfprocent",
                "unit": "pct",
                "baseline": 35,
                "target": 40,
                "direction": "increase",
                "data_source": "Kontrolsystemet",
            },
        ],
    }
    assert manager.validate_plan(plan(effect, control), SKM) == []


def test_settings_and_overrides(manager: PluginManager) -> None:
    mp = MinistryPlugins(
        ministry="SKM",
        enabled=frozenset({"example"}),
        settings={"example": {"control_units": ["antal"]}},
        severity_overrides={"example.effect-data-source": "info"},
    )
    findings = [
        f for f in manager.validate_plan(plan(EFFECT, CONTROL), mp) if f.plugin == "example"
    ]
    assert [(f.rule, f.severity) for f in findings] == [("example.effect-data-source", "info")]

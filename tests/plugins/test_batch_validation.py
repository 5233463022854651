"""``validate_followups``: a batch of reports checked in one hand-over to the plugin thread,
each report getting exactly what ``validate_followup`` gives it alone, and a plugin's time
limit still holding per report."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from typing import Any

import pytest

from service.plugins import Finding, hookimpl
from service.plugins.manager import MinistryPlugins, PluginManager, build_plugin_manager
from tests.plugins.conftest import GOOD_ROWS, TODAY, make_followup, make_plan

SKM = MinistryPlugins(ministry="SKM", enabled=frozenset({"slow", "later"}))
#: a ministry that enabled neither plugin: its reports get the built-in rules' findings only
OTHER = MinistryPlugins(ministry="FM")


class SlowOnH2:
    """Hangs on reports for the second half-year, answers the others at once."""

    def __init__(self, release: threading.Event) -> None:
        self.release = release

    @hookimpl
    def mrp_validate_followup(self, followup: Any) -> list[Finding]:
        if followup.period.endswith("H2"):
            self.release.wait(10)
        return [Finding("slow.seen", "info", f"Set: {followup.period}.")]


class Later:
    @hookimpl
    def mrp_validate_followup(self, followup: Any) -> list[Finding]:
        return [Finding("later.seen", "info", "Set af en senere kontrol.")]


@pytest.fixture
def release() -> Iterator[threading.Event]:
    event = threading.Event()
    yield event
    event.set()


@pytest.fixture
def batch_manager(release: threading.Event) -> Iterator[PluginManager]:
    pm = build_plugin_manager(entry_points=False, timeout=0.3, clock=lambda: TODAY)
    pm.register(SlowOnH2(release), "slow")
    pm.register(Later(), "later")
    yield pm
    pm.close()


def _rules(findings: list[Finding]) -> list[tuple[str | None, str]]:
    return [(f.plugin, f.rule) for f in findings]


def test_each_report_gets_what_it_would_alone(batch_manager: PluginManager) -> None:
    flawed = [dict(row) for row in GOOD_ROWS]
    flawed[0]["status"] = "ukendt"
    reports = [(make_followup(), make_plan(), SKM),
               (make_followup(flawed), make_plan(), SKM),
               (make_followup(), make_plan(), OTHER)]
    together = batch_manager.validate_followups(reports)
    alone = [batch_manager.validate_followup(*report) for report in reports]
    assert together == alone
    assert ("slow", "slow.seen") in _rules(together[0])
    assert ("slow", "slow.seen") not in _rules(together[2])  # FM did not enable it
    assert together[1] != together[0]  # the flawed report has findings of its own


def test_one_hand_over_for_the_batch(batch_manager: PluginManager,
                                     monkeypatch: pytest.MonkeyPatch) -> None:
    runner = batch_manager._runner
    calls: list[int] = []
    real_run = runner.run

    def run(units: Any) -> list[object]:
        calls.append(len(units))
        return real_run(units)

    monkeypatch.setattr(runner, "run", run)
    batch_manager.validate_followups([(make_followup(), make_plan(), SKM)] * 5)
    assert len(calls) == 1 and calls[0] >= 5 * 2  # both plugins' share of every report


def test_a_time_limit_holds_per_report(batch_manager: PluginManager) -> None:
    """The plugin that hangs on one report of the batch fails for that report alone; the
    reports after it are still checked by it, and the other plugin's findings survive."""
    periods = ["2026-H1", "2026-H2", "2026-H1"]
    found = batch_manager.validate_followups(
        [(make_followup(period=p), make_plan(), SKM) for p in periods])
    failed = [[f.plugin for f in one if f.rule == "plugin.failed"] for one in found]
    assert failed == [[], ["slow"], []]
    assert all(("later", "later.seen") in _rules(one) for one in found)
    assert ("slow", "slow.seen") in _rules(found[2])
    assert batch_manager.validate_followups([]) == []

"""``followup.status-disagrees``: the reported status two or more steps more optimistic than
the computed one, on the scale on track > at risk > off track (DESIGN section 12)."""

from __future__ import annotations

from dataclasses import replace

import pytest

from service.plugins.builtin.followup import status_disagrees
from service.plugins.manager import MinistryPlugins, PluginManager
from tests.plugins.conftest import make_followup, make_plan

SCALE = [
    ("on_track", "off_track", True),
    ("on_track", "not_achieved", True),
    ("achieved", "off_track", True),
    ("achieved", "not_achieved", True),
    ("on_track", "at_risk", False),
    ("at_risk", "off_track", False),
    ("at_risk", "not_achieved", False),
    ("off_track", "on_track", False),  # more pessimistic is no finding
    ("on_track", None, False),
    (None, "off_track", False),
    ("partially_achieved", "off_track", False),
    ("withdrawn", "not_achieved", False),
]


@pytest.mark.parametrize(("reported", "computed", "disagrees"), SCALE)
def test_the_scale(reported, computed, disagrees):
    assert status_disagrees(reported, computed) is disagrees


def test_the_finding_names_both_statuses_and_the_basis(
    manager: PluginManager, mp: MinistryPlugins
) -> None:
    followup = make_followup()
    followup = replace(followup, goals=tuple(
        replace(row, computed_status="not_achieved",
                computed_basis="Målt 6,8 %. Målet på 5 % i december 2026 er ikke nået.")
        if row.goal == "M5" else row for row in followup.goals
    ))
    [finding] = [f for f in manager.validate_followup(followup, make_plan(), mp)
                 if f.rule == "followup.status-disagrees"]
    assert (finding.goal, finding.severity) == ("M5", "warning")
    assert finding.message == (
        "Mål M5 er meldt »Opfyldt«, men den beregnede status er »Ikke opfyldt«: Målt 6,8 %. "
        "Målet på 5 % i december 2026 er ikke nået. Ret status, eller forklar forskellen i "
        "kommentaren.")

"""A plan's attainment (målopfyldelse), computed from its weighted goals' final statuses:
table-driven over weights, the ministry's partial share, missing statuses, withdrawn and
unweighted goals, and the Danish sentence."""

from __future__ import annotations

import pytest

from service.domain.attainment import (
    WeightedGoal,
    compute,
    points_words,
    score,
    words,
)


def goal(code: str, weight: int, status: str | None, **kw: object) -> WeightedGoal:
    return WeightedGoal(code=code, title=f"Mål {code}", weight=weight, status=status, **kw)


@pytest.mark.parametrize(("status", "share", "expected"), [
    ("achieved", 0.5, 1.0),
    ("on_track", 0.5, 1.0),
    ("partially_achieved", 0.5, 0.5),
    ("at_risk", 0.5, 0.5),
    ("partially_achieved", 0.25, 0.25),
    ("at_risk", 0.0, 0.0),
    ("partially_achieved", 1.0, 1.0),
    ("not_achieved", 0.5, 0.0),
    ("off_track", 0.5, 0.0),
    ("withdrawn", 0.5, None),
    (None, 0.5, None),
    ("no-such-status", 0.5, None),
])
def test_the_score_of_each_status(status, share, expected):
    assert score(status, share) == expected


# (goals, partial share) → (points, max points, percent, goals without status)
CASES = [
    pytest.param([goal("M1", 20, "achieved"), goal("M2", 20, "partially_achieved"),
                  goal("M3", 10, "not_achieved")], 0.5, (30.0, 50, 60.0, []),
                 id="full, half and nothing"),
    pytest.param([goal("M1", 20, "achieved"), goal("M2", 20, "partially_achieved"),
                  goal("M3", 10, "not_achieved")], 0.8, (36.0, 50, 72.0, []),
                 id="the ministry's own share"),
    pytest.param([goal("M1", 15, "on_track"), goal("M2", 15, "at_risk"),
                  goal("M3", 20, "off_track")], 0.5, (22.5, 50, 45.0, []),
                 id="the traffic lights of a year not yet over"),
    pytest.param([goal("M1", 30, "achieved"), goal("M2", 20, None)], 0.5,
                 (30.0, 30, 100.0, ["M2"]), id="a goal without status counts on neither side"),
    pytest.param([goal("M1", 30, None), goal("M2", 20, None)], 0.5,
                 (0, 0, None, ["M1", "M2"]), id="no status at all: no percent"),
    pytest.param([goal("M1", 30, "achieved"), goal("M2", 20, "not_achieved", withdrawn=True)],
                 0.5, (30.0, 30, 100.0, []), id="a withdrawn goal does not count"),
    pytest.param([goal("M1", 30, "achieved"), goal("M2", 20, "withdrawn")], 0.5,
                 (30.0, 30, 100.0, []), id="reported as withdrawn does not count"),
    pytest.param([goal("M1", 0, "not_achieved"), goal("M2", 10, "achieved")], 0.5,
                 (10.0, 10, 100.0, []), id="a goal of 0 points changes nothing"),
    pytest.param([goal("M1", 0, "achieved")], 0.5, (0.0, 0, None, []),
                 id="only goals of 0 points: no percent"),
    pytest.param([], 0.5, (0, 0, None, []), id="no weighted goals"),
]


@pytest.mark.parametrize(("goals", "share", "expected"), CASES)
def test_attainment(goals, share, expected):
    result = compute(2026, goals, share, unweighted=["M9"])
    points, max_points, percent, missing = expected
    assert result.points == points
    assert result.max_points == max_points
    assert result.percent == (pytest.approx(percent) if percent is not None else None)
    assert result.without_status == missing
    assert result.unweighted == ["M9"]
    assert [g.code for g in result.goals] == [g.code for g in goals]


def test_each_goal_carries_its_score_and_points():
    result = compute(2026, [goal("M1", 15, "at_risk", source="computed", period="2026-H2"),
                            goal("M2", 10, None), goal("M3", 5, "achieved", withdrawn=True)],
                     0.5)
    m1, m2, m3 = result.goals
    assert (m1.score, m1.points, m1.counted, m1.source, m1.period) == (
        0.5, 7.5, True, "computed", "2026-H2")
    assert (m2.score, m2.points, m2.counted, m2.withdrawn) == (None, None, False, False)
    assert (m3.score, m3.points, m3.counted, m3.withdrawn) == (None, None, False, True)
    assert points_words(m1) == "7,5 af 15 point"
    assert points_words(m2) == "10 point, tæller ikke (ingen status)"
    assert points_words(m3) == "5 point, tæller ikke (udgået)"


@pytest.mark.parametrize(("goals", "share", "text"), [
    ([goal("M1", 20, "achieved"), goal("M2", 20, "partially_achieved"),
      goal("M3", 10, "not_achieved")], 0.8, "Målopfyldelse 2026: 72 % (36 af 50 point)"),
    ([goal("M1", 15, "at_risk"), goal("M2", 1000, "achieved")], 0.5,
     "Målopfyldelse 2026: 99 % (1.007,5 af 1.015 point)"),
    ([goal("M1", 15, None)], 0.5, "Målopfyldelse 2026: ingen vægtede mål med status endnu"),
])
def test_the_danish_sentence(goals, share, text):
    assert words(compute(2026, goals, share)) == text


def test_plugins_see_the_goals_weight():
    from service.plugins.builders import goal_from_dict

    view = goal_from_dict({"code": "M1", "task_type": "operations", "goal_type": "output",
                           "weight": 15})
    assert view.weight == 15
    assert goal_from_dict({"code": "M2", "task_type": "project",
                           "goal_type": "output"}).weight is None


def test_the_domains_goal_view_carries_the_weight():
    from service.domain.models import Goal
    from service.domain.validation import goal_view

    goal = Goal(code="M1", title="Mål", task_type="operations", goal_type="output",
                nature="quantitative", status="active", weight=15)
    assert goal_view(goal).weight == 15

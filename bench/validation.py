"""Validation throughput: the built-in rules against a no-op chain of the same shape.

Builds 2,000 plans with 10,000 goals in all (mixed task and goal types, some with the
flaws the rules look for), validates every plan with all built-in plugins, then with a
chain of as many plugins implementing the same hooks that return no findings — the same
manager, the same isolation machinery. Prints goals per second for both and the ratio,
against a ceiling of 3×. Exits 1 if the ratio is above the ceiling.

    .venv/bin/python bench/validation.py [--plans 2000] [--goals 10000] [--repeat 7]
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from service.plugins import hookimpl
from service.plugins.manager import (
    MinistryPlugins,
    PluginManager,
    build_plugin_manager,
)
from service.plugins.views import (
    GoalView,
    IndicatorView,
    MilestoneView,
    PlanView,
    TopManagerView,
)

CEILING = 3.0
TASK_TYPES = ["operations"] * 4 + ["project"] * 3 + ["policy"] * 2 + ["internal_administration"]
GOAL_TYPES = {
    "operations": ["output", "effect", "quality", "activity"],
    "project": ["output", "activity", "quality"],
    "policy": ["quality", "activity", "output"],
    "internal_administration": ["output", "quality", "effect"],
}


def goal_counts(rng: random.Random, plans: int, goals: int) -> list[int]:
    counts = [goals // plans] * plans
    for i in range(goals - sum(counts)):
        counts[i % plans] += 1
    for _ in range(plans * 2):  # shuffle goals between plans, keeping 1..10 each
        a, b = rng.randrange(plans), rng.randrange(plans)
        if counts[a] > 1 and counts[b] < 10:
            counts[a] -= 1
            counts[b] += 1
    return counts


def make_goal(rng: random.Random, n: int, start: int, end: int) -> GoalView:
    task = rng.choice(TASK_TYPES)
    goal_type = rng.choice(GOAL_TYPES[task])
    nature = "qualitative" if task == "policy" and rng.random() < 0.8 else "quantitative"
    indicators: list[IndicatorView] = []
    if nature == "quantitative" or rng.random() < 0.2:
        for k in range(rng.choice((1, 1, 2))):
            baseline = round(rng.uniform(10, 100), 1)
            direction = rng.choice(("increase", "decrease", "maintain"))
            target = baseline * (1.2 if direction == "increase" else 0.8)
            indicators.append(
                IndicatorView(
                    name=f"Indikator {n}.{k}",
                    unit=rng.choice(("dage", "%", "antal", None)) if rng.random() < 0.95 else None,
                    baseline=baseline if rng.random() < 0.85 else None,
                    baseline_year=start - 1,
                    target=round(target, 1) if rng.random() < 0.95 else None,
                    direction=direction,
                    data_source="Sagssystemet" if rng.random() < 0.7 else None,
                )
            )
    milestones: list[MilestoneView] = []
    if task == "project" or rng.random() < 0.2:
        for k in range(rng.randrange(0, 5)):
            milestones.append(
                MilestoneView(
                    title=f"Milepæl {k + 1}",
                    due_date=date(
                        rng.randint(start, end + (rng.random() < 0.05)), rng.randint(1, 12), 28
                    ),
                    done=rng.random() < 0.3,
                )
            )
    return GoalView(
        id=None,
        code=f"M{n}",
        title=f"Mål {n}",
        description="Målet skal give en mærkbar effekt for borgerne."
        if rng.random() < 0.5
        else None,
        task_type=task,
        goal_type=goal_type,
        nature=nature,
        success_criterion="Målet er nået, når …" if rng.random() < 0.8 else None,
        deadline=date(rng.randint(start, end), 12, 31) if rng.random() < 0.9 else None,
        politically_fixed=rng.random() < 0.1,
        owner="Kontorchef",
        status="withdrawn" if rng.random() < 0.03 else "active",
        indicators=tuple(indicators),
        milestones=tuple(milestones),
    )


def make_plans(plans: int, goals: int, seed: int = 2026) -> list[PlanView]:
    rng = random.Random(seed)
    out = []
    for i, count in enumerate(goal_counts(rng, plans, goals)):
        start = rng.choice((2025, 2026, 2027))
        end = start + rng.choice((0, 1, 1, 2, 3))
        out.append(
            PlanView(
                id=i + 1,
                reference=f"I{i:04d}-{start}",
                institution=f"I{i:04d}",
                ministry=rng.choice(("SKM", "FM", "JM", "UM")),
                title=f"Mål- og resultatplan {start}–{end}",
                period_start=start,
                period_end=end,
                top_manager=TopManagerView(name="Direktør", title="Direktør")
                if rng.random() < 0.9
                else None,
                followup_cadence=rng.choice(("half-yearly", "half-yearly", "quarterly", "yearly")),
                status=rng.choice(("draft", "approved")),
                goals=tuple(make_goal(rng, n + 1, start, end) for n in range(count)),
            )
        )
    return out


def noop_chain(like: PluginManager, timeout: float | None) -> PluginManager:
    """A manager with as many plugins as ``like``, implementing the same hooks, that find
    nothing."""
    manager = build_plugin_manager(entry_points=False, builtins=(), timeout=timeout)
    bodies = {
        "mrp_task_types": lambda self: [],
        "mrp_validate_plan": lambda self, plan, ctx: [],
        "mrp_validate_goal": lambda self, goal, plan, ctx: [],
        "mrp_validate_followup": lambda self, followup, plan, ctx: [],
        "mrp_report_parsers": lambda self: [],
    }
    for info in like.plugins():
        namespace = {hook: hookimpl(bodies[hook]) for hook in info.hooks}
        plugin = type(f"Noop_{info.name}", (), namespace)()
        manager.register(plugin, info.name, builtin=True)
    return manager


def run_once(manager: PluginManager, plans: list[PlanView]) -> tuple[float, int]:
    mp = MinistryPlugins(ministry="FM")
    today = date(2026, 6, 1)
    t0 = time.perf_counter()
    findings = sum(len(manager.validate_plan(p, mp, today=today)) for p in plans)
    return time.perf_counter() - t0, findings


def run(
    full: PluginManager, noop: PluginManager, plans: list[PlanView], repeat: int
) -> tuple[float, float, int]:
    """Best of ``repeat`` runs of each, interleaved so both see the same machine."""
    full_s = noop_s = float("inf")
    findings = 0
    for _ in range(repeat):
        seconds, findings = run_once(full, plans)
        full_s = min(full_s, seconds)
        noop_s = min(noop_s, run_once(noop, plans)[0])
    return full_s, noop_s, findings


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--plans", type=int, default=2000)
    parser.add_argument("--goals", type=int, default=10000)
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument(
        "--timeout",
        type=float,
        default=2.0,
        help="per-plugin time limit in seconds; 0 runs without threads",
    )
    args = parser.parse_args(argv)
    timeout = args.timeout or None

    plans = make_plans(args.plans, args.goals)
    active = sum(len(p.active_goals) for p in plans)
    full = build_plugin_manager(entry_points=False, timeout=timeout)
    noop = noop_chain(full, timeout)
    try:
        run(full, noop, plans[:100], 1)  # warm up threads and caches
        full_s, noop_s, findings = run(full, noop, plans, args.repeat)
    finally:
        full.close()
        noop.close()

    goals = sum(len(p.goals) for p in plans)
    ratio = full_s / noop_s
    plugins = len(full.plugins())
    print(
        f"plans {len(plans)}, goals {goals} ({active} active), plugins {plugins}, timeout {timeout}"
    )
    print(
        f"built-in rules: {goals / full_s:12,.0f} goals/s  ({full_s * 1000:.0f} ms, "
        f"{findings} findings)"
    )
    print(f"no-op chain:    {goals / noop_s:12,.0f} goals/s  ({noop_s * 1000:.0f} ms)")
    verdict = "OK" if ratio <= CEILING else "ABOVE CEILING"
    print(f"ratio built-in / no-op: {ratio:.2f}  (ceiling {CEILING:.1f}) {verdict}")
    return 0 if ratio <= CEILING else 1


if __name__ == "__main__":
    sys.exit(main())

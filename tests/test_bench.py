"""`bench/api.py --quick` runs end to end and prints lines of the documented shape."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parent.parent / "bench" / "api.py"
NUMBER = r"\d+(?:\.\d+)?"
RPS = re.compile(
    rf"^rps\s+(?P<backend>\w+)\s+(?P<route>[\w-]+)\s+(?P<rps>{NUMBER}) req/s\s+"
    rf"ratio\s+(?P<ratio>{NUMBER})\s+p50\s+{NUMBER} ms\s+p99\s+{NUMBER} ms\s+n=(?P<n>\d+)"
    r"\s+hits=(?P<hits>\d+)(?:\s+target >= (?P<target>[\d.]+): (?P<verdict>met|MISSED))?"
    r"\s+(?P<path>/api/\S+)$"
)
SQL = re.compile(
    r"^sql\s+(?P<backend>\w+)\s+(?P<route>[\w-]+)\s+"
    r"page_size=5: (?P<s5>\d+)\s+page_size=20: (?P<s20>\d+)\s+page_size=100: (?P<s100>\d+)\s+"
    r"(?P<verdict>does not grow|GROWS WITH PAGE SIZE)$"
)
REF = re.compile(
    rf"^ref\s+sqlite\s+(?P<route>plans-list|plans-by-hand)\s+(?P<rps>{NUMBER}) req/s\s+"
    rf"ratio\s+(?P<ratio>{NUMBER})\s+p50\s+{NUMBER} ms\s+"
    rf"\(health {NUMBER} req/s on that server; (?P<note>.*)\)\s+"
    r"(?P<path>/(?:bench/plans-by-hand|api/v1/plans)\?ministry=M07&year=2026&page_size=20)$"
)
MIX = re.compile(
    rf"^mix\s+sqlite\s+plans-list\s+(?P<rps>{NUMBER}) req/s\s+ratio\s+(?P<ratio>{NUMBER})\s+"
    rf"p50\s+{NUMBER} ms\s+n=(?P<n>\d+)\s+hits=(?P<hits>\d+)\s+"
    r"\(while a plan changed every 100 ms: (?P<writes>\d+) writes\)\s+"
    r"/api/v1/plans\?ministry=M07&year=2026&page_size=20$"
)
SETUP = re.compile(
    rf"^setup\s+sqlite\s+migrate\s+{NUMBER} s\s+seed\s+{NUMBER} s\s+"
    r"\(500 plans, 2500 goals, 10 ministries, 20 institutions\)$"
)


@pytest.fixture(scope="module")
def quick_run() -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("MRP_")}
    return subprocess.run(
        [sys.executable, str(BENCH), "--quick"],
        capture_output=True,
        text=True,
        timeout=150,
        env=env,
    )


@pytest.mark.timeout(180)
def test_quick_bench_runs_and_its_lines_parse(quick_run):
    assert quick_run.returncode == 0, quick_run.stdout + quick_run.stderr
    lines = quick_run.stdout.splitlines()
    assert lines[0].startswith("bench    api         quick: gunicorn workers=1")
    assert sum(bool(SETUP.match(line)) for line in lines) == 1, lines
    assert re.fullmatch(r"result   (ok|TARGET MISSED)", lines[-1])

    rps = {m["route"]: m for line in lines if (m := RPS.match(line))}
    assert list(rps) == ["health", "plans-list", "plan-get", "goals-list"], lines
    assert rps["health"]["ratio"] == "1.00"
    assert rps["plans-list"]["target"] == "0.50"
    assert rps["plans-list"]["path"] == "/api/v1/plans?ministry=M07&year=2026&page_size=20"
    assert rps["goals-list"]["path"] == "/api/v1/goals?task_type=project&page_size=20"
    assert re.fullmatch(r"/api/v1/plans/\d+", rps["plan-get"]["path"])
    for match in rps.values():
        assert float(match["rps"]) > 0
        assert 0 < int(match["n"]) <= 100  # bounded: the request count of --quick
        assert 0 <= int(match["hits"]) <= int(match["n"])
    # after the warm-up, the repeated list is answered from the cache; health never is, and
    # the goals list is not a cached route
    assert int(rps["plans-list"]["hits"]) == int(rps["plans-list"]["n"])
    assert rps["health"]["hits"] == rps["goals-list"]["hits"] == "0"
    health = float(rps["health"]["rps"])
    for match in rps.values():  # each ratio is that route against health, same run
        assert float(match["ratio"]) == pytest.approx(float(match["rps"]) / health, abs=0.01)
    met = float(rps["plans-list"]["ratio"]) >= 0.5
    assert (rps["plans-list"]["verdict"] == "met") is met
    assert lines[-1] == ("result   ok" if met else "result   TARGET MISSED")


@pytest.mark.timeout(180)
def test_quick_bench_measures_the_list_uncached_and_the_hand_built_reference(quick_run):
    """On a server with the cache off: the API's list and the hand-built one, once each,
    after the hand-built route gave the API's exact body and totals (else the bench prints
    DIFFERS and fails; a hit on that server makes it fail too)."""
    assert quick_run.returncode == 0, quick_run.stdout + quick_run.stderr
    assert "DIFFERS" not in quick_run.stdout
    refs = [m for line in quick_run.stdout.splitlines() if (m := REF.match(line))]
    assert [m["route"] for m in refs] == ["plans-list", "plans-by-hand"]
    assert "cache off" in refs[0]["note"]
    for ref in refs:
        assert float(ref["rps"]) > 0 and float(ref["ratio"]) > 0


@pytest.mark.timeout(180)
def test_quick_bench_measures_the_list_while_plans_change(quick_run):
    assert quick_run.returncode == 0, quick_run.stdout + quick_run.stderr
    (mix,) = [m for line in quick_run.stdout.splitlines() if (m := MIX.match(line))]
    assert float(mix["rps"]) > 0
    assert int(mix["hits"]) <= int(mix["n"]) <= 100


@pytest.mark.timeout(180)
def test_quick_bench_statement_count_does_not_grow_with_page_size(quick_run):
    assert quick_run.returncode == 0, quick_run.stderr
    sql = {m["route"]: m for line in quick_run.stdout.splitlines() if (m := SQL.match(line))}
    assert set(sql) == {"plans-list", "goals-list", "plans-all", "plans-kept"}
    kept = sql["plans-kept"]
    # the token check, which reads the data version too
    assert [kept["s5"], kept["s20"], kept["s100"]] == ["1"] * 3
    for match in sql.values():
        counts = [int(match["s5"]), int(match["s20"]), int(match["s100"])]
        assert counts == sorted(counts, reverse=True), match.group(0)  # never grows
        assert all(1 <= n <= 10 for n in counts)  # auth + page + eager loads (+ count)
        assert match["verdict"] == "does not grow"

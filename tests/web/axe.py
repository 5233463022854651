"""axe-core in the browser tests: inject ``node_modules/axe-core/axe.min.js`` (pinned in
package-lock.json, installed by ``npm ci``) into the page a Selenium driver shows, run it
against WCAG 2.0/2.1 level A and AA, and report what it finds."""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

AXE_JS = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"
#: the rules of WCAG 2.1 AA (2.0 and 2.1, levels A and AA)
WCAG_TAGS = ("wcag2a", "wcag2aa", "wcag21a", "wcag21aa")
#: the impacts that fail a page
BLOCKING = frozenset({"serious", "critical"})

_RUN = """
const done = arguments[arguments.length - 1];
axe.run(document, {runOnly: {type: 'tag', values: arguments[0]}, resultTypes: ['violations']})
  .then(r => done({violations: r.violations.map(v => ({
      id: v.id, impact: v.impact, help: v.help, helpUrl: v.helpUrl,
      nodes: v.nodes.map(n => ({target: n.target, impact: n.impact,
                                summary: n.failureSummary}))}))}))
  .catch(e => done({error: String(e)}));
"""


def axe_missing() -> str | None:
    """Why axe cannot run here, or None."""
    if not AXE_JS.is_file():
        return f"{AXE_JS} missing (run `npm ci`, as `make install-test` does)"
    return None


@cache
def _source() -> str:
    return AXE_JS.read_text(encoding="utf-8")


def run_axe(driver: Any, tags: tuple[str, ...] = WCAG_TAGS) -> list[dict[str, Any]]:
    """axe's violations on the driver's current page."""
    if not driver.execute_script("return typeof window.axe === 'object';"):
        driver.execute_script(_source())
    driver.set_script_timeout(60)
    result = driver.execute_async_script(_RUN, list(tags))
    if "error" in result:
        raise RuntimeError(f"axe.run failed: {result['error']}")
    return result["violations"]


def blocking(violations: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The violations of serious or critical impact."""
    return [v for v in violations if v.get("impact") in BLOCKING]


def describe(violations: list[dict[str, Any]], where: str = "") -> str:
    """One line per violation and one per element: rule, impact, selector, help."""
    lines = [f"axe: {len(violations)} violation(s){' on ' + where if where else ''}"]
    for v in violations:
        lines.append(f"- {v['id']} ({v['impact']}): {v['help']} <{v['helpUrl']}>")
        for node in v["nodes"][:10]:
            target = " ".join(str(t) for t in node["target"])
            summary = " ".join((node.get("summary") or "").split())
            lines.append(f"    {target}: {summary[:300]}")
        if len(v["nodes"]) > 10:
            lines.append(f"    ... and {len(v['nodes']) - 10} more")
    return "\n".join(lines)


__all__ = ["AXE_JS", "BLOCKING", "WCAG_TAGS", "axe_missing", "blocking", "describe", "run_axe"]

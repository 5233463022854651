"""Charts drawn on the server as inline SVG: no script, no external library. The status
chart of the overview (stacked bars per period) and a goal's indicator over time on the
plan page (``history_chart``).

Colours come from the stylesheet by class (``seg-green`` …), so the page's Content Security
Policy needs no inline styles; every segment also carries its numbers as text, a ``<title>``
and ``data-`` attributes, and the chart a ``<desc>`` that says it all in words.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from markupsafe import Markup, escape

from service.vocabulary import date_words, format_number, parse_period, period_text
from service.web.labels import LIGHTS, STATUS_ORDER, label

WIDTH = 640
LABEL_WIDTH = 112  # room for ``2. halvår 2026``
TOTAL_WIDTH = 76
ROW = 30
GAP = 12
TOP = 6
MIN_TEXT_WIDTH = 22  # a segment narrower than this shows its count only in its title
#: the narrow chart (phones): drawn at about its own size, so its 13 px text stays 13 px;
#: each period's name and total on a line above its bar
NARROW_WIDTH = 320
NARROW_LINE = 18


def _fmt(x: float) -> str:
    return f"{x:.1f}".rstrip("0").rstrip(".")


def _ordered(counts: dict[str, int]) -> list[tuple[str, int]]:
    known = [(s, counts.get(s, 0)) for s in STATUS_ORDER]
    other = sorted((s, n) for s, n in counts.items() if s not in STATUS_ORDER)
    return [(s, n) for s, n in known + other if n > 0]


def describe(series: Sequence[tuple[str, dict[str, int]]]) -> str:
    """The chart in words: ``1. halvår 2026: 2 På rette spor, 1 Udfordret. 2. halvår 2026:
    ingen mål.``"""
    parts = []
    for period, counts in series:
        items = ", ".join(f"{n} {label(s, 'status')}" for s, n in _ordered(counts))
        parts.append(f"{period_text(period)}: {items or 'ingen mål'}.")
    return " ".join(parts)


def status_chart(
    series: Sequence[tuple[str, dict[str, int]]], *, title: str, chart_id: str = "status-chart",
    narrow: bool = False,
) -> Markup:
    """Stacked horizontal bars: one per period, a segment per status, scaled to the
    largest period's number of goals. ``narrow``: the layout for a phone's width (the
    stylesheet shows one of the two), the period and total above each bar."""
    width = NARROW_WIDTH if narrow else WIDTH
    left = 0 if narrow else LABEL_WIDTH
    bar_width = width if narrow else WIDTH - LABEL_WIDTH - TOTAL_WIDTH
    step = (NARROW_LINE + ROW if narrow else ROW) + GAP
    height = TOP * 2 + len(series) * step - GAP
    biggest = max((sum(c.values()) for _p, c in series), default=0) or 1
    css_class = "chart chart-narrow" if narrow else "chart chart-wide"
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="{css_class}" id="{chart_id}" '
        f'viewBox="0 0 {width} {height}" width="100%" role="img" '
        f'aria-labelledby="{chart_id}-title {chart_id}-desc" preserveAspectRatio="xMinYMin meet">',
        f'<title id="{chart_id}-title">{escape(title)}</title>',
        f'<desc id="{chart_id}-desc">{escape(describe(series))}</desc>',
    ]
    for row, (period, counts) in enumerate(series):
        top = TOP + row * step
        y = top + NARROW_LINE if narrow else top
        mid = y + ROW / 2
        label_y = top + NARROW_LINE / 2 if narrow else mid
        total = sum(counts.values())
        out.append(f'<g class="chart-row" data-period="{escape(period)}" data-total="{total}">')
        out.append(
            f'<text class="chart-period" x="0" y="{_fmt(label_y)}" '
            f'dominant-baseline="central">{escape(period_text(period))}</text>'
        )
        if total == 0:
            out.append(
                f'<rect class="seg-empty" x="{left}" y="{y}" width="{bar_width}" '
                f'height="{ROW}" rx="3"/>'
            )
        x = float(left)
        for status, count in _ordered(counts):
            seg = bar_width * count / biggest
            css = LIGHTS.get(status, ("none", ""))[0]
            name = escape(label(status, "status"))
            out.append(
                f'<rect class="seg seg-{css}" x="{_fmt(x)}" y="{y}" width="{_fmt(seg)}" '
                f'height="{ROW}" data-status="{escape(status)}" data-count="{count}">'
                f"<title>{escape(period_text(period))}: {name} {count}</title></rect>"
            )
            if seg >= MIN_TEXT_WIDTH:
                out.append(
                    f'<text class="seg-count seg-count-{css}" x="{_fmt(x + seg / 2)}" '
                    f'y="{_fmt(mid)}" text-anchor="middle" dominant-baseline="central" '
                    f'aria-hidden="true">{count}</text>'
                )
            x += seg
        total_text = "ingen mål" if total == 0 else f"{total} mål"
        if narrow:
            out.append(
                f'<text class="chart-total" x="{width}" y="{_fmt(label_y)}" '
                f'text-anchor="end" dominant-baseline="central">{total_text}</text>'
            )
        else:
            out.append(
                f'<text class="chart-total" x="{WIDTH - TOTAL_WIDTH + 8}" y="{_fmt(mid)}" '
                f'dominant-baseline="central">{total_text}</text>'
            )
        out.append("</g>")
    out.append("</svg>")
    return Markup("".join(out))


# --- a goal's indicator over time ---------------------------------------------------------
#: the history chart's drawing: the plot inside margins for the value axis (left), the
#: years (below) and air (top, right); wide enough that its 13 px text stays readable when
#: its box (which scrolls on a phone) is 30rem
HISTORY_WIDTH = 520
HISTORY_HEIGHT = 260
PLOT_LEFT = 64
PLOT_RIGHT = HISTORY_WIDTH - 16
PLOT_TOP = 30
PLOT_BOTTOM = HISTORY_HEIGHT - 40
Y_TICKS = 6
#: the share of the values' range left free above and below them
VALUE_PAD = 0.08


def _amount(value: float, unit: str | None) -> str:
    """``35 dage``, ``93,5 %``, ``12``: a number as Danes write it, with its unit."""
    text = format_number(value)
    return f"{text} {unit.strip()}" if unit and unit.strip() else text


def _nice_step(span: float, count: int) -> float:
    raw = span / max(count - 1, 1)
    magnitude = 10 ** math.floor(math.log10(raw))
    return next(m * magnitude for m in (1, 2, 2.5, 5, 10) if m * magnitude >= raw)


def value_ticks(values: Sequence[float]) -> list[float]:
    """Round values for the value axis, from at or below the smallest of ``values`` to at or
    above the largest: ``[30, 35, 40, 45, 50]``."""
    low, high = min(values), max(values)
    if high - low < 1e-9:
        low, high = low - (abs(low) * 0.1 or 1), high + (abs(high) * 0.1 or 1)
    step = _nice_step(high - low, Y_TICKS)
    start = math.floor(low / step + 1e-9) * step
    ticks = [start]
    while ticks[-1] < high - 1e-9:
        ticks.append(round(ticks[-1] + step, 10))
    return ticks


@dataclass(frozen=True)
class HistoryScale:
    """Where a date and a value are drawn in the history chart."""

    first: date
    last: date
    ticks: tuple[float, ...]  # the value axis's, from the lowest to the highest

    @property
    def low(self) -> float:
        return self.ticks[0]

    @property
    def high(self) -> float:
        return self.ticks[-1]

    def x(self, day: date) -> float:
        span = (self.last - self.first).days or 1
        return PLOT_LEFT + (PLOT_RIGHT - PLOT_LEFT) * (day - self.first).days / span

    def y(self, value: float) -> float:
        span = (self.high - self.low) or 1
        return PLOT_BOTTOM - (PLOT_BOTTOM - PLOT_TOP) * (value - self.low) / span


def _points(history: dict[str, Any]) -> list[tuple[date, dict[str, Any]]]:
    """The measured values with the end of their period, in order."""
    out = []
    for value in history["values"]:
        period = parse_period(value["period"])
        if period is not None and value["measured"] is not None:
            out.append((period.end, value))
    return out


def _path(history: dict[str, Any]) -> list[tuple[date, float]]:
    return [(p["date"], p["value"]) for p in history.get("expected_path") or []]


def history_scale(history: dict[str, Any]) -> HistoryScale | None:
    """The chart's scale: every measured value, the target and the expected path inside it,
    from the first of January of the first year drawn to the end of the last; None when
    there is nothing to draw."""
    points, path = _points(history), _path(history)
    days = [d for d, _v in points] + [d for d, _v in path]
    numbers = [v["measured"] for _d, v in points] + [v for _d, v in path]
    if history.get("target") is not None:
        numbers.append(history["target"])
    if not days or not numbers:
        return None
    # air above and below, so that no line runs along the plot's edge (nor below zero for
    # values that are never negative)
    low, high = min(numbers), max(numbers)
    pad = (high - low) * VALUE_PAD
    low = max(0.0, low - pad) if low >= 0 else low - pad
    return HistoryScale(date(min(days).year, 1, 1), date(max(days).year, 12, 31),
                        tuple(value_ticks([low, high + pad])))


def describe_history(history: dict[str, Any]) -> str:
    """The history chart in Danish words: the indicator, where it started, its target and
    the expected path, each measurement, and the last one against what was expected."""
    unit = history.get("unit")
    name = history.get("indicator") or "Indikatoren"
    parts = [f"{name}{f' i {unit}' if unit else ''}."]
    if history.get("baseline") is not None:
        year = f" ({history['baseline_year']})" if history.get("baseline_year") else ""
        parts.append(f"Udgangspunkt {_amount(history['baseline'], unit)}{year}.")
    if history.get("target") is not None:
        deadline = history.get("deadline")
        when = f" senest {date_words(deadline)}" if deadline else ""
        parts.append(f"Målværdi {_amount(history['target'], unit)}{when}.")
    if history.get("expected_path"):
        parts.append("Det forventede forløb er en ret linje fra udgangspunktet til målværdien.")
    points = _points(history)
    if not points:
        parts.append("Der er endnu ingen målte værdier.")
        return " ".join(parts)
    measured = "; ".join(f"{v['period_text']} {_amount(v['measured'], unit)}"
                         for _d, v in points)
    parts.append(f"Målt: {measured}.")
    last = points[-1][1]
    if last.get("expected_value") is not None:
        parts.append(f"Seneste måling, {last['period_text']}: "
                     f"{_amount(last['measured'], unit)} mod forventet "
                     f"{_amount(last['expected_value'], unit)}.")
    return " ".join(parts)


def history_chart(history: dict[str, Any], *, chart_id: str, title: str) -> Markup | None:
    """A goal's indicator over time as a line chart: the measured values as points joined
    by a line, the target as a horizontal line, the expected path from the baseline to the
    target as a dashed line, the value axis in Danish numbers and the years below. None
    when there is nothing to draw. Each part carries its numbers in ``data-`` attributes,
    each point a ``<title>``, the chart a ``<desc>`` that says it all in words."""
    scale = history_scale(history)
    if scale is None:
        return None
    unit = history.get("unit")
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="history-chart" id="{chart_id}" '
        f'viewBox="0 0 {HISTORY_WIDTH} {HISTORY_HEIGHT}" width="100%" role="img" '
        f'aria-labelledby="{chart_id}-title {chart_id}-desc" '
        f'preserveAspectRatio="xMinYMin meet">',
        f'<title id="{chart_id}-title">{escape(title)}</title>',
        f'<desc id="{chart_id}-desc">{escape(describe_history(history))}</desc>',
        '<g class="history-axis" aria-hidden="true">',
    ]
    for tick in scale.ticks:
        y = _fmt(scale.y(tick))
        out.append(
            f'<line class="history-grid" x1="{PLOT_LEFT}" x2="{PLOT_RIGHT}" y1="{y}" '
            f'y2="{y}" data-value="{tick:g}"/>'
            f'<text class="history-tick" x="{PLOT_LEFT - 6}" y="{y}" text-anchor="end" '
            f'dominant-baseline="central">{escape(format_number(tick))}</text>'
        )
    if unit:
        out.append(f'<text class="history-unit" x="{PLOT_LEFT - 6}" y="{PLOT_TOP - 14}" '
                   f'text-anchor="end">{escape(unit)}</text>')
    for year in range(scale.first.year, scale.last.year + 1):
        x = _fmt(scale.x(date(year, 1, 1)))
        middle = _fmt(scale.x(date(year, 7, 1)))
        out.append(
            f'<line class="history-year" x1="{x}" x2="{x}" y1="{PLOT_TOP}" y2="{PLOT_BOTTOM}" '
            f'data-date="{year}-01-01"/>'
            f'<text class="history-tick" x="{middle}" y="{PLOT_BOTTOM + 20}" '
            f'text-anchor="middle">{year}</text>'
        )
    out.append(f'<line class="history-baseline-axis" x1="{PLOT_LEFT}" x2="{PLOT_RIGHT}" '
               f'y1="{PLOT_BOTTOM}" y2="{PLOT_BOTTOM}"/>')
    out.append("</g>")
    target = history.get("target")
    if target is not None:
        y = _fmt(scale.y(target))
        out.append(
            f'<line class="history-target" x1="{PLOT_LEFT}" x2="{PLOT_RIGHT}" y1="{y}" '
            f'y2="{y}" data-value="{target:g}">'
            f"<title>Målværdi {escape(_amount(target, unit))}</title></line>"
        )
    path = _path(history)
    if path:
        (start, baseline), (end, goal) = path
        out.append(
            f'<line class="history-expected" x1="{_fmt(scale.x(start))}" '
            f'y1="{_fmt(scale.y(baseline))}" x2="{_fmt(scale.x(end))}" '
            f'y2="{_fmt(scale.y(goal))}" stroke-dasharray="7 5" '
            f'data-from="{start.isoformat()} {baseline:g}" '
            f'data-to="{end.isoformat()} {goal:g}">'
            f"<title>Forventet forløb: fra {escape(_amount(baseline, unit))} til "
            f"{escape(_amount(goal, unit))}</title></line>"
        )
    points = _points(history)
    if len(points) > 1:
        line = " ".join(f"{_fmt(scale.x(d))},{_fmt(scale.y(v['measured']))}"
                        for d, v in points)
        out.append(f'<polyline class="history-measured" points="{line}"/>')
    for day, value in points:
        words = f"{value['period_text']}: målt {_amount(value['measured'], unit)}"
        if value.get("expected_value") is not None:
            words += f", forventet {_amount(value['expected_value'], unit)}"
        out.append(
            f'<circle class="history-point" cx="{_fmt(scale.x(day))}" '
            f'cy="{_fmt(scale.y(value["measured"]))}" r="4.5" '
            f'data-period="{escape(value["period"])}" data-value="{value["measured"]:g}">'
            f"<title>{escape(words)} ({escape(value['plan'])})</title></circle>"
        )
    out.append("</svg>")
    return Markup("".join(out))

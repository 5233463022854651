"""Charts drawn on the server as inline SVG: no script, no external library.

Colours come from the stylesheet by class (``seg-green`` …), so the page's Content Security
Policy needs no inline styles; every segment also carries its numbers as text, a ``<title>``
and ``data-`` attributes, and the chart a ``<desc>`` that says it all in words.
"""

from __future__ import annotations

from collections.abc import Sequence

from markupsafe import Markup, escape

from service.vocabulary import period_text
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

"""Pictures drawn as inline SVG at render time: the printable network map, the flow of
departments into communities (a Sankey diagram), line charts with axes, and the heat map's
legend.

The report and the dashboard draw them from figures already read (and already through the
privacy gate); this module computes nothing about the network and imports nothing of
groundswell. Every chart has a title, labelled axes with their unit, and a y-axis that starts
at zero unless a range is stated on the chart. The SVG needs no script and no network, so it
prints as drawn (headless Chromium's PDF) and reads in a mail client.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping, Sequence
from html import escape

import numpy as np
from markupsafe import Markup

#: 30 distinguishable categorical colours, none of them grey (grey means suppressed or
#: missing). The first 20 are D3's category10 and its light companions (category20), the
#: last 10 from D3's category20b. The same list is in frontend/src/map.js (a test compares).
PALETTE = (
    "#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd",
    "#8c564b", "#e377c2", "#17becf", "#bcbd22", "#393b79",
    "#aec7e8", "#ffbb78", "#98df8a", "#ff9896", "#c5b0d5",
    "#c49c94", "#f7b6d2", "#9edae5", "#dbdb8d", "#637939",
    "#7b4173", "#a55194", "#843c39", "#ad494a", "#8ca252",
    "#e7ba52", "#6b6ecf", "#d6616b", "#ce6dbd", "#b5cf6b",
)  # fmt: skip
SUPPRESSED = "(suppressed)"
MISSING = "(missing)"
#: the groups beyond the 30 largest share one colour under this name
OTHER = "(other)"
SUPPRESSED_COLOUR = "#9e9e9e"
MISSING_COLOUR = "#cfcfcf"
OTHER_COLOUR = "#c8b99a"
INK = "#1d2430"
MUTED = "#5b6676"
FONT = 'font-family="system-ui, -apple-system, Segoe UI, Roboto, sans-serif"'


def natural_key(value: str) -> tuple[tuple[int, int | str], ...]:
    """Sort key that puts "C2" before "C10" and ignores case (as the map's Intl.Collator)."""
    parts = re.split(r"(\d+)", str(value).casefold())
    return tuple((0, int(p)) if p.isdigit() else (1, p) for p in parts if p != "")


def category_colours(counts: Mapping[str, int]) -> list[tuple[str, str, int]]:
    """The legend of a categorical colouring: (value, colour, people), in legend order.

    The :data:`PALETTE`'s 30 colours go to the 30 largest groups (ties by name), listed in
    natural order; any further groups are counted together as :data:`OTHER`, then come the
    suppressed and the missing. The map in frontend/src/map.js follows the same rule.
    """
    special = {SUPPRESSED, MISSING}
    plain = [(str(v), int(n)) for v, n in counts.items() if v not in special]
    biggest = sorted(plain, key=lambda vn: (-vn[1], natural_key(vn[0])))
    coloured = sorted(biggest[: len(PALETTE)], key=lambda vn: natural_key(vn[0]))
    rest = sum(n for _, n in biggest[len(PALETTE) :])
    out = [(v, PALETTE[i], n) for i, (v, n) in enumerate(coloured)]
    if rest:
        out.append((OTHER, OTHER_COLOUR, rest))
    for value, colour in ((SUPPRESSED, SUPPRESSED_COLOUR), (MISSING, MISSING_COLOUR)):
        if counts.get(value):
            out.append((value, colour, int(counts[value])))
    return out


def colour_of(legend: Sequence[tuple[str, str, int]]) -> Callable[[str], str]:
    """The colour of a value under ``legend`` (values not listed fall under "other")."""
    table = {v: c for v, c, _ in legend}
    return lambda value: table.get(str(value), OTHER_COLOUR)


def _num(v: float) -> str:
    return f"{v:.1f}".rstrip("0").rstrip(".")


def network_svg(
    x: np.ndarray,
    y: np.ndarray,
    size: np.ndarray,
    colours: Sequence[str],
    edges: np.ndarray,
    *,
    title: str,
    width: int = 1000,
    height: int = 700,
    max_edges: int = 6000,
) -> Markup:
    """The network map as a still picture: one dot per person at its stored position, sized
    by ``size`` (0 to 1), coloured by ``colours``; the ``max_edges`` strongest ties as faint
    lines (``edges``: rows of source index, target index, weight, strongest first or not)."""
    n = len(x)
    pad = 14.0
    xs = np.asarray(x, dtype=float)
    ys = np.asarray(y, dtype=float)
    if n:
        lo_x, hi_x, lo_y, hi_y = xs.min(), xs.max(), ys.min(), ys.max()
    else:
        lo_x = lo_y = -1.0
        hi_x = hi_y = 1.0
    span = max(hi_x - lo_x, (hi_y - lo_y) * width / height, 1e-9)
    scale = (width - 2 * pad) / span
    off_x = (width - (hi_x - lo_x) * scale) / 2
    off_y = (height - (hi_y - lo_y) * scale) / 2
    px = off_x + (xs - lo_x) * scale
    py = height - (off_y + (ys - lo_y) * scale)  # y up, as on the interactive map
    shrink = min(1.0, math.sqrt(1500 / max(n, 1)))
    radius = (1.6 + 6.5 * np.clip(np.asarray(size, dtype=float), 0, 1)) * max(shrink, 0.45)
    parts = [
        f'<svg class="gs-still-map" viewBox="0 0 {width} {height}" width="100%" '
        f'role="img" aria-label="{escape(title)}" xmlns="http://www.w3.org/2000/svg">',
        f"<title>{escape(title)}</title>",
        f'<rect width="{width}" height="{height}" fill="#ffffff"/>',
    ]
    if len(edges):
        e = np.asarray(edges, dtype=float)
        if len(e) > max_edges:
            e = e[np.argsort(-e[:, 2], kind="stable")[:max_edges]]
        s, t = e[:, 0].astype(int), e[:, 1].astype(int)
        d = "".join(
            f"M{a:.0f} {b:.0f}L{c:.0f} {f:.0f}"
            for a, b, c, f in zip(px[s], py[s], px[t], py[t], strict=True)
        )
        parts.append(f'<path d="{d}" stroke="#46505c" stroke-opacity="0.13" stroke-width="0.6"/>')
    order = np.argsort(-radius, kind="stable")  # big dots first, small ones stay visible
    groups: dict[str, list[str]] = {}
    for i in order:
        groups.setdefault(colours[i], []).append(
            f'<circle cx="{_num(px[i])}" cy="{_num(py[i])}" r="{_num(radius[i])}"/>'
        )
    for colour, circles in groups.items():
        parts.append(
            f'<g fill="{escape(colour)}" stroke="#ffffff" stroke-width="0.4">{"".join(circles)}</g>'
        )
    parts.append("</svg>")
    return Markup("".join(parts))


def legend_html(legend: Sequence[tuple[str, str, int]], title: str) -> Markup:
    """A printed legend: a swatch, the value and its count, for each entry of ``legend``."""
    items = "".join(
        f'<li><span class="gs-swatch" style="background:{escape(c)}"></span>'
        f'{escape(v)} <span class="note">{n:,}</span></li>'
        for v, c, n in legend
    )
    return Markup(
        f'<div class="gs-still-legend"><strong>{escape(title)}</strong><ul>{items}</ul></div>'
    )


def bar_chart_svg(
    labels: Sequence[str],
    values: Sequence[float],
    *,
    title: str,
    x_title: str,
    y_title: str,
    width: int = 320,
    height: int = 170,
    colour: str = "#4e79a7",
) -> Markup:
    """Vertical bars, one per label, each with its count above it; a title, both axes
    labelled, the y-axis from zero to a round number above the highest bar."""
    left, right, top, bottom = 52.0, 12.0, 26.0, 38.0
    plot_w, plot_h = width - left - right, height - top - bottom
    y1 = nice_top(max([float(v) for v in values], default=1.0) or 1.0)
    n = max(len(values), 1)
    slot = plot_w / n
    parts = [
        f'<svg class="gs-chart" viewBox="0 0 {width} {height}" width="{width}" '
        f'height="{height}" role="img" aria-label="{escape(title)}" '
        f'xmlns="http://www.w3.org/2000/svg" {FONT}>',
        f'<text x="{left}" y="14" font-size="11" font-weight="bold">{escape(title)}</text>',
        f'<line x1="{left}" y1="{top + plot_h}" x2="{left + plot_w}" y2="{top + plot_h}" '
        'stroke="#555"/>',
        f'<line x1="{left}" y1="{top}" x2="{left}" y2="{top + plot_h}" stroke="#555"/>',
    ]
    for tick in (0.0, y1 / 2, y1):
        y = top + plot_h * (1 - tick / y1)
        parts.append(
            f'<text x="{left - 4}" y="{_num(y + 3)}" font-size="9" text-anchor="end">'
            f"{escape(axis_label(tick, 'count'))}</text>"
        )
    for i, (label, v) in enumerate(zip(labels, values, strict=True)):
        h = plot_h * float(v) / y1
        x = left + slot * i + slot * 0.2
        parts.append(
            f'<rect x="{_num(x)}" y="{_num(top + plot_h - h)}" width="{_num(slot * 0.6)}" '
            f'height="{_num(h)}" fill="{colour}"><title>{escape(str(label))}: '
            f"{float(v):,.0f}</title></rect>"
        )
        parts.append(
            f'<text x="{_num(x + slot * 0.3)}" y="{_num(top + plot_h - h - 3)}" font-size="9" '
            f'text-anchor="middle">{float(v):,.0f}</text>'
        )
        parts.append(
            f'<text x="{_num(x + slot * 0.3)}" y="{_num(top + plot_h + 12)}" font-size="9" '
            f'text-anchor="middle">{escape(_clip(str(label), 14))}</text>'
        )
    parts.append(
        f'<text x="{_num(left + plot_w / 2)}" y="{height - 6}" font-size="10" '
        f'text-anchor="middle">{escape(x_title)}</text>'
    )
    parts.append(
        f'<text x="12" y="{_num(top + plot_h / 2)}" font-size="10" text-anchor="middle" '
        f'transform="rotate(-90 12 {_num(top + plot_h / 2)})">{escape(y_title)}</text>'
    )
    parts.append("</svg>")
    return Markup("".join(parts))


def sankey_svg(
    flows: Sequence[tuple[str, str, float]],
    left_colour: Callable[[str], str],
    *,
    title: str,
    left_title: str,
    right_title: str,
    unit: str = "people",
    width: int = 900,
    gap: float = 6.0,
    left_totals: Mapping[str, float] | None = None,
) -> Markup:
    """A flow diagram: each (left, right, value) is a band from a left node to a right node,
    as wide as its value; nodes are stacked in the order they first appear (largest first is
    the caller's choice). Bands take the colour of their left node.

    ``left_totals`` gives a left node's full count when some of its flows are not drawn (cells
    the privacy gate hides): its label then reads "80 of 87" so it agrees with the table
    beside it, and a note under the title says why."""
    flows = [(str(a), str(b), float(v)) for a, b, v in flows if v and v == v and v > 0]
    lefts = list(dict.fromkeys(a for a, _, _ in flows))
    rights = list(dict.fromkeys(b for _, b, _ in flows))
    left_total = {k: sum(v for a, _, v in flows if a == k) for k in lefts}
    right_total = {k: sum(v for _, b, v in flows if b == k) for k in rights}
    total = sum(left_total.values())
    rows = max(len(lefts), len(rights), 1)
    inner = max(260.0, 16.0 * rows)
    height = int(inner + 2 * gap * rows + 70)
    full = {key: (left_totals or {}).get(key, left_total[key]) for key in lefts}
    partial = any(round(full[key]) != round(left_total[key]) for key in lefts)
    note_h = 16 if partial else 0
    top, node_w = 46.0, 14.0
    label_w = 190.0
    x_left, x_right = label_w, width - label_w - node_w
    avail = height - top - 14 - gap * (rows - 1)
    k = avail / total if total else 0.0
    height += note_h  # room under the bands for the note
    parts = [
        f'<svg class="gs-sankey" viewBox="0 0 {width} {height}" width="100%" role="img" '
        f'aria-label="{escape(title)}" xmlns="http://www.w3.org/2000/svg" {FONT}>',
        f"<title>{escape(title)}</title>",
        f'<text x="{width / 2}" y="16" text-anchor="middle" font-size="14" font-weight="600" '
        f'fill="{INK}">{escape(title)}</text>',
        f'<text x="{x_left + node_w}" y="36" text-anchor="end" font-size="12" fill="{MUTED}">'
        f"{escape(left_title)} ({escape(unit)})</text>",
        f'<text x="{x_right}" y="36" font-size="12" fill="{MUTED}">'
        f"{escape(right_title)} ({escape(unit)})</text>",
    ]
    if not total:
        parts.append(
            f'<text x="{width / 2}" y="{height / 2}" text-anchor="middle" fill="{MUTED}">'
            "nothing to show: every cell is below the minimum group size</text></svg>"
        )
        return Markup("".join(parts))

    def stack(keys: list[str], totals: dict[str, float]) -> dict[str, float]:
        used = sum(totals[key] * k for key in keys) + gap * (len(keys) - 1)
        y = top + (avail + gap * (rows - 1) - used) / 2
        out = {}
        for key in keys:
            out[key] = y
            y += totals[key] * k + gap
        return out

    ly, ry = stack(lefts, left_total), stack(rights, right_total)
    l_cursor, r_cursor = dict(ly), dict(ry)
    bands = []
    for a, b, v in flows:
        h = v * k
        y0, y1 = l_cursor[a], r_cursor[b]
        l_cursor[a] += h
        r_cursor[b] += h
        xa, xb = x_left + node_w, x_right
        mid = (xa + xb) / 2
        bands.append(
            f'<path d="M{xa:.1f} {y0:.1f}C{mid:.1f} {y0:.1f} {mid:.1f} {y1:.1f} {xb:.1f} {y1:.1f}'
            f"L{xb:.1f} {y1 + h:.1f}C{mid:.1f} {y1 + h:.1f} {mid:.1f} {y0 + h:.1f} {xa:.1f} "
            f'{y0 + h:.1f}Z" fill="{escape(left_colour(a))}" fill-opacity="0.45">'
            f"<title>{escape(a)} → {escape(b)}: {v:,.0f} {escape(unit)}</title></path>"
        )
    parts.extend(bands)
    for key in lefts:
        h = max(left_total[key] * k, 1.0)
        shown = f"{left_total[key]:,.0f}"
        if round(full[key]) != round(left_total[key]):
            shown = f"{shown} of {full[key]:,.0f}"
        parts.append(
            f'<rect x="{x_left}" y="{ly[key]:.1f}" width="{node_w}" height="{h:.1f}" '
            f'fill="{escape(left_colour(key))}"/>'
            f'<text x="{x_left - 6}" y="{ly[key] + h / 2 + 4:.1f}" text-anchor="end" '
            f'font-size="11.5" fill="{INK}">{escape(_clip(key, 22 if partial else 28))} '
            f"({shown})</text>"
        )
    for key in rights:
        h = max(right_total[key] * k, 1.0)
        parts.append(
            f'<rect x="{x_right}" y="{ry[key]:.1f}" width="{node_w}" height="{h:.1f}" '
            f'fill="#5b6676"/>'
            f'<text x="{x_right + node_w + 6}" y="{ry[key] + h / 2 + 4:.1f}" font-size="11.5" '
            f'fill="{INK}">{escape(_clip(key))} ({right_total[key]:,.0f})</text>'
        )
    if partial:
        parts.append(
            f'<text x="{width / 2}" y="{height - 4}" text-anchor="middle" font-size="11" '
            f'fill="{MUTED}">(n of N): n people drawn of the N in the group; cells below the '
            "minimum group size are not drawn</text>"
        )
    parts.append("</svg>")
    return Markup("".join(parts))


def _clip(text: str, most: int = 28) -> str:
    return text if len(text) <= most else text[: most - 1] + "…"


def nice_top(value: float) -> float:
    """The smallest 1, 2, 2.5 or 5 times a power of ten at or above ``value`` (an axis end)."""
    if not value or value <= 0 or not math.isfinite(value):
        return 1.0
    power = 10 ** math.floor(math.log10(value))
    for step in (1, 2, 2.5, 5, 10):
        if step * power >= value * (1 - 1e-12):
            return float(step * power)
    return float(10 * power)  # pragma: no cover - the loop always returns


def axis_label(value: float, unit: str) -> str:
    """A tick label: a share as a percentage, a count with thousands separators."""
    if unit == "share":
        return f"{value:.0%}"
    if unit == "count":
        return f"{value:,.0f}"
    return f"{value:,.2f}".rstrip("0").rstrip(".") if value % 1 else f"{value:,.0f}"


def line_chart_svg(
    x_labels: Sequence[str],
    series: Sequence[tuple[str, str, Sequence[float]]],
    *,
    title: str,
    y_title: str,
    x_title: str,
    unit: str = "number",
    y_range: tuple[float, float] | None = None,
    width: int = 320,
    height: int = 170,
    x_values: Sequence[float] | None = None,
) -> Markup:
    """Lines over a shared x axis, with a title and both axes labelled.

    The y-axis runs from zero to a round number above the highest value (shares: 0 to 100%
    unless the values stay far below), unless ``y_range`` is given, in which case the range
    is written on the axis as it is. ``series`` holds (name, colour, values); ``unit`` is
    "count", "share" or "number" and decides how the ticks read.
    """
    left, right, top, bottom = 52.0, 12.0, 26.0, 38.0
    plot_w, plot_h = width - left - right, height - top - bottom
    values = [float(v) for _, _, vs in series for v in vs if v == v]
    if y_range is not None:
        y0, y1 = y_range
    else:
        y0 = min(0.0, min(values, default=0.0))
        y1 = nice_top(max(values, default=1.0))
        if unit == "share" and y1 > 0.5:
            y1 = 1.0
    span = (y1 - y0) or 1.0
    n = max((len(vs) for _, _, vs in series), default=0)
    xs = list(x_values) if x_values is not None else list(range(n))
    x_lo, x_hi = (min(xs), max(xs)) if xs else (0, 1)
    x_span = (x_hi - x_lo) or 1

    def px(i: int) -> float:
        return left + plot_w * (xs[i] - x_lo) / x_span

    def py(v: float) -> float:
        return top + plot_h * (1 - (v - y0) / span)

    parts = [
        f'<svg class="gs-chart" viewBox="0 0 {width} {height}" width="{width}" '
        f'height="{height}" role="img" aria-label="{escape(title)}" '
        f'xmlns="http://www.w3.org/2000/svg" {FONT}>',
        f"<title>{escape(title)}</title>",
        f'<text x="{left}" y="14" font-size="12" font-weight="600" fill="{INK}">'
        f"{escape(title)}</text>",
    ]
    for t in (y0, y0 + span / 2, y1):
        y = py(t)
        parts.append(
            f'<line x1="{left}" x2="{left + plot_w}" y1="{y:.1f}" y2="{y:.1f}" stroke="#e3e6ea"/>'
            f'<text x="{left - 5}" y="{y + 3.5:.1f}" text-anchor="end" font-size="10" '
            f'fill="{MUTED}">{escape(axis_label(t, unit))}</text>'
        )
    parts.append(
        f'<line x1="{left}" x2="{left}" y1="{top}" y2="{top + plot_h}" stroke="#8a94a3"/>'
        f'<line x1="{left}" x2="{left + plot_w}" y1="{top + plot_h}" y2="{top + plot_h}" '
        f'stroke="#8a94a3"/>'
        f'<text transform="translate(11 {top + plot_h / 2:.1f}) rotate(-90)" '
        f'text-anchor="middle" font-size="10" fill="{MUTED}">{escape(y_title)}</text>'
        f'<text x="{left + plot_w / 2:.1f}" y="{height - 4}" text-anchor="middle" '
        f'font-size="10" fill="{MUTED}">{escape(x_title)}</text>'
    )
    if x_labels and n:
        picks = sorted({0, (n - 1) // 2, n - 1}) if n > 2 else list(range(n))
        for i in picks:
            anchor = "start" if i == 0 and n > 1 else "end" if i == n - 1 and n > 1 else "middle"
            parts.append(
                f'<text x="{px(i):.1f}" y="{top + plot_h + 13:.1f}" text-anchor="{anchor}" '
                f'font-size="10" fill="{MUTED}">{escape(str(x_labels[i]))}</text>'
            )
    for name, colour, vs in series:
        pts = " ".join(f"{px(i):.1f},{py(float(v)):.1f}" for i, v in enumerate(vs) if v == v)
        parts.append(
            f'<polyline fill="none" stroke="{escape(colour)}" stroke-width="1.8" points="{pts}">'
            f"<title>{escape(name)}</title></polyline>"
        )
    parts.append("</svg>")
    return Markup("".join(parts))


def heat_legend_svg(
    rgb: tuple[int, int, int], alpha: Callable[[float], float], *, title: str, width: int = 300
) -> Markup:
    """The heat map's key: a strip from 0% to 100% shaded as the cells are (``alpha`` maps a
    share to the cell's opacity), with ticks."""
    r, g, b = rgb
    steps = 50
    cell = (width - 20) / steps
    parts = [
        f'<svg class="gs-heat-legend" viewBox="0 0 {width} 46" width="{width}" height="46" '
        f'role="img" aria-label="{escape(title)}" xmlns="http://www.w3.org/2000/svg" {FONT}>',
        f'<text x="10" y="11" font-size="11" fill="{MUTED}">{escape(title)}</text>',
    ]
    for i in range(steps):
        a = alpha((i + 0.5) / steps)
        parts.append(
            f'<rect x="{10 + i * cell:.2f}" y="16" width="{cell + 0.3:.2f}" height="12" '
            f'fill="rgba({r},{g},{b},{a:.2f})"/>'
        )
    parts.append(
        f'<rect x="10" y="16" width="{width - 20}" height="12" fill="none" stroke="#c9ced6"/>'
    )
    for t in (0.0, 0.25, 0.5, 0.75, 1.0):  # apart enough to read at print size
        x = 10 + (width - 20) * t
        anchor = "start" if t == 0 else "end" if t == 1 else "middle"
        parts.append(
            f'<line x1="{x:.1f}" x2="{x:.1f}" y1="28" y2="32" stroke="{MUTED}"/>'
            f'<text x="{x:.1f}" y="42" text-anchor="{anchor}" font-size="10" fill="{MUTED}">'
            f"{t:.0%}</text>"
        )
    parts.append("</svg>")
    return Markup("".join(parts))


def score_histogram_svg(
    counts: Sequence[int],
    *,
    title: str,
    line: float | None = None,
    marker: float | None = None,
    width: int = 300,
    height: int = 160,
) -> Markup:
    """People by score, in bins of equal width over 0 to 1 (``counts``, lowest bin first),
    with the stage's line (a dashed rule: at or right of it passes) and ``marker`` (the
    organisation's own score, a triangle under the axis). The y-axis counts people from 0."""
    left, right, top, bottom = 44.0, 18.0, 26.0, 46.0
    plot_w, plot_h = width - left - right, height - top - bottom
    n = max(len(counts), 1)
    y1 = nice_top(max(counts, default=1) or 1)
    bar = plot_w / n

    def px(v: float) -> float:
        return left + plot_w * min(max(v, 0.0), 1.0)

    def py(v: float) -> float:
        return top + plot_h * (1 - v / y1)

    parts = [
        f'<svg class="gs-chart gs-hist" viewBox="0 0 {width} {height}" width="{width}" '
        f'height="{height}" role="img" aria-label="{escape(title)}" '
        f'xmlns="http://www.w3.org/2000/svg" {FONT}>',
        f"<title>{escape(title)}</title>",
        f'<text x="{left}" y="14" font-size="12" font-weight="600" fill="{INK}">'
        f"{escape(title)}</text>",
    ]
    for t in (0.0, y1 / 2, y1):
        y = py(t)
        parts.append(
            f'<line x1="{left}" x2="{left + plot_w}" y1="{y:.1f}" y2="{y:.1f}" stroke="#e3e6ea"/>'
            f'<text x="{left - 5}" y="{y + 3.5:.1f}" text-anchor="end" font-size="10" '
            f'fill="{MUTED}">{escape(axis_label(t, "count"))}</text>'
        )
    for i, c in enumerate(counts):
        lo = i / n
        passes = line is not None and lo >= line - 1e-12
        colour = "#2f6fbf" if passes else "#a9c1e2"
        y = py(float(c))
        parts.append(
            f'<rect x="{left + i * bar + 1:.1f}" y="{y:.1f}" width="{bar - 2:.1f}" '
            f'height="{top + plot_h - y:.1f}" fill="{colour}"><title>{lo:.0%}–{lo + 1 / n:.0%}: '
            f"{c:,} people</title></rect>"
        )
    base = top + plot_h
    parts.append(
        f'<line x1="{left}" x2="{left}" y1="{top}" y2="{base}" stroke="#8a94a3"/>'
        f'<line x1="{left}" x2="{left + plot_w}" y1="{base}" y2="{base}" stroke="#8a94a3"/>'
        f'<text transform="translate(11 {top + plot_h / 2:.1f}) rotate(-90)" '
        f'text-anchor="middle" font-size="10" fill="{MUTED}">people</text>'
        f'<text x="{left + plot_w / 2:.1f}" y="{height - 4}" text-anchor="middle" '
        f'font-size="10" fill="{MUTED}">score (0 to 1)</text>'
    )
    for t in (0.0, 0.5, 1.0):
        parts.append(
            f'<text x="{px(t):.1f}" y="{base + 21:.1f}" text-anchor="middle" font-size="10" '
            f'fill="{MUTED}">{t:.0%}</text>'
        )
    if line is not None:
        x = px(line)
        parts.append(
            f'<line class="gs-line" x1="{x:.1f}" x2="{x:.1f}" y1="{top - 4}" y2="{base}" '
            f'stroke="{INK}" stroke-dasharray="4 3" stroke-width="1.5"/>'
            f'<text x="{min(x + 3, left + plot_w - 40):.1f}" y="{top + 6}" font-size="10" '
            f'fill="{INK}">line {line:.0%}</text>'
        )
    if marker is not None and marker == marker:
        x = px(marker)
        parts.append(
            f'<path class="gs-marker" d="M{x:.1f},{base + 1:.1f} l-5,8 h10 z" fill="#d62728">'
            f"<title>the organisation: {marker:.0%}</title></path>"
        )
    parts.append("</svg>")
    return Markup("".join(parts))

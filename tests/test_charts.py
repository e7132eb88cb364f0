"""The inline SVG pictures (groundswell.charts) against hand-computed cases."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest

from groundswell import charts

MAP_JS = Path(__file__).resolve().parents[1] / "frontend" / "src" / "map.js"


def test_the_printed_and_the_interactive_map_share_one_palette() -> None:
    js = MAP_JS.read_text()
    block = js[js.index("export const PALETTE = [") : js.index("];", js.index("PALETTE = ["))]
    assert tuple(re.findall(r'"(#[0-9a-f]{6})"', block)) == charts.PALETTE
    assert len(set(charts.PALETTE)) == 30
    greys = {charts.SUPPRESSED_COLOUR, charts.MISSING_COLOUR, charts.OTHER_COLOUR}
    assert not greys & set(charts.PALETTE)


def test_thirty_groups_get_their_own_colour_and_the_rest_is_other() -> None:
    counts = {f"g{i}": 100 - i for i in range(35)} | {"(suppressed)": 7}
    legend = charts.category_colours(counts)
    names = [v for v, _, _ in legend]
    # the 30 largest (g0..g29), in natural order (g2 before g10), then other, then suppressed
    assert names[:30] == [f"g{i}" for i in range(30)]
    assert names[30:] == ["(other)", "(suppressed)"]
    assert legend[30][2] == sum(100 - i for i in range(30, 35))
    assert [c for _, c, _ in legend[:30]] == list(charts.PALETTE)
    colour = charts.colour_of(legend)
    assert colour("g33") == charts.OTHER_COLOUR and colour("g3") == charts.PALETTE[3]
    few = charts.category_colours({"b": 1, "a": 5})
    assert [(v, c) for v, c, _ in few] == [("a", charts.PALETTE[0]), ("b", charts.PALETTE[1])]


@pytest.mark.parametrize(
    ("value", "top"), [(0.18, 0.2), (7, 10), (1840, 2000), (0.5, 0.5), (26, 50), (0, 1.0)]
)
def test_an_axis_ends_on_a_round_number_at_or_above_the_highest_value(value, top) -> None:
    assert charts.nice_top(value) == pytest.approx(top)


def _ticks(svg: str) -> list[str]:
    """The y-axis tick labels (written right-aligned left of the axis, at x = 47)."""
    return re.findall(r'<text x="47(?:\.0)?" [^>]*text-anchor="end"[^>]*>([^<]+)</text>', svg)


def test_a_trend_line_starts_its_axis_at_zero_unless_a_range_is_stated() -> None:
    months = ["Jan 2024", "Feb 2024", "Mar 2024"]
    svg = str(
        charts.line_chart_svg(
            months, [("x", "#000", [0.18, 0.17, 0.18])], title="Across", y_title="%",
            x_title="month", unit="share",
        )
    )  # fmt: skip
    assert _ticks(svg) == ["0%", "10%", "20%"]  # 18% -> 17% -> 18% is not a crash
    assert "Across" in svg and "month" in svg and "Jan 2024" in svg and "Mar 2024" in svg
    # the points: y of 0.18 and 0.17 differ by 1/20 of the plot's height, not all of it
    ys = [float(p.split(",")[1]) for p in re.search(r'points="([^"]+)"', svg)[1].split()]
    plot_h = 170 - 26 - 38
    assert abs(ys[1] - ys[0]) == pytest.approx(plot_h * 0.01 / 0.2, abs=0.11)
    ranged = str(
        charts.line_chart_svg(
            months, [("x", "#000", [3, 4, 5])], title="t", y_title="y", x_title="m",
            unit="number", y_range=(2, 6),
        )
    )  # fmt: skip
    assert _ticks(ranged) == ["2", "4", "6"]


def test_the_sankey_bands_are_as_wide_as_their_people() -> None:
    flows = [("Sales", "c1", 30), ("Sales", "c2", 10), ("Finance", "c2", 20), ("HR", "c1", np.nan)]
    svg = str(
        charts.sankey_svg(
            flows, lambda d: "#123456", title="T", left_title="department",
            right_title="community",
        )
    )  # fmt: skip
    heights = {}
    for path in re.findall(r'<path d="([^"]+)"[^>]*><title>([^<]+)</title>', svg):
        d, label = path
        numbers = [float(x) for x in re.findall(r"-?[\d.]+", d)]
        heights[label.split(":")[0]] = numbers[-1] - numbers[1]  # bottom-left y minus top-left y
    assert set(heights) == {"Sales → c1", "Sales → c2", "Finance → c2"}  # NaN: not drawn
    assert heights["Sales → c1"] / heights["Sales → c2"] == pytest.approx(3, rel=1e-3)
    assert heights["Finance → c2"] / heights["Sales → c2"] == pytest.approx(2, rel=1e-3)
    assert "department (people)" in svg and "community (people)" in svg
    assert "Sales (40)" in svg and "c2 (30)" in svg
    assert "n of N" not in svg  # every flow drawn: no note


def test_a_sankey_label_says_how_many_of_the_group_are_drawn() -> None:
    """The report's table gives a department's full count; the chart's label must agree with it
    when the gate hides some of the department's cells (Marketing 80 against 87 before)."""
    flows = [("Sales", "c1", 30), ("Sales", "c2", 10), ("Finance", "c2", 20)]
    svg = str(
        charts.sankey_svg(
            flows, lambda d: "#123456", title="T", left_title="department",
            right_title="community", left_totals={"Sales": 47, "Finance": 20},
        )
    )  # fmt: skip
    assert "Sales (40 of 47)" in svg
    assert "Finance (20)" in svg  # nothing hidden: the plain count
    assert "n people drawn of the N in the group" in svg
    height = float(re.search(r'viewBox="0 0 900 ([\d.]+)"', svg).group(1))
    note_y = float(re.search(r'y="([\d.]+)"[^>]*>\(n of N\)', svg).group(1))
    assert note_y < height  # the note sits inside the picture


def test_the_still_map_draws_every_person_in_their_colour() -> None:
    x = np.array([-1.0, 0.0, 1.0])
    svg = str(
        charts.network_svg(
            x, x, np.array([0, 0.5, 1]), ["#111111", "#222222", "#111111"],
            np.array([[0, 1, 2.0]]), title="map",
        )
    )  # fmt: skip
    assert svg.count("<circle") == 3
    assert re.search(r'<g fill="#111111"[^>]*>(<circle[^>]*/>){2}</g>', svg)
    assert svg.count("M") == 1  # one tie


def test_the_heat_legend_ticks_stand_apart_and_follow_the_shading() -> None:
    from itertools import pairwise

    from groundswell.charts import heat_legend_svg

    svg = str(heat_legend_svg((191, 79, 47), lambda v: v**0.5 * 0.9, title="share", width=300))
    ticks = [(float(x), t) for x, t in re.findall(r'<text x="([\d.]+)"[^>]*>(\d+%)</text>', svg)]
    assert [t for _, t in ticks] == ["0%", "25%", "50%", "75%", "100%"]
    xs = [x for x, _ in ticks]
    assert all(b - a >= 60 for a, b in pairwise(xs))  # "0%10%" ran together
    shades = [float(a) for a in re.findall(r"rgba\(191,79,47,([\d.]+)\)", svg)]
    assert shades == sorted(shades) and shades[0] < 0.2 and shades[-1] > 0.85

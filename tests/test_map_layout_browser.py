"""The map as the report draws it, positions from the multilevel layout (issue 20).

A planted network of 6 groups of 120 people (90% of ties inside the group) is laid out by
``groundswell.network.layout`` and drawn by the report's map bundle in headless Chromium,
coloured by group; the screenshot is kept in tests/artifacts/map-layout/ to be looked at.
The groups must come out as separate patches of colour: the distance between the centres
of two groups' pixels is larger than either group's spread.
"""

from __future__ import annotations

import numpy as np
import pytest

from groundswell.network.graph import Graph
from groundswell.network.layout import layout
from tests._browser import chromium, require_browser
from tests.test_report_browser import BUNDLE, decode_png, page_html

pytestmark = pytest.mark.browser
require_browser(BUNDLE)

ARTIFACTS = BUNDLE.parents[4] / "tests" / "artifacts" / "map-layout"
GROUPS, SIZE = 6, 120


def planted() -> tuple[Graph, dict[str, int]]:
    rng = np.random.default_rng(11)
    n = GROUPS * SIZE
    group = np.arange(n) // SIZE
    src = np.repeat(np.arange(n), 8)
    inside = rng.random(len(src)) < 0.9
    dst = np.where(
        inside, group[src] * SIZE + rng.integers(0, SIZE, len(src)), rng.integers(0, n, len(src))
    )
    edges = [(f"p{s}", f"p{d}", 1.0) for s, d in zip(src, dst, strict=True) if s != d]
    return Graph.from_edges([f"p{i}" for i in range(n)], edges), {
        f"p{i}": int(group[i]) for i in range(n)
    }


def test_the_report_map_shows_the_groups_apart(tmp_path) -> None:
    g, group = planted()
    pos = layout(g, seed=1)
    nodes = [
        {"id": p, "label": p, "x": float(x), "y": float(y), "size": 0.3,
         "attrs": {"community": str(group[p])}}
        for p, x, y in zip(pos.index, pos["x"], pos["y"], strict=True)
    ]  # fmt: skip
    edges = [[g.nodes[s], g.nodes[d], 1.0] for s, d in zip(g.src, g.dst, strict=True)]
    data = {"nodes": nodes, "edges": edges, "colour_by": ["community"], "directed": True}
    html = tmp_path / "map.html"
    html.write_text(page_html(data, BUNDLE.read_text(encoding="utf-8")), encoding="utf-8")
    with chromium(
        tmp_path / "profile",
        lambda u: u.startswith("file://"),
        viewport={"width": 1000, "height": 700},
    ) as (context, attempted):
        page = context.new_page()
        page.goto(html.as_uri())
        page.wait_for_function("window.gsMap && (gsMap.ready || gsMap.error)", timeout=30_000)
        assert page.evaluate("gsMap.error || null") is None
        page.select_option("#gs-colour", "community")
        colours = page.eval_on_selector_all(
            "#gs-legend li", "els => els.map(e => e.dataset.colour)"
        )
        page.evaluate("new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)))")
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        png = page.locator(".gs-canvas").screenshot(path=str(ARTIFACTS / "multilevel.png"))
        assert not attempted
    width, height, channels, pixels = decode_png(png)
    img = np.frombuffer(pixels, np.uint8).reshape(height, width, channels)[:, :, :3].astype(int)
    centres, spreads = [], []
    for colour in colours:
        rgb = np.array([int(colour[i : i + 2], 16) for i in (1, 3, 5)])
        ys, xs = np.nonzero((np.abs(img - rgb) <= 8).all(axis=2))
        assert len(xs) > 100, f"group colour {colour} barely drawn"
        centres.append((xs.mean(), ys.mean()))
        spreads.append(np.sqrt(xs.var() + ys.var()))
    centres_a = np.array(centres)
    gaps = np.linalg.norm(centres_a[:, None] - centres_a[None, :], axis=2)
    np.fill_diagonal(gaps, np.inf)
    assert len(colours) == GROUPS
    for i in range(GROUPS):
        assert gaps[i].min() > max(spreads[i], spreads[int(np.argmin(gaps[i]))]), (gaps, spreads)

"""The bundled network map, driven in headless Chromium, fully offline.

The page is built here from the esbuild bundle and a synthetic graph (5,000 nodes in
5 planted groups, 50,000 directed edges), so the test depends on no other groundswell
module but the browser driver (groundswell.browser). Every request that is not file:// is
blocked and recorded; the list must stay empty, which proves the bundle needs no network.
"""

from __future__ import annotations

import json
import math
import random
import struct
import time
import zlib
from pathlib import Path

import pytest

from tests._browser import chromium, require_browser

pytestmark = pytest.mark.browser

BUNDLE = (
    Path(__file__).resolve().parents[1] / "src" / "groundswell" / "report" / "assets" / "map.js"
)
N_NODES = 5_000
N_EDGES = 50_000
N_GROUPS = 5
DEPARTMENTS = ["Finance", "Sales", "Engineering", "People", "Legal", "(suppressed)"]
READY_TIMEOUT_MS = 15_000

require_browser(BUNDLE)


def node_id(i: int) -> str:
    return f"p_{i:05x}"


def synthetic_graph(seed: int = 20240611) -> dict:
    """5 planted groups laid out on a ring; 90% of edges stay inside a group."""
    rng = random.Random(seed)
    groups = [rng.randrange(N_GROUPS) for _ in range(N_NODES)]
    members: list[list[int]] = [[] for _ in range(N_GROUPS)]
    nodes = []
    for i, g in enumerate(groups):
        members[g].append(i)
        angle = 2 * math.pi * g / N_GROUPS
        nodes.append(
            {
                "id": node_id(i),
                "label": node_id(i),
                "x": 3 * math.cos(angle) + rng.gauss(0, 0.7),
                "y": 3 * math.sin(angle) + rng.gauss(0, 0.7),
                "size": rng.random() ** 3,
                "attrs": {
                    "department": rng.choice(DEPARTMENTS),
                    "community": str(g),
                    "level": str(rng.randrange(1, 7)),
                },
            }
        )
    pairs: set[tuple[int, int]] = set()
    while len(pairs) < N_EDGES:
        s = rng.randrange(N_NODES)
        t = rng.choice(members[groups[s]]) if rng.random() < 0.9 else rng.randrange(N_NODES)
        if s != t:
            pairs.add((s, t))
    edges = [[node_id(s), node_id(t), round(0.5 + rng.expovariate(1.0), 2)] for s, t in pairs]
    return {
        "nodes": nodes,
        "edges": edges,
        "colour_by": ["department", "community", "level"],
        "directed": True,
    }


def page_html(data: dict, bundle: str) -> str:
    payload = json.dumps(data, separators=(",", ":")).replace("</", "<\\/")
    return (
        '<!doctype html><html lang="en"><head><meta charset="utf-8"><title>map</title></head>'
        '<body style="margin:0;background:#fff"><div id="gs-map" style="height:640px"></div>'
        f'<script id="gs-graph" type="application/json">{payload}</script>'
        f"<script>{bundle}</script></body></html>"
    )


def decode_png(data: bytes) -> tuple[int, int, int, bytes]:
    """Minimal PNG decoder (8-bit RGB/RGBA, not interlaced): width, height, channels, pixels."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    pos, idat, header = 8, b"", None
    while pos < len(data):
        (length,) = struct.unpack(">I", data[pos : pos + 4])
        kind = data[pos + 4 : pos + 8]
        chunk = data[pos + 8 : pos + 8 + length]
        pos += 12 + length
        if kind == b"IHDR":
            header = struct.unpack(">IIBBBBB", chunk)
        elif kind == b"IDAT":
            idat += chunk
        elif kind == b"IEND":
            break
    assert header is not None
    width, height, depth, colour_type, _, _, interlace = header
    assert depth == 8 and colour_type in (2, 6) and interlace == 0, header
    channels = 3 if colour_type == 2 else 4
    raw = zlib.decompress(idat)
    stride = width * channels
    out = bytearray(height * stride)
    prev = bytearray(stride)
    for y in range(height):
        ftype = raw[y * (stride + 1)]
        line = bytearray(raw[y * (stride + 1) + 1 : (y + 1) * (stride + 1)])
        for x in range(stride):
            left = line[x - channels] if x >= channels else 0
            up = prev[x]
            if ftype == 1:
                line[x] = (line[x] + left) & 0xFF
            elif ftype == 2:
                line[x] = (line[x] + up) & 0xFF
            elif ftype == 3:
                line[x] = (line[x] + ((left + up) >> 1)) & 0xFF
            elif ftype == 4:
                up_left = prev[x - channels] if x >= channels else 0
                p = left + up - up_left
                pa, pb, pc = abs(p - left), abs(p - up), abs(p - up_left)
                pred = left if pa <= pb and pa <= pc else (up if pb <= pc else up_left)
                line[x] = (line[x] + pred) & 0xFF
        out[y * stride : (y + 1) * stride] = line
        prev = line
    return width, height, channels, bytes(out)


@pytest.fixture(scope="module")
def graph_data() -> dict:
    return synthetic_graph()


@pytest.fixture(scope="module")
def browser_page(tmp_path_factory, graph_data):
    """One Chromium page with the map loaded; yields (page, info dict)."""
    tmp = tmp_path_factory.mktemp("report_browser")
    html = tmp / "map.html"
    html.write_text(page_html(graph_data, BUNDLE.read_text(encoding="utf-8")), encoding="utf-8")
    errors: list[str] = []
    with chromium(tmp / "profile", is_local, viewport={"width": 1000, "height": 700}) as (
        context,
        attempted,
    ):
        page = context.new_page()
        page.on(
            "request",
            lambda r: None if r.url.startswith("file://") else attempted.append(r.url),
        )
        page.on("pageerror", lambda e: errors.append(f"pageerror: {e}"))
        page.on(
            "console",
            lambda m: errors.append(f"console: {m.text}") if m.type == "error" else None,
        )
        start = time.perf_counter()
        page.goto(html.as_uri(), wait_until="commit")
        page.wait_for_function(
            "window.gsMap && (window.gsMap.ready || window.gsMap.error)",
            timeout=READY_TIMEOUT_MS,
            polling=50,
        )
        info = {
            "ready_s": time.perf_counter() - start,
            "attempted": attempted,
            "errors": errors,
            "html": html,
            "context": context,
        }
        yield page, info


def is_local(url: str) -> bool:
    return url.startswith("file://")


def reset_view(page) -> None:
    page.evaluate(
        "gsMap.select(null); gsMap.sigma.getCamera().setState({x: 0.5, y: 0.5, ratio: 1})"
    )


def test_ready_offline_without_errors(browser_page):
    page, info = browser_page
    assert page.evaluate("window.gsMap.error || null") is None
    assert page.evaluate("window.gsMap.ready") is True
    assert info["ready_s"] < READY_TIMEOUT_MS / 1000
    timings = page.evaluate("window.gsMap.timings")
    assert timings["readyMs"] > 0
    page.wait_for_load_state("load")
    assert info["attempted"] == []
    assert info["errors"] == []
    # Controls and accessibility hooks the report relies on.
    for selector in ("#gs-colour", "#gs-search", "#gs-legend", "#gs-zoom-in", "#gs-zoom-out"):
        assert page.locator(selector).count() == 1, selector
    assert page.locator("#gs-zoom-reset").count() == 1
    assert page.get_attribute("#gs-map", "aria-label")
    assert page.locator("label[for=gs-colour]").count() == 1
    assert page.locator("label[for=gs-search]").count() == 1
    assert page.evaluate("document.querySelectorAll('#gs-search-options option').length") == N_NODES


def test_graph_counts_and_settings(browser_page, graph_data):
    page, _ = browser_page
    order, size, kind = page.evaluate("[gsMap.graph.order, gsMap.graph.size, gsMap.graph.type]")
    assert order == len(graph_data["nodes"]) == N_NODES
    assert size == len(graph_data["edges"]) == N_EDGES
    assert kind == "directed"
    assert page.evaluate("gsMap.sigma.getSetting('hideEdgesOnMove')") is True
    # Node radius is scaled from size in [0, 1] to [2, 12].
    lo, hi = page.evaluate(
        "(() => { let lo = 1e9, hi = -1e9; gsMap.graph.forEachNode((n, a) => "
        "{ lo = Math.min(lo, a.size); hi = Math.max(hi, a.size); }); return [lo, hi]; })()"
    )
    assert 2 <= lo < 3 and 11 < hi <= 12


def legend_values(page) -> list[str]:
    return page.eval_on_selector_all("#gs-legend li", "els => els.map(e => e.dataset.value)")


def test_colour_select_rebuilds_legend(browser_page, graph_data):
    page, _ = browser_page
    page.select_option("#gs-colour", "department")
    departments = legend_values(page)
    named = sorted(d for d in DEPARTMENTS if d != "(suppressed)")
    assert departments == [*named, "(suppressed)"]
    grey = page.get_attribute('#gs-legend li[data-value="(suppressed)"]', "data-colour")
    assert grey == "#9e9e9e"

    page.select_option("#gs-colour", "community")
    communities = sorted({n["attrs"]["community"] for n in graph_data["nodes"]})
    assert legend_values(page) == communities == [str(g) for g in range(N_GROUPS)]
    assert page.evaluate("gsMap.colourBy") == "community"
    colours = page.eval_on_selector_all("#gs-legend li", "els => els.map(e => e.dataset.colour)")
    assert len(set(colours)) == N_GROUPS
    # Node colours follow the legend.
    first = graph_data["nodes"][0]
    colour = page.evaluate(f"gsMap.graph.getNodeAttribute({json.dumps(first['id'])}, 'color')")
    assert colour == colours[int(first["attrs"]["community"])]


def test_search_enter_focuses_node(browser_page):
    page, _ = browser_page
    reset_view(page)
    target = node_id(2748)
    page.fill("#gs-search", target)
    page.press("#gs-search", "Enter")
    page.wait_for_function(f"window.gsMap.highlighted === {json.dumps(target)}", timeout=3000)
    # The reducer marks the focused node once sigma has refreshed.
    page.wait_for_function(
        f"(gsMap.sigma.getNodeDisplayData({json.dumps(target)}) || {{}}).highlighted === true",
        timeout=3000,
    )
    # The camera zooms in towards the node.
    page.wait_for_function("gsMap.sigma.getCamera().ratio <= 0.41", timeout=3000)
    assert page.get_attribute("#gs-search", "aria-invalid") is None

    page.fill("#gs-search", "nobody-has-this-label")
    page.press("#gs-search", "Enter")
    assert page.get_attribute("#gs-search", "aria-invalid") == "true"
    assert page.evaluate("window.gsMap.highlighted") == target
    reset_view(page)
    assert page.evaluate("window.gsMap.highlighted") is None


def test_canvas_shows_coloured_nodes(browser_page):
    page, _ = browser_page
    reset_view(page)
    page.select_option("#gs-colour", "community")
    colours = page.eval_on_selector_all("#gs-legend li", "els => els.map(e => e.dataset.colour)")
    # Two animation frames: sigma has re-rendered with the new colours.
    page.evaluate("new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)))")
    png = page.locator(".gs-canvas").screenshot()
    width, height, channels, pixels = decode_png(png)
    assert width > 500 and height > 400

    counts = dict.fromkeys(colours, 0)
    targets = {c: tuple(int(c[i : i + 2], 16) for i in (1, 3, 5)) for c in colours}
    non_background = 0
    for offset in range(0, len(pixels), channels * 2):  # every other pixel is plenty
        rgb = pixels[offset : offset + 3]
        if rgb != b"\xff\xff\xff":
            non_background += 1
        for name, (r, g, b) in targets.items():
            if abs(rgb[0] - r) <= 8 and abs(rgb[1] - g) <= 8 and abs(rgb[2] - b) <= 8:
                counts[name] += 1
                break
    sampled = len(pixels) // (channels * 2)
    assert non_background / sampled > 0.05, "the map canvas is (nearly) blank"
    for name, count in counts.items():
        assert count > 200, f"community colour {name} barely drawn: {counts}"


def test_small_undirected_payload(browser_page):
    """Odd inputs: undirected, unknown endpoints, self-loops, duplicates, missing values."""
    _page, info = browser_page
    data = {
        "nodes": [
            {"id": "a", "label": "Alpha", "x": 0, "y": 0, "size": 1, "attrs": {"team": "x"}},
            {"id": "b", "label": "b", "x": 1, "y": 0, "size": 0, "attrs": {"team": "(suppressed)"}},
            {"id": "c", "label": "c", "x": 0, "y": 1, "size": 0.5, "attrs": {}},
        ],
        "edges": [["a", "b", 1], ["b", "a", 2], ["a", "a", 1], ["a", "zz", 1], ["b", "c", 1]],
        "colour_by": ["team"],
        "directed": False,
    }
    small = info["html"].with_name("small.html")
    small.write_text(page_html(data, BUNDLE.read_text(encoding="utf-8")), encoding="utf-8")
    other = info["context"].new_page()
    try:
        other.goto(small.as_uri())
        other.wait_for_function("window.gsMap && window.gsMap.ready", timeout=5000)
        assert other.evaluate("[gsMap.graph.order, gsMap.graph.size]") == [3, 2]
        assert legend_values(other) == ["x", "(suppressed)", "(missing)"]
        other.fill("#gs-search", "alpha")  # labels match case-insensitively
        other.press("#gs-search", "Enter")
        other.wait_for_function("window.gsMap.highlighted === 'a'", timeout=3000)
        assert other.evaluate("gsMap.focus('nope')") is False
    finally:
        other.close()
    assert info["attempted"] == []

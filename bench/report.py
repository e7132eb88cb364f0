"""Benchmark: the report and its PDF of a large run, and the map at 20,000 people (issue 17).

1. **The HTML report** of a 10,000-person run (``synth.generate(10000, weeks=4, seed=1)``,
   ingested and analysed once; the workspace is the one bench/dashboard.py caches in
   ``bench/out/dashboard-10000-4-1/``): wall time of ``write_report`` (median of a few), and
   of its still pictures alone (the printable map and the flow diagram,
   ``report.pictures_context``). Target under 20 s.
2. **The PDF**: ``write_pdf`` (headless Chromium over the DevTools pipe, A4, the map as a
   still picture), median of a few, against the way 0.3.0 printed it (Chromium's
   ``--print-to-pdf`` command line with a 10 s virtual-time budget, on the same HTML; then
   the map was blank because the report had no still picture of it): the ratio of the two,
   pages and size. Target under 60 s.
3. **20,000 people on the map**: the force layout (``network.layout``) of a 20,000-person
   network (a planted-partition graph of 40 groups, 10 ties a person on average, 90% inside
   the group; ``analysis.map_max_people = 20000``), and the interactive map drawing it in
   headless Chromium (the report's bundle, every request but file:// blocked): time until
   its first frame.

Run::

    .venv/bin/python bench/report.py                         # prints the Markdown block
    .venv/bin/python bench/report.py --write docs/performance.md
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent))
import groundswell as gs
from _bench import machine, write_block
from dashboard import prepare
from groundswell import report
from groundswell.browser import CHROMIUM_ARGS, chromium, find_chromium, offline_page_context
from groundswell.network.graph import Graph
from groundswell.network.layout import layout

HTML_TARGET_S = 20.0
PDF_TARGET_S = 60.0


def median_time(fn, repeat: int) -> tuple[float, object]:
    times, out = [], None
    for _ in range(repeat):
        t = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times), out


def old_pdf(html: Path, pdf: Path) -> None:
    """0.3.0's printing: the command line, as groundswell.report.write_pdf ran it then."""
    with tempfile.TemporaryDirectory(prefix="gs-chromium-") as profile:
        subprocess.run(
            [
                chromium(), "--headless", *CHROMIUM_ARGS, "--proxy-server=127.0.0.1:9",
                "--proxy-bypass-list=<-loopback>", f"--user-data-dir={profile}",
                "--run-all-compositor-stages-before-draw", "--virtual-time-budget=10000",
                "--no-pdf-header-footer", f"--print-to-pdf={pdf}", html.as_uri(),
            ],
            check=True, capture_output=True, timeout=300,
        )  # fmt: skip


def pages(pdf: Path) -> int:
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True).stdout
    return int(next(line.split()[-1] for line in info.splitlines() if line.startswith("Pages")))


def planted(n: int, groups: int, degree: int, seed: int) -> Graph:
    rng = np.random.default_rng(seed)
    group = rng.integers(0, groups, n)
    members = [np.flatnonzero(group == g) for g in range(groups)]
    m = n * degree
    src = rng.integers(0, n, m)
    inside = rng.random(m) < 0.9
    dst = rng.integers(0, n, m)
    for g in range(groups):
        pick = inside & (group[src] == g)
        dst[pick] = rng.choice(members[g], pick.sum())
    keep = src != dst
    ids = np.array([f"p{i:05d}" for i in range(n)])
    edges = pd.DataFrame({"s": ids[src[keep]], "t": ids[dst[keep]], "w": 1.0})
    edges = edges.groupby(["s", "t"], as_index=False)["w"].sum()
    return Graph.from_edges(ids, edges)


def draw_in_browser(payload: dict, folder: Path) -> float:
    from playwright.sync_api import sync_playwright

    bundle = report.map_bundle()
    page_html = folder / "map.html"
    page_html.write_text(
        '<!doctype html><html><head><meta charset="utf-8"></head><body>'
        '<div id="gs-map" style="height:700px"></div>'
        f'<script id="gs-graph" type="application/json">{json.dumps(payload)}</script>'
        f"<script>{report._script_safe(bundle)}</script></body></html>"
    )
    with (
        sync_playwright() as p,
        offline_page_context(
            p, folder / "profile", lambda u: u.startswith("file://"),
            viewport={"width": 1200, "height": 800},
        ) as (ctx, attempted),
    ):  # fmt: skip
        page = ctx.new_page()
        page.goto(page_html.as_uri())
        page.wait_for_function("() => window.gsMap && (gsMap.ready || gsMap.error)", timeout=120000)
        assert page.evaluate("gsMap.error || null") is None
        assert not attempted
        return float(page.evaluate("gsMap.timings.readyMs")) / 1000


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--people", type=int, default=10_000)
    ap.add_argument("--map-people", type=int, default=20_000)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--skip-map", action="store_true", help="leave out the 20,000-person map")
    ap.add_argument("--write", type=Path, help="put the results into this Markdown file")
    args = ap.parse_args()

    ws_path, built = prepare(args.people, 4, 1)
    lines = [f"{machine()}.", ""]
    with gs.open(ws_path) as ws, tempfile.TemporaryDirectory() as tmp:
        run = ws.run()
        out = Path(tmp)
        html_s, path = median_time(lambda: report.write_report(run, out / "r.html"), args.repeat)
        print(f"html {html_s:.1f} s", flush=True)
        people = run.people()
        graph = report.map_data(run, people)
        pictures_s, _ = median_time(
            lambda: report.pictures_context(graph, run.department_flow()), args.repeat
        )
        assert isinstance(path, Path)
        size = path.stat().st_size / 2**20
        pdf_s, _ = median_time(lambda: report.write_pdf(path, out / "r.pdf"), args.repeat)
        print(f"pdf {pdf_s:.1f} s", flush=True)
        old_s, _ = median_time(lambda: old_pdf(path, out / "old.pdf"), args.repeat)
        print(f"old pdf {old_s:.1f} s", flush=True)
        new_pages, old_pages = pages(out / "r.pdf"), pages(out / "old.pdf")
        new_mb = (out / "r.pdf").stat().st_size / 2**20
        lines += [
            f"The report of a {run.summary['people']:,}-person run "
            f"({run.summary['ties']:,} ties, {len(graph['nodes']):,} people on the map, "
            f"{len(graph['edges']):,} ties drawn), median of {args.repeat}:",
            "",
            "| step | seconds | target | note |",
            "|---|---|---|---|",
            f"| HTML report (`write_report`) | {html_s:.1f} | < {HTML_TARGET_S:.0f} | "
            f"{size:.1f} MiB; of which still pictures {pictures_s:.1f} s |",
            f"| PDF (`write_pdf`, DevTools pipe, A4) | {pdf_s:.1f} | < {PDF_TARGET_S:.0f} | "
            f"{new_pages} pages, {new_mb:.1f} MiB, map drawn |",
            f"| the same HTML printed as 0.3.0 did (`--print-to-pdf`) | {old_s:.1f} | | "
            f"{old_pages} pages, Letter, no page numbers; new / old = {pdf_s / old_s:.2f} |",
            "",
        ]
    with tempfile.TemporaryDirectory() as tmp:
        if args.skip_map:
            lines.append("Command: `.venv/bin/python bench/report.py --skip-map`")
            print("\n".join(lines))
            if args.write:
                write_block(args.write, "report-pdf", lines, "The report and its PDF (issue 17)")
            return
        g = planted(args.map_people, 40, 10, 1)
        t = time.perf_counter()
        pos = layout(g, seed=1, max_people=args.map_people)
        layout_s = time.perf_counter() - t
        nodes = [
            {"id": pid, "label": pid, "x": float(x), "y": float(y), "size": 0.2,
             "attrs": {"department": f"d{int(pid[1:]) % 40}"}}
            for pid, x, y in zip(pos.index, pos["x"], pos["y"], strict=True)
        ]  # fmt: skip
        ids = np.asarray(g.nodes)
        edges = [[ids[s], ids[d], 1.0] for s, d in zip(g.src, g.dst, strict=True)]
        payload = {"nodes": nodes, "edges": edges, "colour_by": ["department"], "directed": True}
        draw_s = draw_in_browser(payload, Path(tmp)) if find_chromium() else float("nan")
        lines += [
            f"20,000 people on the map ({g.n:,} people, {g.m:,} ties, 40 groups): layout "
            f"{layout_s:.1f} s (`analysis.map_max_people = {args.map_people}`); the interactive "
            f"map draws its first frame {draw_s:.1f} s after the script starts (headless "
            "Chromium, software WebGL).",
            "",
            "Command: `.venv/bin/python bench/report.py --write docs/performance.md`"
            + (f" (workspace built in {built:.0f} s)" if built else ""),
        ]
    print("\n".join(lines))
    if args.write:
        write_block(args.write, "report-pdf", lines, "The report, its PDF and the map (issue 17)")


if __name__ == "__main__":
    main()

"""The self-contained HTML report of a run: one file, no network, safe to hand to a board.

The report reads the stored run only; it recomputes nothing. Group figures below the
workspace's minimum group size are suppressed; people appear by pseudonym unless the
workspace is in identified mode.
"""

from __future__ import annotations

import os
import re
import tempfile
from collections.abc import Callable
from datetime import UTC, datetime
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any

import jinja2
import numpy as np
import pandas as pd

from groundswell import charts, words
from groundswell._bytecode import template_cache
from groundswell.browser import PAPER, print_pdf
from groundswell.browser import chromium as chromium
from groundswell.errors import GroundswellError
from groundswell.glossary import TERMS
from groundswell.privacy import SUPPRESSED, gate_labels
from groundswell.report import sections
from groundswell.report.external_section import external_context
from groundswell.report.outcomes_section import benchmark_context, outcomes_context
from groundswell.report.sections import fmt, share
from groundswell.report.traction_section import traction_context
from groundswell.report.value import value_context
from groundswell.version import __version__

if TYPE_CHECKING:
    from groundswell.run import Run

TOP_PEOPLE = 15
MAX_MAP_EDGES = 200_000


def map_bundle() -> str:
    """The bundled network-map script (built from frontend/ by `make`)."""
    asset = resources.files("groundswell").joinpath("report/assets/map.js")
    if not asset.is_file():
        raise GroundswellError(
            "the network map script is not built (src/groundswell/report/assets/map.js); "
            "run `make setup` (it needs node and npm)"
        )
    return asset.read_text()


def _script_safe(text: str) -> str:
    """Make code (the bundled map script, never data) safe inside an inline <script>."""
    return text.replace("</", "<\\/").replace("<!--", "<\\!--")


def _labels(people: pd.DataFrame, column: str, min_size: int) -> pd.Series:
    """Each person's group label through the privacy gate (a string)."""
    return gate_labels(people[column], min_size)


def map_data(run: Run, people: pd.DataFrame, names: dict[str, str] | None = None) -> dict[str, Any]:
    """Nodes (with suppressed group labels), ties and positions for the network map."""
    min_size = run.ws.settings.min_group_size
    people = people[people.index.isin(run.layout().index)]  # the people placed on the map
    pos = run.layout().reindex(people.index)
    pr = people["pagerank"].to_numpy(dtype=float)
    size = np.sqrt(pr / pr.max()) if len(pr) and pr.max() > 0 else np.zeros(len(pr))
    attrs = pd.DataFrame(
        {
            "department": _labels(people, "department", min_size),
            "community": _labels(people, "community", min_size),
            "location": _labels(people, "location", min_size),
            "level": people["level"].map(lambda v: "(unknown)" if pd.isna(v) else str(int(v))),
        },
        index=people.index,
    )
    labels = _person_labels(run, people, names)
    nodes = [
        {
            "id": pid,
            "label": labels[pid],
            "x": round(float(x), 5),
            "y": round(float(y), 5),
            "size": round(float(s), 4),
            "attrs": a,
            "ties": [int(o), int(i)],  # stored tie counts: the figures the tables show
        }
        for pid, x, y, s, a, o, i in zip(
            people.index,
            pos["x"],
            pos["y"],
            size,
            attrs.to_dict(orient="records"),
            people["out_degree"],
            people["in_degree"],
            strict=True,
        )
    ]
    edges = run.graph().edges()
    edges = edges[edges["source"].isin(people.index) & edges["target"].isin(people.index)]
    if len(edges) > MAX_MAP_EDGES:
        edges = edges.nlargest(MAX_MAP_EDGES, "weight")
    return {
        "nodes": nodes,
        "edges": [[s, t, round(float(w), 3)] for s, t, w in edges.itertuples(index=False)],
        "colour_by": ["department", "community", "location", "level"],
        "directed": True,
    }


def _person_labels(
    run: Run, people: pd.DataFrame, names: dict[str, str] | None = None
) -> dict[str, str]:
    if names is not None:  # an identified report (--reveal): names the key holder revealed
        return {p: names.get(p, p) for p in people.index}
    if run.ws.settings.identified:
        names = people["display_name"]
        return {p: (n if isinstance(n, str) and n else p) for p, n in names.items()}
    return {p: p for p in people.index}


def context(run: Run, names: dict[str, str] | None = None) -> dict[str, Any]:
    """Everything the template shows, read from the stored run; with ``names`` (pseudonym
    -> name, from :func:`groundswell.identity.names`) an identified report."""
    ws = run.ws
    min_size = ws.settings.min_group_size
    people = run.people()
    labels = _person_labels(run, people, names)
    s = run.summary
    dept = _labels(people, "department", min_size)
    top = people.head(TOP_PEOPLE)
    top_rows = [
        {
            "rank": i + 1,
            "person": labels[pid],
            "department": dept[pid],
            "level": "–" if pd.isna(r.level) else int(r.level),
            "pagerank": f"{r.pagerank:.4f}",
            "betweenness": f"{r.betweenness:.4f}",
            "in_degree": int(r.in_degree),
            "out_degree": int(r.out_degree),
        }
        for i, (pid, r) in enumerate(top.iterrows())
    ]
    brokers = people.sort_values("betweenness", ascending=False).head(TOP_PEOPLE)
    broker_rows = [
        {
            "person": labels[pid],
            "department": dept[pid],
            "betweenness": f"{r.betweenness:.4f}",
            "pagerank_rank": int((people["pagerank"] > r.pagerank).sum()) + 1,
        }
        for pid, r in brokers.iterrows()
    ]
    flow_table = run.department_flow()  # through the gate: suppressed cells missing
    dept_sizes = dept.value_counts()
    flow_rows = []
    for group, row in flow_table.iterrows():
        total = int(dept_sizes.get(str(group), 0))
        flow_rows.append(
            {
                "group": group,
                "total": total,
                "cells": ["·" if pd.isna(v) else ("" if v == 0 else f"{int(v):,}") for v in row],
                "shares": [0.0 if pd.isna(v) or not total else float(v) / total for v in row],
            }
        )
    bound = s.get("betweenness_error_bound")
    btw_note = (
        "Betweenness is exact."
        if s.get("betweenness_method") == "exact"
        else f"Betweenness is estimated from {int(s['betweenness_samples']):,} sampled "
        + ("shortest paths" if s.get("betweenness_method") == "sampled paths" else "sources")
        + f": with probability {1 - s['betweenness_delta']:.0%} every figure is within "
        f"±{bound:.4f} of the exact value."
    )
    top = s.get("betweenness_top100_relative_bound")
    if isinstance(top, float) and top == top:
        btw_note += f" The 100 highest are each within ±{top:.0%} of theirs."
    if s.get("harmonic_method") == "sampled hops":
        btw_note += (
            f" Harmonic closeness counts steps (hops) and is estimated from "
            f"{int(s['harmonic_samples']):,} sampled people: with the same probability every "
            f"figure is within ±{s['harmonic_error_bound']:.4f} of the exact value."
        )
    headline = [
        ("People in the network", fmt(s["people"])),
        ("Ties", fmt(s["ties"])),
        ("Interactions behind the ties", fmt(s["interactions"])),
        (
            "Reciprocated ties",
            f"{s['reciprocity']:.0%}" if s["reciprocity"] == s["reciprocity"] else "–",
        ),
        ("People with no ties", fmt(s["isolated"])),
        ("Communities", fmt(s["communities"])),
        ("Modularity", fmt(s["modularity"])),
        ("Communities ↔ departments (NMI)", fmt(s["nmi_departments"])),
        ("Communities ↔ departments (ARI)", fmt(s["ari_departments"])),
        ("Community stability across seeds (NMI)", fmt(s.get("community_stability"))),
        (
            "Strong / diverse ties",
            share(s.get("strong_ties")) + " / " + share(s.get("diverse_ties")),
        ),
        ("Departments' E-I index", fmt(s.get("ei_departments"))),
    ]
    sources = ws.query(
        "SELECT source_id, kind, location, sha256, rows_read, rows_skipped, ingested_at "
        "FROM sources ORDER BY source_id"
    )
    graph = map_data(run, people, names)
    role_ctx = sections.roles_context(run, people, labels, dept)
    key = run.key_findings(lambda p: labels.get(p, p))
    overlap = key["statements"].get("role_overlap")
    formal_ctx = sections.formal_context(run, min_size)
    return {
        "run": run,
        "version": __version__,
        "generated": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "identified": ws.settings.identified or names is not None,
        "revealed": names is not None,
        "min_size": min_size,
        "headline": headline,
        "key_findings": key,
        "role_overlap_text": overlap["text"] if overlap else "",
        "top_people": top_rows,
        "brokers": broker_rows,
        "btw_note": btw_note,
        "flow_columns": [str(c) if c != SUPPRESSED else c for c in flow_table.columns],
        "flow_rows": flow_rows,
        "nmi": fmt(s["nmi_departments"]),
        "ari": fmt(s["ari_departments"]),
        "sources": sources.to_dict(orient="records"),
        "settings_rows": settings_rows(run.params),
        "glossary": TERMS,
        **role_ctx,
        **formal_ctx,
        **sections.heatmap_context(run, people, min_size),
        **sections.comparison_context(run),
        **sections.champions_context(run),
        **sections.survey_context(run),
        **value_context(run),
        **external_context(run, labels),
        **traction_context(run),
        **outcomes_context(run, labels, dept),
        **benchmark_context(run),
        **pictures_context(graph, flow_table, {str(g): float(n) for g, n in dept_sizes.items()}),
        "map_limit": int(run.params.get("analysis", {}).get("map_max_people", 5000)),
        "graph": graph,  # into the page with tojson: <, >, & escaped
        "map_js": _script_safe(map_bundle()),
    }


def _relabel(ctx: dict[str, Any], names: dict[str, str]) -> None:
    """Names in the rows the report's other sections built from pseudonyms."""
    for r in ctx.get("plan_rows") or []:
        r["label"] = names.get(r["person_id"], r["label"])
    leaders = ctx.get("leaders")
    if isinstance(leaders, dict):
        for r in leaders.get("rows", []):
            r["person"] = names.get(r["person"], r["person"])
    survey = ctx.get("survey")
    if isinstance(survey, dict):
        for r in survey.get("hidden") or []:
            r["person"] = names.get(r["person"], r["person"])


def settings_rows(params: dict[str, Any], prefix: str = "") -> list[tuple[str, str]]:
    """The run's settings as (setting, value) rows people read: nested sections joined by
    ":", underscores as spaces, lists joined, true/false as yes/no."""
    rows: list[tuple[str, str]] = []
    for key in sorted(params):
        value = params[key]
        name = f"{prefix}{key.replace('_', ' ')}"
        if isinstance(value, dict):
            rows += settings_rows(value, f"{name}: ")
        elif isinstance(value, bool):
            rows.append((name, "yes" if value else "no"))
        elif isinstance(value, list | tuple):
            rows.append((name, ", ".join(str(v) for v in value) or "none"))
        elif isinstance(value, float):
            rows.append((name, f"{value:g}"))
        else:
            rows.append((name, "–" if value is None else str(value)))
    return rows


#: communities drawn one by one in the flow diagram; the smaller ones are drawn together
SANKEY_MAX_COMMUNITIES = 24
#: community columns per printed table of the department x community flow
FLOW_COLUMNS_PER_TABLE = 12


def pictures_context(
    graph: dict[str, Any], flow_table: pd.DataFrame, dept_sizes: dict[str, float] | None = None
) -> dict[str, Any]:
    """The still pictures of the report: the printable network map with its legend (coloured
    by department, as the interactive map opens), and the flow of departments into
    communities. Both are drawn from figures already through the privacy gate."""
    nodes = graph["nodes"]
    departments = [n["attrs"]["department"] for n in nodes]
    legend = charts.category_colours(pd.Series(departments, dtype=object).value_counts().to_dict())
    colour = charts.colour_of(legend)
    index = {n["id"]: i for i, n in enumerate(nodes)}
    edges = np.array([[index[s], index[t], w] for s, t, w in graph["edges"]], dtype=float).reshape(
        -1, 3
    )
    still = charts.network_svg(
        np.array([n["x"] for n in nodes], dtype=float),
        np.array([n["y"] for n in nodes], dtype=float),
        np.array([n["size"] for n in nodes], dtype=float),
        [colour(d) for d in departments],
        edges,
        title=f"The network map: {len(nodes):,} people coloured by department",
    )
    flows = []
    columns = [c for c in flow_table.columns if str(c) != SUPPRESSED]
    sizes = flow_table[columns].sum(axis=0).sort_values(ascending=False, kind="stable")
    drawn = list(sizes.index[:SANKEY_MAX_COMMUNITIES])
    for dept, row in flow_table.loc[
        flow_table.sum(axis=1).sort_values(ascending=False, kind="stable").index
    ].iterrows():
        for c in drawn:
            flows.append((str(dept), f"community {c}", row[c]))
        rest = row[[c for c in flow_table.columns if c not in drawn]].sum()
        flows.append((str(dept), "smaller communities", rest))
    sankey = charts.sankey_svg(
        flows,
        colour,
        title="Departments into communities",
        left_title="department",
        right_title="community",
        left_totals=dept_sizes,
    )
    chunks = [
        list(range(i, min(i + FLOW_COLUMNS_PER_TABLE, len(flow_table.columns))))
        for i in range(0, len(flow_table.columns), FLOW_COLUMNS_PER_TABLE)
    ]
    return {
        "map_still": still,
        "map_legend": charts.legend_html(legend, "department"),
        "sankey": sankey,
        "flow_chunks": chunks,
    }


def render(run: Run, names: dict[str, str] | None = None) -> str:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(
            str(resources.files("groundswell").joinpath("report/templates"))
        ),
        autoescape=jinja2.select_autoescape(["html", "j2"]),
        undefined=jinja2.StrictUndefined,
        bytecode_cache=template_cache(),
    )
    env.globals["words"] = words
    env.policies["json.dumps_kwargs"] = {"separators": (",", ":"), "sort_keys": False}
    # one render reads a stored run that nothing changes meanwhile: each table once (the
    # sections ask for the people four times), as analyze's findings do (Run.remember)
    with run.remembering():
        ctx = context(run, names)
    if names is not None:
        _relabel(ctx, names)
    return with_contents(env.get_template("report.html.j2").render(**ctx))


_SECTION = re.compile(r'<section id="([^"]+)"[^>]*>\s*(?:<div>\s*)?<h2[^>]*>(.*?)</h2>', re.S)


def with_contents(html: str) -> str:
    """The report with its contents (every section and its heading, linked) put where the
    template marks ``<!--contents-->``: read from the page itself, so a section another part
    of the template adds is listed without being named here. In the PDF the links work and
    the contents stand on the first page."""
    items = "".join(
        f'<li><a href="#{anchor}">{re.sub(r"<[^>]+>", "", title).strip()}</a></li>'
        for anchor, title in _SECTION.findall(html)
    )
    nav = f'<nav id="contents" aria-label="Contents"><h2>Contents</h2><ol>{items}</ol></nav>'
    return html.replace("<!--contents-->", nav, 1)


def write_report(run: Run, output: Path, names: dict[str, str] | None = None) -> Path:
    """Render the report of ``run`` to ``output`` atomically (never a half-written file);
    with ``names``, an identified report marked as containing personal data."""
    html = render(run, names)
    output = Path(output)
    output.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".report-", suffix=".html", dir=output.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(html)
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)
        os.replace(tmp, output)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return output.resolve()


def write_pdf(
    html: Path,
    output: Path,
    *,
    timeout: float = 120.0,
    paper: str = "a4",
    step: Callable[[str], None] | None = None,
) -> Path:
    """Print the report ``html`` to ``output`` with headless Chromium, atomically.

    On ``paper`` ("a4" or "letter"), with page numbers in the footer and the PDF's outline
    from the section headings (:func:`groundswell.browser.print_pdf`). Chromium runs with a
    throw-away profile and a proxy that goes nowhere, so the page cannot reach the network (it
    needs nothing from it: the report is self-contained, its map drawn as a still picture for
    print). ``step`` is told each stage (a progress bar).
    """
    if paper not in PAPER:
        raise GroundswellError(f"paper: expected one of {', '.join(PAPER)}, found {paper!r}")
    html, output = Path(html).resolve(), Path(output)
    output.parent.mkdir(parents=True, exist_ok=True)
    try:
        marked = 'id="personal-data"' in html.read_text(encoding="utf-8", errors="replace")
        data = print_pdf(
            html.as_uri(),
            paper=paper,
            timeout=timeout,
            step=step,
            header="Contains personal data: people are named" if marked else "",
        )
    except GroundswellError as e:
        raise GroundswellError(f"{output}: {e}") from e
    fd, tmp = tempfile.mkstemp(prefix=".report-", suffix=".pdf", dir=output.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)
        os.replace(tmp, output)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return output.resolve()

"""The self-contained HTML report of a run: one file, no network, safe to hand to a board.

The report reads the stored run only; it recomputes nothing. Group figures below the
workspace's minimum group size are suppressed; people appear by pseudonym unless the
workspace is in identified mode.
"""

from __future__ import annotations

import json
import math
import os
import tempfile
from datetime import UTC, datetime
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any

import jinja2
import numpy as np
import pandas as pd

from groundswell import __version__
from groundswell.errors import GroundswellError
from groundswell.privacy import SUPPRESSED, group_label

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
    """Make text safe inside an inline <script> element."""
    return text.replace("</", "<\\/").replace("<!--", "<\\!--")


def _labels(people: pd.DataFrame, column: str, min_size: int) -> pd.Series:
    values = people[column].astype("object")
    filled = values.where(values.notna(), "(unknown)").astype(str)
    sizes = filled.value_counts()
    return filled.map(lambda v: group_label(v, int(sizes[v]), min_size))


def map_data(run: Run, people: pd.DataFrame) -> dict[str, Any]:
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
    labels = _person_labels(run, people)
    nodes = [
        {
            "id": pid,
            "label": labels[pid],
            "x": round(float(x), 5),
            "y": round(float(y), 5),
            "size": round(float(s), 4),
            "attrs": a,
        }
        for pid, x, y, s, a in zip(
            people.index, pos["x"], pos["y"], size, attrs.to_dict(orient="records"), strict=True
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


def _person_labels(run: Run, people: pd.DataFrame) -> dict[str, str]:
    if run.ws.settings.identified:
        names = people["display_name"]
        return {p: (n if isinstance(n, str) and n else p) for p, n in names.items()}
    return {p: p for p in people.index}


def _fmt(v: Any, digits: int = 2) -> str:
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return "–"
    if isinstance(v, float):
        return f"{v:,.{digits}f}"
    return f"{v:,}"


def _share(v: Any) -> str:
    return "–" if v is None or (isinstance(v, float) and math.isnan(v)) else f"{v:.0%}"


def context(run: Run) -> dict[str, Any]:
    """Everything the template shows, computed from the stored run."""
    ws = run.ws
    min_size = ws.settings.min_group_size
    people = run.people()
    labels = _person_labels(run, people)
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
    flow = run.department_flow()
    comm_sizes = people["community"].value_counts()
    flow_cols = [c for c in flow.columns if comm_sizes.get(c, 0) >= min_size]
    small_comms = [c for c in flow.columns if c not in flow_cols]
    flow_table = flow[flow_cols].copy()
    if small_comms:
        flow_table[SUPPRESSED] = flow[small_comms].sum(axis=1)
    flow_rows = []
    for group, row in flow_table.iterrows():
        total = int(row.sum())
        cells = [
            ("" if v == 0 else ("<" + str(min_size) if 0 < v < min_size else f"{v:,}"))
            for v in row.astype(int)
        ]
        flow_rows.append(
            {
                "group": group,
                "total": total,
                "cells": cells,
                "shares": [float(v) / total if total else 0.0 for v in row],
            }
        )
    bound = s.get("betweenness_error_bound")
    btw_note = (
        "Betweenness is exact."
        if s.get("betweenness_method") == "exact"
        else f"Betweenness is estimated from {int(s['betweenness_samples']):,} sampled sources: "
        f"with probability {1 - s['betweenness_delta']:.0%} every figure is within "
        f"±{bound:.4f} of the exact value."
    )
    headline = [
        ("People in the network", _fmt(s["people"])),
        ("Ties", _fmt(s["ties"])),
        ("Interactions behind the ties", _fmt(s["interactions"])),
        (
            "Reciprocated ties",
            f"{s['reciprocity']:.0%}" if s["reciprocity"] == s["reciprocity"] else "–",
        ),
        ("People with no ties", _fmt(s["isolated"])),
        ("Communities", _fmt(s["communities"])),
        ("Modularity", _fmt(s["modularity"])),
        ("Communities ↔ departments (NMI)", _fmt(s["nmi_departments"])),
        ("Communities ↔ departments (ARI)", _fmt(s["ari_departments"])),
        ("Community stability across seeds (NMI)", _fmt(s.get("community_stability"))),
        (
            "Strong / diverse ties",
            _share(s.get("strong_ties")) + " / " + _share(s.get("diverse_ties")),
        ),
        ("Departments' E-I index", _fmt(s.get("ei_departments"))),
    ]
    sources = ws.query(
        "SELECT source_id, kind, location, sha256, rows_read, rows_skipped, ingested_at "
        "FROM sources ORDER BY source_id"
    )
    graph_json = json.dumps(map_data(run, people), separators=(",", ":"))
    role_ctx = _roles_context(run, people, labels, dept)
    formal_ctx = _formal_context(run, min_size)
    return {
        "run": run,
        "version": __version__,
        "generated": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "identified": ws.settings.identified,
        "min_size": min_size,
        "headline": headline,
        "top_people": top_rows,
        "brokers": broker_rows,
        "btw_note": btw_note,
        "flow_columns": [str(c) if c != SUPPRESSED else c for c in flow_table.columns],
        "flow_rows": flow_rows,
        "nmi": _fmt(s["nmi_departments"]),
        "ari": _fmt(s["ari_departments"]),
        "sources": sources.to_dict(orient="records"),
        "params": json.dumps(run.params, indent=2, sort_keys=True),
        **role_ctx,
        **formal_ctx,
        "graph_json": _script_safe(graph_json),
        "map_js": _script_safe(map_bundle()),
    }


#: the measure each role is ranked by in the report
ROLE_MEASURE = {
    "hub": "in_degree", "broker": "betweenness", "boundary_spanner": "departments_reached",
    "influencer": "pagerank", "activist": "posts", "advocate": "given",
    "maverick": "boundary_share", "positive_deviant": "pagerank",
}  # fmt: skip
ROLE_TEXT = {
    "hub": "hyper-connected: the most ties",
    "broker": "between groups that would not otherwise hear each other",
    "boundary_spanner": "tied to the most other departments",
    "influencer": "sought out by the sought-out (PageRank)",
    "activist": "start the most conversations",
    "advocate": "respond to and amplify others the most",
    "maverick": "most of their ties outside their own department",
    "positive_deviant": "far more reach than peers of the same department and level",
    "peripheral": "one or two ties only",
    "isolated": "no tie in the window",
}


def _roles_context(
    run: Run, people: pd.DataFrame, labels: dict[str, str], dept: pd.Series
) -> dict[str, Any]:
    from groundswell.analysis.roles import ROLES, overlap

    held = run.roles()
    role_rows = []
    for role in ROLES:
        who = held.index[held[role]]
        measure = ROLE_MEASURE.get(role)
        top = people.loc[who].sort_values(measure, ascending=False) if measure else people.loc[who]
        role_rows.append(
            {
                "role": role.replace("_", " "),
                "text": ROLE_TEXT[role],
                "count": len(who),
                "examples": ", ".join(
                    labels[p] + (f" ({dept[p]})" if not dept[p].startswith("(") else f" {dept[p]}")
                    for p in top.index[:5]
                ),
            }
        )
    ov = overlap(held)
    off = ov.where(~np.eye(len(ov), dtype=bool)).stack()
    persona_counts = people["persona"].value_counts()
    return {
        "role_rows": role_rows,
        "overlap_columns": [c.replace("_", " ") for c in ov.columns],
        "overlap_rows": [(r.replace("_", " "), [_fmt(v) for v in ov.loc[r]]) for r in ov.index],
        "overlap_mean": _fmt(float(off.mean())) if len(off) else "–",
        "persona_rows": [
            (
                name,
                int(persona_counts.get(name, 0)),
                f"{persona_counts.get(name, 0) / max(len(people), 1):.0%}",
            )
            for name in ("engager", "catalyst", "responder", "broadcaster", "observer")
        ],
    }


def _formal_context(run: Run, min_size: int) -> dict[str, Any]:
    groups = run.ws.query(
        "SELECT group_name, metric, value FROM group_scores WHERE run_id = ? "
        "AND attribute = 'department'",
        [run.run_id],
    ).pivot(index="group_name", columns="metric", values="value")
    rows = []
    for name, r in groups.sort_values("ei").iterrows():
        rows.append(
            {
                "group": name,
                "size": f"<{min_size}" if r["size"] < min_size else int(r["size"]),
                "ei": _fmt(r["ei"]),
                "inside": "–" if pd.isna(r["inside_share"]) else f"{r['inside_share']:.0%}",
                "baseline": _fmt(r["baseline_ei"]),
                "silo": "silo" if r["silo"] == 1 else "",
            }
        )
    findings = run.summary.get("findings", {})
    return {
        "ei_rows": rows,
        "ei_org": _fmt(run.summary.get("ei_departments")),
        "findings": {k: int(v) for k, v in findings.items()},
    }


def render(run: Run) -> str:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(
            str(resources.files("groundswell").joinpath("report/templates"))
        ),
        autoescape=jinja2.select_autoescape(["html", "j2"]),
        undefined=jinja2.StrictUndefined,
    )
    return env.get_template("report.html.j2").render(**context(run))


def write_report(run: Run, output: Path) -> Path:
    """Render the report of ``run`` to ``output`` atomically (never a half-written file)."""
    html = render(run)
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

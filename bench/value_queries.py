"""Benchmark: the value step's queries that grow with the organisation, fast path against the
previous one, side by side on one workspace.

On a workspace with integer person keys (``interaction_rows``, ``person_keys``) where each
person acted under one key, ``value.queries.responsiveness`` (the leaders' responsiveness:
an ASOF join of every act received with the first act back) and ``newcomer_ties`` (the
onboarding's ties since each hire) read the keys and, for the first, epoch microseconds;
the previous formulation reads the ``interactions`` view, resolves every act's pseudonyms
through ``aliases`` and, for the first, subtracts TIMESTAMPTZ values (DuckDB's calendar
arithmetic). ``value.qa._reach`` (the leaders' two-step reach) counts the non-zeros of
``A + A @ A`` in integers; the previous formulation (kept here) built float products and
two boolean matrices. Each pair runs alternately ``--repeat`` times in this process on the
same workspace and window, and its results are compared (they must be equal, exactly).

Run::

    nice .venv/bin/python bench/value_queries.py \\
        --workspace bench/out/analyze-steps-synthetic-5000-13w-1-after/ws --repeat 5
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import scipy.sparse as sp

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _bench import machine, write_block

ROOT = Path(__file__).resolve().parent.parent


def reach_before(t: pd.DataFrame, everyone: pd.Index) -> pd.DataFrame:
    """``value.qa._reach`` as it was before issue 20's fifth session (the alternative)."""
    n = len(everyone)
    a = everyone.get_indexer(t["actor_id"])
    b = everyone.get_indexer(t["target_id"])
    directed = sp.csr_matrix((np.ones(len(a)), (a, b)), shape=(n, n))
    undirected = ((directed + directed.T) > 0).astype(np.float64).tocsr()
    two = ((undirected + undirected @ undirected) > 0).tocsr()
    two.setdiag(False)
    two.eliminate_zeros()
    recip = directed.multiply(directed.T)
    out_deg = np.asarray(directed.sum(axis=1)).ravel()
    return pd.DataFrame(
        {
            "contacts": np.diff(undirected.indptr),
            "two_step_reach": np.diff(two.indptr),
            "reciprocity": np.where(
                out_deg > 0,
                np.asarray(recip.sum(axis=1)).ravel() / np.maximum(out_deg, 1),
                np.nan,
            ),
        },
        index=pd.Index(everyone, name="person_id"),
    )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--workspace", type=Path, required=True, help="an ingested workspace")
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--write", type=Path, help="Markdown file to put the results block in")
    args = ap.parse_args()
    args.workspace = args.workspace.resolve()

    import groundswell as gs
    from groundswell.network.ties import keyed, one_key_each, utc_session
    from groundswell.run import resolve_window
    from groundswell.value import qa, queries

    ws = gs.open(args.workspace)
    try:
        if not (keyed(ws.con) and one_key_each(ws.con) and utc_session(ws.con)):
            raise SystemExit(f"{args.workspace}: not a keyed workspace in a UTC session")
        win = resolve_window(ws, None)
        r = queries.rules(ws)
        kinds = ", ".join(f"'{k}'" for k, w in r.weights.items() if w > 0)
        inbound = ", ".join(f"'{k}'" for k in queries.INBOUND_KINDS)
        hours = float(queries.settings(ws)["respond_hours"])
        k = 5
        ties = queries.ties(ws, win)
        everyone = queries.members(ws, win).union(
            pd.Index(pd.concat([ties["actor_id"], ties["target_id"]]).unique())
        )
        real_one_key_each = queries.one_key_each

        def newcomers_named() -> pd.DataFrame:
            queries.one_key_each = lambda con: False  # type: ignore[assignment]
            try:
                return queries.newcomer_ties(ws, k)
            finally:
                queries.one_key_each = real_one_key_each

        pairs = {
            "leaders' responsiveness (`queries.responsiveness`)": (
                lambda: queries._responsiveness_named(
                    ws, win, hours, r.broadcast_threshold, kinds, inbound
                ).sort_index(),
                lambda: queries.responsiveness(ws, win, hours).sort_index(),
            ),
            "newcomers' ties (`queries.newcomer_ties`)": (
                newcomers_named,
                lambda: queries.newcomer_ties(ws, k),
            ),
            "leaders' two-step reach (`qa._reach`)": (
                lambda: reach_before(ties, everyone),
                lambda: qa._reach(ties, everyone),
            ),
        }
        load_start = os.getloadavg()[0]
        rows = []
        for name, (before, after) in pairs.items():
            times: dict[str, list[tuple[float, float]]] = {"before": [], "after": []}
            results = {}
            for i in range(args.repeat):
                order = [("before", before), ("after", after)]
                for label, fn in order if i % 2 == 0 else order[::-1]:
                    t, c = time.perf_counter(), time.process_time()
                    results[label] = fn()
                    times[label].append((time.process_time() - c, time.perf_counter() - t))
            pd.testing.assert_frame_equal(results["before"], results["after"], check_exact=True)
            med = {
                lab: (
                    statistics.median(x[0] for x in v),
                    statistics.median(x[1] for x in v),
                )
                for lab, v in times.items()
            }
            rows.append(
                f"| {name} | {len(results['after']):,} | {med['before'][0]:.3f} | "
                f"{med['before'][1]:.3f} | {med['after'][0]:.3f} | {med['after'][1]:.3f} | "
                f"**{med['before'][0] / med['after'][0]:.1f}x** |"
            )
            print(rows[-1], file=sys.stderr, flush=True)
        people = int(ws.con.execute("SELECT count(*) FROM people").fetchall()[0][0])
    finally:
        ws.close()
    load_end = os.getloadavg()[0]
    ws_path = args.workspace
    shown = ws_path.relative_to(ROOT) if ws_path.is_relative_to(ROOT) else ws_path
    lines = [
        f"{machine()}, load average {load_start:.1f} at the start and {load_end:.1f} at the "
        f"end. Workspace `{shown}` ({people:,} people in the org chart), "
        f"window {win}; in one process, before and after alternating, median of "
        f"{args.repeat}; CPU is user + system time of the process (DuckDB's threads "
        "included). Every pair's results are equal, exactly (checked on each run).",
        "",
        "| query | rows | before CPU (s) | before wall (s) | after CPU (s) | after wall (s) "
        "| CPU ratio |",
        "|---|---:|---:|---:|---:|---:|---:|",
        *rows,
        "",
        "Command: `nice .venv/bin/python bench/value_queries.py --workspace "
        f"{shown} --repeat {args.repeat}" + (f" --write {args.write}" if args.write else "") + "`",
    ]
    print("\n".join(lines))
    if args.write:
        write_block(args.write, "bench/value_queries.py", lines, "The 5,000-person analyze")


if __name__ == "__main__":
    main()

"""The survey network beside the digital one: how far they agree, and who is seen in only one.

For each nomination question (layer ``survey:<slug>``) of a survey and the ``digital`` layer
(both built by :func:`groundswell.network.ties.build_ties` with the workspace's tie rules):

- **overlap**: the Jaccard index |S ∩ D| / |S ∪ D| of the two tie sets (Jaccard 1901; used
  for network layers by e.g. Bródka et al. 2018, "Quantifying layer similarity in multiplex
  networks", *Social Network Analysis and Mining* 8:1). It is computed on the ties a survey
  can see: those sent by a person who submitted, to a person of the roster — the digital
  ties of people who did not answer would otherwise count as disagreement. ``directed``
  compares ordered pairs (a asks b; a writes to b); ``undirected`` compares unordered pairs.
- **influential in one, invisible in the other**: PageRank (weighted, damping 0.85) on each
  layer over the whole roster. A person is influential in a layer when their PageRank is in
  its top decile (percentile above 1 - ``top``), and invisible in the other when they have no
  tie there at all ("absent") or their PageRank is in its bottom half ("bottom half"). Such
  people are the classic finding of combined studies (Cross & Parker 2004, ch. 1): the
  expert everyone asks who writes little, the loud broadcaster nobody turns to.

Both tables are plain DataFrames, ready for a report; departments below
``privacy.min_group_size`` read :data:`~groundswell.privacy.SUPPRESSED`, names appear only in
identified workspaces.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from groundswell.analysis.centrality import pagerank
from groundswell.errors import AnalysisError, GroundswellError
from groundswell.network.graph import Graph
from groundswell.network.ties import TieRules, build_ties
from groundswell.network.window import Window
from groundswell.privacy import gate_labels

if TYPE_CHECKING:
    from groundswell.run import Run
    from groundswell.store import Store
    from groundswell.survey.record import Survey

# groundswell.survey.record (and through it the survey reader and ingest's batch writer) is
# imported where a survey is read or written: every analyze asks whether a survey was closed,
# and with none there is nothing of them to load (issue 20, point 1)


@dataclass(frozen=True)
class Comparison:
    """The result of :func:`compare`.

    Attributes
    ----------
    window : Window
        The digital window compared.
    overlap : DataFrame
        One row per survey layer: layer, respondents, survey_ties, digital_ties, shared,
        jaccard (directed), shared_pairs, jaccard_undirected.
    hidden : DataFrame
        One row per (layer, person) influential in one network and invisible in the other:
        layer, person_id, display_name, department, influential_in, invisible_in, reason,
        survey_percentile, digital_percentile.
    """

    window: Window
    overlap: pd.DataFrame
    hidden: pd.DataFrame


def jaccard(a: np.ndarray, b: np.ndarray) -> float:
    """|a ∩ b| / |a ∪ b| of two arrays of distinct keys (NaN when both are empty)."""
    union = np.union1d(a, b).size
    return float(np.intersect1d(a, b).size / union) if union else float("nan")


def percentiles(g: Graph) -> pd.Series:
    """PageRank percentile (0..1, ties averaged) of every node of ``g``."""
    return pagerank(g).rank(pct=True, method="average")


def default_window(ws: Store) -> Window:
    """The last ``ties.window_days`` days of digital data (survey answers do not count)."""
    latest = ws.con.execute(
        "SELECT max(ts) FROM interactions WHERE kind NOT LIKE 'survey:%' "
        "AND kind NOT IN ('reports_to', 'collaboration')"
    ).fetchall()[0][0]
    if latest is None:
        raise AnalysisError(
            f"{ws.folder}: no digital interactions to compare the survey with; ingest chat, "
            "email or events first"
        )
    return Window.last_days(latest, int(ws.settings.ties["window_days"]))


def compare(
    ws: Store,
    survey: int | str | Survey,
    *,
    window: str | Window | None = None,
    top: float = 0.10,
) -> Comparison:
    """Compare each nomination layer of a survey with the digital layer.

    Parameters
    ----------
    ws : Store
    survey : int, str or Survey
        The survey (it must be closed: its layers are read from ``interactions``).
    window : str or Window, optional
        The digital window (``START:END``); the last ``ties.window_days`` days of digital
        data by default.
    top : float
        The share of people that counts as influential (0.10: the top decile).
    """
    from groundswell.survey.record import get

    s = get(ws, survey)
    if s.status != "closed" or s.source_id is None:
        raise AnalysisError(
            f"survey {s.name!r} is {s.status}: close it first (groundswell survey close), "
            "so that its answers become layers"
        )
    if not 0 < top < 0.5:
        raise AnalysisError(f"top must be between 0 and 0.5; got {top!r}")
    win = Window.parse(window) if isinstance(window, str) else window or default_window(ws)
    rules = TieRules.from_settings(ws.settings.ties)
    ties = build_ties(ws.con, win, rules, layers=("digital", *s.layers))
    inv = ws.query(
        "SELECT i.person_id, i.submitted_at IS NOT NULL AS submitted, p.display_name, "
        "p.department FROM survey_invitations i LEFT JOIN people p USING (person_id) "
        "WHERE i.survey_id = ? ORDER BY i.person_id",
        [s.survey_id],
    ).set_index("person_id")
    roster = inv.index
    answered = inv.index[inv["submitted"].to_numpy(dtype=bool)]
    code = {p: i for i, p in enumerate(roster)}
    n = len(roster)

    def keys(frame: pd.DataFrame, senders: pd.Index) -> tuple[np.ndarray, np.ndarray]:
        f = frame[frame["actor_id"].isin(senders) & frame["target_id"].isin(roster)]
        a = f["actor_id"].map(code).to_numpy(np.int64)
        b = f["target_id"].map(code).to_numpy(np.int64)
        return np.unique(a * n + b), np.unique(np.minimum(a, b) * n + np.maximum(a, b))

    digital = ties[ties["layer"] == "digital"]
    d_dir, d_und = keys(digital, answered)
    d_rank = percentiles(_graph(roster, digital))
    d_seen = _present(digital, roster)
    k = ws.settings.min_group_size
    dept_label = gate_labels(inv["department"], k)  # the privacy gate, by invited people
    overlap, hidden = [], []
    for layer in s.layers:
        layer_ties = ties[ties["layer"] == layer]
        s_dir, s_und = keys(layer_ties, answered)
        overlap.append(
            {
                "layer": layer,
                "respondents": len(answered),
                "survey_ties": int(s_dir.size),
                "digital_ties": int(d_dir.size),
                "shared": int(np.intersect1d(s_dir, d_dir).size),
                "jaccard": jaccard(s_dir, d_dir),
                "shared_pairs": int(np.intersect1d(s_und, d_und).size),
                "jaccard_undirected": jaccard(s_und, d_und),
            }
        )
        s_rank = percentiles(_graph(roster, layer_ties))
        s_seen = _present(layer_ties, roster)
        for infl_rank, other_rank, other_seen, infl, other in (
            (s_rank, d_rank, d_seen, layer, "digital"),
            (d_rank, s_rank, s_seen, "digital", layer),
        ):
            top_people = infl_rank.index[infl_rank.to_numpy() > 1 - top]
            for p in top_people:
                if not other_seen.get(p, False):
                    reason = "absent"
                elif other_rank[p] <= 0.5:
                    reason = "bottom half"
                else:
                    continue
                hidden.append(
                    {
                        "layer": layer,
                        "person_id": p,
                        "display_name": inv.at[p, "display_name"]
                        if ws.settings.identified
                        else None,
                        "department": dept_label[p],
                        "influential_in": infl,
                        "invisible_in": other,
                        "reason": reason,
                        "survey_percentile": float(s_rank[p]),
                        "digital_percentile": float(d_rank[p]),
                    }
                )
    hidden_df = pd.DataFrame(
        hidden,
        columns=[
            "layer",
            "person_id",
            "display_name",
            "department",
            "influential_in",
            "invisible_in",
            "reason",
            "survey_percentile",
            "digital_percentile",
        ],
    )
    if len(hidden_df):
        hidden_df = hidden_df.sort_values(
            ["layer", "influential_in", "survey_percentile"], ascending=[True, True, False]
        ).reset_index(drop=True)
    return Comparison(win, pd.DataFrame(overlap), hidden_df)


def _graph(roster: pd.Index, ties: pd.DataFrame) -> Graph:
    f = ties[ties["actor_id"].isin(roster) & ties["target_id"].isin(roster)]
    return Graph.from_edges(roster.to_numpy(dtype=object), f[["actor_id", "target_id", "weight"]])


def _present(ties: pd.DataFrame, roster: pd.Index) -> dict[str, bool]:
    f = ties[ties["actor_id"].isin(roster) & ties["target_id"].isin(roster)]
    return dict.fromkeys(pd.unique(pd.concat([f["actor_id"], f["target_id"]])), True)


def section(run: Run, *, top_hidden: int = 20) -> dict[str, Any] | None:
    """The latest closed survey beside ``run``'s digital network, as plain values to store
    with the run (None when no survey has been closed): its name, response rate, the overlap
    per question and the first ``top_hidden`` people seen in only one network (pseudonym,
    and display name for an identified workspace to show)."""
    closed = run.ws.query(
        "SELECT survey_id, name FROM surveys WHERE status = 'closed' ORDER BY closed_at DESC"
    )
    if closed.empty:
        return None
    from groundswell.survey.following import response_rate

    sid, name = int(closed.iloc[0]["survey_id"]), str(closed.iloc[0]["name"])
    comp = compare(run.ws, sid, window=run.window)
    rate = response_rate(run.ws, sid)
    hidden = comp.hidden.head(top_hidden)
    return {
        "survey_id": sid,
        "name": name,
        "rate": rate["rate"],
        "submitted": rate["submitted"],
        "invited": rate["invited"],
        "overlap": comp.overlap.astype(object)
        .where(comp.overlap.notna(), None)
        .to_dict(orient="records"),
        "hidden": hidden.astype(object).where(hidden.notna(), None).to_dict(orient="records"),
        "hidden_total": len(comp.hidden),
    }


#: the key of a survey's stored comparison among a run's findings
STORED_PREFIX = "survey:"


def stored_key(survey_id: int) -> str:
    """The findings section holding survey ``survey_id`` beside a run (``survey:<id>``)."""
    return f"{STORED_PREFIX}{int(survey_id)}"


def stored_body(ws: Store, survey_id: int, window: Window) -> dict[str, Any]:
    """Survey ``survey_id`` beside the digital network of ``window`` as plain values to store
    with a run: survey_id, window, overlap and every person seen in only one network; or
    ``{"survey_id", "problem"}`` when the data cannot support the comparison."""
    try:
        comp = compare(ws, survey_id, window=window)
    except GroundswellError as exc:
        return {"survey_id": int(survey_id), "problem": str(exc)}
    return {
        "survey_id": int(survey_id),
        "window": str(comp.window),
        "overlap": _records(comp.overlap),
        "hidden": _records(comp.hidden),
    }


def stored_sections(run: Run) -> dict[str, dict[str, Any]]:
    """Every closed survey beside ``run``'s digital network (:func:`stored_body`), keyed by
    :func:`stored_key`: what analyze stores with the run."""
    closed = run.ws.query("SELECT survey_id FROM surveys WHERE status = 'closed' ORDER BY 1")
    return {
        stored_key(sid): stored_body(run.ws, int(sid), run.window) for sid in closed["survey_id"]
    }


#: the key of a survey layer's ties among a run's findings (``ties:survey:<slug>``)
TIES_PREFIX = "ties:"


def ties_key(layer: str) -> str:
    """The findings section holding the ties of survey layer ``layer`` over a run's window."""
    return f"{TIES_PREFIX}{layer}"


def survey_layers(ws: Store) -> list[str]:
    """The survey layers with ties in the workspace (``survey:<slug>``), sorted."""
    rows = ws.con.execute(
        "SELECT DISTINCT kind FROM interactions WHERE kind LIKE 'survey:%' ORDER BY 1"
    ).fetchall()
    return [str(r[0]) for r in rows]


def layer_ties_body(ws: Store, run: Run, layer: str) -> dict[str, Any]:
    """The ties of survey layer ``layer`` over ``run``'s window, with the run's tie rules
    (:func:`groundswell.network.ties.build_ties`), one row per ordered pair with its total
    weight, as plain values to store with the run: layer, window, ``ties`` as
    ``[actor_id, target_id, weight]`` rows. The person page's survey ego networks read it."""
    rules = TieRules.from_settings(run.params.get("ties") or ws.settings.ties)
    t = build_ties(ws.con, run.window, rules, layers=(layer,))
    t = t.groupby(["actor_id", "target_id"], as_index=False)["weight"].sum()
    return {
        "layer": layer,
        "window": str(run.window),
        "ties": [
            [str(a), str(b), float(w)]
            for a, b, w in zip(t["actor_id"], t["target_id"], t["weight"], strict=True)
        ],
    }


def stored_layer_ties(run: Run) -> dict[str, dict[str, Any]]:
    """Every survey layer's ties over ``run``'s window (:func:`layer_ties_body`), keyed by
    :func:`ties_key`: what analyze (and closing a survey) stores with the run."""
    return {ties_key(layer): layer_ties_body(run.ws, run, layer) for layer in survey_layers(run.ws)}


def store_for_latest_run(ws: Store, survey_id: int) -> int | None:
    """After survey ``survey_id`` closes, store its comparison with the latest run, and the
    ties of every survey layer over its window (a closed survey adds ties to its layers) —
    the command that produces the result stores it; the dashboard reads it. Returns that
    run's id, or None when there is no run yet (the next analyze stores it)."""
    rows = ws.con.execute("SELECT max(run_id) FROM runs WHERE complete").fetchall()
    if rows[0][0] is None:
        return None
    from groundswell.run import Run
    from groundswell.survey.record import retry, writing

    run = Run.load(ws, int(rows[0][0]))
    bodies = {stored_key(survey_id): stored_body(ws, survey_id, run.window)}
    bodies.update(stored_layer_ties(run))
    rows_out = [[run.run_id, k, json.dumps(v, default=str)] for k, v in bodies.items()]

    def store() -> None:
        with writing(ws) as con:  # serialised with the dashboard's other writes
            con.executemany("INSERT OR REPLACE INTO run_findings VALUES (?, ?, ?)", rows_out)

    retry(store)
    return run.run_id


def _records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """Rows as plain dicts: missing values None, numpy scalars Python ones."""
    plain = frame.astype(object).where(frame.notna(), None)
    return [
        {str(k): (v.item() if hasattr(v, "item") else v) for k, v in row.items()}
        for row in plain.to_dict(orient="records")
    ]

"""The result tables a run stores beside its scores: the group-to-group ties, the overlap of
roles, and the shadow organisation.

``analyze`` computes them once (:func:`group_ties_rows`, :func:`role_overlap_rows`,
:func:`shadow_rows`) and stores them with the run, in its one transaction. The report, the
dashboard, the CLI and notebooks read them (:meth:`groundswell.run.Run.group_ties`,
:meth:`~groundswell.run.Run.role_overlap`, :meth:`~groundswell.run.Run.shadow`, which call
the readers below); nothing is recomputed when read. Group figures leave through the privacy
gate (:func:`groundswell.privacy.gate_labels`), against the minimum group size in force when
they are read.

Tables (schema version 8), each keyed by ``run_id``:

- ``group_ties``: attribute (department, team, location), from_group, to_group, ties (number
  of directed ties), weight (their total weight); group names as stored, unsuppressed.
- ``role_overlap``: role_a, role_b, jaccard.
- ``shadow``: finding, person_id, rank (1 = the strongest case), evidence (JSON).
- ``external_holders`` and ``external_groups`` (schema version 10): who holds the
  organisation's ties to external people, and how concentrated they are by group
  (:mod:`groundswell.analysis.external`); :func:`external_rows` computes them,
  :func:`read_external` reads them.

A run made before version 8 has none of them (``runs.stored_results`` is false): the readers
raise :class:`~groundswell.errors.OutdatedRunError`, which says to analyze again.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from groundswell import _sets
from groundswell.errors import OutdatedRunError
from groundswell.privacy import SUPPRESSED, UNKNOWN, gate_figures, gate_labels
from groundswell.words import count, join

if TYPE_CHECKING:
    from groundswell.network.graph import Graph
    from groundswell.store import Store

#: the formal attributes whose group-to-group ties are stored
ATTRIBUTES = ("department", "team", "location")
#: the findings of the shadow organisation, in the order they are shown, with their reading
SHADOW = {
    "hidden_influencer": "high informal influence, low formal level",
    "informal_leader": "no direct reports, yet influence in the top decile",
    "bottleneck_manager": "their team's contact with the rest passes through them",
    "key_person": "their departure would cut people off from the network",
    "manager_far_from_team": "tied to fewer than half of their own direct reports",
}
#: evidence columns left out of the stored evidence: group labels are read through the gate
_NOT_EVIDENCE = ("department", "team", "location", "top")


# -- computed by analyze -------------------------------------------------------------------
def group_ties_rows(g: Graph, people: pd.DataFrame) -> pd.DataFrame:
    """The group-to-group ties of ``g`` for every attribute of :data:`ATTRIBUTES`: one row
    per pair of groups with a tie (attribute, from_group, to_group, ties, weight), groups as
    stored (a missing value, or a person of ``g`` not in ``people``, is ``(unknown)``)."""
    from groundswell.analysis.formal.groups import group_pairs

    frames = []
    for attribute in ATTRIBUTES:
        groups = people[attribute].reindex(pd.Index(g.nodes))
        # nothing suppressed here: the gate applies when read; the cells with a tie only
        # (a dense team x team matrix took gigabytes at 100,000 people)
        frames.append(group_pairs(g, groups).assign(attribute=attribute))
    out = pd.concat(frames, ignore_index=True)
    out["ties"] = out["ties"].round().astype("int64")
    return out[["attribute", "from_group", "to_group", "ties", "weight"]]


def role_overlap_rows(held: pd.DataFrame) -> pd.DataFrame:
    """The Jaccard overlap of every two roles held by someone (rows role_a, role_b, jaccard);
    see :func:`groundswell.analysis.roles.overlap`."""
    from groundswell.analysis.roles import overlap

    ov = overlap(held)
    long = ov.stack(future_stack=True).rename("jaccard").rename_axis(["role_a", "role_b"])
    return long.reset_index()


def shadow_rows(found: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """The shadow organisation as rows (finding, person_id, rank, evidence): ``found`` maps a
    finding of :data:`SHADOW` to the flagged people, strongest first, with the figures the
    rule used (the frames of :mod:`groundswell.analysis.formal`)."""
    rows = []
    for finding in SHADOW:
        frame = found.get(finding)
        if frame is None:
            continue
        keep = [c for c in frame.columns if c not in _NOT_EVIDENCE]
        names = [str(k) for k in keep]
        # each row's values as DataFrame.iterrows gives them (the frame's values, one common
        # type across the columns: integers beside floats are floats), without a Series each
        values = frame[keep].to_numpy().tolist()
        for rank, (person, r) in enumerate(zip(frame.index, values, strict=True), start=1):
            evidence = {k: _plain(v) for k, v in zip(names, r, strict=True)}
            rows.append((finding, str(person), rank, json.dumps(evidence, sort_keys=True)))
    return pd.DataFrame(rows, columns=["finding", "person_id", "rank", "evidence"])


def _plain(v: Any) -> Any:
    if isinstance(v, np.generic):
        v = v.item()
    if isinstance(v, float) and math.isnan(v):
        return None
    if v is pd.NA or v is pd.NaT:  # an unknown level of a Viva-only workspace
        return None
    return v


def external_rows(
    ws: Store,
    win: Any,
    rules: Any,
    layers: tuple[str, ...],
    nodes: pd.Index,
    run_ties: pd.DataFrame | None = None,
) -> dict[str, pd.DataFrame]:
    """The external relationships of a run (:mod:`groundswell.analysis.external`): the ties of
    ``layers`` (but formal) in ``win`` under ``rules`` with externals kept, the holders among
    the run's people (``nodes``) and the figures of each group of :data:`ATTRIBUTES` and of
    the whole organisation. Rows for ``external_holders`` and ``external_groups``.

    ``run_ties`` (actor_id, target_id, layer, weight) are the run's own ties: when the run
    kept externals (no org chart, or ``ties.internal_only`` off) they are these ties, and
    nothing is aggregated twice; otherwise the ties are built again with externals kept."""
    import dataclasses

    from groundswell.analysis import external
    from groundswell.network.ties import build_ties, has_orgchart

    kept = tuple(x for x in layers if x != "formal")
    restricted = rules.internal_only and has_orgchart(ws.con)
    if run_ties is not None and not restricted:
        ties = run_ties[run_ties["layer"] != "formal"]
    elif kept:
        ties = build_ties(ws.con, win, dataclasses.replace(rules, internal_only=False), layers=kept)
    else:
        ties = pd.DataFrame(columns=["actor_id", "target_id", "weight"])
    people = ws.query(
        "SELECT person_id, is_internal, relation, department, team, location FROM people"
    ).set_index("person_id")
    hr = has_orgchart(ws.con)
    found = external.pairs(ties, people, has_orgchart=hr)
    inside = ~external.external_flags(nodes, people, has_orgchart=hr).astype(bool)
    members = people.reindex(nodes[inside.to_numpy()])[list(ATTRIBUTES)]
    held = external.holders(found[_sets.isin_labels(found["person_id"], members.index)])
    return {
        "external_holders": held.reset_index(),
        "external_groups": external.groups(found, members, ATTRIBUTES),
    }


# -- read by the report, the dashboard, the CLI --------------------------------------------
def check_stored(ws: Store, run_id: int) -> None:
    """Raise :class:`OutdatedRunError` if run ``run_id`` was made before its result tables
    existed."""
    rows = ws.con.execute("SELECT stored_results FROM runs WHERE run_id = ?", [run_id]).fetchall()
    if not rows or not rows[0][0]:
        raise OutdatedRunError(
            f"run {run_id} was made by an older groundswell and has no stored group ties, "
            f"role overlap or shadow organisation; re-run analyze (groundswell analyze "
            f"{ws.folder}) to make a run that has them"
        )


def read_group_ties(
    ws: Store,
    run_id: int,
    values: pd.Series,
    attribute: str,
    *,
    min_group_size: int,
    shown_min: int,
    weighted: bool = True,
    normalize: bool = True,
) -> pd.DataFrame:
    """The stored group-to-group matrix of ``attribute`` through the privacy gate.

    ``values`` is each of the run's people's stored group. Labels are gated as
    :meth:`groundswell.run.Run.people` shows them (at ``shown_min``, the workspace's
    minimum), then at ``min_group_size``; the groups it suppresses are merged into one
    :data:`~groundswell.privacy.SUPPRESSED` row and column, missing (NaN) when that merged
    group is itself below the minimum. Cell (A, B): the weight (or number, without
    ``weighted``) of ties from A's people to B's, or with ``normalize`` the share of A's
    ties (rows sum to 1). The same as :func:`groundswell.analysis.formal.group_matrix` on
    the run's graph, read from what analyze stored.
    """
    check_stored(ws, run_id)
    stored = ws.query(
        "SELECT from_group, to_group, ties, weight FROM group_ties "
        "WHERE run_id = ? AND attribute = ?",
        [run_id, attribute],
    )
    raw = values.astype("object").where(values.notna(), UNKNOWN).astype(str)
    label = gate_labels(gate_labels(values, shown_min, keep=True), min_group_size)
    to_label = dict(zip(raw.to_numpy(), label.to_numpy(), strict=True))
    sizes = label.value_counts()
    names = sorted(sizes.index, key=lambda s: (s in (SUPPRESSED, UNKNOWN), s == SUPPRESSED, s))
    sizes = sizes.reindex(names)
    # a group no longer among the run's people (the org chart changed since): suppressed
    stored["a"] = stored["from_group"].map(lambda x: to_label.get(x, SUPPRESSED))
    stored["b"] = stored["to_group"].map(lambda x: to_label.get(x, SUPPRESSED))
    column = "weight" if weighted else "ties"
    summed = stored.groupby(["a", "b"])[column].sum().astype("float64")
    if summed.empty:
        out = pd.DataFrame(0.0, index=names, columns=names)
    else:
        out = summed.unstack(fill_value=0.0).reindex(index=names, columns=names, fill_value=0.0)
    out.index.name, out.columns.name = "from", "to"
    if normalize:
        out = out.div(out.sum(axis=1).replace(0.0, np.nan), axis=0)
    return gate_figures(out, sizes, min_group_size, square=True)


def read_role_overlap(ws: Store, run_id: int, order: tuple[str, ...]) -> pd.DataFrame:
    """The stored Jaccard overlap of roles as a square table, roles in ``order``."""
    check_stored(ws, run_id)
    long = ws.query("SELECT role_a, role_b, jaccard FROM role_overlap WHERE run_id = ?", [run_id])
    names = [r for r in order if r in set(long["role_a"])]
    table = long.pivot(index="role_a", columns="role_b", values="jaccard")
    table = table.reindex(index=names, columns=names).astype("float64")
    table.index.name = table.columns.name = None
    return table


def read_shadow(ws: Store, run_id: int, people: pd.DataFrame) -> pd.DataFrame:
    """The stored shadow organisation: one row per (finding, person), findings in the order
    of :data:`SHADOW`, strongest first, with the person's display name, department (as
    ``people``, the gated :meth:`~groundswell.run.Run.people`, shows it), level and the
    evidence (a dict of the figures the rule used)."""
    check_stored(ws, run_id)
    rows = ws.query(
        "SELECT finding, person_id, rank, evidence FROM shadow WHERE run_id = ?", [run_id]
    )
    order = {f: i for i, f in enumerate(SHADOW)}
    rows["order"] = rows["finding"].map(order)
    rows = rows.sort_values(["order", "rank"]).drop(columns="order").reset_index(drop=True)
    rows["evidence"] = rows["evidence"].map(json.loads)
    shown = people.reindex(rows["person_id"])
    for column in ("display_name", "department", "level"):
        rows[column] = shown[column].to_numpy() if column in shown else None
    cols = ["finding", "rank", "person_id", "display_name", "department", "level", "evidence"]
    return rows[cols]


#: the section of ``run_findings`` holding what the network says (:mod:`groundswell.headlines`)
HEADLINE = "headline"
#: a finding's sentence names at most this many of its people, then "and N others"
NAMED = 3


def read_findings(
    ws: Store, run_id: int, label: Callable[[str], str] | None = None, *, people: bool = True
) -> dict[str, Any]:
    """What the network says, as analyze stored it (:mod:`groundswell.headlines`):
    ``findings`` (the strongest, at most ``shown`` of them, each with its ``text`` — the
    people it names written in by ``label``, a pseudonym by default —, ``number``,
    ``action``, ``section`` and ``page``), ``more`` (how many past their threshold were left
    out) and ``statements`` (readings other sections show, such as the role overlap).
    Without ``people`` (a reader allowed aggregates only) nobody is named: "three people"
    stands where they would be. ``stored`` is false for a run made before findings were
    stored."""
    rows = ws.con.execute(
        "SELECT body FROM run_findings WHERE run_id = ? AND section = ?", [run_id, HEADLINE]
    ).fetchall()
    if not rows:
        return {"stored": False, "findings": [], "more": 0, "statements": {}}
    body = json.loads(rows[0][0])
    name = label or (lambda p: p)

    def filled(f: dict[str, Any]) -> dict[str, Any]:
        ids = f.get("people", [])
        if not people:  # names dropped where they only list, counted where they are the subject
            said = count(len(ids), "person", words=True)
            text = f["text"].replace(" ({people})", "").replace(": {people}", "")
            text = text.replace("{people}", said)
            return {**f, "text": text[:1].upper() + text[1:], "people": [], "labels": []}
        shown = [name(p) for p in ids[:NAMED]]
        others = len(ids) - len(shown)
        said = join([*shown, count(others, "other")] if others else shown)
        return {**f, "text": f["text"].replace("{people}", said), "labels": shown}

    shown = int(body.get("shown", 8))
    found = [filled(f) for f in body["findings"]]
    statements = {k: filled(v) for k, v in body.get("statements", {}).items()}
    return {
        "stored": True,
        "findings": found[:shown],
        "more": max(0, len(found) - shown),
        "statements": statements,
    }


def read_external(ws: Store, run_id: int, people: pd.DataFrame) -> dict[str, Any]:
    """The stored external relationships of a run, ready to show: ``summary`` (the whole
    organisation's figures), ``holders`` (every holder, most first, with display name and
    department as ``people``, the gated :meth:`~groundswell.run.Run.people`, shows them) and
    ``groups`` (department figures through the privacy gate: a group below the minimum size
    is merged into one :data:`~groundswell.privacy.SUPPRESSED` row without figures).

    A run made before schema version 10 has none: :class:`OutdatedRunError`."""
    check_stored(ws, run_id)
    groups = ws.query(
        "SELECT attribute, group_name, members, holders, external_ties, externals, "
        "top_third_share, herfindahl FROM external_groups WHERE run_id = ?",
        [run_id],
    )
    whole = groups[groups["attribute"] == "organisation"]
    if whole.empty:
        raise OutdatedRunError(
            f"run {run_id} was made by an older groundswell and has no stored external "
            f"relationships; re-run analyze (groundswell analyze {ws.folder})"
        )
    holders = ws.query(
        "SELECT person_id, externals, customers, suppliers, partners, weight, rank "
        "FROM external_holders WHERE run_id = ? ORDER BY rank",
        [run_id],
    )
    shown = people.reindex(holders["person_id"])
    for column in ("display_name", "department"):
        holders[column] = shown[column].to_numpy() if column in shown else None
    dept = groups[groups["attribute"] == "department"].set_index("group_name")
    return {
        "summary": {k: _plain(v) for k, v in whole.iloc[0].drop("attribute").items()},
        "holders": holders,
        "groups": _gated_groups(dept, ws.settings.min_group_size),
    }


def _gated_groups(table: pd.DataFrame, min_size: int) -> pd.DataFrame:
    """Department figures with the groups the gate suppresses merged into one row that shows
    only its size (missing too when that is below the minimum), as Run.groups does."""
    from groundswell.privacy import merged_too_small, suppressed_groups

    cols = ["members", "holders", "external_ties", "externals", "top_third_share", "herfindahl"]
    sizes = table["members"].astype("int64")
    hidden = suppressed_groups(sizes, min_size)
    shown = table.loc[[g for g in table.index if g not in hidden], cols].astype("float64")
    if hidden:
        merged = sizes[sizes.index.isin(hidden)]
        size = np.nan if merged_too_small(merged, min_size) else float(merged.sum())
        shown.loc[SUPPRESSED] = [size, *[np.nan] * (len(cols) - 1)]
    shown.index.name = "group_name"
    return shown

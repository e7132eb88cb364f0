"""The dashboard's store: every read the web app makes, as named methods returning plain data.

Views never touch the database connection (STYLE.md, "Web"); they call a method here and
get dicts and lists that serialise to JSON as they are. The store reads stored runs only:
nothing is recomputed except two cheap read-outs of stored ties (the group-to-group matrix,
one sparse product, and a person's ego network, a filter on the run's ties), both cached.

DuckDB: the store opens the workspace once per process (read-write, for the accounts) and
gives every worker thread its own cursor (``con.cursor()``), since one DuckDB connection
must not be used by two threads at once. Runs are immutable once stored, so the per-run
tables (people, ties, layout, the group matrix) are cached, a few runs at a time.

Privacy is applied here, for every caller: group labels below the workspace's
``min_group_size`` read :data:`~groundswell.privacy.SUPPRESSED` and carry no figures;
display names leave the store only when the caller passes ``names=True`` (the app does so
for analysts and admins of an identified workspace).
"""

from __future__ import annotations

import copy
import json
import math
import threading
from collections import OrderedDict
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import numpy as np
import pandas as pd

import groundswell as gs
from groundswell.analysis import formal
from groundswell.errors import ConfigError, WorkspaceError
from groundswell.privacy import SUPPRESSED, group_label
from groundswell.run import METRICS, Run

T = TypeVar("T")

#: Group attributes the dashboard offers (those the run stores group figures for).
GROUP_ATTRIBUTES = ("department", "team", "location")
#: Headline figures compared between two runs: key in the run summary -> reading.
HEADLINES = {
    "people": "people in the network",
    "ties": "ties",
    "density": "density (share of possible ties present)",
    "reciprocity": "reciprocity (share of ties returned)",
    "isolated": "isolated people",
    "communities": "communities",
    "modularity": "modularity (how clearly communities separate)",
    "nmi_departments": "agreement of communities with departments (NMI)",
    "ei_departments": "E-I index of departments (-1 inward, +1 outward)",
    "diverse_ties": "share of ties between departments",
    "strong_ties": "share of strong ties",
    "mean_clustering": "mean clustering",
    "silos": "departments that are silos",
}
#: Measures shown in the people table (all measures are on the person page).
TABLE_MEASURES = ("pagerank", "betweenness", "in_degree", "out_degree", "k_core", "constraint")
_CACHE_RUNS = 4


def clean(value: Any) -> Any:
    """A JSON-safe copy: NaN and infinities become None, numpy scalars Python numbers."""
    if isinstance(value, dict):
        return {str(k): clean(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [clean(v) for v in value]
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, pd.Timestamp):
        return value.isoformat()
    if value is pd.NaT or value is pd.NA:
        return None
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return value


def _labels(values: pd.Series, min_size: int) -> pd.Series:
    """Group labels of each person, with groups below ``min_size`` suppressed."""
    filled = values.astype("object")
    filled = filled.where(filled.notna(), "(unknown)").astype(str)
    sizes = filled.value_counts()
    return filled.map(lambda v: group_label(v, int(sizes[v]), min_size))


class Store:
    """Named, read-mostly queries over one workspace, for the web app.

    Parameters
    ----------
    path : str or Path
        The workspace folder (as for :func:`groundswell.open`).
    """

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self._ws = gs.open(self.path)
        self._local = threading.local()
        self._lock = threading.Lock()
        self._cache: OrderedDict[tuple[Any, ...], Any] = OrderedDict()

    def close(self) -> None:
        self._ws.close()

    # -- plumbing ------------------------------------------------------------------------
    @property
    def settings(self) -> Any:
        return self._ws.settings

    @property
    def min_group_size(self) -> int:
        return int(self._ws.settings.min_group_size)

    @property
    def identified(self) -> bool:
        return bool(self._ws.settings.identified)

    def ws(self) -> gs.Workspace:
        """This thread's view of the workspace: the same object with its own DuckDB cursor."""
        local = getattr(self._local, "ws", None)
        if local is None:
            local = copy.copy(self._ws)
            local.con = self._ws.con.cursor()
            self._local.ws = local
        return local

    def _cached(self, key: tuple[Any, ...], make: Callable[[], T]) -> T:
        with self._lock:
            if key in self._cache:
                self._cache.move_to_end(key)
                return self._cache[key]
        value = make()
        with self._lock:
            self._cache[key] = value
            while len(self._cache) > _CACHE_RUNS * 6:
                self._cache.popitem(last=False)
        return value

    def run(self, run_id: int | None = None) -> Run:
        """The stored run (the latest when None); WorkspaceError if there is none."""
        return self.ws().run(run_id)

    def _people(self, run: Run) -> pd.DataFrame:
        return self._cached(("people", run.run_id), run.people)

    def _edges(self, run: Run) -> pd.DataFrame:
        def make() -> pd.DataFrame:
            t = run.ties().groupby(["actor_id", "target_id"], as_index=False)["weight"].sum()
            return t.rename(columns={"actor_id": "source", "target_id": "target"})

        return self._cached(("edges", run.run_id), make)

    def _labels(self, run: Run, column: str) -> pd.Series:
        people = self._people(run)
        return self._cached(
            ("labels", run.run_id, column), lambda: _labels(people[column], self.min_group_size)
        )

    def _name(self, row: pd.Series, names: bool) -> str | None:
        if not (names and self.identified):
            return None
        name = row.get("display_name")
        return name if isinstance(name, str) and name else None

    # -- workspace-level -----------------------------------------------------------------
    def overview(self, run_id: int | None = None) -> dict[str, Any]:
        """The latest (or given) run's headline figures and the workspace's row counts."""
        ws = self.ws()
        out: dict[str, Any] = {
            "workspace": self.path.name,
            "counts": ws.counts(),
            "identified": self.identified,
            "min_group_size": self.min_group_size,
            "runs": len(ws.runs()),
            "run": None,
        }
        try:
            run = self.run(run_id)
        except WorkspaceError:
            if run_id is not None:
                raise
            return clean(out)
        s = run.summary
        out["run"] = {
            **self._run_head(run),
            "headlines": {k: {"value": s.get(k), "reading": v} for k, v in HEADLINES.items()},
            "roles": s.get("roles", {}),
            "personas": s.get("personas", {}),
            "findings": s.get("findings", {}),
        }
        return clean(out)

    def _run_head(self, run: Run) -> dict[str, Any]:
        s = run.summary
        return {
            "run_id": run.run_id,
            "created_at": run.created_at,
            "version": run.version,
            "window": str(run.window),
            "window_start": run.window.start,
            "window_end": run.window.end,
            "people": s.get("people"),
            "ties": s.get("ties"),
            "communities": s.get("communities"),
        }

    def runs(self) -> list[dict[str, Any]]:
        """Every stored run, newest first, with its window and size."""
        table = self.ws().query(
            "SELECT run_id, created_at, version, window_start, window_end, params, summary "
            "FROM runs ORDER BY run_id DESC"
        )
        out = []
        for r in table.itertuples(index=False):
            s = json.loads(r.summary)
            params = json.loads(r.params)
            out.append(
                {
                    "run_id": int(r.run_id),
                    "created_at": r.created_at,
                    "version": r.version,
                    "window": params.get("window"),
                    "window_start": r.window_start,
                    "window_end": r.window_end,
                    "layers": params.get("layers"),
                    "weighted": params.get("weighted"),
                    "people": s.get("people"),
                    "ties": s.get("ties"),
                    "communities": s.get("communities"),
                }
            )
        return clean(out)

    def run_detail(self, run_id: int) -> dict[str, Any]:
        """One run: its parameters (tie rules, analysis settings), sources seen, summary."""
        run = self.run(run_id)
        return clean(
            {
                **self._run_head(run),
                "params": run.params,
                "sources": run.sources,
                "summary": run.summary,
            }
        )

    def sources(self) -> list[dict[str, Any]]:
        """What was ingested, when, with which options and what it contributed."""
        df = self.ws().sources()
        return clean(df.to_dict(orient="records"))

    # -- people ----------------------------------------------------------------------------
    def people(
        self,
        run_id: int | None = None,
        *,
        names: bool = False,
        sort: str = "pagerank",
        limit: int = 100,
        offset: int = 0,
        q: str | None = None,
    ) -> dict[str, Any]:
        """People of a run (pseudonymous ids; names only with ``names`` in identified mode),
        sorted by a measure, one page at a time. ``q`` filters by id or name (substring)."""
        run = self.run(run_id)
        people = self._people(run)
        if sort not in people.columns or sort not in METRICS:
            raise ConfigError(f"sort must be one of {', '.join(METRICS)}; got {sort!r}")
        table = people
        if q:
            needle = q.strip().lower()
            hit = table.index.str.lower().str.contains(needle, regex=False)
            if names and self.identified:
                hit |= (
                    table["display_name"].fillna("").str.lower().str.contains(needle, regex=False)
                )
            table = table[hit]
        table = table.sort_values(sort, ascending=False)
        page = table.iloc[offset : offset + limit]
        dept = self._labels(run, "department")
        comm = self._labels(run, "community")
        rows = [
            {
                "person_id": pid,
                "display_name": self._name(r, names),
                "department": dept[pid],
                "level": r["level"],
                "community": comm[pid],
                "persona": r["persona"],
                "roles": [x for x in str(r["roles"]).split(", ") if x],
                **{m: r[m] for m in TABLE_MEASURES if m in r},
            }
            for pid, r in page.iterrows()
        ]
        return clean(
            {
                "run_id": run.run_id,
                "total": len(table),
                "offset": offset,
                "sort": sort,
                "people": rows,
            }
        )

    def has_person(self, run_id: int | None, person_id: str) -> bool:
        return person_id in self._people(self.run(run_id)).index

    def person(self, run_id: int | None, person_id: str, *, names: bool = False) -> dict[str, Any]:
        """One person: formal place, every measure, roles, findings, persona, ego network."""
        run = self.run(run_id)
        people = self._people(run)
        if person_id not in people.index:
            raise WorkspaceError(f"run {run.run_id} has no person {person_id!r}")
        r = people.loc[person_id]
        labels = self.ws().query(
            "SELECT kind, name FROM person_roles WHERE run_id = ? AND person_id = ? "
            "ORDER BY kind, name",
            [run.run_id, person_id],
        )
        return clean(
            {
                "run_id": run.run_id,
                "person_id": person_id,
                "display_name": self._name(r, names),
                "department": self._labels(run, "department")[person_id],
                "team": self._labels(run, "team")[person_id],
                "location": self._labels(run, "location")[person_id],
                "title": r["title"],
                "level": r["level"],
                "community": self._labels(run, "community")[person_id],
                "persona": r["persona"],
                "roles": labels.loc[labels["kind"] == "role", "name"].tolist(),
                "findings": labels.loc[labels["kind"] == "finding", "name"].tolist(),
                "measures": {m: r[m] for m in METRICS if m in r},
                "rank": {
                    "pagerank": int((people["pagerank"] > r["pagerank"]).sum()) + 1,
                    "of": len(people),
                },
            }
        )

    def ego(
        self,
        run_id: int | None,
        person_id: str,
        *,
        names: bool = False,
        among: bool = True,
        anonymous: bool = False,
    ) -> dict[str, Any]:
        """A person's ego network: their ties in both directions and, with ``among``, their
        neighbours' ties among themselves. With ``anonymous`` the neighbours appear as
        "contact 1", "contact 2", ... with no id or group (the personal view)."""
        run = self.run(run_id)
        people = self._people(run)
        if person_id not in people.index:
            raise WorkspaceError(f"run {run.run_id} has no person {person_id!r}")
        e = self._edges(run)
        own = e[(e["source"] == person_id) | (e["target"] == person_id)]
        contacts = pd.Index(pd.concat([own["source"], own["target"]]).unique()).drop(
            person_id, errors="ignore"
        )
        ties = own
        if among and len(contacts):
            inside = e[e["source"].isin(contacts) & e["target"].isin(contacts)]
            ties = pd.concat([own, inside], ignore_index=True)
        # strongest contacts first: both directions summed
        strength = (
            pd.concat([own["source"], own["target"]])
            .to_frame("person")
            .assign(weight=np.concatenate([own["weight"].to_numpy()] * 2))
            .groupby("person")["weight"]
            .sum()
            .reindex(contacts)
            .sort_values(ascending=False)
        )
        contacts = strength.index
        if anonymous:
            alias = {pid: f"contact {i + 1}" for i, pid in enumerate(contacts)}
            alias[person_id] = "you"
            nodes = [{"id": "you", "label": "you", "centre": True}] + [
                {"id": alias[c], "label": alias[c], "centre": False,
                 "strength": float(strength[c])}
                for c in contacts
            ]  # fmt: skip
            edges = [
                [alias[s], alias[t], float(w)]
                for s, t, w in ties[["source", "target", "weight"]].itertuples(index=False)
            ]
        else:
            dept = self._labels(run, "department")
            comm = self._labels(run, "community")
            nodes = []
            for pid in [person_id, *contacts]:
                row = people.loc[pid]
                nodes.append(
                    {
                        "id": pid,
                        "label": self._name(row, names) or pid,
                        "centre": pid == person_id,
                        "department": dept[pid],
                        "community": comm[pid],
                        "strength": None if pid == person_id else float(strength[pid]),
                    }
                )
            edges = [
                [s, t, float(w)]
                for s, t, w in ties[["source", "target", "weight"]].itertuples(index=False)
            ]
        return clean(
            {
                "run_id": run.run_id,
                "centre": "you" if anonymous else person_id,
                "nodes": nodes,
                "edges": edges,
                "out_ties": int((own["source"] == person_id).sum()),
                "in_ties": int((own["target"] == person_id).sum()),
                "among_included": bool(among),
            }
        )

    # -- groups ----------------------------------------------------------------------------
    def groups(self, run_id: int | None = None, attribute: str = "department") -> dict[str, Any]:
        """Group figures by a formal attribute: size, E-I index, share of ties inside, the
        random baseline, silo flag. Groups below the minimum size are one suppressed row."""
        if attribute not in GROUP_ATTRIBUTES:
            raise ConfigError(
                f"attribute must be one of {', '.join(GROUP_ATTRIBUTES)}; got {attribute!r}"
            )
        run = self.run(run_id)
        table = run.groups(attribute)
        rows = []
        for name, r in table.iterrows():
            small = name == SUPPRESSED or (
                not pd.isna(r["size"]) and r["size"] < self.min_group_size
            )
            rows.append(
                {
                    "name": SUPPRESSED if small else name,
                    "suppressed": bool(small),
                    "size": None if small else r["size"],
                    "ei": None if small else r["ei"],
                    "inside_share": None if small else r["inside_share"],
                    "baseline_ei": None if small else r["baseline_ei"],
                    "silo": None if small else bool(r["silo"]),
                }
            )
        return clean(
            {
                "run_id": run.run_id,
                "attribute": attribute,
                "min_group_size": self.min_group_size,
                "groups": rows,
            }
        )

    def group(self, run_id: int | None, attribute: str, name: str) -> dict[str, Any]:
        """One group's figures, its members' roles and personas, where its ties go; or, for a
        group below the minimum size, only ``suppressed: true``."""
        run = self.run(run_id)
        if attribute not in GROUP_ATTRIBUTES:
            raise ConfigError(
                f"attribute must be one of {', '.join(GROUP_ATTRIBUTES)}; got {attribute!r}"
            )
        people = self._people(run)
        members = people.index[people[attribute].astype("object") == name]
        if len(members) == 0:
            raise WorkspaceError(f"run {run.run_id} has no {attribute} {name!r}")
        head = {"run_id": run.run_id, "attribute": attribute, "name": name}
        if len(members) < self.min_group_size:
            return {
                **head,
                "suppressed": True,
                "detail": f"fewer than {self.min_group_size} people: figures are suppressed",
            }
        figures = next(
            (g for g in self.groups(run.run_id, attribute)["groups"] if g["name"] == name), None
        )
        sub = people.loc[members]
        roles: dict[str, int] = {}
        for held in sub["roles"]:
            for role in filter(None, str(held).split(", ")):
                roles[role] = roles.get(role, 0) + 1
        matrix = self._matrix(run, attribute)
        row = matrix.loc[name] if name in matrix.index else pd.Series(dtype=float)
        return clean(
            {
                **head,
                "suppressed": False,
                "size": len(members),
                "figures": figures,
                "roles": roles,
                "personas": sub["persona"].value_counts().to_dict(),
                "communities": self._labels(run, "community")[members].value_counts().to_dict(),
                "ties_to": {k: v for k, v in row.items() if not pd.isna(v) and v > 0},
                "mean": {m: float(sub[m].mean()) for m in TABLE_MEASURES if m in sub},
            }
        )

    def communities(self, run_id: int | None = None) -> dict[str, Any]:
        """Detected communities: size and the departments they draw on (department counts
        below the minimum size suppressed); communities below it merged into one row."""
        run = self.run(run_id)
        people = self._people(run)
        comm = self._labels(run, "community")
        dept = self._labels(run, "department")
        rows = []
        for label, members in comm.groupby(comm).groups.items():
            if label == SUPPRESSED:
                continue
            d = dept[members].value_counts()
            d = d[(d >= self.min_group_size) & (d.index != SUPPRESSED)]
            sub = people.loc[members]
            rows.append(
                {
                    "community": label,
                    "size": len(members),
                    "departments": d.to_dict(),
                    "main_department": d.index[0] if len(d) else None,
                    "main_share": float(d.iloc[0] / len(members)) if len(d) else None,
                    "mean_pagerank": float(sub["pagerank"].mean()),
                }
            )
        rows.sort(key=lambda r: -r["size"])
        small = int((comm == SUPPRESSED).sum())
        s = run.summary
        return clean(
            {
                "run_id": run.run_id,
                "communities": rows,
                "suppressed_people": small,
                "modularity": s.get("modularity"),
                "stability": s.get("community_stability"),
                "nmi_departments": s.get("nmi_departments"),
                "ari_departments": s.get("ari_departments"),
            }
        )

    def _matrix(self, run: Run, attribute: str) -> pd.DataFrame:
        def make() -> pd.DataFrame:
            people = self._people(run)
            return formal.group_matrix(
                run.graph(),
                people[attribute],
                weighted=True,
                normalize=True,
                min_group_size=self.min_group_size,
            )

        return self._cached(("matrix", run.run_id, attribute), make)

    def formal(self, run_id: int | None = None, attribute: str = "department") -> dict[str, Any]:
        """Formal against informal: department -> community flow, the group-to-group matrix
        (row shares; small groups merged and suppressed), silos, agreement figures."""
        run = self.run(run_id)
        flow = run.department_flow()
        sizes = self._people(run)["community"].value_counts()
        # communities below the minimum size: merge their columns into one suppressed column
        small = [c for c in flow.columns if int(sizes.get(c, 0)) < self.min_group_size]
        if small:
            merged = flow[small].sum(axis=1)
            flow = flow.drop(columns=small)
            flow[SUPPRESSED] = merged
        flow.columns = [str(c) for c in flow.columns]
        links = [
            {"department": d, "community": c, "people": int(v)}
            for d, row in flow.iterrows()
            for c, v in row.items()
            if v > 0
        ]
        matrix = self._matrix(run, attribute)
        groups = self.groups(run.run_id, attribute)["groups"]
        s = run.summary
        return clean(
            {
                "run_id": run.run_id,
                "attribute": attribute,
                "flow": links,
                "matrix": {
                    "groups": [str(g) for g in matrix.index],
                    "values": [
                        [None if pd.isna(v) else round(float(v), 4) for v in row]
                        for row in matrix.to_numpy()
                    ],
                    "reading": "row share of each group's ties that go to each group",
                },
                "silos": [g["name"] for g in groups if g["silo"]],
                "nmi_departments": s.get("nmi_departments"),
                "ari_departments": s.get("ari_departments"),
                "ei_departments": s.get("ei_departments"),
            }
        )

    def compare(self, run_a: int, run_b: int) -> dict[str, Any]:
        """Headline figures of two runs side by side, with the change from ``a`` to ``b``."""
        a, b = self.run(run_a), self.run(run_b)
        rows = []
        for key, reading in HEADLINES.items():
            va, vb = a.summary.get(key), b.summary.get(key)
            delta = None
            if isinstance(va, int | float) and isinstance(vb, int | float):
                delta = vb - va
            rows.append({"figure": key, "reading": reading, "a": va, "b": vb, "change": delta})
        roles = sorted(set(a.summary.get("roles", {})) | set(b.summary.get("roles", {})))
        return clean(
            {
                "a": self._run_head(a),
                "b": self._run_head(b),
                "figures": rows,
                "roles": [
                    {
                        "role": r,
                        "a": a.summary.get("roles", {}).get(r),
                        "b": b.summary.get("roles", {}).get(r),
                    }
                    for r in roles
                ],
            }
        )

    # -- the map -------------------------------------------------------------------------
    def map(
        self, run_id: int | None = None, *, identities: bool = True, names: bool = False
    ) -> dict[str, Any]:
        """Layout (x, y), community, department, size for the WebGL explorer.

        With ``identities=False`` (viewers) nodes get opaque keys (``n0``, ``n1``, ... in
        pseudonym order, so neither rank nor id can be read from them), no label, no level.
        """
        run = self.run(run_id)
        key = ("map", run.run_id, identities, names and self.identified)
        return self._cached(key, lambda: self._map(run, identities, names))

    def _map(self, run: Run, identities: bool, names: bool) -> dict[str, Any]:
        people = self._people(run)
        pos = self._cached(("layout", run.run_id), run.layout)
        placed = people.index.intersection(pos.index).sort_values()
        people = people.loc[placed]
        pos = pos.loc[placed]
        pr = people["pagerank"].to_numpy(dtype=float)
        size = np.sqrt(pr / pr.max()) if len(pr) and pr.max() > 0 else np.zeros(len(pr))
        attrs = {
            "department": self._labels(run, "department")[placed],
            "community": self._labels(run, "community")[placed],
            "location": self._labels(run, "location")[placed],
        }
        if identities:
            attrs["level"] = people["level"].map(
                lambda v: "(unknown)" if pd.isna(v) else str(int(v))
            )
            attrs["persona"] = people["persona"].fillna("(unknown)").astype(str)
            keys = list(placed)
            labels = [self._name(r, names) or pid for pid, r in people.iterrows()]
        else:
            keys = [f"n{i}" for i in range(len(placed))]
            labels = ["" for _ in keys]
        key_of = dict(zip(placed, keys, strict=True))
        frame = pd.DataFrame(attrs)
        nodes = [
            {"id": k, "label": lab, "x": round(float(x), 5), "y": round(float(y), 5),
             "size": round(float(s), 4), "attrs": a}
            for k, lab, x, y, s, a in zip(
                keys, labels, pos["x"], pos["y"], size, frame.to_dict(orient="records"),
                strict=True,
            )
        ]  # fmt: skip
        e = self._edges(run)
        e = e[e["source"].isin(placed) & e["target"].isin(placed)]
        edges = [
            [key_of[s], key_of[t], round(float(w), 3)]
            for s, t, w in e[["source", "target", "weight"]].itertuples(index=False)
        ]
        return {
            "run_id": run.run_id,
            "identities": identities,
            "nodes": nodes,
            "edges": edges,
            "colour_by": list(frame.columns),
            "departments": sorted(
                {str(v) for v in attrs["department"]}, key=lambda d: (d == SUPPRESSED, d)
            ),
            "directed": True,
        }

    # -- champion plans --------------------------------------------------------------------
    def plans(self, run_id: int | None = None) -> list[dict[str, Any]]:
        """Stored champion plans (of a run, or all), newest first."""
        sql = "SELECT plan_id, run_id, created_at, params, summary FROM plans"
        params: list[Any] = []
        if run_id is not None:
            sql += " WHERE run_id = ?"
            params.append(run_id)
        table = self.ws().query(sql + " ORDER BY plan_id DESC", params)
        return clean(
            [
                {
                    "plan_id": int(r.plan_id),
                    "run_id": int(r.run_id),
                    "created_at": r.created_at,
                    "params": json.loads(r.params),
                    "summary": json.loads(r.summary),
                }
                for r in table.itertuples(index=False)
            ]
        )

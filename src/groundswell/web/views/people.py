"""The store's person-level reads: the people table, a person, an ego network, the map."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from groundswell import role_lists
from groundswell.errors import ConfigError, WorkspaceError
from groundswell.privacy import SUPPRESSED
from groundswell.run import METRICS, Run
from groundswell.web.views.core import TABLE_MEASURES, ViewsCore, clean
from groundswell.web.views.measure_words import MEASURE_WORDS


def _percentile(values: np.ndarray, v: Any) -> float | None:
    """The mid-rank percentile of ``v`` among sorted ``values`` (None for a missing value)."""
    if v is None or (isinstance(v, float) and np.isnan(v)) or not len(values):
        return None
    below = np.searchsorted(values, v, side="left")
    level = np.searchsorted(values, v, side="right") - below
    return float(100.0 * (below + 0.5 * level) / len(values))


@dataclass(frozen=True)
class _Adjacency:
    """A run's aggregated ties by integer position (see :meth:`PeopleQueries._adjacency`)."""

    index: pd.Index
    ids: np.ndarray
    src: np.ndarray
    dst: np.ndarray
    w: np.ndarray
    out_ptr: np.ndarray
    in_order: np.ndarray
    in_ptr: np.ndarray
    names: np.ndarray
    department: np.ndarray
    community: np.ndarray
    id_list: list[str]  # ids as a Python list (faster to index one at a time)
    finite: bool  # every tie weight is finite (then an ego network needs no cleaning)


@dataclass(frozen=True)
class _PersonTable:
    """A run's people as plain Python lists by position (see :meth:`PeopleQueries._table`):
    a person page is then a dict lookup and a few list reads, no pandas row."""

    position: dict[str, int]
    columns: dict[str, list[Any]]  # title, level, persona, display_name, every measure
    labels: dict[str, list[str]]  # department, team, location, community (suppressed)
    rank: list[int]  # PageRank rank, 1 = highest (ties share the better rank)
    measures: tuple[str, ...]


class PeopleQueries(ViewsCore):
    """People, one person, ego networks and the network map (see :class:`ViewsCore`)."""

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
                # to those allowed names: an HR id, an email or a full name finds the person
                # (the one resolver, groundswell.identity.resolve)
                hit |= table.index == _resolved(self.ws(), q)
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
                "external": bool(r.get("external", False)),
                "relation": r.get("relation") if isinstance(r.get("relation"), str) else None,
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
                "role_lists": self._role_lists(run),
            }
        )

    def _role_lists(self, run: Run) -> dict[str, Any]:
        """Each role list with what distinguishes it and its size, and who is in more than
        one (counts only; :func:`groundswell.role_lists.summary` on the stored roles)."""
        lists = role_lists.summary(run.roles(), run.role_overlap())
        lists.pop("several_people")
        return lists

    def has_person(self, run_id: int | None, person_id: str) -> bool:
        return person_id in self._people(self.run(run_id)).index

    def person(self, run_id: int | None, person_id: str, *, names: bool = False) -> dict[str, Any]:
        """One person: formal place, every measure, roles, findings, persona, ego network."""
        run = self.run(run_id)
        table = self._table(run)
        i = table.position.get(person_id)
        if i is None:
            raise WorkspaceError(f"run {run.run_id} has no person {person_id!r}")
        col, lab = table.columns, table.labels
        held = self._held(run).get(person_id, {})
        name = col["display_name"][i] if names and self.identified else None
        return clean(
            {
                "run_id": run.run_id,
                "person_id": person_id,
                "display_name": name if isinstance(name, str) and name else None,
                "department": lab["department"][i],
                "team": lab["team"][i],
                "location": lab["location"][i],
                "title": col["title"][i],
                "level": col["level"][i],
                "community": lab["community"][i],
                "community_words": self._community_names(run).get(str(lab["community"][i])),
                "persona": col["persona"][i],
                "external": bool(col["external"][i]),
                "relation": col["relation"][i],
                "roles": list(held.get("role", [])),
                "findings": list(held.get("finding", [])),
                "measures": {m: col[m][i] for m in table.measures},
                "explained": self._explained(run, table, i),
                "rank": {"pagerank": table.rank[i], "of": len(table.rank)},
            }
        )

    def _explained(self, run: Run, table: _PersonTable, i: int) -> list[dict[str, Any]]:
        """Each measure of person ``i`` in words, with their percentile among everyone in the
        run and among their department (the mid-rank percentile: the share of people below
        plus half of those level, as scipy's percentileofscore(kind="mean")). No department
        percentile for a department the privacy gate suppresses; no row for a measure the
        person has no value of."""
        department = table.labels["department"][i]
        sorted_values = self._sorted_measures(run, table)
        out = []
        for m in table.measures:
            v = table.columns[m][i]
            if v is None or v != v:  # no value (a role score they are not eligible for)
                continue
            name, meaning = MEASURE_WORDS.get(m, (m.replace("_", " "), ""))
            row: dict[str, Any] = {"measure": m, "name": name, "meaning": meaning, "value": v}
            org, by_department = sorted_values[m]
            row["percentile_org"] = _percentile(org, v)
            row["percentile_department"] = (
                None
                if department == SUPPRESSED or department not in by_department
                else _percentile(by_department[department], v)
            )
            out.append(row)
        return out

    def _sorted_measures(
        self, run: Run, table: _PersonTable
    ) -> dict[str, tuple[np.ndarray, dict[str, np.ndarray]]]:
        """Every measure's values sorted, for the whole run and for each department label."""

        def make() -> dict[str, tuple[np.ndarray, dict[str, np.ndarray]]]:
            departments = pd.Series(table.labels["department"], dtype=object)
            out = {}
            for m in table.measures:
                values = pd.Series(table.columns[m], dtype=float)
                known = values.notna()
                groups = {
                    str(d): np.sort(v.to_numpy())
                    for d, v in values[known].groupby(departments[known])
                }
                out[m] = (np.sort(values[known].to_numpy()), groups)
            return out

        return self._cached(("sorted measures", run.run_id), make)

    def _table(self, run: Run) -> _PersonTable:
        """The run's people by position, as Python lists (built once per run)."""

        def make() -> _PersonTable:
            people = self._people(run)
            measures = tuple(m for m in METRICS if m in people.columns)
            wanted = (
                "title", "level", "persona", "display_name", "external", "relation", *measures
            )  # fmt: skip
            columns = {
                c: (people[c].tolist() if c in people.columns else [None] * len(people))
                for c in wanted
            }
            labels = {
                c: self._labels(run, c).reindex(people.index).tolist()
                for c in ("department", "team", "location", "community")
            }
            pr = people["pagerank"].to_numpy(dtype=np.float64)
            known = np.sort(pr[~np.isnan(pr)])
            # people with a strictly higher PageRank, plus one (NaN: compares below none)
            above = len(known) - np.searchsorted(known, pr, side="right")
            rank = np.where(np.isnan(pr), 1, above + 1).astype(np.int64).tolist()
            position = {pid: k for k, pid in enumerate(people.index.tolist())}
            return _PersonTable(position, columns, labels, rank, measures)

        return self._cached(("table", run.run_id), make)

    def _held(self, run: Run) -> dict[str, dict[str, list[str]]]:
        """Each person's roles and findings in the run: person -> kind -> sorted names."""

        def make() -> dict[str, dict[str, list[str]]]:
            table = self.ws().query(
                "SELECT person_id, kind, name FROM person_roles WHERE run_id = ? "
                "ORDER BY person_id, kind, name",
                [run.run_id],
            )
            out: dict[str, dict[str, list[str]]] = {}
            for pid, kind, name in table.itertuples(index=False):
                out.setdefault(pid, {}).setdefault(kind, []).append(name)
            return out

        return self._cached(("held", run.run_id), make)

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
        adj = self._adjacency(run)
        i = int(adj.index.get_loc(person_id))
        out_e = np.arange(adj.out_ptr[i], adj.out_ptr[i + 1])
        in_e = adj.in_order[adj.in_ptr[i] : adj.in_ptr[i + 1]]
        own = np.union1d(out_e, in_e)  # edge rows in the table's order
        ends = np.concatenate([adj.src[own], adj.dst[own]])
        weights = np.concatenate([adj.w[own], adj.w[own]])
        keep = ends != i
        contacts, inverse = np.unique(ends[keep], return_inverse=True)
        # strongest contacts first: both directions summed
        strength = np.bincount(inverse, weights=weights[keep], minlength=len(contacts))
        order = np.argsort(-strength, kind="stable")
        contacts, strength = contacts[order], strength[order]
        ties = own
        if among and len(contacts):
            member = np.zeros(len(adj.index), dtype=bool)
            member[contacts] = True
            out_of = np.concatenate(
                [np.arange(adj.out_ptr[c], adj.out_ptr[c + 1]) for c in contacts]
            )
            ties = np.concatenate([own, np.sort(out_of[member[adj.dst[out_of]]])])
        src, dst, w = adj.src[ties], adj.dst[ties], adj.w[ties]
        if anonymous:
            alias = {int(c): f"contact {k + 1}" for k, c in enumerate(contacts)}
            alias[i] = "you"
            nodes = [{"id": "you", "label": "you", "centre": True}] + [
                {"id": alias[int(c)], "label": alias[int(c)], "centre": False,
                 "strength": float(st)}
                for c, st in zip(contacts, strength, strict=True)
            ]  # fmt: skip
            edges = [
                [alias[s], alias[t], x]
                for s, t, x in zip(src.tolist(), dst.tolist(), w.tolist(), strict=True)
            ]
        else:
            shown = names and self.identified
            nodes = [
                {
                    "id": adj.ids[c],
                    "label": (adj.names[c] if shown else None) or adj.ids[c],
                    "centre": c == i,
                    "department": adj.department[c],
                    "community": adj.community[c],
                    "strength": None if c == i else float(st),
                }
                for c, st in zip([i, *contacts.tolist()], [None, *strength.tolist()], strict=True)
            ]
            ids = adj.id_list
            edges = [
                [ids[s], ids[t], x]
                for s, t, x in zip(src.tolist(), dst.tolist(), w.tolist(), strict=True)
            ]
        out = {
            "run_id": run.run_id,
            "centre": "you" if anonymous else person_id,
            "nodes": nodes,
            "edges": edges,
            "out_ties": len(out_e),
            "in_ties": len(in_e),
            "among_included": bool(among),
        }
        # ids, labels, ints and Python floats already: cleaning (a call per value, once the
        # bulk of an ego network's cost) is needed only when a tie weight is not finite
        return out if adj.finite else clean(out)

    def _adjacency(self, run: Run) -> _Adjacency:
        """The run's ties as integer arrays with out- and in-neighbour indexes (CSR), and
        each person's labels by position: an ego network is then a few slices."""

        def make() -> _Adjacency:
            people = self._people(run)
            index = pd.Index(people.index)
            e = self._edges(run)
            src = index.get_indexer(e["source"])
            dst = index.get_indexer(e["target"])
            ok = (src >= 0) & (dst >= 0)
            src, dst = src[ok].astype(np.int64), dst[ok].astype(np.int64)
            w = e["weight"].to_numpy(dtype=np.float64)[ok]
            by_source = np.lexsort((dst, src))  # rows of one person's out-ties are contiguous
            src, dst, w = src[by_source], dst[by_source], w[by_source]
            n = len(index)
            out_ptr = np.concatenate([[0], np.cumsum(np.bincount(src, minlength=n))])
            in_order = np.argsort(dst, kind="stable")
            in_ptr = np.concatenate([[0], np.cumsum(np.bincount(dst, minlength=n))])
            raw = people["display_name"] if "display_name" in people else pd.Series(None, index)
            names = np.array([v if isinstance(v, str) and v else None for v in raw], dtype=object)
            return _Adjacency(
                index=index, ids=np.array(index, dtype=object), src=src, dst=dst, w=w,
                out_ptr=out_ptr, in_order=in_order, in_ptr=in_ptr, names=names,
                department=self._labels(run, "department").reindex(index).to_numpy(object),
                community=self._labels(run, "community").reindex(index).to_numpy(object),
                id_list=index.tolist(), finite=bool(np.isfinite(w).all()),
            )  # fmt: skip

        return self._cached(("adjacency", run.run_id), make)

    def _anonymous_attrs(
        self, run: Run, placed: pd.Index, attrs: dict[str, pd.Series]
    ) -> tuple[pd.Index, dict[str, pd.Series]]:
        """A viewer's node labels: department, and community only where the gated flow
        shows the node's cell; nodes of a merged group below the minimum left out."""
        dept, comm = attrs["department"], attrs["community"]
        flow = self._flow(run, "department")
        shown = [
            d in flow.index and c in flow.columns and not pd.isna(flow.at[d, c])
            for d, c in zip(dept, comm, strict=True)
        ]
        comm = comm.where(np.array(shown, dtype=bool), SUPPRESSED)
        merged = dept == SUPPRESSED
        if 0 < int(merged.sum()) < self.min_group_size:
            keep = ~merged.to_numpy()
            placed, dept, comm = placed[keep], dept[keep], comm[keep]
        return placed, {"department": dept, "community": comm}

    def map(
        self, run_id: int | None = None, *, identities: bool = True, names: bool = False
    ) -> dict[str, Any]:
        """Layout (x, y), community, department, size for the WebGL explorer.

        With ``identities=False`` (viewers) nodes get opaque keys (``n0``, ``n1``, ... in
        pseudonym order, so neither rank nor id can be read from them), no label, no level,
        no location; and a node shows its community only where the department -> community
        flow shows its cell (:meth:`_flow`), so that counting nodes gives away no group
        figure the flow suppresses. Group labels go through the privacy gate; a merged
        "(suppressed)" group below the minimum (only when everyone is) is left off a
        viewer's map with its ties.
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
        if not identities:
            kept, attrs = self._anonymous_attrs(run, placed, attrs)
            size = size[placed.get_indexer(kept)]
            placed, people, pos = kept, people.loc[kept], pos.loc[kept]
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
        if identities:  # the stored tie counts: the same figure as on the person page
            for node, out_d, in_d in zip(
                nodes, people["out_degree"], people["in_degree"], strict=True
            ):
                node["ties"] = [int(out_d), int(in_d)]
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
            # the legend's words beside a community's number (the Value page's)
            "value_words": {"community": self._community_names(run)},
            "departments": sorted(
                {str(v) for v in attrs["department"]}, key=lambda d: (d == SUPPRESSED, d)
            ),
            "directed": True,
        }


def _resolved(ws: Any, who: str) -> str | None:
    """The pseudonym ``who`` (an HR id, email, name or pseudonym) resolves to, or None."""
    from groundswell import identity
    from groundswell.errors import ParameterError, WorkspaceError

    try:
        return identity.resolve(ws, who)
    except (ParameterError, WorkspaceError):
        return None

"""The store's group-level reads: group figures, one group, communities, formal against
informal (the group-to-group matrix as analyze stored it, through the privacy gate)."""

from __future__ import annotations

from typing import Any

import pandas as pd

from groundswell.errors import ConfigError, WorkspaceError
from groundswell.privacy import SUPPRESSED, suppressed_groups
from groundswell.run import Run
from groundswell.web.views.core import (
    GROUP_ATTRIBUTES,
    TABLE_MEASURES,
    ViewsCore,
    clean,
    community_words,
)


class GroupQueries(ViewsCore):
    """Groups, communities and formal against informal (see :class:`ViewsCore`)."""

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
        label = self._labels(run, attribute)
        known = set(run._group_values(attribute).dropna().astype(str)) | set(label)
        if name not in known:
            raise WorkspaceError(f"run {run.run_id} has no {attribute} {name!r}")
        head = {"run_id": run.run_id, "attribute": attribute, "name": name}
        figures = next(
            (g for g in self.groups(run.run_id, attribute)["groups"] if g["name"] == name), None
        )
        if name == SUPPRESSED or figures is None or figures["suppressed"]:
            # below the minimum, or suppressed with one: the same answer, no figure at all
            return {
                **head,
                "suppressed": True,
                "detail": f"fewer than {self.min_group_size} people, or suppressed so that "
                "no small group can be found by subtraction: figures are suppressed",
            }
        members = label.index[label == name]
        sub = self._people(run).loc[members]
        k = self.min_group_size
        roles: dict[str, int] = {}
        for held in sub["roles"]:
            for role in filter(None, str(held).split(", ")):
                roles[role] = roles.get(role, 0) + 1
        # within the group, a count below the minimum is a group figure too
        personas = sub["persona"].fillna("(unknown)").astype(str).value_counts()
        hidden = suppressed_groups(personas, k)
        shown_personas = {p: int(n) for p, n in personas.items() if p not in hidden}
        flow = self._flow(run, attribute)
        cells = flow.loc[name] if name in flow.index else pd.Series(dtype=float)
        matrix = self._matrix(run, attribute)
        row = matrix.loc[name] if name in matrix.index else pd.Series(dtype=float)
        return clean(
            {
                **head,
                "suppressed": False,
                "size": len(members),
                "min_group_size": k,
                "figures": figures,
                "roles": {r: n for r, n in roles.items() if n >= k},
                "personas": shown_personas,
                "communities": {str(c): int(v) for c, v in cells.items() if v > 0},
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
        shown = self._community_departments(run)
        rows = []
        for label, members in comm.groupby(comm).groups.items():
            if label == SUPPRESSED:
                continue
            d = shown[str(label)]
            sub = people.loc[members]
            rows.append(
                {
                    "community": label,
                    "size": len(members),
                    "departments": {str(k): int(v) for k, v in d.items()},
                    "main_department": d.index[0] if len(d) else None,
                    "main_share": float(d.iloc[0] / len(members)) if len(d) else None,
                    "description": community_words(d, len(members)),
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
            # the groups the gate shows; the merged group is one more row and column
            return run.group_ties(attribute, min_group_size=self.min_group_size)

        return self._cached(("matrix", run.run_id, attribute), make)

    def formal(self, run_id: int | None = None, attribute: str = "department") -> dict[str, Any]:
        """Formal against informal: department -> community flow, the group-to-group matrix
        (row shares; small groups merged and suppressed), silos, agreement figures."""
        if attribute not in GROUP_ATTRIBUTES:
            raise ConfigError(
                f"attribute must be one of {', '.join(GROUP_ATTRIBUTES)}; got {attribute!r}"
            )
        run = self.run(run_id)
        flow = self._flow(run, "department")
        withheld = bool(flow.attrs.get("withheld"))
        # a suppressed cell is listed with no count (it is known to hold someone); a
        # withheld table lists nothing
        links = [
            {"department": str(d), "community": str(c), "people": None if pd.isna(v) else int(v)}
            for d, row in flow.iterrows()
            for c, v in row.items()
            if not withheld and (pd.isna(v) or v > 0)
        ]
        matrix = self._matrix(run, attribute)
        groups = self.groups(run.run_id, attribute)["groups"]
        s = run.summary
        return clean(
            {
                "run_id": run.run_id,
                "attribute": attribute,
                "flow": links,
                "flow_withheld": withheld,
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

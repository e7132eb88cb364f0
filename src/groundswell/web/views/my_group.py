"""My group: a group lead's own department, team, community or channel, read from what
analyze stored (the maturity table, the ``groups`` and ``communities`` findings, the
group figures) — aggregates only, through the privacy gate (docs/my-network.md)."""

from __future__ import annotations

from typing import Any

from groundswell.errors import WorkspaceError
from groundswell.privacy import SUPPRESSED
from groundswell.web.views.core import GROUP_ATTRIBUTES
from groundswell.web.views.mine import STAGE_LABELS, MineQueries

#: roles as a group lead reads them
ROLE_WORDS = {
    "hub": "hub",
    "broker": "broker",
    "boundary_spanner": "boundary spanner",
    "influencer": "influencer",
    "peripheral": "peripheral",
    "isolated": "isolated",
    "activist": "activist",
    "advocate": "advocate",
    "maverick": "maverick",
    "network_positive_deviant": "network positive deviant",
}
#: renewal and Q&A figures compared across groups: key -> (section, figure)
COMPARED = {
    "newcomer_share": ("renewal", "newcomer_share"),
    "retention": ("renewal", "retention"),
    "answered_share": ("qa", "answered_share"),
}


class GroupLeadQueries(MineQueries):
    """A group lead's own group: aggregates only, through the privacy gate."""

    def _groups_finding(self, run_id: int) -> dict[str, Any]:
        """The run's stored ``groups`` finding (scale -> group -> figures), empty for a run
        made before it existed."""
        run = self.run(run_id)
        found = self._findings(run).get("groups") or {}  # type: ignore[attr-defined]
        return found.get("scales") or {}

    def _health_units(self, run_id: int, unit: str) -> dict[str, dict[str, Any]]:
        """The stored community health of every community or channel (``unit``), by name."""
        health = self.community_health(run_id)  # type: ignore[attr-defined]
        return {
            str(u["name"]): u
            for u in health.get("units") or []
            if u.get("unit") == unit and u.get("name") != SUPPRESSED
        }

    def _maturity(self, run_id: int, scale: str) -> list[dict[str, Any]]:
        """The stored maturity rows of one scale of a run (every scale, channels included;
        the groups the gate suppressed are one row with no figure)."""
        rows = self._cached(
            ("maturity", run_id, scale),
            lambda: self.ws().query(
                'SELECT group_name AS "group", size, "connect", "share", solve, innovate, '
                "lead_change, stage FROM maturity WHERE run_id = ? AND scale = ? "
                "ORDER BY group_name",
                [run_id, scale],
            ),
        )
        return [
            {k: (None if v != v else v) for k, v in r.items()}  # NaN as None
            for r in rows.to_dict("records")
        ]

    def _figures(self, run_id: int, attribute: str) -> dict[str, dict[str, Any]]:
        """Every shown group of ``attribute`` with its stored renewal, Q&A and bridges
        (communities and channels: renewal from their stored community health)."""
        scale = self._groups_finding(run_id).get(attribute) or {}
        out = {name: dict(row) for name, row in scale.items()}
        if attribute in ("community", "channel"):
            for name, u in self._health_units(run_id, attribute).items():
                renewal = {
                    k: u.get(k)
                    for k in ("size", "joined", "left", "newcomer_share", "retention",
                              "newcomers_stayed", "trend", "kind", "stagnating",
                              "responsiveness")
                }  # fmt: skip
                out.setdefault(name, {})["renewal"] = renewal
        return out

    def my_group(self, run_id: int | None, scope: str) -> dict[str, Any]:
        """The group ``scope`` (``attribute:name``): its value stage with the five scores
        (the same rules as a person and the organisation), inside and outside ties, renewal
        (newcomers, retention), Q&A responsiveness, who bridges it to which departments (by
        role; names only in an identified workspace, never of someone who opted out), its
        trend since the previous period's run, and how it compares with the other groups of
        its kind. Only ``suppressed: true`` when the privacy gate suppresses the group."""
        attribute, _, name = scope.partition(":")
        run = self.run(run_id)
        head: dict[str, Any] = {"run_id": run.run_id, "attribute": attribute, "name": name}
        value = self.value(run.run_id)  # type: ignore[attr-defined]
        rows = self._maturity(run.run_id, attribute)
        mine = next((r for r in rows if r.get("group") == name), None)
        figures: dict[str, Any] | None = None
        if attribute in GROUP_ATTRIBUTES:
            figures = self.group(run.run_id, attribute, name)  # type: ignore[attr-defined]
            if figures.get("suppressed"):
                mine = None
        if mine is None or mine.get("stage") is None:
            return {
                **head,
                "suppressed": True,
                "detail": f"fewer than {self.min_group_size} people, or suppressed so that no "
                "small group can be found by subtraction: no figure is shown",
            }
        thresholds = value.get("thresholds") or {}
        stored = self._figures(run.run_id, attribute)
        own = stored.get(name) or {}
        out = {
            **head,
            "suppressed": False,
            "min_group_size": self.min_group_size,
            "size": mine.get("size"),
            "stage": _stage(mine, thresholds),
            "network_stage": _stage(value.get("network") or {}, thresholds),
            "ties": None,
            "qa": None,
            "boundary": None,
            "renewal": _numbers(own.get("renewal")),
            "bridges": self._bridges(run, own.get("bridges") or []),
            "trend": None,
            "comparison": [
                {
                    "group": r["group"],
                    "size": r.get("size"),
                    "stage": r.get("stage"),
                    **{s: r.get(s) for s in STAGE_LABELS},
                    **_compared(stored.get(r["group"]) or {}),
                    "mine": r["group"] == name,
                }
                for r in rows
                if r.get("stage") is not None
            ],
        }
        qa = own.get("qa")
        if qa is not None:
            out["qa"] = _numbers(qa)
        if figures is not None:
            f = figures.get("figures") or {}
            out["ties"] = {
                "inside_share": f.get("inside_share"),
                "ei": f.get("ei"),
                "to": figures.get("ties_to"),
            }
        if attribute == "department":
            out["boundary"] = _boundary(self.qa(run.run_id), name)  # type: ignore[attr-defined]
        out["trend"] = self._trend(run, attribute, name)
        return out

    def _bridges(self, run: Any, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """The stored bridges as a lead may read them: roles when at least the minimum group
        size hold them; names only then too, only in an identified workspace, and never of
        someone who opted out of being named; never an id."""
        named = bool(self._ws.settings.identified)
        no_name = self._opted("no_name") if named else set()
        people = self._people(run) if named else None
        out = []
        for b in rows:
            item = {k: b.get(k) for k in ("department", "people", "few", "ties")}
            item["roles"] = {ROLE_WORDS.get(k, k): v for k, v in (b.get("roles") or {}).items()}
            if named and people is not None and "display_name" in people:
                # fewer than the minimum: no count, so no names either
                ids = [] if b.get("few") else b.get("ids") or []
                names = [
                    str(people["display_name"].get(i))
                    for i in ids
                    if i not in no_name and isinstance(people["display_name"].get(i), str)
                ]
                item["names"] = sorted(names)
                item["unnamed"] = len(ids) - len(names)
            out.append(item)
        return out

    def _trend(self, run: Any, attribute: str, name: str) -> dict[str, Any] | None:
        """The group in the previous period's run: its stage, scores, renewal and Q&A."""
        prev = run.previous()
        if prev is None:
            return None
        try:
            before = self._maturity(prev.run_id, attribute)
        except WorkspaceError:
            return None
        old = next((r for r in before if r.get("group") == name), None)
        if old is None or old.get("stage") is None:
            return None
        then = self._figures(prev.run_id, attribute).get(name) or {}
        return {
            "run_id": prev.run_id,
            "window": str(prev.window),
            "stage": old.get("stage"),
            **{s: old.get(s) for s in STAGE_LABELS},
            "renewal": _numbers(then.get("renewal")),
            "qa": _numbers(then.get("qa")),
        }


def _compared(figures: dict[str, Any]) -> dict[str, Any]:
    """A group's renewal and Q&A figures of :data:`COMPARED`."""
    return {k: (figures.get(sec) or {}).get(f) for k, (sec, f) in COMPARED.items()}


def _numbers(row: dict[str, Any] | None) -> dict[str, Any] | None:
    """Stored figures with whole counts as integers."""
    if row is None:
        return None
    counts = ("size", "previous_size", "joined", "left", "questions", "answered",
              "answers_for_others")  # fmt: skip
    return {k: int(v) if k in counts and isinstance(v, int | float) else v for k, v in row.items()}


def _stage(row: dict[str, Any], thresholds: dict[str, Any]) -> dict[str, Any]:
    """A maturity row as the stage component reads it."""
    order = list(STAGE_LABELS)
    stage = row.get("stage") or "none"
    nxt = order[0] if stage not in order else None
    if stage in order and order.index(stage) + 1 < len(order):
        nxt = order[order.index(stage) + 1]
    return {
        "stage": stage,
        "next_stage": nxt,
        "scores": {s: row.get(s) for s in order},
        "thresholds": {s: thresholds.get(s) for s in order},
        "labels": STAGE_LABELS,
    }


def _boundary(qa: dict[str, Any], name: str) -> dict[str, Any] | None:
    """A department's questions across its boundary, from the stored Q&A boundaries
    (questions asked by the row's department, answered by the column's; gated labels)."""
    b = qa.get("boundaries") or {}
    rows, cols, values = b.get("rows") or [], b.get("columns") or [], b.get("values") or []
    if name not in rows or name not in cols:
        return None
    i, j = rows.index(name), cols.index(name)
    asked = values[i]
    answered_for = [v[j] for k, v in enumerate(values) if k != i]
    return {
        "answered_inside": asked[j],
        "answered_by_others": sum(v for k, v in enumerate(asked) if k != j),
        "answered_for_others": sum(answered_for),
        "response_rate_organisation": (qa.get("summary") or {}).get("response_rate"),
    }

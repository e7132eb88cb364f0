"""The report's external-relationships section: who holds the organisation's ties to
customers, suppliers and partners, which departments have none, and how concentrated they
are (read from the run: :meth:`groundswell.run.Run.external`; nothing computed here)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pandas as pd

from groundswell.errors import OutdatedRunError
from groundswell.privacy import SUPPRESSED

if TYPE_CHECKING:
    from groundswell.run import Run

TOP_HOLDERS = 15


def _num(v: Any, spec: str = ",.0f") -> str:
    return "–" if v is None or pd.isna(v) else format(float(v), spec)


def external_context(run: Run, labels: dict[str, str]) -> dict[str, Any]:
    """``external``: the section's figures, or None when the run has no external people
    (or was made before they were stored)."""
    try:
        got = run.external()
    except OutdatedRunError:
        return {"external": None}
    s = got["summary"]
    if not s.get("externals"):
        return {"external": None}
    holders = got["holders"]
    rows = [
        {
            "rank": int(r.rank),
            "person": labels.get(r.person_id, r.person_id),
            "department": r.department if isinstance(r.department, str) else "(unknown)",
            "externals": int(r.externals),
            "customers": int(r.customers),
            "suppliers": int(r.suppliers),
            "partners": int(r.partners),
        }
        for r in holders.head(TOP_HOLDERS).itertuples(index=False)
    ]
    groups = got["groups"]
    group_rows = [
        {
            "group": str(name),
            "members": _num(g["members"]),
            "holders": _num(g["holders"]),
            "ties": _num(g["external_ties"]),
            "externals": _num(g["externals"]),
            "top_third": _num(g["top_third_share"], ".0%"),
            "hhi": _num(g["herfindahl"], ".2f"),
            "bar": 0 if pd.isna(g["herfindahl"]) else round(100 * float(g["herfindahl"])),
            "none": g["holders"] == 0,
        }
        for name, g in groups.iterrows()
    ]
    none = [r["group"] for r in group_rows if r["none"] and r["group"] != SUPPRESSED]
    return {
        "external": {
            "holders": int(s["holders"]),
            "members": int(s["members"]),
            "ties": int(s["external_ties"]),
            "externals": int(s["externals"]),
            "top_third": _num(s["top_third_share"], ".0%"),
            "top_third_n": -(-int(s["holders"]) // 3),
            "hhi": _num(s["herfindahl"], ".2f"),
            "even_hhi": _num(1 / s["holders"], ".2f") if s["holders"] else "–",
            "rows": rows,
            "groups": group_rows,
            "none": none,
        }
    }

"""The role lists of a stored run, read for people: what distinguishes each list, how many
people each holds, and who appears in more than one (the report's and the dashboard's roles
section read this; it computes nothing about the network, only counts stored labels).

The ranked lists are those of :data:`groundswell.analysis.roles.SHARES` (each an exact top
5%); peripheral, isolated and positive deviants are rules of another kind and are counted
but not set against the others.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from markupsafe import Markup

from groundswell import charts, words
from groundswell.glossary import ROLE_LINES

#: the ranked role lists (:data:`groundswell.analysis.roles.SHARES`, in its order)
RANKED = ("hub", "broker", "boundary_spanner", "influencer", "activist", "advocate", "maverick")


def summary(held: pd.DataFrame, overlap: pd.DataFrame) -> dict[str, Any]:
    """Rows (role, what distinguishes it, people), the number of people by how many ranked
    lists they are in, the pair of lists sharing most, and the reading in words.

    ``held`` has one boolean column per role (:meth:`groundswell.run.Run.roles`);
    ``overlap`` the stored Jaccard overlap of every two lists.
    """
    ranked = [r for r in RANKED if r in held]
    count = held[ranked].sum(axis=1) if ranked else pd.Series(0, index=held.index)
    in_any = int((count >= 1).sum())
    several = int((count >= 2).sum())
    bins = {"1": int((count == 1).sum()), "2": int((count == 2).sum())}
    bins["3"] = int((count == 3).sum())
    bins["4 or more"] = int((count >= 4).sum())
    pairs = overlap.loc[
        [r for r in ranked if r in overlap.index], [r for r in ranked if r in overlap.columns]
    ]
    off = pairs.where(~np.eye(len(pairs), dtype=bool)).stack() if len(pairs) else pd.Series()
    pair: dict[str, Any] | None = None
    if len(off) and off.max() > 0:
        a, b = off.idxmax()
        shared = int((held[a] & held[b]).sum())
        pair = {"a": a, "b": b, "jaccard": float(off.max()), "shared": shared}
    mean = float(off.mean()) if len(off) else float("nan")
    reading = _reading(in_any, several, int(count.max()) if len(count) else 0, mean, pair)
    rows = [
        {
            "role": r,
            "label": r.replace("_", " "),
            "text": ROLE_LINES[r],
            "count": int(held[r].sum()),
            "score": f"{r}_score" if r in RANKED else None,
        }
        for r in held.columns
        if r in ROLE_LINES
    ]
    return {
        "rows": rows,
        "by_count": bins,
        "in_any": in_any,
        "in_several": several,
        "most": int(count.max()) if len(count) else 0,
        "mean_jaccard": mean,
        "pair": pair,
        "reading": reading,
        "several_people": list(count[count >= 2].sort_values(ascending=False).index[:10]),
    }


def chart(lists: dict[str, Any]) -> Markup:
    """People by the number of ranked role lists they are in, as bars (``lists`` from
    :func:`summary`): the one picture of the report's roles section and the People page."""
    bins = lists["by_count"]
    return charts.bar_chart_svg(
        list(bins),
        list(bins.values()),
        title="People by the number of ranked role lists they are in",
        x_title="ranked role lists held",
        y_title="people",
        width=420,
    )


def _reading(in_any: int, several: int, most: int, mean: float, pair: dict[str, Any] | None) -> str:
    if not in_any:
        return "No one is in a ranked role list: the network is too small or too sparse."
    share = several / in_any
    verdict = (
        "mostly different people"
        if share < 0.2
        else "partly the same people"
        if share < 0.4
        else "largely the same people"
    )
    text = (
        f"The seven ranked lists are {verdict}: of the {words.count(in_any, 'person')} in at "
        f"least one, {several:,} ({share:.0%}) {words.plural('is', several, 'are')} in more "
        f"than one, and no one is in more than {most:,}."
    )
    if pair is not None:
        text += (
            f" The two lists sharing most are {pair['a'].replace('_', ' ')} and "
            f"{pair['b'].replace('_', ' ')} ({pair['shared']:,} in common, Jaccard "
            f"{pair['jaccard']:.2f}); across every two lists the mean Jaccard is {mean:.2f}."
        )
    return text

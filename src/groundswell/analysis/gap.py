"""The management perception gap: whom leaders believe is influential, against what the
network shows.

Leaders name the people they think carry influence; the network says who is actually sought
out. The gap has two sides, both worth a conversation: influential people leaders do not see
(often the hidden influencers), and people leaders name whom the network does not support.

References
----------
Krackhardt, D. (1990). Assessing the political landscape: structure, cognition, and power in
organizations. *Administrative Science Quarterly* 35(2), 342–369 — accuracy of people's
perception of the informal network, and its link to power.
Cross, R. and Parker, A. (2004). *The Hidden Power of Social Networks*, ch. 1.
"""

from __future__ import annotations

import pandas as pd

from groundswell.errors import ParameterError

VERDICTS = ("confirmed", "unsupported", "unseen")


def perception_gap(
    nominated: pd.Index | list[str], score: pd.Series, *, top: float = 0.10
) -> pd.DataFrame:
    """Compare a list of people believed influential with an influence ``score``.

    - **confirmed**: nominated, and in the organisation's top ``top`` share by score;
    - **unsupported**: nominated, but below the median score (or not in the network);
    - **unseen**: in the top share by score, and not nominated.

    Nominees between the median and the top share are listed as "partly" (no verdict of
    either kind). Returns one row per person concerned, with the score and its percentile,
    most influential first.
    """
    if not 0 < top < 1:
        raise ParameterError("top", "a share between 0 and 1 (exclusive)", top)
    nominated = pd.Index(nominated).unique()
    pct = score.rank(pct=True, method="max")
    in_top = pct > 1 - top
    rows = pd.DataFrame(
        {"score": score, "percentile": pct, "nominated": score.index.isin(nominated)}
    )
    missing = nominated.difference(score.index)
    if len(missing):
        rows = pd.concat(
            [
                rows,
                pd.DataFrame(
                    {"score": float("nan"), "percentile": float("nan"), "nominated": True},
                    index=missing,
                ),
            ]
        )
    verdict = pd.Series("partly", index=rows.index, dtype="object")
    in_top = in_top.reindex(rows.index, fill_value=False)
    low = rows["percentile"].isna() | (rows["percentile"] <= 0.5)
    verdict[rows["nominated"] & in_top] = "confirmed"
    verdict[rows["nominated"] & low] = "unsupported"
    verdict[~rows["nominated"] & in_top] = "unseen"
    rows["verdict"] = verdict
    rows = rows[rows["nominated"] | in_top]
    return rows.sort_values("score", ascending=False, na_position="last")


def gap_table(nominated: pd.Index, people: pd.DataFrame, *, top: float = 0.10) -> pd.DataFrame:
    """:func:`perception_gap` on a run's people table (its ``pagerank`` the score), with each
    person's ``display_name``, ``department`` and ``level`` beside the verdict."""
    return perception_gap(nominated, people["pagerank"], top=top).join(
        people[["display_name", "department", "level"]]
    )

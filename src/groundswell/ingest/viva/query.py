"""Which Viva Insights query a file is, from its column names, and reading its cells.

Shared by the readers of :mod:`groundswell.ingest.viva`: the query types, the column lookup
(names compared case- and punctuation-insensitively) and numeric columns with their
missing-value spellings.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd

from groundswell.errors import InputError
from groundswell.ingest import common

MISSING = {"", "na", "nan", "null", "none", "n/a", "#n/a"}

P2P, PERSON, G2G = "person-to-person", "person", "group-to-group"
#: (time investor prefix, collaborator prefix) of the two generations of group-to-group query
G2G_PREFIXES = (
    ("primarycollaborator_", "secondarycollaborator_"),
    ("timeinvestors_", "collaborators_"),
)

EXPECTED = (
    "a Viva Insights query export: a person-to-person query (PrimaryCollaborator_PersonId, "
    "SecondaryCollaborator_PersonId, MetricDate, tie scores), a person query (PersonId, "
    "MetricDate, metrics and HR attributes) or a group-to-group query "
    "(PrimaryCollaborator_<attribute> and SecondaryCollaborator_<attribute>, or "
    "TimeInvestors_<attribute> and Collaborators_<attribute>; MetricDate; metrics)"
)


def _squash(name: str) -> str:
    return re.sub(r"[^a-z0-9]", "", str(name).lower())


def _find(columns: list[str], *names: str) -> str | None:
    by = {_squash(c): c for c in columns}
    for n in names:
        if n in by:
            return by[n]
    return None


def detect(path: Path, columns: list[str]) -> str:
    """The query type of a file from its column names (P2P, PERSON or G2G); InputError if none."""
    low = [c.lower() for c in columns]
    p_id = "primarycollaborator_personid" in low
    s_id = "secondarycollaborator_personid" in low
    if p_id and s_id:
        return P2P
    if p_id or s_id:
        raise InputError(
            path,
            "this looks like a person-to-group query (a PersonId on one side only), "
            "which groundswell does not read",
            expected=EXPECTED,
            found=columns[:20],
        )
    for a, b in G2G_PREFIXES:
        if any(c.startswith(a) for c in low) and any(c.startswith(b) for c in low):
            return G2G
    squashed = {_squash(c) for c in columns}
    if "meetingid" in squashed:
        raise InputError(
            path,
            "this looks like a meeting query, which groundswell does not read",
            expected=EXPECTED,
            found=columns[:20],
        )
    if "personid" in squashed:
        return PERSON
    raise InputError(
        path, "not a Viva Insights query this reader knows", expected=EXPECTED, found=columns[:20]
    )


def _numbers(
    path: Path, df: pd.DataFrame, col: str, *, strict: bool = True
) -> tuple[np.ndarray, np.ndarray]:
    """A column as floats (NaN for missing) and the mask of unreadable cells.

    With ``strict``, an unreadable cell is an InputError naming its line.
    """
    values = df[col]
    if pd.api.types.is_numeric_dtype(values) and not pd.api.types.is_bool_dtype(values):
        return values.astype("float64").to_numpy(), np.zeros(len(values), dtype=bool)
    text = values.astype("string").fillna("").str.strip()
    missing = text.str.lower().isin(MISSING).to_numpy()
    num = pd.to_numeric(text.where(~missing), errors="coerce").astype("float64").to_numpy()
    bad = np.isnan(num) & ~missing
    if strict and bad.any():
        k = int(np.flatnonzero(bad)[0])
        raise InputError(
            path,
            f"{col} is not a number",
            expected="a number (or an empty cell)",
            found=values.iloc[k],
            **common.locate(path, k),
        )
    return num, bad

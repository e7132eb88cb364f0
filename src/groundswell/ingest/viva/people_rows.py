"""People rows of a Viva Insights query: PersonIds with their HR attributes joined by id.

The rules (latest MetricDate wins, canonical fields from attribute names) are those of
:mod:`groundswell.ingest.viva` (module docstring, "People").
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from groundswell.ingest import common
from groundswell.ingest.viva.query import _squash

if TYPE_CHECKING:
    from groundswell.privacy import Pseudonymiser

#: canonical people field -> attribute names (squashed), first found wins
PEOPLE_FIELDS: dict[str, tuple[str, ...]] = {
    "department": ("organization", "organisation", "department", "dept", "division", "org"),
    "team": ("team", "teamname", "groupname", "group", "suborganization", "suborg", "unit"),
    "title": ("title", "jobtitle", "functiontype", "function", "jobfunction", "role"),
    "level": ("level", "joblevel", "managementlevel", "layer"),
    "location": ("region", "location", "country", "office", "site", "city", "workplace"),
    "manager_id": ("managerid", "supervisorid"),
}


def _people(
    path: Path,
    pseudo: Pseudonymiser,
    ids: np.ndarray,
    long: pd.DataFrame,
) -> tuple[pd.DataFrame, str | None]:
    """People rows for the pseudonymised ``ids`` with attributes from ``long``.

    ``long`` has columns person_id (pseudonym), date, pos (0-based row), attr, value. Returns
    the frame and a warning when a person has conflicting values of an attribute.
    """
    long = long[long["value"] != ""]
    warning = None
    if len(long):
        n_values = long.groupby(["person_id", "attr"], sort=False)["value"].nunique()
        clash = n_values[n_values > 1]
        if len(clash):
            pid, attr = clash.index[0]
            ex = long[(long["person_id"] == pid) & (long["attr"] == attr)].sort_values("pos")
            ex = ex.drop_duplicates("value").head(2)
            lines = [common.locate(path, int(p))["line"] for p in ex["pos"]]
            n_people = clash.index.get_level_values(0).nunique()
            warning = (
                f"{path}: {n_people} people have differing values of an HR attribute "
                f"(e.g. {attr} {ex['value'].iloc[0]!r} on line {lines[0]} and "
                f"{ex['value'].iloc[1]!r} on line {lines[1]} for the same PersonId); "
                "the value of the latest MetricDate is kept"
            )
        long = long.sort_values(["person_id", "attr", "date", "value"], kind="stable")
        long = long.drop_duplicates(["person_id", "attr"], keep="last")
        wide = long.pivot(index="person_id", columns="attr", values="value")
    else:
        wide = pd.DataFrame(index=pd.Index([], name="person_id"))
    uniq = pd.unique(ids)
    wide = wide.reindex(uniq)
    frame = pd.DataFrame({"person_id": uniq})
    frame["display_name"] = None
    frame["is_internal"] = True
    by = {_squash(c): c for c in wide.columns}
    for fieldname, names in PEOPLE_FIELDS.items():
        col = next((by[n] for n in names if n in by), None)
        values = wide[col] if col is not None else pd.Series(None, index=wide.index, dtype=object)
        values = values.to_numpy(dtype=object)
        if fieldname == "level":
            lv = (
                pd.Series(values, dtype="string")
                .str.extract(r"^\s*(?:[Ll](?:evel)?\s*)?(\d{1,3})\s*$")[0]
                .astype("Float64")
            )
            lv = lv.where(lv >= 1)
            frame["level"] = lv.astype("Int64").to_numpy()
        elif fieldname == "manager_id":
            has = pd.notna(values) & (values != "")
            mgr = np.full(len(values), None, dtype=object)
            if has.any():
                mgr[has] = pseudo.people(values[has].astype(str))
            frame["manager_id"] = mgr
        else:
            frame[fieldname] = np.where(pd.isna(values), None, values)
    cols = list(wide.columns)
    if cols:
        records = wide.to_dict(orient="records")
        frame["attrs"] = [
            json.dumps({k: v for k, v in r.items() if isinstance(v, str)}, ensure_ascii=False)
            if any(isinstance(v, str) for v in r.values())
            else None
            for r in records
        ]
    else:
        frame["attrs"] = None
    frame["hire_date"] = pd.NaT
    frame["leave_date"] = pd.NaT
    return frame, warning


def _side_attrs(columns: list[str], prefix: str) -> dict[str, str]:
    """HR attribute name -> column for one side of a person-to-person query."""
    out = {}
    for c in columns:
        if c.lower().startswith(prefix) and c.lower() != prefix + "personid":
            out[c[len(prefix) :]] = c
    return out


def _empty_long() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "person_id": pd.Series([], dtype=object),
            "date": pd.Series([], dtype="datetime64[ns]"),
            "pos": pd.Series([], dtype=np.int64),
            "attr": pd.Series([], dtype=object),
            "value": pd.Series([], dtype=object),
        }
    )

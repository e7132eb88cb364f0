"""The organisation's external relationships: who holds the ties to customers, suppliers and
partners, which groups have none, and how concentrated they are.

An **external tie** is a pair of an internal person and an external one (a customer,
supplier, partner, an address outside ``ingest.internal_domains``, someone the HR file does
not list) tied, in either direction, under the workspace's tie rules in the run's window
and layers (the org chart's reporting lines left out). The main network of a workspace with
an org chart keeps only employees (``ties.internal_only``); these ties are built beside it,
with the same rules, so the customer side of the network is seen without changing the
internal one.

Per internal person (a **holder** holds at least one): the number of external people they
are tied to, by relation. Per group (a department, team or location, and the whole
organisation) of the run's internal people:

- ``holders``: its people with an external tie; a group with none has no external
  relationship at all;
- ``external_ties``: person-to-external pairs its people hold; ``externals``: distinct
  external people they reach;
- ``top_third_share``: the share of the group's external ties held by its top third of
  holders (the ⌈h/3⌉ holders with the most, of h); 1/3 when every holder holds as many,
  towards 1 when a few hold nearly all;
- ``herfindahl``: the Herfindahl(-Hirschman) index of the holders' shares, Σ sᵢ² where sᵢ is
  holder i's share of the group's external ties: 1/h when they are spread evenly over h
  holders, 1 when one person holds them all (Herfindahl 1950; Hirschman 1964). Key-person
  risk: the relationships a group would lose with one person.

Reference: the same key-person reading of concentration as the US Department of Justice's
Horizontal Merger Guidelines apply to market shares (HHI above 0.25: highly concentrated).
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

#: relations counted apart (people.relation); other external people count in ``externals``
RELATIONS = ("customer", "supplier", "partner")
#: the attribute and group name of the whole organisation's row
ORGANISATION = ("organisation", "(all)")


def external_flags(ids: pd.Index, people: pd.DataFrame, *, has_orgchart: bool) -> pd.Series:
    """True for each id that is outside the organisation: a people row with ``is_internal``
    false, or, once an HR file is in the workspace, no people row at all (the HR file does
    not list them). ``people`` is indexed by person_id with an ``is_internal`` column."""
    internal = people["is_internal"].reindex(ids)
    return internal.map(lambda v: (not bool(v)) if v is not None and v == v else has_orgchart)


def pairs(ties: pd.DataFrame, people: pd.DataFrame, *, has_orgchart: bool) -> pd.DataFrame:
    """The external ties in ``ties`` (actor_id, target_id, weight; any layers): one row per
    (person_id, external_id) with the relation of the external person ('' when unknown) and
    the ties' total weight both ways."""
    if ties.empty:
        return pd.DataFrame(columns=["person_id", "external_id", "relation", "weight"])
    ids = pd.Index(pd.unique(np.concatenate([ties["actor_id"], ties["target_id"]])))
    ext = external_flags(ids, people, has_orgchart=has_orgchart).astype(bool)
    a = ext.reindex(ties["actor_id"]).to_numpy()
    b = ext.reindex(ties["target_id"]).to_numpy()
    out_ = ties[~a & b]  # internal -> external
    in_ = ties[a & ~b]  # external -> internal
    both = pd.concat(
        [
            pd.DataFrame(
                {"person_id": out_["actor_id"], "external_id": out_["target_id"],
                 "weight": out_["weight"]}
            ),
            pd.DataFrame(
                {"person_id": in_["target_id"], "external_id": in_["actor_id"],
                 "weight": in_["weight"]}
            ),
        ],
        ignore_index=True,
    )  # fmt: skip
    got = both.groupby(["person_id", "external_id"], as_index=False)["weight"].sum()
    rel = people["relation"] if "relation" in people else pd.Series(dtype=object)
    got["relation"] = rel.reindex(got["external_id"]).fillna("").astype(str).to_numpy()
    return got[["person_id", "external_id", "relation", "weight"]]


def holders(found: pd.DataFrame) -> pd.DataFrame:
    """Per internal person with an external tie: externals (distinct external people),
    customers, suppliers, partners, weight and rank (1 = the most externals; ties broken by
    weight, then id). Indexed by person_id."""
    cols = ["externals", *[f"{r}s" for r in RELATIONS], "weight", "rank"]
    if found.empty:
        return pd.DataFrame(columns=cols, index=pd.Index([], name="person_id"))
    g = found.groupby("person_id")
    out = pd.DataFrame({"externals": g["external_id"].nunique(), "weight": g["weight"].sum()})
    for r in RELATIONS:
        out[f"{r}s"] = found[found["relation"] == r].groupby("person_id")["external_id"].nunique()
    out = out.fillna(0).rename_axis("person_id").reset_index()
    out = out.sort_values(
        ["externals", "weight", "person_id"], ascending=[False, False, True]
    ).set_index("person_id")
    out["rank"] = np.arange(1, len(out) + 1)
    for c in ("externals", *[f"{r}s" for r in RELATIONS], "rank"):
        out[c] = out[c].astype("int64")
    out.index.name = "person_id"
    return out[cols]


def concentration(counts: np.ndarray) -> tuple[float | None, float | None]:
    """(top_third_share, herfindahl) of the holders' external tie counts; (None, None) when
    there are none."""
    c = np.sort(np.asarray(counts, dtype="float64")[np.asarray(counts) > 0])[::-1]
    total = float(c.sum())
    if total == 0:
        return None, None
    k = math.ceil(len(c) / 3)
    return float(c[:k].sum() / total), float(((c / total) ** 2).sum())


def groups(found: pd.DataFrame, members: pd.DataFrame, attributes: tuple[str, ...]) -> pd.DataFrame:
    """The figures of every group of each of ``attributes`` (columns of ``members``, the
    run's internal people indexed by person_id; a missing value is '(unknown)'), and the
    whole organisation's row (:data:`ORGANISATION`): attribute, group_name, members,
    holders, external_ties, externals, top_third_share, herfindahl. Array steps per
    attribute (group-bys), no loop over groups or ties."""
    cols = [
        "attribute", "group_name", "members", "holders", "external_ties", "externals",
        "top_third_share", "herfindahl",
    ]  # fmt: skip
    mine = found[found["person_id"].isin(members.index)]
    per = mine.groupby("person_id")["external_id"].nunique()
    whole = members.assign(**{ORGANISATION[0]: ORGANISATION[1]})
    frames = []
    for attribute in (*attributes, ORGANISATION[0]):
        label = whole[attribute].astype("object").where(whole[attribute].notna(), "(unknown)")
        label = label.astype(str).rename("group_name")
        people = pd.DataFrame({"group_name": label, "count": per.reindex(label.index).fillna(0)})
        g = people.groupby("group_name", sort=True)["count"]
        out = pd.DataFrame(
            {
                "members": g.size(),
                "holders": (people["count"] > 0).groupby(people["group_name"]).sum(),
                "external_ties": g.sum(),
            }
        )
        reached = mine.assign(group_name=label.reindex(mine["person_id"]).to_numpy())
        out["externals"] = reached.groupby("group_name")["external_id"].nunique()
        held = people[people["count"] > 0].sort_values(
            ["group_name", "count"], ascending=[True, False]
        )
        if len(held):
            total = held.groupby("group_name")["count"].transform("sum")
            h = held.groupby("group_name")["count"].transform("size")
            rank = held.groupby("group_name").cumcount()
            top = held["count"].where(rank < np.ceil(h / 3), 0.0)
            out["top_third_share"] = top.groupby(held["group_name"]).sum() / (
                held.groupby("group_name")["count"].sum()
            )
            out["herfindahl"] = ((held["count"] / total) ** 2).groupby(held["group_name"]).sum()
        else:
            out["top_third_share"] = np.nan
            out["herfindahl"] = np.nan
        frames.append(out.reset_index().assign(attribute=attribute))
    table = pd.concat(frames, ignore_index=True)
    for c in ("members", "holders", "external_ties", "externals"):
        table[c] = table[c].fillna(0).astype("int64")
    for c in ("top_third_share", "herfindahl"):
        table[c] = table[c].astype("float64")
    return table[cols]

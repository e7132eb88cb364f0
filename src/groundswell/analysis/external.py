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

from groundswell import _sets

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
    # each id looked up once: the ties' two ends as codes into their distinct ids
    codes, ids = pd.factorize(
        pd.concat([ties["actor_id"], ties["target_id"]], ignore_index=True),
        use_na_sentinel=False,
    )
    ext = external_flags(pd.Index(ids), people, has_orgchart=has_orgchart).to_numpy(dtype=bool)
    a, b = ext[codes[: len(ties)]], ext[codes[len(ties) :]]
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
    holders, external_ties, externals, top_third_share, herfindahl. Groups in the order of
    ``attributes``, then by name. Array steps per attribute on integer group codes, no loop
    over groups or ties; the Herfindahl sums are pandas' group sums, in the order of each
    group's holders from the most ties down."""
    cols = [
        "attribute", "group_name", "members", "holders", "external_ties", "externals",
        "top_third_share", "herfindahl",
    ]  # fmt: skip
    mine = found[_sets.isin_labels(found["person_id"], members.index)]
    per = mine.groupby("person_id")["external_id"].nunique()
    count = per.reindex(members.index).fillna(0).to_numpy(dtype=np.float64)
    # each pair's holder as a position in members, each external as an integer
    holder_at = members.index.get_indexer(mine["person_id"])
    external_code = pd.factorize(mine["external_id"])[0].astype(np.int64)
    whole = members.assign(**{ORGANISATION[0]: ORGANISATION[1]})
    frames = []
    for attribute in (*attributes, ORGANISATION[0]):
        label = whole[attribute].astype("object").where(whole[attribute].notna(), "(unknown)")
        label = label.astype(str)
        code, names = pd.factorize(label, sort=True)
        k = len(names)
        size = np.bincount(code, minlength=k)
        holding = count > 0
        holders_ = np.bincount(code, weights=holding, minlength=k).astype(np.int64)
        ties = np.bincount(code, weights=count, minlength=k)
        # distinct externals reached by each group's people
        pair = np.unique(
            code[holder_at].astype(np.int64) * (len(external_code) + 1) + external_code
        )
        externals = np.bincount(pair // (len(external_code) + 1), minlength=k)
        top_share = np.full(k, np.nan)
        herfindahl = np.full(k, np.nan)
        if holding.any():
            # holders by group, most ties first (ties of equal count in members' order)
            held = np.flatnonzero(holding)
            order = held[np.lexsort((-count[held], code[held]))]
            g, c = code[order], count[order]
            starts = np.flatnonzero(np.r_[True, g[1:] != g[:-1]])
            n_held = np.diff(np.r_[starts, len(g)])
            rank = np.arange(len(g)) - np.repeat(starts, n_held)
            total = np.bincount(g, weights=c, minlength=k)
            top = np.where(rank < np.ceil(np.repeat(n_held, n_held) / 3), c, 0.0)
            has = total > 0
            top_share[has] = np.bincount(g, weights=top, minlength=k)[has] / total[has]
            squares = pd.Series((c / total[g]) ** 2).groupby(g).sum()
            herfindahl[squares.index.to_numpy()] = squares.to_numpy()
        frames.append(
            pd.DataFrame(
                {
                    "attribute": attribute,
                    "group_name": names.astype(str),
                    "members": size.astype(np.int64),
                    "holders": holders_,
                    "external_ties": ties.astype(np.int64),
                    "externals": externals.astype(np.int64),
                    "top_third_share": top_share,
                    "herfindahl": herfindahl,
                }
            )
        )
    return pd.concat(frames, ignore_index=True)[cols]

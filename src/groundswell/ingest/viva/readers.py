"""The three Viva Insights query readers: person-to-person, person and group-to-group.

Each turns a query export (already typed by :func:`~groundswell.ingest.viva.query.detect`,
dates parsed) into a :class:`~groundswell.ingest.batch.Batch`; the rules are those of
:mod:`groundswell.ingest.viva` (module docstring).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from groundswell.errors import InputError
from groundswell.ingest import batch, common
from groundswell.ingest.viva.people_rows import _empty_long, _people, _side_attrs
from groundswell.ingest.viva.query import G2G_PREFIXES, MISSING, _find, _numbers, _squash

if TYPE_CHECKING:
    from groundswell.store import Store

INTERACTION_KIND = "collaboration"
WITHIN_GROUP = {"withingroup", "collaboratorswithingroup"}

#: Person-query columns that are HR attributes even when their values look numeric.
KNOWN_ATTRIBUTES = {
    "organization", "organisation", "functiontype", "leveldesignation", "level", "layer",
    "supervisorindicator", "region", "location", "country", "timezone", "hiredate", "managerid",
    "supervisorid", "department", "team", "groupname", "groupnum", "domain", "populationtype",
    "onsitedays", "numberofdirects", "isactive", "hrattribute",
}  # fmt: skip


# -- person-to-person ------------------------------------------------------------------------------


def _person_to_person(
    ws: Store,
    path: Path,
    df: pd.DataFrame,
    date_col: str,
    dates: pd.Series,
    summary: common.IngestSummary,
) -> batch.Batch:
    pseudo = ws.pseudonymiser
    columns = list(df.columns)
    p_col = _find(columns, "primarycollaboratorpersonid")
    s_col = _find(columns, "secondarycollaboratorpersonid")
    assert p_col is not None and s_col is not None  # detect() saw them
    prim = common.text_column(df, p_col)
    sec = common.text_column(df, s_col)
    no_p, no_s = (prim == "").to_numpy(), (sec == "").to_numpy()
    summary.skipped["no PrimaryCollaborator_PersonId"] += int(no_p.sum())
    summary.skipped["no SecondaryCollaborator_PersonId"] += int((no_s & ~no_p).sum())
    ok = ~(no_p | no_s)

    score_col = _find(columns, "strongtiescore")
    if score_col is not None:
        score, _ = _numbers(path, df, score_col)
        neg = score < 0
        if neg.any():
            k = int(np.flatnonzero(neg)[0])
            raise InputError(
                path,
                f"negative {score_col}",
                expected="a score >= 0",
                found=df[score_col].iloc[k],
                **common.locate(path, k),
            )
        no_score = np.isnan(score) & ok
        summary.skipped["no strong tie score"] += int(no_score.sum())
        zero = (score == 0) & ok
        summary.skipped["strong tie score 0: no tie"] += int(zero.sum())
        ok &= ~(no_score | zero)
        weight = score
    else:
        weight = np.ones(len(df))

    p_norm = prim.str.lower().to_numpy()
    s_norm = sec.str.lower().to_numpy()
    self_tie = (p_norm == s_norm) & ok
    summary.skipped["collaboration with oneself"] += int(self_tie.sum())
    ok &= ~self_tie
    day = dates.dt.strftime("%Y-%m-%d").to_numpy(dtype=object)
    key = pd.Series(
        "p2p\x1f" + p_norm.astype(object) + "\x1f" + s_norm.astype(object) + "\x1f" + day
    )
    # among the rows kept so far, every repeat of a key after its first
    dup = ok & pd.Series(np.where(ok, key, None)).duplicated().to_numpy()
    summary.skipped["duplicate pair and MetricDate in the file"] += int(dup.sum())
    ok &= ~dup

    ids = pseudo.people(pd.concat([prim, sec], ignore_index=True))
    p_id, s_id = ids[: len(df)], ids[len(df) :]
    ts = pd.to_datetime(dates).dt.tz_localize("UTC")
    messages = pd.DataFrame(
        {
            "message_id": pseudo.messages(key[ok]),
            "channel_id": None,
            "thread_id": None,
            "parent_id": None,
            "author_id": p_id[ok],
            "ts": ts[ok].array,
            "kind": INTERACTION_KIND,
            "n_recipients": 1,
            "is_question": False,
            "is_bot": False,
            "text": None,
        }
    )
    targets = pd.DataFrame(
        {"message_id": messages["message_id"], "target_id": s_id[ok], "kind": INTERACTION_KIND}
    )
    inter = batch.interactions(messages, targets)
    w = pd.Series(weight[ok], index=messages["message_id"].to_numpy())
    inter["weight"] = inter["message_id"].map(w).astype("float64").to_numpy()

    # people: every PersonId on a row with ids, attributes joined by id from both sides
    has_ids = ~(no_p | no_s)
    pos = np.arange(len(df))
    parts = []
    for prefix, pid in (("primarycollaborator_", p_id), ("secondarycollaborator_", s_id)):
        attrs = _side_attrs(columns, prefix)
        for name, col in attrs.items():
            parts.append(
                pd.DataFrame(
                    {
                        "person_id": pid[has_ids],
                        "date": dates.to_numpy()[has_ids],
                        "pos": pos[has_ids],
                        "attr": name,
                        "value": common.text_column(df, col).to_numpy()[has_ids],
                    }
                )
            )
    long = pd.concat(parts, ignore_index=True) if parts else _empty_long()
    people, warning = _people(path, pseudo, np.concatenate([p_id[has_ids], s_id[has_ids]]), long)
    if warning:
        summary.warnings.append(warning)
    return batch.Batch(people=people, messages=messages, interactions=inter, people_mode="fill")


# -- person query ----------------------------------------------------------------------------------


def _person_query(
    ws: Store,
    path: Path,
    df: pd.DataFrame,
    date_col: str,
    dates: pd.Series,
    summary: common.IngestSummary,
    attributes: list[str] | tuple[str, ...],
) -> batch.Batch:
    pseudo = ws.pseudonymiser
    columns = list(df.columns)
    unknown = sorted(set(attributes) - set(columns))
    if unknown:
        raise InputError(
            path,
            f"the attributes option names columns the file does not have: {unknown}",
            expected=f"columns among {columns[:20]}",
        )
    id_col = _find(columns, "personid")
    assert id_col is not None
    pid_raw = common.text_column(df, id_col)
    no_id = (pid_raw == "").to_numpy()
    summary.skipped["no PersonId"] += int(no_id.sum())
    ok = ~no_id
    key = pid_raw.str.lower() + "\x1f" + dates.dt.strftime("%Y-%m-%d")
    dup = ok & pd.Series(key.where(ok)).duplicated().to_numpy() & key.notna().to_numpy()
    summary.skipped["duplicate PersonId and MetricDate in the file"] += int(dup.sum())
    ok &= ~dup

    forced = set(attributes)
    metric_cols: list[str] = []
    metric_vals: list[np.ndarray] = []
    attr_cols: list[str] = []
    for c in columns:
        if c in (id_col, date_col):
            continue
        if c in forced or _squash(c) in KNOWN_ATTRIBUTES:
            attr_cols.append(c)
            continue
        num, bad = _numbers(path, df, c, strict=False)
        if bad.any():
            attr_cols.append(c)
        else:
            metric_cols.append(c)
            metric_vals.append(num)

    pid = pseudo.people(pid_raw)
    period = dates.dt.date.to_numpy()
    if metric_cols:
        mat = np.column_stack(metric_vals)[ok]
        has = ~np.isnan(mat)
        rows, cols = np.nonzero(has)
        metrics = pd.DataFrame(
            {
                "person_id": pid[ok][rows],
                "period_start": period[ok][rows],
                "metric": np.asarray(metric_cols, dtype=object)[cols],
                "value": mat[rows, cols],
            }
        )
    else:
        metrics = pd.DataFrame(columns=["person_id", "period_start", "metric", "value"])

    pos = np.arange(len(df))
    parts = [
        pd.DataFrame(
            {
                "person_id": pid[ok],
                "date": dates.to_numpy()[ok],
                "pos": pos[ok],
                "attr": c,
                "value": common.text_column(df, c).to_numpy()[ok],
            }
        )
        for c in attr_cols
    ]
    long = pd.concat(parts, ignore_index=True) if parts else _empty_long()
    if len(long):
        long = long[~long["value"].str.lower().isin(MISSING)]
    people, warning = _people(path, pseudo, pid[ok], long)
    if warning:
        summary.warnings.append(warning)
    return batch.Batch(people=people, people_mode="fill", person_metrics=metrics)


# -- group-to-group --------------------------------------------------------------------------------


def _group_to_group(
    path: Path,
    df: pd.DataFrame,
    date_col: str,
    dates: pd.Series,
    summary: common.IngestSummary,
) -> batch.Batch:
    columns = list(df.columns)
    low = [c.lower() for c in columns]
    pa, pb = next(
        (a, b)
        for a, b in G2G_PREFIXES
        if any(c.startswith(a) for c in low) and any(c.startswith(b) for c in low)
    )

    def side(prefix: str) -> tuple[str, str | None]:
        cols = [c for c in columns if c.lower().startswith(prefix)]
        size = [c for c in cols if _squash(c[len(prefix) :]) == "groupsize"]
        groups = [c for c in cols if c not in size]
        if len(groups) != 1:
            raise InputError(
                path,
                f"a group-to-group query needs exactly one {prefix}<attribute> column",
                expected=f"one grouping column such as {prefix}Organization",
                found=groups or cols,
            )
        return groups[0], (size[0] if size else None)

    (ga_col, gsa_col), (gb_col, gsb_col) = side(pa), side(pb)
    attr_a, attr_b = ga_col[len(pa) :], gb_col[len(pb) :]
    attribute = attr_a if attr_a.lower() == attr_b.lower() else f"{attr_a}/{attr_b}"
    a = common.text_column(df, ga_col)
    b = common.text_column(df, gb_col)
    b = b.mask(b.map(_squash).isin(WITHIN_GROUP), a)
    no_group = ((a == "") | (b == "")).to_numpy()
    summary.skipped["no group"] += int(no_group.sum())
    ok = ~no_group
    key = a + "\x1f" + b + "\x1f" + dates.dt.strftime("%Y-%m-%d")
    dup = ok & pd.Series(key.where(ok)).duplicated().to_numpy() & key.notna().to_numpy()
    summary.skipped["duplicate groups and MetricDate in the file"] += int(dup.sum())
    ok &= ~dup

    metric_cols = [c for c in columns if c not in (ga_col, gb_col, gsa_col, gsb_col, date_col)]
    period = dates.dt.date.to_numpy()
    parts = []
    if metric_cols:
        mat = np.column_stack([_numbers(path, df, c)[0] for c in metric_cols])[ok]
        rows, cols = np.nonzero(~np.isnan(mat))
        parts.append(
            pd.DataFrame(
                {
                    "group_a": a.to_numpy()[ok][rows],
                    "group_b": b.to_numpy()[ok][rows],
                    "period_start": period[ok][rows],
                    "metric": np.asarray(metric_cols, dtype=object)[cols],
                    "value": mat[rows, cols],
                }
            )
        )
    sizes = []
    for size_col, group in ((gsa_col, a), (gsb_col, b)):
        if size_col is None:
            continue
        num = _numbers(path, df, size_col)[0]
        keep = ok & ~np.isnan(num)
        sizes.append(
            pd.DataFrame(
                {
                    "group_a": group.to_numpy()[keep],
                    "group_b": "",
                    "period_start": period[keep],
                    "metric": "GroupSize",
                    "value": num[keep],
                }
            )
        )
    if sizes:
        s = pd.concat(sizes, ignore_index=True)
        n = s.groupby(["group_a", "period_start"])["value"].nunique()
        if (n > 1).any():
            g, d = n[n > 1].index[0]
            summary.warnings.append(
                f"{path}: {int((n > 1).sum())} groups have differing GroupSize values on one "
                f"MetricDate (e.g. {g!r} on {d}); the largest is kept"
            )
        s = s.sort_values("value").drop_duplicates(["group_a", "period_start"], keep="last")
        parts.append(s)
    cols_out = ["attribute", "group_a", "group_b", "period_start", "metric", "value"]
    metrics = (
        pd.concat(parts, ignore_index=True).assign(attribute=attribute)[cols_out]
        if parts
        else pd.DataFrame(columns=cols_out)
    )
    return batch.Batch(group_metrics=metrics)

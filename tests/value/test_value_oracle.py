"""The value step's figures on integer codes against the pandas formulations they replaced
(joins and group-bys on the names): the maturity sums per group (``maturity._pooled``), the
questions joined to their answers (``_base.answered``), each person's question counts
(``maturity._question_counts``) and the scores of the stages (``maturity.scores``) — the
same frames, bit for bit and type for type, on random data with members without counts,
unnamed groups and people, questions without answers and answers to no question."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from groundswell.value import maturity
from groundswell.value._base import answered, ratio


def _pooled_oracle(counts: pd.DataFrame, membership: pd.DataFrame) -> pd.DataFrame:
    pooled = membership.join(counts, on="person_id").groupby("group", sort=True)
    table = pooled[list(maturity.COUNTS)].sum()
    table.insert(0, "size", pooled["person_id"].nunique())
    return table


def _answered_oracle(qs: pd.DataFrame, ans: pd.DataFrame) -> pd.DataFrame:
    per = ans.groupby("question_id").agg(
        answers=("replies", "sum"),
        answerers=("answerer", "size"),
        first_answer=("ts", "first"),
        first_answerer=("answerer", "first"),
    )
    qs = qs.join(per, on="question_id")
    qs["answers"] = qs["answers"].fillna(0).astype("int64")
    qs["answerers"] = qs["answerers"].fillna(0).astype("int64")
    qs["answered"] = qs["answers"] > 0
    qs["hours"] = (qs["first_answer"] - qs["ts"]).dt.total_seconds() / 3600
    return qs.sort_values(["ts", "question_id"], kind="stable").reset_index(drop=True)


def _question_counts_oracle(
    q: pd.DataFrame, ans: pd.DataFrame, dept: pd.Series
) -> tuple[pd.DataFrame, pd.Series]:
    pairs = ans.merge(q[["question_id", "asker"]], on="question_id")
    da, db = pairs["asker"].map(dept), pairs["answerer"].map(dept)
    pairs["across"] = (da.notna() & db.notna() & (da != db)).to_numpy()
    hit = pairs.groupby("question_id")["across"].any()
    q = q.assign(across=q["question_id"].isin(hit.index[hit.to_numpy(dtype=bool)]))
    who = pd.concat(
        [
            q[["question_id", "asker"]].rename(columns={"asker": "person_id"}),
            ans[["question_id", "answerer"]].rename(columns={"answerer": "person_id"}),
        ]
    ).drop_duplicates()
    rows = who.merge(q[["question_id", "answered", "fast", "across"]], on="question_id")
    counts = rows.groupby("person_id").agg(
        q_involved=("question_id", "size"),
        q_answered=("answered", "sum"),
        q_fast=("fast", "sum"),
        q_across=("across", "sum"),
    )
    return counts, q["across"]


def _scores_oracle(counts: pd.DataFrame, available: dict, limits: dict) -> pd.DataFrame:
    out = counts.copy()
    for stage, inds in maturity.INDICATORS.items():
        cols = []
        for name, num, den in inds:
            out[name] = ratio(out[num], out[den]) if available.get(name, True) else np.nan
            if available.get(name, True):
                cols.append(name)
        out[stage] = out[cols].mean(axis=1) if cols else np.nan
    reached = np.column_stack([(out[st] >= limits[st]).to_numpy() for st in maturity.STAGES])
    last = np.cumprod(reached, axis=1).sum(axis=1) - 1
    out["stage"] = np.array([*maturity.STAGES, "none"], dtype=object)[last]
    front = [c for c in ("scale", "group", "size") if c in out]
    names = [name for v in maturity.INDICATORS.values() for name, _, _ in v]
    rest = [c for c in out.columns if c not in front + list(maturity.STAGES) + ["stage", *names]]
    return out[front + list(maturity.STAGES) + ["stage", *names, *rest]]


def _counts(rng: np.random.Generator, n: int) -> pd.DataFrame:
    data = rng.integers(0, 6, (n, len(maturity.COUNTS))) * (rng.random((n, 1)) < 0.9)
    index = pd.Index([f"p{i}" for i in range(n)], name="person_id", dtype="str")
    return pd.DataFrame(data, columns=list(maturity.COUNTS), index=index).astype("int64")


@pytest.mark.parametrize("seed", range(8))
def test_pooled_sums_equal_the_join(seed: int) -> None:
    rng = np.random.default_rng(seed)
    n = int(rng.integers(1, 60))
    counts = _counts(rng, n)
    rows = int(rng.integers(0, 200))
    outside = 0 if seed % 2 else 6  # every other case: members the counts do not hold
    group = rng.integers(0, 9, rows).astype(str).astype(object)
    group[rng.random(rows) < 0.05] = None
    membership = pd.DataFrame(
        {"person_id": [f"p{i}" for i in rng.integers(0, n + outside, rows)], "group": group}
    ).astype("str")
    got, want = maturity._pooled(counts, membership), _pooled_oracle(counts, membership)
    pd.testing.assert_frame_equal(got, want, check_exact=True, check_index_type=False)
    assert list(got.index) == list(want.index)


@pytest.mark.parametrize("seed", range(8))
def test_answered_and_question_counts_equal_the_joins(seed: int) -> None:
    rng = np.random.default_rng(seed)
    people = [f"p{i}" for i in range(30)]
    k = int(rng.integers(0, 40))
    start = pd.Timestamp("2024-03-04", tz="UTC")
    qs = pd.DataFrame(
        {
            "question_id": pd.Series([f"q{i}" for i in rng.permutation(k)], dtype="str"),
            "asker": pd.Series(rng.choice(people, k), dtype="str"),
            "channel_id": pd.Series(rng.choice(["c1", "c2"], k), dtype="str"),
            "ts": start + pd.to_timedelta(rng.integers(0, 10**6, k), unit="s"),
        }
    )
    m = int(rng.integers(0, 80))
    ans = pd.DataFrame(
        {
            "question_id": pd.Series([f"q{i}" for i in rng.integers(0, k + 3, m)], dtype="str"),
            "answerer": pd.Series(rng.choice(people, m), dtype="str"),
            "ts": start + pd.to_timedelta(rng.integers(0, 2 * 10**6, m), unit="s"),
            "replies": rng.integers(1, 4, m).astype("int64"),
        }
    ).drop_duplicates(["question_id", "answerer"])
    ans = ans.sort_values(["question_id", "ts", "answerer"]).reset_index(drop=True)
    got, _ = answered(qs, ans)
    want = _answered_oracle(qs, ans)
    pd.testing.assert_frame_equal(got, want, check_exact=True)
    dept = pd.Series(rng.choice(["a", "b", None], 30), index=pd.Index(people), dtype="str")
    hours = float(rng.integers(1, 300))
    q = got.assign(fast=got["answered"] & (got["hours"] <= hours))
    flags = maturity.question_flags(got, ans, dept, hours)
    oracle, across = _question_counts_oracle(q, ans, dept)
    oracle = oracle.sort_index()
    mine = maturity._question_counts(got, ans, dept, hours).sort_index()
    assert flags["across"].tolist() == across.tolist()
    assert list(mine.index) == list(oracle.index)
    assert (mine.to_numpy() == oracle.to_numpy()).all()


@pytest.mark.parametrize("seed", range(6))
def test_scores_equal_the_column_by_column_frame(seed: int) -> None:
    rng = np.random.default_rng(seed)
    counts = _counts(rng, int(rng.integers(1, 50)))
    counts.insert(0, "size", 1)
    available = {name: bool(rng.random() < 0.7) for name in ("new_ties", "beyond", "fast")}
    limits = {st: float(rng.random()) for st in maturity.STAGES}
    got = maturity.scores(counts, available, limits)
    want = _scores_oracle(counts, available, limits)
    pd.testing.assert_frame_equal(got, want, check_exact=True)

"""My network: what analyze stores for each person's own view (issue 18).

Three things, each computed once by ``analyze`` and stored with the run (tables
``person_value`` and ``suggestions``, schema version 11); the dashboard only reads them.

- **Stage and next steps.** The person's row of the value-maturity table
  (:mod:`groundswell.value.maturity`: the same indicators, thresholds and ladder as every
  group and the organisation). The *next stage* is the first stage of the ladder not
  reached; its next steps are that stage's measured indicators, lowest first (at most
  :data:`STEPS`), each with the count that would lift the stage's score to its threshold if
  only that indicator rose (its denominator held): the stage score is the mean of its ``k``
  indicators, so an indicator at ratio ``r`` must reach ``r + k (threshold - score)``.
- **Bridges.** Pairs of departments with no direct tie between any of their members, both of
  which the person is tied to (their own department counting): the person links two groups
  the network otherwise leaves apart. ``people`` says how many people link that pair.
- **Suggested connections.** People two steps away (a contact of a contact, not a contact),
  in another known department, who have not opted out, ranked by shared contacts, then
  shared group channels (channels both wrote in during the window: "works on what I work
  on"), then id. When that gives a person with at least one tie fewer than :data:`ENOUGH`,
  their list is widened: first people of another department who share a group channel with
  them, then people of their own department two steps away or sharing a channel (each tier
  after the one before, ranked the same way). Computed for everyone at once with sparse
  products: ``U·U`` (``U`` the symmetric 0/1 contact matrix) counts shared contacts; the
  row-wise product of ``C`` (person × channel) at each candidate pair counts shared channels
  (the entries of ``C·Cᵀ`` needed); the widened people's rows of ``U·U`` and ``C·Cᵀ`` are
  computed in blocks. In a large organisation (:data:`KERNEL_PEOPLE`) a numba kernel
  counts each person's contacts of contacts instead (:mod:`._suggest_kernels`): the same rows.
  Only counts are stored, never who the shared contacts are: a
  suggestion must not reveal a tie between two other people.

References: Adamic, L. A. & Adar, E. (2003). Friends and neighbors on the Web. *Social
Networks* 25(3) — common neighbours as a predictor of a future tie; Liben-Nowell, D. &
Kleinberg, J. (2007). The link-prediction problem for social networks. *JASIST* 58(7).
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from typing import Any

import numpy as np
import pandas as pd
import scipy.sparse as sp

from groundswell import _sets
from groundswell.value._base import TieCodes, among
from groundswell.value.maturity import INDICATORS, STAGES

#: at most this many next steps per person
STEPS = 2
#: suggestions stored per person (the page shows the first ones left after opt-outs)
TOP = 10
#: periods (windows of the run's length, the run's own the last) of the persona history
PERIODS = 4
#: fewer suggestions than this from other departments widens the search (:func:`suggestions`)
ENOUGH = 3
#: paths of length two per block of people in :func:`suggestions` (memory: about 40 bytes each)
BUDGET = 4_000_000
#: from this many people on, :func:`suggestions` counts contacts of contacts with the numba
#: kernel of :mod:`._suggest_kernels` (the same rows; loading numba costs about half a second,
#: which the sparse products only repay in a large organisation)
KERNEL_PEOPLE = 20_000
#: people widened at once in the kernel path (:func:`_suggest_kernel`)
WIDENED_BLOCK = 4096
#: what each indicator's counts are, and what raises it (docs/my-network.md)
ACTIONS: dict[str, tuple[str, str]] = {
    "reciprocated": ("of your out-ties are returned", "reply to and return contact with the people you reach out to"),  # noqa: E501
    "across": ("of your contacts are in another department", "work with someone in another department"),  # noqa: E501
    "new_ties": ("of your contacts are new this period", "start working with someone new"),
    "responded": ("of your posts drew a reply, reaction or reshare", "post things others can use: a finding, a how-to, a question worth answering"),  # noqa: E501
    "beyond": ("of your posts got a response from another department", "share where other departments will see it"),  # noqa: E501
    "answered": ("of the questions you took part in were answered", "answer questions, and follow up your own until they are answered"),  # noqa: E501
    "fast": ("of the questions you took part in were answered in time", "answer questions quickly, within the answer time"),  # noqa: E501
    "answered_across": ("of the questions you took part in were answered across departments", "answer questions from other departments"),  # noqa: E501
    "new_across": ("of your contacts are both new and in another department", "start working with someone new in another department"),  # noqa: E501
    "new_communities": ("of you wrote in a new group channel that lasts", "take part in a new cross-boundary group or channel"),  # noqa: E501
    "open": ("of your messages were in public channels and communities", "work out loud: write in open channels rather than privately"),  # noqa: E501
    "open_answers": ("of your answers were given in the open", "answer in open channels, where others can learn from it"),  # noqa: E501
    "adoption_lead": ("of your adoptions were followed by a contact", "be among the first to try something new and show others"),  # noqa: E501
}  # fmt: skip


def next_steps(
    row: pd.Series | dict[str, Any], available: dict[str, bool], limits: dict[str, float]
) -> dict[str, Any]:
    """The stage of one person (a row of the maturity table, counts and indicators
    included: a Series or a dict) and the one or two measured things that would take them
    to the next stage."""
    scores = {st: _num(row[st]) for st in STAGES}
    stage = str(row["stage"])
    nxt = STAGES[0] if stage == "none" else None
    if stage in STAGES and STAGES.index(stage) + 1 < len(STAGES):
        nxt = STAGES[STAGES.index(stage) + 1]
    steps: list[dict[str, Any]] = []
    if nxt is not None:
        inds = [x for x in INDICATORS[nxt] if available.get(x[0], True)]
        k = len(inds)
        score = scores[nxt] or 0.0
        gap = max(limits[nxt] - score, 0.0)
        measured = []
        for name, num, den in inds:
            d = int(row[den])
            # an indicator named as its count ("across") replaced the count in the table
            n = round(float(row[name]) * d) if name == num else int(row[num])
            r = n / d if d else 0.0
            measured.append((r, name, n, d))
        ratios = {name: r for r, name, _, _ in measured}
        for r, name, n, d in sorted(measured)[:STEPS]:
            target = r + k * gap
            needed = math.ceil(target * d - n - 1e-9) if d and target <= 1 else None
            # checked with the rule's own arithmetic (the mean of the ratios, >= threshold)
            while needed is not None and n + needed <= d:
                trial = [(n + needed) / d if x == name else v for x, v in ratios.items()]
                if _mean(trial) >= limits[nxt]:
                    break
                needed += 1
            if needed is not None and n + needed > d:
                needed = None
            # an indicator added to the maturity rules later still gets a plain step
            said, action = ACTIONS.get(
                name, (f"count towards {name.replace('_', ' ')}", "raise it: see docs/value.md")
            )
            steps.append(
                {
                    "indicator": name,
                    "stage": nxt,
                    "numerator": n,
                    "denominator": d,
                    "ratio": r if d else None,
                    "needed": needed,
                    "measured": f"{n} of {d} {said}" if d else f"none yet: 0 {said}",
                    "action": action,
                }
            )
    return {
        "stage": stage,
        "next_stage": nxt,
        "scores": scores,
        "thresholds": dict(limits),
        "indicators": {name: _num(row[name]) for st in STAGES for name, _, _ in INDICATORS[st]},
        "next_steps": steps,
    }


def _mean(values: list[float]) -> float:
    """``float(np.mean(values))`` for the few ratios of a stage, without building an array:
    added one by one and divided, as NumPy adds fewer than eight float64 values (its
    pairwise summation only splits longer arrays; a stage has at most three indicators)."""
    total = 0.0
    for v in values:
        total += v
    return total / len(values)


def _num(v: Any) -> float | None:
    v = float(v)
    return None if math.isnan(v) else v


def _records(frame: pd.DataFrame) -> dict[Any, dict[str, Any]]:
    """``frame.to_dict("index")`` (plain Python values), column by column: much faster."""
    if not len(frame.columns):
        return {k: {} for k in frame.index.tolist()}
    cols = [str(c) for c in frame.columns]
    values = zip(*(frame[c].tolist() for c in frame.columns), strict=True)
    rows = frame.index.tolist()
    return {k: dict(zip(cols, v, strict=True)) for k, v in zip(rows, values, strict=True)}


def _row_groups(frame: pd.DataFrame) -> np.ndarray:
    """A code per row of ``frame``, the same for rows whose values are all the same: numbers
    bit for bit, text as text, each kind of missing value (None, NaN, ...) alike. A frame
    holding -0.0, or other values than text in a column of objects, gives every row its own
    code."""
    n = len(frame)
    key = np.zeros(n, dtype=np.int64)
    width = 1
    for col in frame.columns:
        values = frame[col].to_numpy()
        if values.dtype.kind == "f" and bool(((values == 0) & np.signbit(values)).any()):
            return np.arange(n, dtype=np.int64)
        if values.dtype == object and pd.api.types.infer_dtype(values) not in ("string", "empty"):
            return np.arange(n, dtype=np.int64)  # 1, 1.0 and True would be alike
        codes, uniques = pd.factorize(values, use_na_sentinel=False)
        codes = np.asarray(codes, dtype=np.int64)
        k = max(len(uniques), 1)
        if values.dtype == object:  # None, NaN, NA, NaT: each kind of missing its own code
            na = np.flatnonzero(pd.isna(values))
            if len(na):
                kinds, seen = pd.factorize(np.asarray([repr(v) for v in values[na]], dtype=object))
                codes[na] = k + kinds
                k += len(seen)
        if width * k >= 2**62:  # re-code what is known so far
            key, seen = pd.factorize(key)
            width = max(len(seen), 1)
        key = key * k + codes
        width *= k
    return np.asarray(pd.factorize(key)[0], dtype=np.int64)


def _codes_at(codes: np.ndarray, at: np.ndarray) -> np.ndarray:
    """``codes[at]``, -1 where ``at`` is -1."""
    out = np.full(len(at), -1, dtype=np.int64)
    ok = at >= 0
    out[ok] = codes[at[ok]]
    return out


def _firsts(groups: np.ndarray) -> np.ndarray:
    """The position of the first of each code >= 0 in ``groups``, in their order there."""
    ok = np.flatnonzero(groups >= 0)
    if not len(ok):
        return ok
    _, first = np.unique(groups[ok], return_index=True)
    return ok[np.sort(first)]


def _plain(frame: pd.DataFrame, at: np.ndarray) -> list[dict[str, Any]]:
    """The rows ``at`` (positions) of ``frame`` as dicts of plain Python values."""
    part = frame.iloc[at]
    return list(_records(part.reset_index(drop=True)).values())


def _steps_json(steps: dict[str, Any]) -> tuple[str, str]:
    """The keys of :func:`next_steps`' dict encoded as ``json.dumps(sort_keys=True)`` encodes
    them inside a body: those that sort before "personas", and those after."""
    import json

    def enc(keys: list[str]) -> str:
        return ", ".join(f"{json.dumps(k)}: {json.dumps(steps[k], sort_keys=True)}" for k in keys)

    keys = sorted(steps)
    if any(k <= "bridges" or "personas" <= k <= "questions" for k in keys):
        raise ValueError(f"next steps with a key among a body's own: {keys}")
    return enc([k for k in keys if k < "personas"]), enc([k for k in keys if k > "questions"])


def _persona_history(
    windows: list[tuple[str, str]], row: dict[str, Any] | None
) -> list[dict[str, Any]]:
    """One person's persona in each of ``windows`` (their row of the persona table; None:
    took no part)."""
    values = list(row.values()) if row is not None else [None] * len(windows)
    return [
        {"start": start, "end": end, "persona": None if pd.isna(v) else str(v)}
        for (start, end), v in zip(windows, values, strict=True)
    ]


def contact_matrix(ties: pd.DataFrame | TieCodes, index: pd.Index) -> sp.csr_matrix:
    """The directed 0/1 tie matrix of ``ties`` (actor_id, target_id, or their integer
    codes; layers fused) over ``index``; self-ties dropped."""
    if isinstance(ties, TieCodes):
        a, b = ties.positions(index)
    else:
        a = index.get_indexer(ties["actor_id"])
        b = index.get_indexer(ties["target_id"])
    ok = (a >= 0) & (b >= 0) & (a != b)
    n = len(index)
    m = sp.csr_matrix((np.ones(int(ok.sum())), (a[ok], b[ok])), shape=(n, n))
    m.data[:] = 1.0  # duplicates (several layers) summed: back to 0/1
    m.sum_duplicates()
    m.data[:] = 1.0
    return m


def suggestions(
    directed: sp.csr_matrix,
    department: np.ndarray,
    channels: sp.csr_matrix,
    excluded: np.ndarray,
    top: int = TOP,
    budget: int = BUDGET,
    kernel: bool | None = None,
) -> pd.DataFrame:
    """Suggested connections by position: rows (person, rank, suggested, shared_contacts,
    shared_channels, tier); ``department`` integer codes (-1 unknown), ``channels`` person ×
    channel 0/1, ``excluded`` people never suggested (opted out).

    Tier 0: two steps away, in another known department. A person tied to someone who has
    fewer than :data:`ENOUGH` of those is widened (:func:`_widened`): tier 1, people of
    another department sharing a group channel; tier 2, people of their own department (or
    of an unknown one) two steps away or sharing a channel. Within a tier: shared contacts,
    shared channels, id.

    Every step is a person's own (their row of ``U·U``, their candidates, their ranks), so
    the people go in blocks of consecutive rows (:func:`_blocks`: at most ``budget`` paths
    of length two each): ``U·U`` in full holds every pair two steps apart, some thousands
    per person in a large organisation (issue 20: over 16 GB at 250,000 people). From
    :data:`KERNEL_PEOPLE` people on (or when ``kernel`` says so) the people two steps away
    are counted by a numba kernel instead (:func:`_suggest_kernel`): the same rows."""
    u = ((directed + directed.T) > 0).astype(np.float64).tocsr()
    channels = channels.tocsr()
    if kernel is None:
        kernel = u.shape[0] >= KERNEL_PEOPLE
    if kernel:
        parts = [_suggest_kernel(u, department, channels, excluded, top)]
    else:
        parts = [
            _suggest_rows(u, lo, hi, department, channels, excluded, top)
            for lo, hi in _blocks(u, budget)
        ]
    if parts:
        r, c, v, ch, tier, rank = (np.concatenate(x) for x in zip(*parts, strict=True))
    else:
        r = c = v = ch = tier = rank = np.zeros(0, np.int64)
    return pd.DataFrame(
        {
            "person": r,
            "rank": rank,
            "suggested": c,
            "shared_contacts": v,
            "shared_channels": ch,
            "tier": tier,
        }
    )


def _blocks(u: sp.csr_matrix, budget: int) -> list[tuple[int, int]]:
    """Consecutive row ranges of ``u`` whose rows of ``U·U`` together come from at most
    ``budget`` paths of length two (a row's: the degrees of its contacts summed; a single
    row above the budget is a block of its own): the entries of a block's product are at
    most that many."""
    n = u.shape[0]
    deg = np.diff(u.indptr).astype(np.float64)
    cum = np.cumsum(u @ deg + 1.0)  # +1: an isolated row still counts
    out, lo = [], 0
    while lo < n:
        done = cum[lo - 1] if lo else 0.0
        hi = max(int(np.searchsorted(cum, done + budget, side="right")), lo + 1)
        out.append((lo, min(hi, n)))
        lo = min(hi, n)
    return out


def _suggest_rows(
    u: sp.csr_matrix,
    lo: int,
    hi: int,
    department: np.ndarray,
    channels: sp.csr_matrix,
    excluded: np.ndarray,
    top: int,
) -> tuple[np.ndarray, ...]:
    """The suggestions of the people ``lo`` to ``hi - 1`` (positions), as (person, suggested,
    shared_contacts, shared_channels, tier, rank) sorted by person and rank, top ``top``."""
    ur = u[lo:hi]
    two = (ur @ u).tocsr()
    two.setdiag(0, k=lo)  # oneself: not suggested
    two = (two - two.multiply(ur)).tocoo()  # contacts already: not suggested
    r, c, v = two.row.astype(np.int64) + lo, two.col, two.data
    keep = (
        (v > 0)
        & (department[r] >= 0)
        & (department[c] >= 0)
        & (department[r] != department[c])
        & ~excluded[c]
    )
    r, c, v = r[keep], c[keep], v[keep].astype(np.int64)
    m = hi - lo
    found = np.bincount(r - lo, minlength=m)
    # only candidates that can reach a person's top: shared contacts at least the top-th
    # largest of the row (ties kept, so the order by shared channels stays exact)
    order = _sort(r, v)
    r, c, v = r[order], c[order], v[order]
    rank = _ranks(r)
    last = np.minimum(found, top)[r - lo]  # the rank of the row's last place in the top
    cut = np.zeros(m, np.int64)
    cut[r[rank == last] - lo] = v[rank == last]
    keep = v >= cut[r - lo]
    r, c, v = r[keep], c[keep], v[keep]
    # shared channels of each candidate pair: the row-wise product of C's two rows (C·Cᵀ in
    # full holds every pair of members of a big channel: 40 million entries at 20,000 people)
    ch = (
        np.asarray(channels[r].multiply(channels[c]).sum(axis=1)).ravel().astype(np.int64)
        if len(r)
        else np.zeros(0, np.int64)
    )
    short = np.flatnonzero((found < ENOUGH) & (np.diff(ur.indptr) > 0)) + lo
    parts: list[tuple[np.ndarray, ...]] = [(r, c, v, ch, np.zeros(len(r), np.int64))]
    if len(short):
        parts = [tuple(x[~_sets.isin(r, short)] for x in parts[0])]
        parts.append(_widened(u, channels, department, excluded, short))
    r, c, v, ch, tier = (np.concatenate(x) for x in zip(*parts, strict=True))
    order = _sort(r, tier, v, ch, c)
    r, c, v, ch, tier = r[order], c[order], v[order], ch[order], tier[order]
    rank = _ranks(r)
    keep = rank <= top
    return r[keep], c[keep], v[keep], ch[keep], tier[keep], rank[keep]


def _suggest_kernel(
    u: sp.csr_matrix,
    department: np.ndarray,
    channels: sp.csr_matrix,
    excluded: np.ndarray,
    top: int,
) -> tuple[np.ndarray, ...]:
    """:func:`_suggest_rows` for everyone at once, tier 0 by the numba kernel
    (:func:`._suggest_kernels.top_two_step`: each person's first ``top`` people two steps
    away, one person's candidates at a time), the people to widen by :func:`_widened` as
    before, in blocks of :data:`WIDENED_BLOCK`; sorted by person and rank."""
    from groundswell.value._suggest_kernels import by_department, top_two_step

    n = u.shape[0]
    dept = np.asarray(department, np.int64)
    # the people by department (as numbered within one), those who can be suggested with
    # theirs and everyone else with -1
    order = np.argsort(dept, kind="stable")
    indptr, indices, depts = by_department(
        u.indptr.astype(np.int64), u.indices, np.where(excluded, -1, dept), order
    )
    sug, cont, chan, _count, found = top_two_step(
        indptr,
        indices,
        depts,
        dept[order],
        order,
        channels.indptr.astype(np.int64),
        channels.indices.astype(np.int64),
        channels.data.astype(np.float64),
        int(channels.shape[1]),
        int(top),
    )
    short = np.flatnonzero((found < ENOUGH) & (np.diff(u.indptr) > 0))
    keep = sug >= 0
    keep[short] = False
    r, k = np.nonzero(keep)  # row-major: by person, then rank
    parts: list[tuple[np.ndarray, ...]] = [
        (
            r.astype(np.int64),
            sug[keep],
            cont[keep],
            chan[keep],
            np.zeros(len(r), np.int64),
            k.astype(np.int64) + 1,
        )
    ]
    del sug, cont, chan, keep
    for lo in range(0, len(short), WIDENED_BLOCK):
        r, c, v, ch, tier = _widened(
            u, channels, department, excluded, short[lo : lo + WIDENED_BLOCK]
        )
        order = _sort(r, tier, v, ch, c)
        r, c, v, ch, tier = r[order], c[order], v[order], ch[order], tier[order]
        rank = _ranks(r)
        top_ = rank <= top
        parts.append((r[top_], c[top_], v[top_], ch[top_], tier[top_], rank[top_]))
    r, c, v, ch, tier, rank = (np.concatenate(x) for x in zip(*parts, strict=True))
    order = np.argsort(r, kind="stable")  # each person's rows are in one part, in rank order
    if n and len(order):
        r, c, v, ch, tier, rank = (x[order] for x in (r, c, v, ch, tier, rank))
    return r, c, v, ch, tier, rank


def _sort(r: np.ndarray, *keys: np.ndarray) -> np.ndarray:
    """The order by ``r`` ascending, then ``keys[0]`` ascending when it is the tier (with
    more keys) and every other key descending but the last (an id, ascending) — as one
    int64 key (mixed radix) when it fits, else ``np.lexsort``."""
    if not len(r):
        return np.zeros(0, np.int64)
    cols = [r.astype(np.int64)]
    if len(keys) == 1:
        cols.append(-keys[0].astype(np.int64))
    else:
        tier, *middle, ident = keys
        cols += [tier.astype(np.int64), *(-k.astype(np.int64) for k in middle)]
        cols.append(ident.astype(np.int64))
    low = [int(x.min()) for x in cols]
    span = [int(x.max()) - lo + 1 for x, lo in zip(cols, low, strict=True)]
    if math.prod(span) < 2**62:
        key = np.zeros(len(r), np.int64)
        for x, lo, width in zip(cols, low, span, strict=True):
            key = key * width + (x - lo)
        return np.argsort(key, kind="stable")
    return np.lexsort(cols[::-1])


def _ranks(r: np.ndarray) -> np.ndarray:
    """1, 2, ... within each run of equal values of the sorted ``r``."""
    if not len(r):
        return np.zeros(0, np.int64)
    starts = np.r_[0, np.flatnonzero(np.diff(r)) + 1]
    first = np.repeat(starts, np.diff(np.r_[starts, len(r)]))
    return np.arange(len(r)) - first + 1


def _widened(
    u: sp.csr_matrix,
    channels: sp.csr_matrix,
    department: np.ndarray,
    excluded: np.ndarray,
    rows: np.ndarray,
    block: int = 512,
) -> tuple[np.ndarray, ...]:
    """Every candidate of the people ``rows`` (positions): two steps away or sharing a group
    channel, not a contact, not themselves, not excluded; as (person, suggested,
    shared_contacts, shared_channels, tier) with the tiers of :func:`suggestions`. Rows go
    in blocks so that ``C[rows]·Cᵀ`` stays ``block × n`` at most."""
    k = int(channels.shape[1]) + 1  # shared channels < k: one sparse sum holds both counts
    out = []
    for lo in range(0, len(rows), block):
        part = rows[lo : lo + block]
        ur = u[part]
        both = ((ur @ u) * k + channels[part] @ channels.T).tocsr()
        both = (both - both.multiply(ur)).tocoo()  # contacts already: not suggested
        r, c, val = part[both.row], both.col, np.rint(both.data).astype(np.int64)
        ok = (val > 0) & (c != r) & ~excluded[c]
        r, c, val = r[ok], c[ok], val[ok]
        v, ch = val // k, val % k
        other = (department[r] >= 0) & (department[c] >= 0) & (department[r] != department[c])
        tier = np.where(other, np.where(v > 0, 0, 1), 2)
        out.append((r.astype(np.int64), c.astype(np.int64), v, ch, tier.astype(np.int64)))
    if not out:
        return tuple(np.zeros(0, np.int64) for _ in range(5))
    return tuple(np.concatenate(x) for x in zip(*out, strict=True))


def bridges(directed: sp.csr_matrix, department: np.ndarray) -> dict[int, list[list[Any]]]:
    """By position: the pairs of department codes (a, b, people linking them) a person
    bridges — no direct tie between a and b, and the person tied to both (their own
    department counting as tied)."""
    n = directed.shape[0]
    known = department >= 0
    k = int(department.max()) + 1 if known.any() else 0
    if k < 2:
        return {}
    rows = np.flatnonzero(known)
    p = sp.csr_matrix((np.ones(len(rows)), (rows, department[rows])), shape=(n, k))
    u = ((directed + directed.T) > 0).astype(np.float64).tocsr()
    dept_adj = (p.T @ u @ p).toarray() > 0
    reach = ((u @ p) + p).toarray() > 0  # person × department: tied to, or member of
    out: dict[int, list[list[Any]]] = {}
    a_idx, b_idx = np.triu_indices(k, 1)
    apart = ~dept_adj[a_idx, b_idx]
    for a, b in zip(a_idx[apart].tolist(), b_idx[apart].tolist(), strict=True):
        who = np.flatnonzero(reach[:, a] & reach[:, b])
        for i in who.tolist():
            out.setdefault(i, []).append([a, b, len(who)])
    return out


def _question_tallies(
    qs: pd.DataFrame, ans: pd.DataFrame
) -> tuple[dict[Any, int], dict[Any, int], dict[Any, int]]:
    """By person: questions asked, of them answered, and questions answered (each question
    once per answerer)."""
    asker, askers = pd.factorize(np.asarray(qs["asker"].to_numpy(), dtype=object))
    asker = np.asarray(asker, dtype=np.int64)
    mine = asker >= 0
    k = len(askers)
    asked = np.bincount(asker[mine], minlength=k)
    answered = np.bincount(
        asker[mine], weights=qs["answered"].to_numpy(dtype=bool)[mine], minlength=k
    )
    who, answerers = pd.factorize(np.asarray(ans["answerer"].to_numpy(), dtype=object))
    which, _ = pd.factorize(np.asarray(ans["question_id"].to_numpy(), dtype=object))
    who, which = np.asarray(who, dtype=np.int64), np.asarray(which, dtype=np.int64)
    ok = who >= 0
    width = np.int64(int(which.max(initial=-1)) + 2)
    pairs = _sets.unique(who[ok] * width + (which[ok] + 1))  # each (answerer, question)
    given = np.bincount(pairs // width, minlength=len(answerers))
    names, others = askers.tolist(), answerers.tolist()
    return (
        dict(zip(names, asked.tolist(), strict=True)),
        dict(zip(names, answered.astype(np.int64).tolist(), strict=True)),
        {p: n for p, n in zip(others, given.tolist(), strict=True) if n},
    )


def rows(
    run_id: int,
    table: pd.DataFrame,
    ties: pd.DataFrame | TieCodes,
    people: pd.DataFrame,
    channel_members: pd.DataFrame,
    questions: tuple[pd.DataFrame, pd.DataFrame],
    optout: pd.Index,
    personas: pd.DataFrame | None = None,
) -> dict[str, pd.DataFrame]:
    """The rows of ``person_value`` (person_id, body JSON) and ``suggestions`` of a run:
    ``table`` is the run's maturity table (person scale read), ``ties`` its stored ties
    (a frame, or their codes: :func:`groundswell.value.queries.run_codes`),
    ``people`` the people table (department), ``channel_members`` (person_id, group),
    ``questions`` (questions, answers) of :func:`groundswell.value.compute.questions`,
    ``optout`` the people who opted out of being suggested, ``personas`` each person's
    persona in the last :data:`PERIODS` windows (one column per window, oldest first;
    :func:`groundswell.value.compute.persona_periods`). :func:`parts` gives the same rows
    with the bodies in parts."""
    sug, bodies = parts(run_id, table, ties, people, channel_members, questions, optout, personas)
    return {
        "person_value": pd.concat(
            list(bodies) or [pd.DataFrame(columns=["person_id", "body"])], ignore_index=True
        ),
        "suggestions": sug,
    }


#: people whose bodies :func:`parts` makes at once (memory: some 2 KB of JSON text each, and
#: the part's frame while it is inserted)
BODIES = 25_000


def parts(
    run_id: int,
    table: pd.DataFrame,
    ties: pd.DataFrame | TieCodes,
    people: pd.DataFrame,
    channel_members: pd.DataFrame,
    questions: tuple[pd.DataFrame, pd.DataFrame],
    optout: pd.Index,
    personas: pd.DataFrame | None = None,
    size: int | None = None,
) -> tuple[pd.DataFrame, Iterator[pd.DataFrame]]:
    """The rows of :func:`rows`: the ``suggestions``, and the ``person_value`` rows in
    parts of ``size`` people (:data:`BODIES` by default) made as they are asked for, in
    the order of the people's ids, so that a caller can store each part and let it go (a
    run of 500,000 people has some gigabyte of bodies)."""
    available = table.attrs.get("available", {})
    limits = table.attrs.get("thresholds", {})
    persons = table[table["scale"] == "person"].set_index("group")
    if not isinstance(ties, TieCodes):
        ties = TieCodes.of(ties)
    ids = [pd.Series(persons.index, dtype=object), pd.Series(ties.ends(), dtype=object)]
    index = pd.Index(sorted(pd.concat(ids, ignore_index=True).unique().tolist()))
    directed = contact_matrix(ties, index)
    dept_codes, dept_names = pd.factorize(people["department"].reindex(index))
    dept_codes = np.asarray(dept_codes, dtype=np.int64)
    cm = channel_members[among(channel_members["person_id"], index)]
    ccode, _ = pd.factorize(cm["group"])
    pos = index.get_indexer(cm["person_id"])
    channels = sp.csr_matrix(
        (np.ones(len(cm)), (pos, ccode)), shape=(len(index), max(int(ccode.max(initial=-1)) + 1, 1))
    )
    channels.data[:] = 1.0
    excluded = index.isin(optout)
    sug = suggestions(directed, dept_codes, channels, excluded)
    sug_rows = pd.DataFrame(
        {
            "person_id": index[sug["person"].to_numpy()],
            "rank": sug["rank"].to_numpy(),
            "suggested_id": index[sug["suggested"].to_numpy()],
            "shared_contacts": sug["shared_contacts"].to_numpy(),
            "shared_channels": sug["shared_channels"].to_numpy(),
        }
    )
    del sug, channels, cm, pos, excluded
    held = bridges(directed, dept_codes)
    del directed
    qs, ans = questions
    n_asked, n_answered, n_given = _question_tallies(qs, ans)
    windows: list[tuple[str, str]] = []
    if personas is not None:
        windows = personas.attrs.get("windows") or [(c, "") for c in personas.columns]
        persona_at = index.get_indexer(personas.index)
    wanted = ["stage", *STAGES, *(c for st in STAGES for x in INDICATORS[st] for c in x)]
    cols = [c for c in dict.fromkeys(wanted) if c in persons.columns]
    unique = persons[~persons.index.duplicated()][cols]
    person_at = index.get_indexer(unique.index)
    names = [str(x) for x in dept_names]
    size = size or BODIES

    # people whose rows are alike (bit for bit) have the same stage and next steps, and the
    # same persona history: each is worked out and encoded once per part
    row_group = _row_groups(unique)
    row_at = np.full(len(index), -1, dtype=np.int64)
    row_at[person_at] = np.arange(len(unique))
    history_at = np.full(len(index), -1, dtype=np.int64)
    history_group = np.zeros(0, dtype=np.int64)
    if personas is not None:
        ok = persona_at >= 0
        history_at[persona_at[ok]] = np.flatnonzero(ok)
        history_group = _row_groups(personas)
    no_history = _persona_history(windows, None)

    def bodies() -> Iterator[pd.DataFrame]:
        import json

        everyone = index.tolist()
        for lo in range(0, len(everyone), size):
            hi = min(lo + size, len(everyone))
            rows_of = row_at[lo:hi]
            hist_of = history_at[lo:hi]
            groups_of = _codes_at(row_group, rows_of)
            # each group's first person's row, as plain values (a row lookup per person is slow)
            firsts = _firsts(groups_of)
            steps: dict[int, tuple[str, str]] = {}
            if len(firsts):
                at = rows_of[firsts]
                for g, row in zip(groups_of[firsts].tolist(), _plain(unique, at), strict=True):
                    steps[g] = _steps_json(next_steps(row, available, limits))
            history: dict[int, str] = {}
            hist_groups = _codes_at(history_group, hist_of)
            if personas is not None:
                history[-1] = json.dumps(no_history, sort_keys=True)
                firsts = _firsts(hist_groups)
                if len(firsts):
                    at = hist_of[firsts]
                    for g, row in zip(
                        hist_groups[firsts].tolist(), _plain(personas, at), strict=True
                    ):
                        history[g] = json.dumps(_persona_history(windows, row), sort_keys=True)
            out = []
            for i, pid, g, h in zip(
                range(lo, hi), everyone[lo:hi], groups_of.tolist(), hist_groups.tolist(),
                strict=True,
            ):  # fmt: skip
                # json.dumps(body, sort_keys=True) of the body's parts, each encoded alone
                held_i = held.get(i)
                text = '{"bridges": ' + (
                    json.dumps(
                        [{"departments": [names[a], names[b]], "people": n} for a, b, n in held_i],
                        sort_keys=True,
                    )
                    if held_i
                    else "[]"
                )
                if g >= 0:
                    before, after = steps[g]
                    text += ", " + before
                if personas is not None:
                    text += ', "personas": ' + history[h]
                text += (
                    f', "questions": {{"answers_given": {int(n_given.get(pid, 0))}, '
                    f'"asked": {int(n_asked.get(pid, 0))}, '
                    f'"asked_answered": {int(n_answered.get(pid, 0))}}}'
                )
                if g >= 0:
                    text += ", " + after
                out.append((pid, text + "}"))
            yield pd.DataFrame(out, columns=["person_id", "body"])

    return sug_rows, bodies()

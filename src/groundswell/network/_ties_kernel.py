"""The numba kernel behind :func:`groundswell.network.ties.build_ties` on large workspaces.

The digital layer's rules filter the acts and weigh each one in DuckDB (window, bots,
broadcasts, kind weights, decay: the query of
:func:`groundswell.network.ties.keyed_acts_sql`); this kernel then aggregates the acts per
(actor, target[, period]) and keeps the groups of at least ``min_n`` acts, which is what
DuckDB's hash aggregation did (most of the query's time: 8.2M acts into 2.9M groups at
10M events, measured with ``EXPLAIN ANALYZE``).

No hash table and no sort of the acts: the acts are put in order of their actor by a
counting sort (two sequential passes over the acts; each actor's acts are one contiguous
run, in the order they came), then, actor by actor, each act's (target, period) is a slot of
a dense row of ``n_people x n_buckets`` counters (a few hundred KiB: it stays in cache),
whose touched slots are read back in the order they were first touched and reset (sorting
them would cost a third of the kernel). The work grows with the acts, plus
the number of people times the periods once; memory is about 12 bytes an act plus 12 bytes
a slot of the row.

The groups come out in order of actor, and for each actor in the order of their first act
in the store: the same order whatever the number of threads. Within a group the weights are
summed in the order the acts came from the store, so the result does not depend on the
number of threads (DuckDB's parallel aggregation adds them in the order its threads meet
them: the two agree exactly whenever the sums are exact, as the default kind weights, 1 and
0.5, make them; otherwise to the last bits). A period is found from the act's timestamp in
microseconds and the periods' starts (``edges``), by a guess from the mean period length
corrected against the starts, so days, weeks and months take the same path.
"""

from __future__ import annotations

import numpy as np
from numba import njit


@njit(cache=True)
def aggregate(
    actor: np.ndarray,
    target: np.ndarray,
    us: np.ndarray,
    w: np.ndarray,
    person: np.ndarray,
    n_people: int,
    edges: np.ndarray,
    min_n: int,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Aggregate acts into ties: ``(actor, target, period index, n, weight)`` per group of
    at least ``min_n`` acts, in order of actor, then of each group's first act.

    ``actor``, ``target``: each act's person keys (int32); ``person``: each key's person
    number (int32, -1 for a key whose acts are dropped), or empty when the keys are the
    people; ``n_people``: one more than the largest person number (or key); an act whose
    actor and target are one person is dropped. ``us``: each act's time in microseconds
    (int64, empty without periods); ``edges``: the start of each period (int64, in order;
    one value without periods), every act on or after the first. ``w``: each act's weight.
    """
    n = len(actor)
    mapped = len(person) > 0
    n_buckets = len(edges)
    inv = 0.0
    if n_buckets > 1:
        inv = (n_buckets - 1) / float(edges[n_buckets - 1] - edges[0])
    # pass 1: acts per actor (the counting sort's histogram)
    start = np.zeros(n_people + 1, np.int64)
    for i in range(n):
        a = actor[i]
        if mapped:
            a = person[a]
            t = person[target[i]]
            if a < 0 or t < 0 or a == t:
                continue
        elif a == target[i]:
            continue
        start[a + 1] += 1
    for p in range(n_people):
        start[p + 1] += start[p]
    kept = start[n_people]
    # pass 2: each act's slot (target, period) and weight, in runs by actor
    slots = np.empty(kept, np.int32)
    weights = np.empty(kept, np.float64)
    fill = start[:-1].copy()
    for i in range(n):
        a = actor[i]
        t = target[i]
        if mapped:
            a = person[a]
            t = person[t]
            if a < 0 or t < 0 or a == t:
                continue
        elif a == t:
            continue
        b = 0
        if n_buckets > 1:
            x = us[i]
            b = int((x - edges[0]) * inv)
            b = min(max(b, 0), n_buckets - 1)
            while b > 0 and edges[b] > x:
                b -= 1
            while b + 1 < n_buckets and edges[b + 1] <= x:
                b += 1
        f = fill[a]
        slots[f] = t * n_buckets + b
        weights[f] = w[i]
        fill[a] = f + 1
    for p in range(n_people):  # both passes must have dropped the same acts
        if fill[p] != start[p + 1]:
            raise AssertionError("the two passes over the acts disagree")
    # pass 3: actor by actor, count and sum per slot in a dense row
    width = n_people * n_buckets
    count = np.zeros(width, np.int32)
    total = np.zeros(width, np.float64)
    touched = np.empty(min(width, kept), np.int32)
    most = kept // max(min_n, 1)
    out_a = np.empty(most, np.int32)
    out_t = np.empty(most, np.int32)
    out_b = np.empty(most, np.int32)
    out_n = np.empty(most, np.int64)
    out_w = np.empty(most, np.float64)
    m = 0
    for a in range(n_people):
        k = 0
        for j in range(start[a], start[a + 1]):
            s = slots[j]
            if count[s] == 0:
                touched[k] = s
                k += 1
            count[s] += 1
            total[s] += weights[j]
        for q in range(k):
            s = touched[q]
            if count[s] >= min_n:
                out_a[m] = a
                out_t[m] = s // n_buckets
                out_b[m] = s % n_buckets
                out_n[m] = count[s]
                out_w[m] = total[s]
                m += 1
            count[s] = 0
            total[s] = 0.0
    return out_a[:m], out_t[:m], out_b[:m], out_n[:m], out_w[:m]

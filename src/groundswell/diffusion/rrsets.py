"""Reverse-reachable (RR) sets and greedy maximum coverage over them, compiled with numba.

An RR set is drawn by picking a person ``v`` uniformly at random and collecting everyone who
would have reached ``v`` in one random live-edge outcome (Borgs et al. 2014): for independent
cascade, a reverse breadth-first search keeping each entering tie ``e`` with probability
``p_e``; for linear threshold, a reverse walk in which each person picks at most one entering
tie (tie ``e`` with probability ``b_e``) and the walk stops at nobody or at a person already in
the set (Tang, Xiao and Shi 2014). For any seed set ``S``, ``n`` times the share of RR sets
that ``S`` touches is an unbiased estimate of its expected reach.

RR set ``j`` of stream ``c`` draws from its own SplitMix64 stream, derived from
``(seed, stride * j + c)``, so a collection is the same whatever the number of threads.
Collections are generated in fixed blocks by numba kernels that release the GIL, on a pool of
``numba.get_num_threads()`` threads, and concatenated in block order.

References
----------
Borgs, C., Brautbar, M., Chayes, J. and Lucier, B. (2014). Maximizing social influence in
nearly optimal time. SODA '14, 946-957.
Tang, Y., Xiao, X. and Shi, Y. (2014). Influence maximization: near-optimal time complexity
meets practical efficiency. SIGMOD '14, 75-86.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from itertools import pairwise

import numba
import numpy as np
from numba import njit

from groundswell.diffusion.models import _stream, _uniform

BLOCK = 1 << 14  # RR sets per generation task


@dataclass(frozen=True)
class RRSets:
    """A collection of RR sets in CSR form: set ``j`` is ``nodes[ptr[j]:ptr[j + 1]]``."""

    ptr: np.ndarray
    nodes: np.ndarray

    @property
    def count(self) -> int:
        return len(self.ptr) - 1

    @property
    def size(self) -> int:
        """Total number of entries (the work of generating and covering them)."""
        return int(self.ptr[-1])

    def __add__(self, other: RRSets) -> RRSets:
        return RRSets(
            np.concatenate([self.ptr, other.ptr[1:] + self.ptr[-1]]),
            np.concatenate([self.nodes, other.nodes]),
        )


EMPTY = RRSets(np.zeros(1, np.int64), np.zeros(0, np.int32))


def generate(
    in_ptr: np.ndarray,
    in_src: np.ndarray,
    w: np.ndarray,
    *,
    lt: bool,
    base: np.uint64,
    lo: int,
    hi: int,
    stride: int = 1,
    offset: int = 0,
) -> RRSets:
    """RR sets ``lo .. hi - 1`` of the stream ``(base, stride * j + offset)``.

    ``in_ptr, in_src, w`` is the in-neighbour CSR of the influence ties
    (:func:`groundswell.diffusion.models.csr_in`) with their probabilities or LT weights.
    """
    if hi <= lo:
        return EMPTY
    n = len(in_ptr) - 1
    tasks = list(pairwise([*range(lo, hi, BLOCK), hi]))

    def one(t: tuple[int, int]) -> tuple[np.ndarray, np.ndarray]:
        return _rr_block(in_ptr, in_src, w, lt, base, t[0], t[1], stride, offset, n)

    threads = max(1, min(numba.get_num_threads(), len(tasks)))
    if threads == 1:
        parts = [one(t) for t in tasks]
    else:
        with ThreadPoolExecutor(threads) as pool:
            parts = list(pool.map(one, tasks))
    sizes = np.array([p[0][-1] for p in parts], np.int64)
    shift = np.concatenate([[0], np.cumsum(sizes)[:-1]])
    ptr = np.concatenate([[0]] + [p[0][1:] + s for p, s in zip(parts, shift, strict=True)])
    return RRSets(ptr.astype(np.int64), np.concatenate([p[1] for p in parts]))


def greedy(
    rr: RRSets,
    n: int,
    k: int,
    *,
    include: np.ndarray | None = None,
    eligible: np.ndarray | None = None,
    groups: np.ndarray | None = None,
    quota: np.ndarray | None = None,
    bound: bool = False,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, float]:
    """Greedy maximum coverage of ``rr`` by ``k`` people, under constraints.

    People in ``include`` are taken first, in order. Then, while the picks left exceed the
    unmet quota (``quota[c]`` people of group ``c``, counting those taken), the eligible person
    covering most uncovered sets is taken; once they are equal, only people of groups whose
    quota is unmet are eligible. Ties go to the lowest index.

    Returns ``(order, gains, reserved, upper)``: the picks, the sets each newly covered,
    whether the quota made the pick (a freely eligible person covered more), and (with
    ``bound=True``, else ``nan``) the OPIM-C upper bound on the coverage of any ``k`` people:
    ``min_i (covered(S_i) + sum of the k largest marginal coverages given S_i)`` over the
    greedy prefixes ``S_i`` (Tang et al. 2018).
    """
    inc = np.zeros(0, np.int64) if include is None else np.asarray(include, np.int64)
    elig = np.ones(n, np.bool_) if eligible is None else np.asarray(eligible, np.bool_)
    grp = np.full(n, -1, np.int64) if groups is None else np.asarray(groups, np.int64)
    q = np.zeros(0, np.int64) if quota is None else np.asarray(quota, np.int64)
    order, gains, reserved, upper = _greedy(rr.ptr, rr.nodes, n, k, inc, elig, grp, q, bound)
    return order, gains, reserved, float(upper) if bound else float("nan")


def first_cover(rr: RRSets, order: np.ndarray, n: int) -> np.ndarray:
    """How many sets of ``rr`` each pick of ``order`` is the first to cover (length
    ``len(order)``); the prefix sums are the coverage of every prefix of ``order``."""
    rank = np.full(n, len(order), np.int64)
    rank[np.asarray(order, np.int64)] = np.arange(len(order))
    return _first_cover(rr.ptr, rr.nodes, rank, len(order))


# --------------------------------------------------------------------------- kernels


@njit(cache=True)
def _push(buf, size, value):  # pragma: no cover - compiled
    if size == len(buf):
        bigger = np.empty(2 * len(buf), buf.dtype)
        bigger[:size] = buf
        buf = bigger
    buf[size] = value
    return buf


@njit(cache=True, nogil=True)
def _rr_block(in_ptr, in_src, w, lt, base, lo, hi, stride, offset, n):  # pragma: no cover
    count = hi - lo
    ptr = np.zeros(count + 1, np.int64)
    buf = np.empty(max(1024, 4 * count), np.int32)
    mark = np.full(n, -1, np.int64)
    size = 0
    for j in range(lo, hi):
        state = _stream(base, stride * j + offset)
        state, x = _uniform(state)
        root = min(np.int64(x * n), n - 1)
        start = size
        buf = _push(buf, size, root)
        size += 1
        mark[root] = j
        if lt:
            v = root
            while True:
                state, x = _uniform(state)
                pick = -1
                acc = 0.0
                for e in range(in_ptr[v], in_ptr[v + 1]):
                    acc += w[e]
                    if x < acc:
                        pick = in_src[e]
                        break
                if pick < 0 or mark[pick] == j:
                    break
                mark[pick] = j
                buf = _push(buf, size, pick)
                size += 1
                v = pick
        else:
            head = start
            while head < size:
                v = buf[head]
                head += 1
                for e in range(in_ptr[v], in_ptr[v + 1]):
                    u = in_src[e]
                    if mark[u] == j:
                        continue
                    state, x = _uniform(state)
                    if x < w[e]:
                        mark[u] = j
                        buf = _push(buf, size, u)
                        size += 1
        ptr[j - lo + 1] = size
    return ptr, buf[:size].copy()


@njit(cache=True)
def _greedy(ptr, nodes, n, k, include, eligible, groups, quota, bound):  # pragma: no cover
    nsets = len(ptr) - 1
    # inverted index: the sets each person is in
    deg = np.zeros(n, np.int64)
    for i in range(len(nodes)):
        deg[nodes[i]] += 1
    nptr = np.zeros(n + 1, np.int64)
    for v in range(n):
        nptr[v + 1] = nptr[v] + deg[v]
    fill = nptr[:-1].copy()
    nsets_of = np.empty(len(nodes), np.int32)
    for s in range(nsets):
        for i in range(ptr[s], ptr[s + 1]):
            v = nodes[i]
            nsets_of[fill[v]] = s
            fill[v] += 1
    covered = np.zeros(nsets, np.bool_)
    chosen = np.zeros(n, np.bool_)
    have = np.zeros(len(quota), np.int64)
    order = np.empty(k, np.int64)
    gains = np.empty(k, np.int64)
    reserved = np.zeros(k, np.bool_)
    total = 0
    upper = np.inf
    kk = min(k, n)
    picked = 0
    while picked < k:
        if bound:
            top = np.partition(deg, n - kk)[n - kk :].sum()
            upper = min(upper, total + top)
        best = -1
        if picked < len(include):
            best = include[picked]
        else:
            unmet = 0
            for c in range(len(quota)):
                if have[c] < quota[c]:
                    unmet += quota[c] - have[c]
            strict = k - picked <= unmet
            bestdeg = -1
            freedeg = -1
            for v in range(n):
                if chosen[v] or not eligible[v]:
                    continue
                if deg[v] > freedeg:
                    freedeg = deg[v]
                if deg[v] <= bestdeg:
                    continue
                if strict:
                    c = groups[v]
                    if c < 0 or c >= len(quota) or have[c] >= quota[c]:
                        continue
                best = v
                bestdeg = deg[v]
            if best >= 0 and bestdeg < freedeg:
                reserved[picked] = True
        if best < 0:
            break
        order[picked] = best
        gains[picked] = deg[best]
        total += deg[best]
        chosen[best] = True
        c = groups[best]
        if 0 <= c < len(quota):
            have[c] += 1
        for i in range(nptr[best], nptr[best + 1]):
            s = nsets_of[i]
            if covered[s]:
                continue
            covered[s] = True
            for j in range(ptr[s], ptr[s + 1]):
                deg[nodes[j]] -= 1
        picked += 1
    if bound:
        top = np.partition(deg, n - kk)[n - kk :].sum()
        upper = min(upper, total + top)
    return order[:picked], gains[:picked], reserved[:picked], upper


@njit(cache=True)
def _first_cover(ptr, nodes, rank, k):  # pragma: no cover - compiled
    out = np.zeros(k + 1, np.int64)
    for s in range(len(ptr) - 1):
        best = k
        for i in range(ptr[s], ptr[s + 1]):
            r = rank[nodes[i]]
            if r < best:
                best = r
        out[best] += 1
    return out[:k]

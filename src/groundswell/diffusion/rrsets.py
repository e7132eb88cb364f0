"""Reverse-reachable (RR) sets and greedy maximum coverage over them, compiled with numba.

An RR set is drawn by picking a person ``v`` uniformly at random and collecting everyone who
would have reached ``v`` in one random live-edge outcome (Borgs et al. 2014): for independent
cascade, a reverse breadth-first search keeping each entering tie ``e`` with probability
``p_e``, independently; for linear threshold, a reverse walk in which each person picks at
most one entering tie (tie ``e`` with probability ``b_e``) and the walk stops at nobody or at
a person already in the set (Tang, Xiao and Shi 2014). For any seed set ``S``, ``n`` times
the share of RR sets that ``S`` touches is an unbiased estimate of its expected reach.

Subset sampling (independent cascade)
-------------------------------------
Flipping one coin per entering tie costs ``O(in-degree)`` per person visited, although under
the weighted-cascade rule the ties entering a person carry probabilities summing to 1, so
about one of them is live. Guo, Wang, Wei and Chen (2020, SUBSIM) draw the live entering ties
as a *subset sample* instead, in time proportional to how many are live. Here each person's
entering ties are sorted by decreasing probability once (:func:`prepare`), and the sample is
drawn by geometric jumps: standing at tie ``i`` with ``q = p_i``, the number of ties skipped
before the next candidate is ``floor(ln U / ln(1 - q))`` (geometric: each tie is a candidate
with probability ``q``, independently); the candidate ``j`` is kept with probability
``p_j / q`` (no draw when ``p_j = q``, as under the unweighted rule, where all of a person's
ties are equal), and the walk goes on from ``j + 1`` with ``q = p_{j+1}``. Because the ties
are sorted, ``p_j <= q`` for every tie a jump passes, so tie ``j`` is kept with probability
``q * p_j / q = p_j``, independently of the others: the RR sets have exactly the distribution
of the coin-per-tie search, at ``O(1 + live ties)`` random draws per person instead of
``O(in-degree)``. ``ln(1 - p)`` is precomputed per tie.

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
Guo, Q., Wang, S., Wei, Z. and Chen, M. (2020). Influence maximization revisited: efficient
reverse reachable set generation with bound tightened. SIGMOD '20, 2167-2181.
Bringmann, K. and Panagiotou, K. (2017). Efficient sampling methods for discrete
distributions. Algorithmica 79(2), 484-508 (subset sampling with sorted probabilities).
"""

from __future__ import annotations

import math
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


@dataclass(frozen=True)
class SortedIn:
    """The in-neighbour CSR prepared for subset sampling (:func:`prepare`).

    ``src[ptr[v]:ptr[v + 1]]`` are the people with a tie entering ``v``, sorted by decreasing
    probability ``w``. When every tie entering ``v`` has the same probability (always, under
    the unweighted weighted-cascade rule), ``q[v]`` is that probability and
    ``lq[v] = ln(1 - q[v])``, so the sampler reads no per-tie probability for ``v``;
    otherwise ``q[v] = -1``. When that holds for everyone, ``w`` is empty.
    """

    ptr: np.ndarray
    src: np.ndarray
    w: np.ndarray
    q: np.ndarray
    lq: np.ndarray


def prepare(src: np.ndarray, dst: np.ndarray, p: np.ndarray, n: int) -> SortedIn:
    """The ties ``src -> dst`` (probability ``p``) as the in-neighbour CSR of ``n`` people,
    each person's entering ties by decreasing probability, for :func:`generate`'s subset
    sampling; made once per graph and probabilities, with one sort."""
    order = np.argsort(dst, kind="stable")  # radix sort of the int32 targets
    ptr = np.zeros(n + 1, np.int64)
    np.cumsum(np.bincount(dst, minlength=n), out=ptr[1:])
    in_src = np.ascontiguousarray(src[order], dtype=np.int32)
    w = np.ascontiguousarray(p[order], dtype=np.float64)
    del order
    _sort_segments(ptr, w, in_src)  # each person's ties by decreasing probability, stably
    has = ptr[1:] > ptr[:-1]
    top = np.zeros(n)
    low = np.zeros(n)
    top[has] = w[ptr[:-1][has]]
    low[has] = w[ptr[1:][has] - 1]
    uniform = top == low
    q = np.where(uniform, top, -1.0)
    with np.errstate(divide="ignore"):
        lq = np.log1p(-np.where(uniform, top, 0.0))
    if uniform.all():  # no per-tie probability is ever read: do not keep them
        w = np.zeros(0)
    return SortedIn(ptr, in_src, w, q, lq)


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
    sorted_in: SortedIn | None = None,
) -> RRSets:
    """RR sets ``lo .. hi - 1`` of the stream ``(base, stride * j + offset)``.

    ``in_ptr, in_src, w`` is the in-neighbour CSR of the influence ties
    (:func:`groundswell.diffusion.models.csr_in`) with their probabilities or LT weights.
    With ``sorted_in`` (the same ties, :func:`prepare`'d) under independent cascade, the live
    entering ties are drawn by subset sampling (see the module docstring); without it, one
    coin per tie. The two give RR sets of the same distribution, not the same sets.
    """
    pool = Pool()
    pool.draw(in_ptr, in_src, w, lt=lt, base=base, lo=lo, hi=hi, stride=stride,
              offset=offset, sorted_in=sorted_in)  # fmt: skip
    return pool.sets


class Pool:
    """A collection of RR sets that grows in place: :meth:`draw` appends sets ``lo .. hi - 1``
    into buffers with room to spare, block by block as the threads finish them, so adding
    sets copies at most what is already there (once per growth), not every part twice."""

    def __init__(self) -> None:
        self.ptr = np.zeros(1, np.int64)
        self.nodes = np.zeros(0, np.int32)
        self.count = 0
        self.size = 0

    @property
    def sets(self) -> RRSets:
        """The sets so far (views of the buffers: valid until the next :meth:`draw`)."""
        return RRSets(self.ptr[: self.count + 1], self.nodes[: self.size])

    def _room(self, sets: int, entries: int) -> None:
        if self.count + sets + 1 > len(self.ptr):
            ptr = np.empty(self.count + sets + 1, np.int64)
            ptr[: self.count + 1] = self.ptr[: self.count + 1]
            self.ptr = ptr
        if self.size + entries > len(self.nodes):
            nodes = np.empty(max(self.size + entries, len(self.nodes) * 3 // 2), np.int32)
            nodes[: self.size] = self.nodes[: self.size]
            self.nodes = nodes

    def _add(self, ptr: np.ndarray, nodes: np.ndarray) -> None:
        sets, entries = len(ptr) - 1, len(nodes)
        self._room(sets, entries)
        self.ptr[self.count + 1 : self.count + sets + 1] = ptr[1:] + self.size
        self.nodes[self.size : self.size + entries] = nodes
        self.count += sets
        self.size += entries

    def draw(
        self,
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
        sorted_in: SortedIn | None = None,
    ) -> None:
        """Append the sets ``lo .. hi - 1`` (arguments as :func:`generate`'s)."""
        if hi <= lo:
            return
        n = len(in_ptr) - 1
        tasks = list(pairwise([*range(lo, hi, BLOCK), hi]))
        si = sorted_in

        def one(t: tuple[int, int]) -> tuple[np.ndarray, np.ndarray]:
            if si is not None and not lt:
                return _rr_block_subset(
                    si.ptr, si.src, si.w, si.q, si.lq, base, t[0], t[1], stride, offset, n
                )
            return _rr_block(in_ptr, in_src, w, lt, base, t[0], t[1], stride, offset, n)

        # room for the new sets at the mean size so far, and a tenth more
        mean = self.size / self.count if self.count else 8.0
        self._room(hi - lo, int(1.1 * mean * (hi - lo)))
        threads = max(1, min(numba.get_num_threads(), len(tasks)))
        if threads == 1:
            for t in tasks:
                self._add(*one(t))
        else:
            with ThreadPoolExecutor(threads) as ex:
                for part in ex.map(one, tasks):  # in order, as they finish
                    self._add(*part)


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
def _grow(buf, size, need):  # pragma: no cover - compiled
    """``buf`` (its first ``size`` entries) in an array of at least ``need`` entries."""
    bigger = np.empty(max(2 * len(buf), need), buf.dtype)
    bigger[:size] = buf[:size]
    return bigger


@njit(cache=True, nogil=True)
def _rr_block_subset(iptr, isrc, w, nq, nlq, base, lo, hi, stride, offset, n):  # pragma: no cover
    count = hi - lo
    ptr = np.zeros(count + 1, np.int64)
    buf = np.empty(max(1024, 4 * count), np.int32)
    mark = np.full(n, -1, np.int32)  # the set (numbered within the block) that holds a person
    size = 0
    for j in range(lo, hi):
        jj = np.int32(j - lo)
        state = _stream(base, stride * j + offset)
        state, x = _uniform(state)
        root = min(np.int64(x * n), n - 1)
        if size == len(buf):
            buf = _grow(buf, size, size + 1)
        buf[size] = root
        head = size
        size += 1
        mark[root] = jj
        while head < size:
            v = buf[head]
            head += 1
            i = iptr[v]
            end = iptr[v + 1]
            if size + end - i > len(buf):  # room for every entering tie: no check per push
                buf = _grow(buf, size, size + end - i)
            q = nq[v]
            if q >= 1.0:  # every entering tie is live
                for e in range(i, end):
                    u = isrc[e]
                    if mark[u] != jj:
                        mark[u] = jj
                        buf[size] = u
                        size += 1
            elif q > 0.0:  # all entering ties alike: geometric jumps, every candidate kept
                lq = nlq[v]
                while True:
                    state, x = _uniform(state)
                    skip = math.log(1.0 - x) / lq
                    if skip >= end - i:
                        break
                    i += np.int64(skip)
                    u = isrc[i]
                    if mark[u] != jj:
                        mark[u] = jj
                        buf[size] = u
                        size += 1
                    i += 1
            elif q < 0.0:  # sorted by decreasing probability: jump with q = p_i, keep p_j / q
                while i < end:
                    q = w[i]
                    if q <= 0.0:
                        break  # every tie left is dead
                    if q < 1.0:
                        state, x = _uniform(state)
                        skip = math.log(1.0 - x) / math.log1p(-q)
                        if skip >= end - i:
                            break
                        i += np.int64(skip)
                        if w[i] < q:
                            state, x = _uniform(state)
                            if x * q >= w[i]:
                                i += 1
                                continue
                    u = isrc[i]
                    if mark[u] != jj:
                        mark[u] = jj
                        buf[size] = u
                        size += 1
                    i += 1
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
    # how many people cover each number of uncovered sets: the sum of the kk largest
    # marginal coverages in O(largest) per pick, instead of a partition of all n
    hist = np.zeros(1, np.int64)
    high = 0
    if bound:
        high = deg.max() if n else 0
        hist = np.zeros(high + 1, np.int64)
        for v in range(n):
            hist[deg[v]] += 1
    # no sponsors, quotas or exclusions: the person covering most (lowest index first) from
    # a lazy max-heap keyed deg * (n + 1) + (n - v), instead of a scan of all n per pick
    free = len(include) == 0 and len(quota) == 0
    for v in range(n):
        if not eligible[v]:
            free = False
            break
    heap = np.zeros(n if free else 0, np.int64)
    size = len(heap)
    if free:
        for v in range(n):
            heap[v] = deg[v] * (n + 1) + (n - v)
        for i in range(size // 2 - 1, -1, -1):
            _sift_down(heap, size, i)
    picked = 0
    while picked < k:
        if bound:
            upper = min(upper, total + _top_sum(hist, high, kk))
        best = -1
        if free:
            while size > 0:
                v = n - heap[0] % (n + 1)
                if heap[0] // (n + 1) == deg[v]:  # up to date: the largest
                    best = v
                    size -= 1
                    heap[0] = heap[size]
                    _sift_down(heap, size, 0)
                    break
                heap[0] = deg[v] * (n + 1) + (n - v)  # stale: lower it and look again
                _sift_down(heap, size, 0)
        elif picked < len(include):
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
                u = nodes[j]
                if bound:
                    hist[deg[u]] -= 1
                    hist[deg[u] - 1] += 1
                deg[u] -= 1
        if bound:
            while high > 0 and hist[high] == 0:
                high -= 1
        picked += 1
    if bound:
        upper = min(upper, total + _top_sum(hist, high, kk))
    return order[:picked], gains[:picked], reserved[:picked], upper


@njit(cache=True)
def _sort_segments(ptr, w, src):  # pragma: no cover - compiled
    """Sort ``w[ptr[v]:ptr[v + 1]]`` (and ``src`` alongside) by decreasing value, stably, for
    every ``v``; segments already in order (all of them when probabilities are alike) are
    left as they are."""
    for v in range(len(ptr) - 1):
        lo, hi = ptr[v], ptr[v + 1]
        ordered = True
        for i in range(lo + 1, hi):
            if w[i] > w[i - 1]:
                ordered = False
                break
        if ordered:
            continue
        if hi - lo <= 32:  # insertion sort
            for i in range(lo + 1, hi):
                x, y = w[i], src[i]
                j = i - 1
                while j >= lo and w[j] < x:
                    w[j + 1] = w[j]
                    src[j + 1] = src[j]
                    j -= 1
                w[j + 1] = x
                src[j + 1] = y
        else:
            idx = np.argsort(-w[lo:hi], kind="mergesort")
            w[lo:hi] = w[lo:hi][idx]
            src[lo:hi] = src[lo:hi][idx]


@njit(cache=True)
def _sift_down(heap, size, i):  # pragma: no cover - compiled
    """Restore the max-heap ``heap[:size]`` below position ``i``."""
    x = heap[i]
    while True:
        c = 2 * i + 1
        if c >= size:
            break
        if c + 1 < size and heap[c + 1] > heap[c]:
            c += 1
        if heap[c] <= x:
            break
        heap[i] = heap[c]
        i = c
    heap[i] = x


@njit(cache=True)
def _top_sum(hist, high, kk):  # pragma: no cover - compiled
    """The sum of the ``kk`` largest values, from their histogram (largest value ``high``)."""
    out = 0
    left = kk
    d = high
    while left > 0 and d > 0:
        take = min(hist[d], left)
        out += take * d
        left -= take
        d -= 1
    return out


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

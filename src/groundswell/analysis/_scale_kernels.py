"""numba kernels of the scale path: sampled shortest paths and hop-distance harmonic sums.

:func:`path_samples` draws the shortest paths of Riondato & Kornaropoulos' betweenness
estimate: for each sampled pair (s, t) one shortest path from s to t, drawn uniformly among
all of them, found by a bidirectional Dijkstra search (forward from s on out-ties, backward
from t on in-ties, the side with the smaller queue goes next). Stopping when the two queue
heads sum to more than the shortest distance mu found so far (strictly, beyond a relative
tolerance) leaves every vertex of every shortest path settled by at least one side, so each
shortest path crosses from the forward-settled set F to a backward-settled vertex outside F
by exactly one tie (u, w) with ``df(u) + len(u, w) + db(w) = mu`` — or lies in F entirely
when t is in F. The number of shortest paths is the sum of ``sigma_f(u) * sigma_b(w)`` over
those ties (or ``sigma_f(t)``); one tie is drawn in proportion, then the path is walked back
to s through forward predecessors and on to t through backward successors, each drawn in
proportion to its number of shortest paths. Every vertex of the path other than s and t
counts once.

Two tentative distances are equal when they differ by at most ``RTOL`` of the larger (both
sides add tie lengths in different orders, so exact float equality would split paths that
are equally long); distinct path lengths differ by far more when lengths are ``1 / weight``
with integer-like weights.

Randomness comes from a SplitMix64 stream seeded per sample, so the result does not depend
on the number of threads: samples are cut into fixed chunks, each counting into its own row.

:func:`hop_harmonic` adds ``1 / d`` and ``1 / d**2`` (hop distances) from every source to
every person reached, for the harmonic estimate and its empirical-Bernstein bound. The
sources are searched up to 64 at a time, one bit each in a 64-bit mask per person
(multi-source breadth-first search, Then et al. 2014): a tie is read once for all the
searches that cross it at that level. Each person's distance from each source is kept in a
byte, and the terms are added in source order afterwards, so the sums are those of one
search per source, bit for bit. The searches are direction-optimising (Beamer et al.
2012): once a level's frontier is large, the people not yet reached by every source look
for ties into it instead of the frontier scanning all its ties.

References
----------
Riondato, M. and Kornaropoulos, E. M. (2016). Fast approximation of betweenness centrality
through sampling. Data Mining and Knowledge Discovery 30(2).
Borassi, M. and Natale, E. (2019). KADABRA is an ADaptive Algorithm for Betweenness via
Random Approximation. ACM J. Exp. Algorithmics 24 (the balanced bidirectional search).
Beamer, S., Asanović, K. and Patterson, D. (2012). Direction-optimizing breadth-first
search. SC '12.
Then, M., Kaufmann, M., Chirigati, F., Hoang-Vu, T.-A., Pham, K., Kemper, A., Neumann, T.
and Vo, H. T. (2014). The more the merrier: efficient multi-source graph traversal. PVLDB
8(4).
Steele, G. L., Lea, D. and Flood, C. H. (2014). Fast splittable pseudorandom number
generators. OOPSLA (SplitMix64).
"""

from __future__ import annotations

import numba
import numpy as np
from numba import njit, prange

#: Relative tolerance under which two path lengths are equal.
RTOL = 1e-10
#: Fixed number of chunks of samples or sources (the unit of parallel work).
_CHUNKS = 16
#: Direction-optimising breadth-first search: a level goes bottom-up when ALPHA times the
#: frontier's out-ties exceeds the in-ties of the people not yet reached (Beamer et al.'s
#: alpha, 14).
ALPHA = 14.0


@njit(cache=True, inline="always")
def _uniform(state: np.ndarray) -> float:
    """A float in [0, 1) from the SplitMix64 stream held in ``state[0]``."""
    state[0] = state[0] + np.uint64(0x9E3779B97F4A7C15)
    z = state[0]
    z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
    z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
    z = z ^ (z >> np.uint64(31))
    return float(z >> np.uint64(11)) * (1.0 / 9007199254740992.0)


@njit(cache=True, inline="always")
def _eq(a: float, b: float) -> bool:
    return abs(a - b) <= RTOL * max(a, b)


@njit(cache=True, inline="always")
def _push(
    hd: np.ndarray, hv: np.ndarray, size: int, d: float, v: int
) -> tuple[np.ndarray, np.ndarray, int]:
    """Push (d, v) on the binary heap (arrays grown when full); returns (hd, hv, size)."""
    if size == len(hd):
        nd_ = np.empty(2 * len(hd))
        nv_ = np.empty(2 * len(hv), dtype=np.int64)
        nd_[:size] = hd[:size]
        nv_[:size] = hv[:size]
        hd, hv = nd_, nv_
    j = size
    size += 1
    while j > 0:
        parent = (j - 1) >> 1
        if hd[parent] > d:
            hd[j] = hd[parent]
            hv[j] = hv[parent]
            j = parent
        else:
            break
    hd[j] = d
    hv[j] = v
    return hd, hv, size


@njit(cache=True, inline="always")
def _pop(hd: np.ndarray, hv: np.ndarray, size: int) -> int:
    """Remove the root of the heap; returns the new size."""
    size -= 1
    if size > 0:
        kd = hd[size]
        kv = hv[size]
        j = 0
        while True:
            child = 2 * j + 1
            if child >= size:
                break
            if child + 1 < size and hd[child + 1] < hd[child]:
                child += 1
            if hd[child] < kd:
                hd[j] = hd[child]
                hv[j] = hv[child]
                j = child
            else:
                break
        hd[j] = kd
        hv[j] = kv
    return size


@njit(cache=True, inline="always")
def _relax(
    v: int,
    d: float,
    indptr: np.ndarray,
    indices: np.ndarray,
    length: np.ndarray,
    dist: np.ndarray,
    sigma: np.ndarray,
    other: np.ndarray,
    state: np.ndarray,
    side: int,
    hd: np.ndarray,
    hv: np.ndarray,
    size: int,
    touched: np.ndarray,
    nt: int,
    mu: float,
) -> tuple[np.ndarray, np.ndarray, int, int, float]:
    """One side of the bidirectional search settles v at distance d: relax v's ties (that
    side's CSR; ``dist``/``sigma`` that side's, ``other`` the other side's distances,
    ``side`` its bit of ``state``), pushing onto that side's heap, recording people first
    reached in ``touched`` and lowering ``mu`` where the two sides meet. Returns (hd, hv,
    size, nt, mu)."""
    sv = sigma[v]
    for e in range(indptr[v], indptr[v + 1]):
        w = indices[e]
        if state[w] & side:
            continue
        nd = d + length[e]
        if dist[w] == np.inf:
            if other[w] == np.inf:
                touched[nt] = w
                nt += 1
            dist[w] = nd
            sigma[w] = sv
            hd, hv, size = _push(hd, hv, size, nd, w)
        elif _eq(nd, dist[w]):
            sigma[w] += sv
        elif nd < dist[w]:
            dist[w] = nd
            sigma[w] = sv
            hd, hv, size = _push(hd, hv, size, nd, w)
        if other[w] < np.inf and nd + other[w] < mu:
            mu = nd + other[w]
    return hd, hv, size, nt, mu


@njit(cache=True, inline="always")
def _step(
    x: int,
    indptr: np.ndarray,
    indices: np.ndarray,
    length: np.ndarray,
    dist: np.ndarray,
    sigma: np.ndarray,
    state: np.ndarray,
    side: int,
    rng: np.ndarray,
) -> int:
    """One step of a drawn shortest path away from x, towards that side's search root:
    among x's ties (in that side's CSR) to people settled by that side (bit ``side`` of
    ``state``) one step nearer the root by ``dist``, one drawn in proportion to its number of
    shortest paths ``sigma``; -1 when there is none."""
    pick = _uniform(rng) * sigma[x]
    acc = 0.0
    nxt = -1
    for e in range(indptr[x], indptr[x + 1]):
        q = indices[e]
        if state[q] & side and _eq(dist[q] + length[e], dist[x]):
            acc += sigma[q]
            nxt = q
            if acc > pick:
                break
    return nxt


def path_samples(
    indptr: np.ndarray,
    indices: np.ndarray,
    length: np.ndarray,
    rindptr: np.ndarray,
    rindices: np.ndarray,
    rlength: np.ndarray,
    pairs: np.ndarray,
    seeds: np.ndarray,
) -> tuple[np.ndarray, int]:
    """How many of the sampled shortest paths pass through each person, and how many
    sampled pairs were joined by a path.

    ``indptr``/``indices``/``length``: out-ties in CSR form; ``rindptr``/``rindices``/
    ``rlength``: in-ties (for an undirected graph both hold every tie both ways).
    ``pairs``: (r, 2) int64 of (s, t) with s != t; ``seeds``: r uint64, one per sample.
    """
    r = len(pairs)
    chunks = max(1, min(_CHUNKS, r))
    bounds = np.linspace(0, r, chunks + 1).round().astype(np.int64)
    threads = numba.get_num_threads()
    numba.set_num_threads(threads if r >= 64 else 1)
    try:
        rows, joined = _path_samples(
            np.ascontiguousarray(indptr, dtype=np.int64),
            np.ascontiguousarray(indices, dtype=np.int32),
            np.ascontiguousarray(length, dtype=np.float64),
            np.ascontiguousarray(rindptr, dtype=np.int64),
            np.ascontiguousarray(rindices, dtype=np.int32),
            np.ascontiguousarray(rlength, dtype=np.float64),
            np.ascontiguousarray(pairs, dtype=np.int64),
            np.ascontiguousarray(seeds, dtype=np.uint64),
            bounds,
        )
    finally:
        numba.set_num_threads(threads)
    return rows.sum(axis=0), int(joined.sum())


@njit(cache=True, parallel=True)
def _path_samples(
    indptr: np.ndarray,
    indices: np.ndarray,
    length: np.ndarray,
    rindptr: np.ndarray,
    rindices: np.ndarray,
    rlength: np.ndarray,
    pairs: np.ndarray,
    seeds: np.ndarray,
    bounds: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    n = len(indptr) - 1
    chunks = len(bounds) - 1
    rows = np.zeros((chunks, n), dtype=np.int64)
    joined = np.zeros(chunks, dtype=np.int64)
    for c in prange(chunks):
        joined[c] = _sample_chunk(
            indptr, indices, length, rindptr, rindices, rlength, pairs, seeds,
            bounds[c], bounds[c + 1], rows[c],
        )  # fmt: skip
    return rows, joined


@njit(cache=True)
def _sample_chunk(
    indptr: np.ndarray,
    indices: np.ndarray,
    length: np.ndarray,
    rindptr: np.ndarray,
    rindices: np.ndarray,
    rlength: np.ndarray,
    pairs: np.ndarray,
    seeds: np.ndarray,
    lo: int,
    hi: int,
    count: np.ndarray,
) -> int:
    """The samples lo..hi-1 (see :func:`path_samples`), counted into ``count``; returns how
    many pairs were joined by a path."""
    n = len(indptr) - 1
    joined = 0
    df = np.full(n, np.inf)
    db = np.full(n, np.inf)
    sf = np.zeros(n)
    sb = np.zeros(n)
    state = np.zeros(n, dtype=np.int8)  # bit 1: settled forward, bit 2: backward
    touched = np.empty(n, dtype=np.int64)
    settled_f = np.empty(n, dtype=np.int64)
    cross_u = np.empty(16, dtype=np.int64)
    cross_w = np.empty(16, dtype=np.int64)
    cross_c = np.empty(16)
    hfd = np.empty(1024)
    hfv = np.empty(1024, dtype=np.int64)
    hbd = np.empty(1024)
    hbv = np.empty(1024, dtype=np.int64)
    rng = np.zeros(1, dtype=np.uint64)
    for i in range(lo, hi):
        s = pairs[i, 0]
        t = pairs[i, 1]
        rng[0] = seeds[i]
        nt = 0
        nf = 0
        df[s] = 0.0
        sf[s] = 1.0
        db[t] = 0.0
        sb[t] = 1.0
        touched[nt] = s
        nt += 1
        touched[nt] = t
        nt += 1
        hfd[0] = 0.0
        hfv[0] = s
        fsize = 1
        hbd[0] = 0.0
        hbv[0] = t
        bsize = 1
        mu = np.inf
        while True:
            # drop stale or settled heads
            while fsize > 0 and (hfd[0] > df[hfv[0]] or state[hfv[0]] & 1):
                fsize = _pop(hfd, hfv, fsize)
            while bsize > 0 and (hbd[0] > db[hbv[0]] or state[hbv[0]] & 2):
                bsize = _pop(hbd, hbv, bsize)
            if fsize == 0 or bsize == 0:
                break
            if hfd[0] + hbd[0] > mu and not _eq(hfd[0] + hbd[0], mu):
                break
            if fsize <= bsize:
                v = hfv[0]
                d = hfd[0]
                fsize = _pop(hfd, hfv, fsize)
                state[v] |= 1
                settled_f[nf] = v
                nf += 1
                hfd, hfv, fsize, nt, mu = _relax(
                    v, d, indptr, indices, length, df, sf, db, state, 1,
                    hfd, hfv, fsize, touched, nt, mu,
                )  # fmt: skip
            else:
                v = hbv[0]
                d = hbd[0]
                bsize = _pop(hbd, hbv, bsize)
                state[v] |= 2
                hbd, hbv, bsize, nt, mu = _relax(
                    v, d, rindptr, rindices, rlength, db, sb, df, state, 2,
                    hbd, hbv, bsize, touched, nt, mu,
                )  # fmt: skip
        if mu < np.inf:
            joined += 1
            if state[t] & 1:  # every shortest path lies in F
                x = t
            else:  # draw the crossing tie (u, w) in proportion to its paths
                nc = 0
                total = 0.0
                for k in range(nf):
                    u = settled_f[k]
                    for e in range(indptr[u], indptr[u + 1]):
                        w = indices[e]
                        if state[w] & 1 or not state[w] & 2:
                            continue
                        if _eq(df[u] + length[e] + db[w], mu):
                            if nc == len(cross_u):
                                cross_u = np.concatenate((cross_u, cross_u))
                                cross_w = np.concatenate((cross_w, cross_w))
                                cross_c = np.concatenate((cross_c, cross_c))
                            total += sf[u] * sb[w]
                            cross_u[nc] = u
                            cross_w[nc] = w
                            cross_c[nc] = total
                            nc += 1
                pick = _uniform(rng) * total
                k = 0
                while k < nc - 1 and cross_c[k] <= pick:
                    k += 1
                x = cross_u[k]
                y = cross_w[k]
                # on from w to t through backward successors
                while y != t:
                    count[y] += 1
                    y = _step(y, indptr, indices, length, db, sb, state, 2, rng)
                    if y < 0:  # pragma: no cover - cannot happen on a shortest path
                        break
                if x != s:
                    count[x] += 1
            # back from x to s through forward predecessors (x itself counted already)
            while x != s:
                x = _step(x, rindptr, rindices, rlength, df, sf, state, 1, rng)
                if x < 0:  # pragma: no cover - cannot happen on a shortest path
                    break
                if x != s:
                    count[x] += 1
        for k in range(nt):
            u = touched[k]
            df[u] = np.inf
            db[u] = np.inf
            sf[u] = 0.0
            sb[u] = 0.0
            state[u] = 0
    return joined


def hop_harmonic(
    indptr: np.ndarray,
    indices: np.ndarray,
    sources: np.ndarray,
    rindptr: np.ndarray | None = None,
    rindices: np.ndarray | None = None,
    alpha: float = ALPHA,
    multi: bool = True,
) -> tuple[np.ndarray, np.ndarray]:
    """Sums over ``sources`` of ``1 / d(s, u)`` and ``1 / d(s, u)**2`` (hop distances,
    out-ties; 0 when s does not reach u, and for u = s).

    ``rindptr``/``rindices``: the in-ties in CSR form (None: the out-ties, for a graph
    that holds every tie both ways). Each search is direction-optimising (Beamer, Asanović
    and Patterson 2012): a level is expanded top-down (the frontier's out-ties) or, when
    ``alpha`` times the frontier's out-ties exceeds the in-ties of the people not yet
    reached, bottom-up (each person not yet reached looks through their in-ties for one in
    the frontier, and stops at the first). Both give the same levels, so the same sums, bit
    for bit: each person gets one term per source, in source order. ``alpha = 0``: top-down
    only.

    ``multi`` (the default): the sources of a chunk are searched together, up to 64 at a
    time, one bit each in a 64-bit mask per person (multi-source breadth-first search, Then
    et al. 2014); each person's hop distance from each source is kept, then added in source
    order, so the sums are the same numbers as one search per source, bit for bit. A chunk
    whose searches go deeper than :data:`MS_MAX_LEVEL` levels is searched again one source
    at a time. ``multi=False``: one search per source.
    """
    k = len(sources)
    chunks = max(1, min(_CHUNKS, k))
    bounds = np.linspace(0, k, chunks + 1).round().astype(np.int64)
    if rindptr is None or rindices is None:
        rindptr, rindices = indptr, indices
    args = (
        np.ascontiguousarray(indptr, dtype=np.int64),
        np.ascontiguousarray(indices, dtype=np.int32),
        np.ascontiguousarray(rindptr, dtype=np.int64),
        np.ascontiguousarray(rindices, dtype=np.int32),
        np.ascontiguousarray(sources, dtype=np.int64),
    )
    threads = numba.get_num_threads()
    numba.set_num_threads(threads if k * max(1, len(indices)) >= 1 << 22 else 1)
    try:
        if not multi:
            s1, s2 = _hop_harmonic(*args, bounds, float(alpha))
        else:
            s1, s2, deep = _hop_harmonic_multi(*args, bounds, float(alpha))
            for c in np.flatnonzero(deep):  # too deep for the byte distances: one at a time
                r1, r2 = _hop_harmonic(*args, bounds[c : c + 2], float(alpha))
                s1[c], s2[c] = r1[0], r2[0]
    finally:
        numba.set_num_threads(threads)
    return s1.sum(axis=0), s2.sum(axis=0)


#: The deepest level the multi-source search keeps (hop distances held in one byte).
MS_MAX_LEVEL = 255
_DEBRUIJN = np.uint64(0x03F79D71B4CB0A89)
_DEBRUIJN_BIT = np.array(
    [
        0, 1, 48, 2, 57, 49, 28, 3, 61, 58, 50, 42, 38, 29, 17, 4,
        62, 55, 59, 36, 53, 51, 43, 22, 45, 39, 33, 30, 24, 18, 12, 5,
        63, 47, 56, 27, 60, 41, 37, 16, 54, 35, 52, 21, 44, 32, 23, 11,
        46, 26, 40, 15, 34, 20, 31, 10, 25, 14, 19, 9, 13, 8, 7, 6,
    ],
    dtype=np.int64,
)  # fmt: skip


@njit(cache=True, parallel=True)
def _hop_harmonic_multi(
    indptr: np.ndarray,
    indices: np.ndarray,
    rindptr: np.ndarray,
    rindices: np.ndarray,
    sources: np.ndarray,
    bounds: np.ndarray,
    alpha: float,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """:func:`_hop_harmonic` by multi-source searches of up to 64 sources (see
    :func:`hop_harmonic`); the third array flags the chunks that went deeper than
    :data:`MS_MAX_LEVEL` (their rows are left to be redone)."""
    n = len(indptr) - 1
    m = len(rindices)
    chunks = len(bounds) - 1
    s1 = np.zeros((chunks, n))
    s2 = np.zeros((chunks, n))
    deep = np.zeros(chunks, dtype=np.bool_)
    inv1 = np.zeros(MS_MAX_LEVEL + 1)
    inv2 = np.zeros(MS_MAX_LEVEL + 1)
    for d in range(1, MS_MAX_LEVEL + 1):
        inv = 1.0 / d
        inv1[d] = inv
        inv2[d] = inv * inv
    debruijn = _DEBRUIJN
    table = _DEBRUIJN_BIT
    for c in prange(chunks):
        seen = np.zeros(n, dtype=np.uint64)
        visit = np.zeros(n, dtype=np.uint64)  # the frontier's bits
        nxt = np.zeros(n, dtype=np.uint64)  # bits reaching each person this level
        front = np.empty(n, dtype=np.int64)
        front2 = np.empty(n, dtype=np.int64)
        touched = np.empty(n, dtype=np.int64)
        dist = np.zeros(n * 64, dtype=np.uint8)  # person w, source b: dist[64 w + b]
        lo = bounds[c]
        while lo < bounds[c + 1] and not deep[c]:
            hi = min(lo + 64, bounds[c + 1])
            nb = hi - lo
            full = (
                np.uint64(0xFFFFFFFFFFFFFFFF)
                if nb == 64
                else (np.uint64(1) << np.uint64(nb)) - np.uint64(1)
            )
            nf = 0
            for b in range(nb):
                s = sources[lo + b]
                bit = np.uint64(1) << np.uint64(b)
                if visit[s] == 0:
                    front[nf] = s
                    nf += 1
                seen[s] |= bit
                visit[s] |= bit
            unreached = m  # in-ties of people some source has not reached
            for q in range(nf):
                s = front[q]
                if seen[s] == full:
                    unreached -= rindptr[s + 1] - rindptr[s]
            level = 0
            while nf > 0:
                if level == MS_MAX_LEVEL:
                    deep[c] = True
                    break
                level += 1
                out = 0  # the frontier's out-ties
                for q in range(nf):
                    v = front[q]
                    out += indptr[v + 1] - indptr[v]
                nf2 = 0
                if alpha * out > unreached:  # bottom-up: each person looks at their in-ties
                    for w in range(n):
                        need = full & ~seen[w]
                        if need == 0:
                            continue
                        got = np.uint64(0)
                        for e in range(rindptr[w], rindptr[w + 1]):
                            got |= visit[rindices[e]]
                            if got & need == need:
                                break
                        got &= need
                        if got != 0:
                            nxt[w] = got
                            front2[nf2] = w
                            nf2 += 1
                else:  # top-down: the frontier pushes its bits along its out-ties
                    nt = 0
                    for q in range(nf):
                        v = front[q]
                        x = visit[v]
                        for e in range(indptr[v], indptr[v + 1]):
                            w = indices[e]
                            if nxt[w] == 0:
                                touched[nt] = w
                                nt += 1
                            nxt[w] |= x
                    for q in range(nt):
                        w = touched[q]
                        got = nxt[w] & ~seen[w]
                        if got != 0:
                            nxt[w] = got
                            front2[nf2] = w
                            nf2 += 1
                        else:
                            nxt[w] = 0
                for q in range(nf):
                    visit[front[q]] = 0
                for q in range(nf2):
                    w = front2[q]
                    got = nxt[w]
                    nxt[w] = 0
                    visit[w] = got
                    seen[w] |= got
                    if seen[w] == full:
                        unreached -= rindptr[w + 1] - rindptr[w]
                    base = 64 * w
                    while got != 0:
                        low = got & (~got + np.uint64(1))
                        dist[base + table[(low * debruijn) >> np.uint64(58)]] = level
                        got ^= low
                front, front2 = front2, front
                nf = nf2
            if deep[c]:
                break
            # each person's terms in source order, as one search per source adds them
            for w in range(n):
                if seen[w] == 0:
                    continue
                base = 64 * w
                a1 = s1[c, w]
                a2 = s2[c, w]
                for b in range(nb):
                    d = dist[base + b]
                    if d != 0:
                        a1 += inv1[d]
                        a2 += inv2[d]
                        dist[base + b] = 0
                s1[c, w] = a1
                s2[c, w] = a2
                seen[w] = 0
            for q in range(nf):
                visit[front[q]] = 0
            lo = hi
    return s1, s2, deep


@njit(cache=True, parallel=True)
def _hop_harmonic(
    indptr: np.ndarray,
    indices: np.ndarray,
    rindptr: np.ndarray,
    rindices: np.ndarray,
    sources: np.ndarray,
    bounds: np.ndarray,
    alpha: float,
) -> tuple[np.ndarray, np.ndarray]:
    n = len(indptr) - 1
    m = len(rindices)
    chunks = len(bounds) - 1
    s1 = np.zeros((chunks, n))
    s2 = np.zeros((chunks, n))
    for c in prange(chunks):
        dist = np.full(n, -1, dtype=np.int32)
        queue = np.empty(n, dtype=np.int64)  # everyone reached, level by level
        for i in range(bounds[c], bounds[c + 1]):
            s = sources[i]
            dist[s] = 0
            queue[0] = s
            head = 0
            tail = 1
            level = 0
            unreached = m - (rindptr[s + 1] - rindptr[s])  # in-ties of people not reached
            while head < tail:
                out = 0  # the frontier's out-ties
                for q in range(head, tail):
                    v = queue[q]
                    out += indptr[v + 1] - indptr[v]
                nxt = tail
                dv = level + 1
                inv = 1.0 / dv
                if alpha * out > unreached:  # bottom-up
                    for w in range(n):
                        if dist[w] >= 0:
                            continue
                        for e in range(rindptr[w], rindptr[w + 1]):
                            if dist[rindices[e]] == level:
                                dist[w] = dv
                                queue[nxt] = w
                                nxt += 1
                                unreached -= rindptr[w + 1] - rindptr[w]
                                s1[c, w] += inv
                                s2[c, w] += inv * inv
                                break
                else:  # top-down
                    for q in range(head, tail):
                        v = queue[q]
                        for e in range(indptr[v], indptr[v + 1]):
                            w = indices[e]
                            if dist[w] < 0:
                                dist[w] = dv
                                queue[nxt] = w
                                nxt += 1
                                unreached -= rindptr[w + 1] - rindptr[w]
                                s1[c, w] += inv
                                s2[c, w] += inv * inv
                head = tail
                tail = nxt
                level = dv
            for q in range(tail):
                dist[queue[q]] = -1
    return s1, s2

"""The numba kernel behind betweenness and harmonic closeness: one pass of shortest paths.

For each source s the kernel runs one single-source shortest-path search (breadth-first when
every tie has length 1; otherwise Dijkstra with Dial's circular buckets of width just below
the shortest tie length, or a binary heap with lazy deletion when the longest tie is more
than ``_MAX_BUCKETS`` times the shortest or a search visits too many empty buckets) that records
the order in which people are settled, their distance d(s, .) and their number of shortest
paths sigma (float64). From the same search it adds

- ``1 / d(s, u)`` to the harmonic sum of every person u reached (u != s): harmonic closeness
  counts paths *towards* u, as NetworkX's ``harmonic_centrality``;
- the dependency ``delta_s(v)`` of s on every v != s to v's betweenness (Brandes 2001): people
  are visited in reverse settling order and ``delta_s(v) = sigma(v) * sum_w (1 + delta_s(w)) /
  sigma(w)`` over the ties v -> w on a shortest path, i.e. with ``d(v) + len(v, w) == d(w)``.

Shortest-path ties are decided exactly as NetworkX does: a tentative distance is
``d(v) + len(v, w)`` (that summation order), and two paths are equally short when these
floats are equal (no tolerance), so with repeated weights the same predecessors count. The
accumulation pulls from the successors w of v, which is the predecessor relation of Brandes'
algorithm read from the other end (the predecessors of w are the v with ``d(v) + len(v, w) ==
d(w)``) and needs no in-tie adjacency: while v is settled, the search records each tie v -> w
that lowered or equalled w's tentative distance, with that distance; the accumulation keeps
those still equal to the final d(w) (for breadth-first search, all of them).

Sources are cut into a fixed number of chunks (independent of the number of threads), run in
parallel (``prange``); each chunk sums its sources in order into its own rows, and the rows
are added in chunk order at the end, so the result is the same whatever the thread count.
Small problems run on one thread (waiting for a second OpenMP thread on a busy machine costs
more than the work). One kernel, one signature (int64 row pointers, int32 neighbours, float64
lengths, int64 sources), compiled once and cached on disk.

References
----------
Brandes, U. (2001). A faster algorithm for betweenness centrality. J. Math. Sociol. 25(2).
Dial, R. B. (1969). Algorithm 360: shortest-path forest with topological ordering. CACM 12.
"""

from __future__ import annotations

import numba
import numpy as np
from numba import njit, prange

#: Rows of per-chunk accumulators: the unit of parallel work (fixed, for determinism).
_CHUNKS = 16
#: Sources x arcs below which one thread is used.
_PARALLEL_WORK = 1 << 22
#: Most circular buckets (longest / shortest tie length) before Dijkstra uses a heap instead.
_MAX_BUCKETS = 1 << 16
#: Empty buckets one search may visit, per person and tie, before it starts again on a heap.
_MAX_SCANS_PER_TIE = 1


def shortest_path_sums(
    indptr: np.ndarray,
    indices: np.ndarray,
    length: np.ndarray,
    sources: np.ndarray,
    *,
    unit: bool,
    betweenness: bool = True,
) -> tuple[np.ndarray, np.ndarray]:
    """(dependency sums, harmonic sums) over ``sources`` of the graph in out-tie CSR form.

    ``indptr``, ``indices``, ``length``: the out-ties of each person (both directions of an
    undirected tie), with positive lengths. ``unit``: every length is 1 (breadth-first
    search). Returns two float64 arrays of n: the sum over sources s of the Brandes
    dependency ``delta_s(v)`` (zeros when not ``betweenness``) and of ``1 / d(s, v)``.
    """
    indptr = np.ascontiguousarray(indptr, dtype=np.int64)
    sources = np.ascontiguousarray(sources, dtype=np.int64)
    chunks = max(1, min(_CHUNKS, len(sources)))
    bounds = np.linspace(0, len(sources), chunks + 1).round().astype(np.int64)
    length = np.ascontiguousarray(length, dtype=np.float64)
    inv_width, n_buckets = 0.0, 0
    if not unit and len(length):
        # bucket width just below the shortest length: d / width + 1 stays clear of rounding
        width = float(length.min()) * (1.0 - 1e-9)
        buckets = int(float(length.max()) / width) + 2
        if buckets <= _MAX_BUCKETS:
            inv_width, n_buckets = 1.0 / width, buckets
    threads = numba.get_num_threads()  # this thread's setting (numba keeps one per thread)
    work = len(sources) * max(1, len(indices))
    numba.set_num_threads(threads if work >= _PARALLEL_WORK else 1)
    try:
        return _paths(
            indptr,
            np.ascontiguousarray(indices, dtype=np.int32),
            length,
            sources,
            bounds,
            unit,
            betweenness,
            inv_width,
            n_buckets,
            _MAX_SCANS_PER_TIE * (len(indptr) + len(indices)),
        )
    finally:
        numba.set_num_threads(threads)


@njit(cache=True, parallel=True)
def _paths(
    indptr: np.ndarray,
    indices: np.ndarray,
    length: np.ndarray,
    sources: np.ndarray,
    bounds: np.ndarray,
    unit: bool,
    betweenness: bool,
    inv_width: float,
    n_buckets: int,
    max_scans: int,
) -> tuple[np.ndarray, np.ndarray]:
    n = len(indptr) - 1
    m = len(indices)
    chunks = len(bounds) - 1
    btw_rows = np.zeros((chunks, n))
    hc_rows = np.zeros((chunks, n))
    for c in prange(chunks):
        dist = np.full(n, np.inf)
        sigma = np.zeros(n)
        coeff = np.zeros(n)
        order = np.empty(n, dtype=np.int64)
        # candidate shortest-path ties (v, w), grouped by v in settling order: the ties of
        # the k-th person settled are rec_w[rec_ptr[k]:rec_ptr[k + 1]], reached at rec_d
        rec_ptr = np.zeros(n + 1, dtype=np.int64)
        rec_w = np.empty(m if betweenness else 0, dtype=np.int64)
        rec_d = np.empty(m if betweenness else 0)
        pool = 0 if unit else m + 1
        ent_v = np.empty(pool, dtype=np.int64)  # heap, or bucket entries (person, distance)
        ent_d = np.empty(pool)
        ent_next = np.empty(pool if n_buckets > 0 else 0, dtype=np.int64)
        head = np.full(n_buckets, -1, dtype=np.int64)
        for i in range(bounds[c], bounds[c + 1]):
            s = sources[i]
            if unit:
                reached = _bfs(s, indptr, indices, dist, sigma, order, rec_ptr, rec_w, rec_d,
                               betweenness)  # fmt: skip
            else:
                reached = -1
                if n_buckets > 0:
                    reached = _bucket_search(
                        s, indptr, indices, length, dist, sigma, order, rec_ptr, rec_w,
                        rec_d, betweenness, inv_width, head, ent_v, ent_d, ent_next, max_scans,
                    )  # fmt: skip
                    if reached < 0:  # too many empty buckets: start again with the heap
                        for u in range(n):
                            dist[u] = np.inf
                            sigma[u] = 0.0
                if reached < 0:
                    reached = _heap_search(
                        s, indptr, indices, length, dist, sigma, order, rec_ptr, rec_w,
                        rec_d, betweenness, ent_v, ent_d,
                    )  # fmt: skip
            for k in range(1, reached):
                u = order[k]
                hc_rows[c, u] += 1.0 / dist[u]
            if betweenness:
                # Brandes' accumulation, pulled from the successors: delta(v) = sigma(v) *
                # sum_w coeff(w), coeff(w) = (1 + delta(w)) / sigma(w), in reverse order
                for k in range(reached - 1, 0, -1):
                    v = order[k]
                    acc = 0.0
                    for j in range(rec_ptr[k], rec_ptr[k + 1]):
                        w = rec_w[j]
                        if dist[w] == rec_d[j]:  # still the shortest: a DAG tie v -> w
                            acc += coeff[w]
                    delta_v = sigma[v] * acc
                    coeff[v] = (1.0 + delta_v) / sigma[v]
                    btw_rows[c, v] += delta_v
            for k in range(reached):
                u = order[k]
                dist[u] = np.inf
                sigma[u] = 0.0
                coeff[u] = 0.0
    btw = np.zeros(n)
    hc = np.zeros(n)
    for c in range(chunks):  # in chunk order, whatever thread ran each chunk
        btw += btw_rows[c]
        hc += hc_rows[c]
    return btw, hc


@njit(cache=True)
def _bfs(
    s: int,
    indptr: np.ndarray,
    indices: np.ndarray,
    dist: np.ndarray,
    sigma: np.ndarray,
    order: np.ndarray,
    rec_ptr: np.ndarray,
    rec_w: np.ndarray,
    rec_d: np.ndarray,
    record: bool,
) -> int:
    """Breadth-first search from s (every tie of length 1); the number of people reached."""
    dist[s] = 0.0
    sigma[s] = 1.0
    order[0] = s
    reached = 1
    front = 0
    nrec = 0
    while front < reached:
        v = order[front]
        rec_ptr[front] = nrec
        front += 1
        dw = dist[v] + 1.0
        sv = sigma[v]
        for e in range(indptr[v], indptr[v + 1]):
            w = indices[e]
            if dist[w] == np.inf:
                dist[w] = dw
                order[reached] = w
                reached += 1
            if dist[w] == dw:
                sigma[w] += sv
                if record:
                    rec_w[nrec] = w
                    rec_d[nrec] = dw
                    nrec += 1
    rec_ptr[reached] = nrec
    return reached


@njit(cache=True)
def _heap_search(
    s: int,
    indptr: np.ndarray,
    indices: np.ndarray,
    length: np.ndarray,
    dist: np.ndarray,
    sigma: np.ndarray,
    order: np.ndarray,
    rec_ptr: np.ndarray,
    rec_w: np.ndarray,
    rec_d: np.ndarray,
    record: bool,
    heap_v: np.ndarray,
    heap_d: np.ndarray,
) -> int:
    """Dijkstra from s, binary heap with lazy deletion; the number of people settled."""
    dist[s] = 0.0
    sigma[s] = 1.0
    heap_d[0] = 0.0
    heap_v[0] = s
    size = 1
    reached = 0
    nrec = 0
    while size > 0:
        d = heap_d[0]
        v = heap_v[0]
        size -= 1
        if size > 0:  # move the last entry to the root and sift it down
            kd = heap_d[size]
            kv = heap_v[size]
            j = 0
            while True:
                child = 2 * j + 1
                if child >= size:
                    break
                if child + 1 < size and heap_d[child + 1] < heap_d[child]:
                    child += 1
                if heap_d[child] < kd:
                    heap_d[j] = heap_d[child]
                    heap_v[j] = heap_v[child]
                    j = child
                else:
                    break
            heap_d[j] = kd
            heap_v[j] = kv
        if d > dist[v]:
            continue  # stale: v was settled at a shorter distance
        order[reached] = v
        rec_ptr[reached] = nrec
        reached += 1
        sv = sigma[v]
        for e in range(indptr[v], indptr[v + 1]):
            w = indices[e]
            nd = d + length[e]  # NetworkX: dist + weight(v, w)
            if nd < dist[w]:
                dist[w] = nd
                sigma[w] = sv
                j = size  # push (nd, w) and sift it up
                size += 1
                while j > 0:
                    parent = (j - 1) >> 1
                    if heap_d[parent] > nd:
                        heap_d[j] = heap_d[parent]
                        heap_v[j] = heap_v[parent]
                        j = parent
                    else:
                        break
                heap_d[j] = nd
                heap_v[j] = w
            elif nd == dist[w]:  # an equally short path (exact equality, as NetworkX)
                sigma[w] += sv
            else:
                continue
            if record:
                rec_w[nrec] = w
                rec_d[nrec] = nd
                nrec += 1
    rec_ptr[reached] = nrec
    return reached


@njit(cache=True)
def _bucket_search(
    s: int,
    indptr: np.ndarray,
    indices: np.ndarray,
    length: np.ndarray,
    dist: np.ndarray,
    sigma: np.ndarray,
    order: np.ndarray,
    rec_ptr: np.ndarray,
    rec_w: np.ndarray,
    rec_d: np.ndarray,
    record: bool,
    inv_width: float,
    head: np.ndarray,
    ent_v: np.ndarray,
    ent_d: np.ndarray,
    ent_next: np.ndarray,
    max_scans: int,
) -> int:
    """Dijkstra from s with a circular bucket queue (Dial 1969); the number of people settled.

    Bucket b holds tentative distances in [b * width, (b + 1) * width) with width below the
    shortest tie length, so settling a person never lowers the distance of another in the
    same bucket: a bucket's people are final and may be settled in any order (the settling
    order stays a topological order of the shortest-path DAG, as Brandes' accumulation
    needs). Returns -1, with ``head`` emptied, when more than ``max_scans`` empty buckets
    were visited or a bucket index left the safe range (the caller then uses the heap).
    """
    n_buckets = len(head)
    dist[s] = 0.0
    sigma[s] = 1.0
    ent_v[0] = s
    ent_d[0] = 0.0
    ent_next[0] = -1
    head[0] = 0
    used = 1
    pending = 1
    cur = 0
    scans = 0
    reached = 0
    nrec = 0
    failed = False
    while pending > 0 and not failed:
        slot = cur % n_buckets
        e = head[slot]
        if e < 0:
            cur += 1
            scans += 1
            failed = scans > max_scans
            continue
        head[slot] = -1
        while e >= 0:
            v = ent_v[e]
            d = ent_d[e]
            e = ent_next[e]
            pending -= 1
            if d > dist[v]:
                continue  # stale: v has a shorter tentative distance in a later entry
            order[reached] = v
            rec_ptr[reached] = nrec
            reached += 1
            sv = sigma[v]
            for f in range(indptr[v], indptr[v + 1]):
                w = indices[f]
                nd = d + length[f]  # NetworkX: dist + weight(v, w)
                if nd < dist[w]:
                    dist[w] = nd
                    sigma[w] = sv
                    b = np.int64(nd * inv_width)
                    if b <= cur or b - cur >= n_buckets:
                        failed = True  # rounding left the safe range: use the heap
                    t = b % n_buckets
                    ent_v[used] = w
                    ent_d[used] = nd
                    ent_next[used] = head[t]
                    head[t] = used
                    used += 1
                    pending += 1
                elif nd == dist[w]:  # an equally short path (exact equality, as NetworkX)
                    sigma[w] += sv
                else:
                    continue
                if record:
                    rec_w[nrec] = w
                    rec_d[nrec] = nd
                    nrec += 1
    rec_ptr[reached] = nrec
    if failed:
        head[:] = -1
        return -1
    return reached

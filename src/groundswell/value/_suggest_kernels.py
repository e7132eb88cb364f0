"""numba kernel of My network's suggested connections in a large organisation.

:func:`top_two_step` gives, for every person, the first ``top`` people two steps away of
:func:`groundswell.value.my_network.suggestions`' tier 0 — ranked by shared contacts
(descending), then shared group channels (descending), then position (ascending) — by
walking each person's contacts of contacts into a counting array (one pass over the paths
of length two that start at the person, as a sparse ``U·U`` row would), never holding more
than one person's candidates per thread. Shared channels are counted only for the
candidates whose shared contacts can reach the top (at least the ``top``-th largest count,
ties kept), as the sparse path does. People are independent, so they are cut into fixed
chunks worked in parallel; each person's rows go to their own slots, so the result does not
depend on the number of threads.

Only people of another known department who can be suggested are counted, so each
contact's own contacts are listed by department (:func:`by_department`; the unknown and
those never suggested as -1, first) and the walk skips the person's own department and -1:
most ties stay inside a department, so most paths of length two end there (some two thirds
of them in the synthetic organisations of bench/analysis.py). The people are numbered anew
by department for the walk (the counters of one department's people close together in
memory), and the results go back to the people as numbered before.

Loading numba costs about half a second in a process, so the sparse path
(:func:`groundswell.value.my_network._suggest_rows`) stays the one for small organisations;
both give the same rows (tests/value/test_personal.py).
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange

#: Fixed number of chunks of people (the unit of parallel work).
_CHUNKS = 64


@njit(cache=True, parallel=True)
def by_department(
    indptr: np.ndarray, indices: np.ndarray, department: np.ndarray, order: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The CSR ``indptr``/``indices`` with its people renumbered: the person at ``order[t]``
    becomes ``t``; each row's entries ordered by their ``department`` (integer codes of the
    people as numbered before, -1 first), then as they were. The new ``indptr``, entries
    (int32) and their departments (int32)."""
    n = len(indptr) - 1
    new = np.empty(n, np.int64)
    for t in range(n):
        new[order[t]] = t
    ptr = np.zeros(n + 1, np.int64)
    for t in range(n):
        ptr[t + 1] = ptr[t] + indptr[order[t] + 1] - indptr[order[t]]
    out = np.empty(len(indices), np.int32)
    dep = np.empty(len(indices), np.int32)
    for t in prange(n):
        lo, hi = indptr[order[t]], indptr[order[t] + 1]
        row = indices[lo:hi]
        d = department[row]
        by = np.argsort(d, kind="mergesort")
        base = ptr[t]
        for q in range(hi - lo):
            out[base + q] = new[row[by[q]]]
            dep[base + q] = d[by[q]]
    return ptr, out, dep


@njit(cache=True)
def _first_at_least(dep: np.ndarray, lo: int, hi: int, value: int) -> int:
    """The first position of ``dep[lo:hi]`` (ascending) holding ``value`` or more (``hi``
    when none)."""
    while lo < hi:
        mid = (lo + hi) >> 1
        if dep[mid] < value:
            lo = mid + 1
        else:
            hi = mid
    return lo


@njit(cache=True, parallel=True)
def top_two_step(
    indptr: np.ndarray,
    indices: np.ndarray,
    depts: np.ndarray,
    department: np.ndarray,
    order: np.ndarray,
    cindptr: np.ndarray,
    cindices: np.ndarray,
    cdata: np.ndarray,
    nchannels: int,
    top: int,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """For each person ``i`` of the symmetric 0/1 contact matrix renumbered by
    :func:`by_department` (``indptr``, ``indices``, each row ordered by ``depts``: the
    departments with -1 for the unknown and for those never suggested; ``department`` the
    renumbered people's department codes, -1 unknown; ``order[t]`` the number before of
    the person now ``t``), as numbered before: ``found[i]``, the number of people two
    steps away (shared contacts > 0), not ``i``, not a contact, neither unknown nor never
    suggested in ``depts``, ``i`` in a known department and the two departments different;
    and the first ``top`` of them ranked by shared contacts (descending), shared channels
    (the row-wise product of the person × channel matrix ``cindptr``/``cindices``/``cdata``
    of the people as numbered before, summed; descending), number before (ascending), in
    ``suggested[i, :]``, ``contacts[i, :]``, ``channels[i, :]`` (-1 past the last), with
    ``count[i]`` of them."""
    n = len(indptr) - 1
    suggested = np.full((n, top), -1, np.int64)
    contacts = np.zeros((n, top), np.int64)
    channels = np.zeros((n, top), np.int64)
    count = np.zeros(n, np.int64)
    found = np.zeros(n, np.int64)
    chunks = min(_CHUNKS, max(n, 1))
    for k in prange(chunks):
        _chunk(
            n * k // chunks, n * (k + 1) // chunks, indptr, indices, depts, department, order,
            cindptr, cindices, cdata, nchannels, top, suggested, contacts, channels, count,
            found,
        )  # fmt: skip
    return suggested, contacts, channels, count, found


@njit(cache=True)
def _chunk(
    lo: int,
    hi: int,
    indptr: np.ndarray,
    indices: np.ndarray,
    depts: np.ndarray,
    department: np.ndarray,
    order: np.ndarray,
    cindptr: np.ndarray,
    cindices: np.ndarray,
    cdata: np.ndarray,
    nchannels: int,
    top: int,
    suggested: np.ndarray,
    contacts: np.ndarray,
    channels: np.ndarray,
    count: np.ndarray,
    found: np.ndarray,
) -> None:
    """:func:`top_two_step` for the people ``lo`` to ``hi - 1``, with its own scratch
    arrays (one counter per person, reset after each person)."""
    n = len(indptr) - 1
    cnt = np.zeros(n, np.int32)
    chval = np.zeros(max(nchannels, 1), np.float64)
    touched = np.empty(n, np.int32)
    shared = np.empty(n, np.int64)
    ident = np.empty(n, np.int64)
    maxdeg = 0
    for i in range(n):
        maxdeg = max(maxdeg, indptr[i + 1] - indptr[i])
    hist = np.zeros(maxdeg + 2, np.int64)
    best = np.empty(max(top, 1) + 1, np.int64)
    for i in range(lo, hi):
        di = department[i]
        if di < 0:
            continue
        me = order[i]
        # contacts of contacts in another known department, counted (each contact's
        # contacts are ordered by department: the unknown ones first, then by code)
        m = 0
        vmax = 0
        for a in range(indptr[i], indptr[i + 1]):
            j = indices[a]
            s0, s1 = indptr[j], indptr[j + 1]
            known = _first_at_least(depts, s0, s1, 0)
            own = _first_at_least(depts, known, s1, di)
            after = _first_at_least(depts, own, s1, di + 1)
            for b in range(known, own):
                c = indices[b]
                if cnt[c] == 0:
                    touched[m] = c
                    m += 1
                cnt[c] += 1
            for b in range(after, s1):
                c = indices[b]
                if cnt[c] == 0:
                    touched[m] = c
                    m += 1
                cnt[c] += 1
        # contacts already: not suggested (oneself, in one's own department, never counted)
        for a in range(indptr[i], indptr[i + 1]):
            cnt[indices[a]] = 0
        f = 0
        for t in range(m):
            c = touched[t]
            v = cnt[c]
            if v == 0:
                continue
            touched[f] = c
            f += 1
            if v > vmax:
                vmax = v
        found[me] = f
        if f == 0:
            continue
        # the top-th largest count (or the smallest when fewer): candidates below it
        # cannot reach the top
        for t in range(f):
            hist[cnt[touched[t]]] += 1
        need = min(f, top)
        cut = vmax
        seen = 0
        while True:
            seen += hist[cut]
            if seen >= need:
                break
            cut -= 1
        for t in range(f):
            hist[cnt[touched[t]]] = 0
        s = 0
        for t in range(f):
            c = touched[t]
            if cnt[c] >= cut:
                touched[s] = c
                ident[s] = order[c]
                s += 1
            else:
                cnt[c] = 0
        # shared channels of the candidates that can reach the top (none without channels;
        # the channels' rows are the people as numbered before)
        if cindptr[me] < cindptr[me + 1]:
            for a in range(cindptr[me], cindptr[me + 1]):
                chval[cindices[a]] = cdata[a]
            for t in range(s):
                c = ident[t]
                total = 0.0
                for a in range(cindptr[c], cindptr[c + 1]):
                    total += cdata[a] * chval[cindices[a]]
                shared[t] = np.int64(total)
            for a in range(cindptr[me], cindptr[me + 1]):
                chval[cindices[a]] = 0.0
        else:
            for t in range(s):
                shared[t] = 0
        # the first `need` by (contacts desc, channels desc, position as numbered before,
        # asc), in one pass: best[0:kept] holds the slots of the best so far, in that order
        kept = 0
        for t in range(s):
            c = touched[t]
            if kept == need:
                w = best[kept - 1]
                cw = touched[w]
                if not (
                    cnt[c] > cnt[cw]
                    or (
                        cnt[c] == cnt[cw]
                        and (
                            shared[t] > shared[w]
                            or (shared[t] == shared[w] and ident[t] < ident[w])
                        )
                    )
                ):
                    continue
                kept -= 1
            q = kept
            while q > 0:
                w = best[q - 1]
                cw = touched[w]
                if cnt[c] > cnt[cw] or (
                    cnt[c] == cnt[cw]
                    and (shared[t] > shared[w] or (shared[t] == shared[w] and ident[t] < ident[w]))
                ):
                    best[q] = w
                    q -= 1
                else:
                    break
            best[q] = t
            kept += 1
        for r in range(need):
            t = best[r]
            suggested[me, r] = ident[t]
            contacts[me, r] = cnt[touched[t]]
            channels[me, r] = shared[t]
        count[me] = need
        for t in range(s):
            c = touched[t]
            cnt[c] = 0

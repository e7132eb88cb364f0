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
def top_two_step(
    indptr: np.ndarray,
    indices: np.ndarray,
    department: np.ndarray,
    excluded: np.ndarray,
    cindptr: np.ndarray,
    cindices: np.ndarray,
    cdata: np.ndarray,
    nchannels: int,
    top: int,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """For each person ``i`` of the symmetric 0/1 contact matrix (CSR ``indptr``,
    ``indices``): ``found[i]``, the number of people two steps away (shared contacts > 0),
    not ``i``, not a contact, not ``excluded``, both in a known department (>= 0) and the
    two departments different; and the first ``top`` of them ranked by shared contacts
    (descending), shared channels (the row-wise product of the person × channel matrix
    ``cindptr``/``cindices``/``cdata``, summed; descending), position (ascending), in
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
            n * k // chunks, n * (k + 1) // chunks, indptr, indices, department, excluded,
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
    department: np.ndarray,
    excluded: np.ndarray,
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
    cnt = np.zeros(n, np.int64)
    mark = np.full(n, -1, np.int64)
    chval = np.zeros(max(nchannels, 1), np.float64)
    touched = np.empty(n, np.int64)
    shared = np.empty(n, np.int64)
    maxdeg = 0
    for i in range(n):
        maxdeg = max(maxdeg, indptr[i + 1] - indptr[i])
    hist = np.zeros(maxdeg + 2, np.int64)
    for i in range(lo, hi):
        di = department[i]
        if di < 0:
            continue
        # contacts of contacts, counted
        m = 0
        vmax = 0
        for a in range(indptr[i], indptr[i + 1]):
            j = indices[a]
            for b in range(indptr[j], indptr[j + 1]):
                c = indices[b]
                if cnt[c] == 0:
                    touched[m] = c
                    m += 1
                cnt[c] += 1
        # oneself and contacts already: not suggested
        mark[i] = i
        for a in range(indptr[i], indptr[i + 1]):
            mark[indices[a]] = i
        f = 0
        for t in range(m):
            c = touched[t]
            v = cnt[c]
            if mark[c] == i or excluded[c] or department[c] < 0 or department[c] == di:
                cnt[c] = 0
                continue
            touched[f] = c
            f += 1
            if v > vmax:
                vmax = v
        found[i] = f
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
        # shared channels of the candidates that can reach the top
        for a in range(cindptr[i], cindptr[i + 1]):
            chval[cindices[a]] = cdata[a]
        s = 0
        for t in range(f):
            c = touched[t]
            if cnt[c] >= cut:
                touched[s] = c
                s += 1
            else:
                cnt[c] = 0
        for t in range(s):
            c = touched[t]
            total = 0.0
            for a in range(cindptr[c], cindptr[c + 1]):
                total += cdata[a] * chval[cindices[a]]
            shared[t] = np.int64(total)
        for a in range(cindptr[i], cindptr[i + 1]):
            chval[cindices[a]] = 0.0
        # the first `need` by (contacts desc, channels desc, position asc)
        for r in range(need):
            best = -1
            for t in range(s):
                c = touched[t]
                if c < 0:
                    continue
                if best < 0:
                    best = t
                    continue
                cb = touched[best]
                if cnt[c] > cnt[cb] or (
                    cnt[c] == cnt[cb]
                    and (shared[t] > shared[best] or (shared[t] == shared[best] and c < cb))
                ):
                    best = t
            cb = touched[best]
            suggested[i, r] = cb
            contacts[i, r] = cnt[cb]
            channels[i, r] = shared[best]
            cnt[cb] = 0
            touched[best] = -1
        count[i] = need
        for t in range(s):
            c = touched[t]
            if c >= 0:
                cnt[c] = 0

"""The map layout of a small part without numba (network/_layout_arrays.py) against the numba
kernels: the same matching, the same first steps, a map of the same quality."""

from __future__ import annotations

import numpy as np
import pytest

from groundswell.network import _layout_arrays, _layout_kernels, layout
from tests.network.test_layout import _stress_and_together, planted


def _random_csr(n: int, ties: int, seed: int) -> tuple[np.ndarray, ...]:
    rng = np.random.default_rng(seed)
    s, t = rng.integers(0, n, ties), rng.integers(0, n, ties)
    keep = s != t
    w = rng.integers(1, 5, int(keep.sum())).astype(float)
    return layout._csr(n, s[keep], t[keep], w)


@pytest.mark.parametrize("seed", range(5))
def test_matching_is_the_kernels(seed: int) -> None:
    n = 40 + 40 * seed
    indptr, indices, w = _random_csr(n, 3 * n, seed)
    rng = np.random.default_rng(seed)
    mass, order = rng.uniform(1, 3, n), rng.permutation(n)
    got = _layout_arrays.match(indptr, indices, w, mass, order)
    want = _layout_kernels.match(indptr, indices, w, mass, order)
    assert np.array_equal(got[0], want[0]) and got[1] == want[1]


def test_the_first_steps_are_the_kernels() -> None:
    n = 120
    indptr, indices, w = _random_csr(n, 500, 7)
    rng = np.random.default_rng(7)
    mass, start = rng.uniform(1, 3, n), rng.uniform(-5, 5, (n, 2))
    for steps in (1, 3):
        a, b = start.copy(), start.copy()
        _layout_arrays.forces(a, mass, indptr, indices, w, 1.3, 0.0, steps, 1.0, 0.01)
        _layout_kernels.forces(b, mass, indptr, indices, w, 1.3, 0.0, steps, 1.0, 0.01)
        np.testing.assert_allclose(a, b, rtol=0, atol=1e-12)
    # people on the same spot are pushed apart by the same nudge
    a, b = np.zeros((4, 2)), np.zeros((4, 2))
    indptr, indices, w = layout._csr(4, np.array([0, 1]), np.array([1, 2]), np.ones(2))
    _layout_arrays.forces(a, np.ones(4), indptr, indices, w, 1.0, 0.0, 2, 1.0, 0.01)
    _layout_kernels.forces(b, np.ones(4), indptr, indices, w, 1.0, 0.0, 2, 1.0, 0.01)
    np.testing.assert_allclose(a, b, rtol=0, atol=1e-12)
    assert len({tuple(p) for p in a.round(9)}) == 4
    with pytest.raises(ValueError, match="exact"):
        _layout_arrays.forces(a, np.ones(4), indptr, indices, w, 1.0, 1.0, 2, 1.0, 0.01)


def test_a_small_map_is_as_readable_as_the_kernels_and_igraph(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """200 people in 4 planted groups: the arrays' map keeps the groups together and its
    stress is within a tenth of the numba kernels' map and of igraph's Fruchterman-Reingold
    (the oracle of tests/network/test_layout.py)."""
    g, group = planted(4, 50, seed=5)
    assert layout._kernels(g.n) is _layout_arrays
    arrays = layout.layout(g, seed=1).reindex(g.nodes).to_numpy()
    assert layout.layout(g, seed=1).reindex(g.nodes).to_numpy().tolist() == arrays.tolist()
    old = layout.layout(g, seed=1, method="fruchterman-reingold").reindex(g.nodes).to_numpy()
    monkeypatch.setattr(_layout_arrays, "SMALL_PEOPLE", 0)
    assert layout._kernels(g.n) is _layout_kernels
    kernel = layout.layout(g, seed=1).reindex(g.nodes).to_numpy()
    a_stress, a_together = _stress_and_together(g, arrays, group)
    for other in (kernel, old):
        stress, together = _stress_and_together(g, other, group)
        assert a_together >= together - 0.02 and a_together > 0.9
        assert a_stress <= 1.1 * stress

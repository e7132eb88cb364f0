from __future__ import annotations

import os
import stat

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from groundswell import privacy
from groundswell.errors import WorkspaceError


def test_pseudonyms_are_stable_keyed_and_normalised() -> None:
    a = privacy.Pseudonymiser(bytes(32))
    b = privacy.Pseudonymiser(bytes([1]) * 32)
    assert a.person("E001") == a.person("  e001 ")
    assert a.person("E001") != b.person("E001")  # another workspace cannot link people
    assert a.person("E001") != a.person("E002")
    assert a.person("x") != a.channel("x") != a.message("x")  # namespaces differ
    assert a.person("E001").startswith("p_") and len(a.person("E001")) == 12
    assert a.person("E001")[2:].isalnum() and a.person("E001") == a.person("E001").lower()
    assert len(a.message("m1")) == 18


def test_key_file_is_owner_only_and_refused_when_readable(tmp_path) -> None:
    key = tmp_path / "secret.key"
    privacy.new_key(key)
    assert stat.S_IMODE(key.stat().st_mode) == 0o600
    assert len(privacy.load_key(key)) == 32
    os.chmod(key, 0o644)
    with pytest.raises(WorkspaceError, match="readable by others"):
        privacy.load_key(key)


@settings(suppress_health_check=[HealthCheck.too_slow])  # the machine is shared
@given(
    st.dictionaries(st.text(min_size=1, max_size=5), st.integers(0, 50), min_size=1),
    st.integers(1, 20),
)
def test_the_gate_blanks_the_small_groups_and_their_complements(
    sizes: dict[str, int], k: int
) -> None:
    """gate_figures and gate_names (which replaced suppress_small_groups and group_label)
    blank every small group, and exactly the groups suppressed_groups names."""
    s = pd.Series(sizes)
    figures = (s * 3.0).to_frame("figure")
    out = privacy.gate_figures(figures, s, k)["figure"]
    hidden = privacy.suppressed_groups(s, k)
    names = privacy.gate_names(s, k)
    for group, size in sizes.items():
        if size < k:
            assert pd.isna(out[group]) and group in hidden
        if group in hidden:
            assert pd.isna(out[group]) and names[group] == privacy.SUPPRESSED
        else:
            assert out[group] == size * 3.0 and names[group] == group


def test_groups_missing_from_sizes_are_suppressed() -> None:
    figures = pd.DataFrame({"f": [1.0, 2.0]}, index=["a", "b"])
    out = privacy.gate_figures(figures, pd.Series({"a": 9}), 5)["f"]
    assert out["a"] == 1.0 and pd.isna(out["b"])
    matrix = pd.DataFrame([[1.0, 2.0], [3.0, 4.0]], index=["a", "b"], columns=["a", "b"])
    out = privacy.gate_figures(matrix, pd.Series({"a": 9}), 5, square=True)
    assert out.loc["a", "a"] == 1.0 and out["b"].isna().all() and out.loc["b"].isna().all()


def test_collisions_are_detected() -> None:
    from groundswell.errors import GroundswellError

    tiny = privacy.Pseudonymiser(bytes(32), length=1)  # 32 possible pseudonyms
    with pytest.raises(GroundswellError, match="same pseudonym"):
        tiny.people([f"person{i}" for i in range(40)])
    assert len(set(tiny.people(["a", "A ", "a"]))) == 1  # one person, no collision


def test_encoding_is_rfc4648_base32_of_the_hmac() -> None:
    import base64
    import hashlib
    import hmac

    key = bytes(range(32))
    p = privacy.Pseudonymiser(key)
    for raw in ["E001", " Ann@Example.com ", "", "ünïcødé"]:
        mac = hmac.new(key, b"person\x1f" + raw.strip().lower().encode(), hashlib.sha256)
        ref = base64.b32encode(mac.digest()).decode().lower()
        assert p.person(raw) == "p_" + ref[:10]
        assert p.people([raw, raw]).tolist() == ["p_" + ref[:10]] * 2


def test_collision_check_reads_exactly_the_pseudonym_bits() -> None:
    """The check on digest bits agrees with comparing the pseudonym strings."""
    from groundswell.errors import GroundswellError

    for length in (1, 2, 3):
        p = privacy.Pseudonymiser(bytes(32), length=length)
        raws = [f"person{i}" for i in range(60)]
        try:
            out = p.people(raws)
        except GroundswellError:
            collided = True
        else:
            collided = False
            assert len(set(out.tolist())) == len(raws)
        hashes = {privacy.Pseudonymiser(bytes(32), length=16).person(r)[2:][:length] for r in raws}
        assert collided == (len(hashes) < len(raws))
    # 80-bit pseudonyms: equal first words, tails differing above or only below the cut
    word = np.array([7, 7, 9], dtype=np.uint64)
    assert privacy._distinct(word, np.array([0x8000, 0x0000, 0], dtype=np.uint64), 65)
    assert not privacy._distinct(word, np.array([0x0001, 0x0000, 0], dtype=np.uint64), 65)
    assert privacy._distinct(word, np.array([0x0001, 0x0000, 0], dtype=np.uint64), 80)
    assert not privacy._distinct(np.array([5, 6, 5], dtype=np.uint64), np.zeros(3, np.uint64), 60)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    sizes=st.dictionaries(
        st.sampled_from([f"g{i}" for i in range(12)]),
        st.one_of(st.integers(0, 12), st.sampled_from([np.nan, 0.5, 2.5, 7.25])),
        max_size=12,
    ),
    min_size=st.integers(1, 8),
    also=st.lists(st.sampled_from(["g0", "g3", "zz"]), max_size=2),
    as_series=st.booleans(),
)
def test_plain_values_suppress_the_same_groups_as_the_pandas_rule(
    sizes: dict, min_size: int, also: list, as_series: bool
) -> None:
    """suppressed_groups decides on plain values (a pandas call per group figure cost about a
    millisecond); the pandas formulation it replaced is the oracle, on every kind of size:
    whole, fractional, zero and missing, as a dict or a Series, with groups suppressed for
    another reason."""
    given_sizes = pd.Series(sizes, dtype="float64") if as_series else sizes
    expected = privacy._suppressed_series(given_sizes, min_size, also)
    assert privacy._plain_sizes(given_sizes) is not None  # the plain path decides here
    assert privacy.suppressed_groups(given_sizes, min_size, also=also) == expected


def test_repeated_or_missing_labels_keep_the_pandas_rule() -> None:
    sizes = pd.Series([1.0, 9.0, 6.0], index=["a", "a", "c"])
    assert privacy._plain_sizes(sizes) is None
    with_nan = pd.Series([1.0, 9.0], index=["a", np.nan])
    assert privacy._plain_sizes(with_nan) is None
    assert privacy.suppressed_groups(with_nan, 5) == privacy._suppressed_series(with_nan, 5, ())

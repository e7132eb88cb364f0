from __future__ import annotations

import os
import stat

import pandas as pd
import pytest
from hypothesis import given
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


@given(
    st.dictionaries(st.text(min_size=1, max_size=5), st.integers(0, 50), min_size=1),
    st.integers(1, 20),
)
def test_suppression_blanks_exactly_the_small_groups(sizes: dict[str, int], k: int) -> None:
    s = pd.Series(sizes)
    figures = s * 3.0
    out = privacy.suppress_small_groups(figures, s, k)
    for group, size in sizes.items():
        if size < k:
            assert pd.isna(out[group])
        else:
            assert out[group] == size * 3.0
    for group, size in sizes.items():
        label = privacy.group_label(group, size, k)
        assert label == (privacy.SUPPRESSED if size < k else group)


def test_groups_missing_from_sizes_are_suppressed() -> None:
    out = privacy.suppress_small_groups(pd.Series({"a": 1.0, "b": 2.0}), pd.Series({"a": 9}), 5)
    assert out["a"] == 1.0 and pd.isna(out["b"])


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

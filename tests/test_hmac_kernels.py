"""The compiled HMAC loop of the pseudonymiser (groundswell._hmac_kernels) against Python's
hmac module and against the pseudonymiser's one-call-per-identifier path."""

from __future__ import annotations

import hashlib
import hmac

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from groundswell import _hmac_kernels, privacy
from groundswell.errors import GroundswellError

pytestmark = pytest.mark.skipif(
    not _hmac_kernels.available(), reason="no SHA256_Transform in this libcrypto"
)


def _digest(key: bytes, namespace: str, raw: str) -> bytes:
    return hmac.digest(key, namespace.encode() + b"\x1f" + raw.strip().lower().encode(), "sha256")


@pytest.mark.parametrize("key", [bytes(32), bytes(range(64)), b"k" * 100, b""])
def test_digests_are_hmac_sha256_of_the_normalised_identifier(key: bytes) -> None:
    """Every identifier length around SHA-256's block edges (55, 56, 64 bytes with the
    namespace), whitespace Python's strip removes (tab to CR, 0x1c-0x1f, space) at either
    end and inside, capitals, the empty identifier, and keys shorter than, as long as, and
    longer than a block (hashed first, RFC 2104)."""
    heads = ["C0BMQB6JE:", " \t", "", "Ab\x1fC:"]
    tails = ["1452837318.000002", " X y ", "\x1c\x1d", "", *("q" * n for n in range(40, 140, 7))]
    head_of = np.arange(len(tails)) % len(heads)
    word, tail, norm, start = _hmac_kernels.hmac_pairs(key, "message", heads, head_of, tails)
    for i, t in enumerate(tails):
        raw = heads[head_of[i]] + t
        d = _digest(key, "message", raw)
        assert int(word[i]) == int.from_bytes(d[:8], "big"), raw
        assert int(tail[i]) == int.from_bytes(d[8:10], "big"), raw
        assert bytes(norm[start[i] : start[i + 1]]) == raw.strip().lower().encode()


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    heads=st.lists(st.text(alphabet=st.characters(max_codepoint=127), max_size=12), min_size=1),
    tails=st.lists(st.text(alphabet=st.characters(max_codepoint=127), max_size=80), max_size=30),
    length=st.sampled_from([10, 16]),
)
def test_pairs_give_the_pseudonyms_of_many(heads: list[str], tails: list[str], length: int) -> None:
    """pairs() on the compiled path gives exactly many()'s array of the joined identifiers
    (any ASCII, repeated identifiers, identifiers equal once normalised)."""
    p = privacy.Pseudonymiser(bytes(range(32)))
    head_of = np.arange(len(tails)) % len(heads)
    tails = tails + [t.upper() + " " for t in tails]
    head_of = np.concatenate([head_of, head_of]).astype(np.int64)
    before, privacy.PAIRS_FAST = privacy.PAIRS_FAST, 0
    try:
        got = p.pairs("message", heads, head_of, tails, "m_", length)
    finally:
        privacy.PAIRS_FAST = before
    want = p.many(
        "message", [heads[h] + t for h, t in zip(head_of, tails, strict=True)], "m_", length
    )
    assert got.dtype == want.dtype
    assert got.tolist() == want.tolist()


def test_text_beyond_ascii_takes_the_general_path(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(privacy, "PAIRS_FAST", 0)
    p = privacy.Pseudonymiser(bytes(32))
    heads, tails = ["C1:", "ÉQUIPE:"], ["1.5", "2.5", "Ünï "]
    head_of = np.array([0, 1, 0])
    want = p.messages([heads[h] + t for h, t in zip(head_of, tails, strict=True)])
    assert p.message_pairs(heads, head_of, tails).tolist() == want.tolist()


def test_collisions_are_found_on_the_compiled_path(monkeypatch: pytest.MonkeyPatch) -> None:
    """With one-character pseudonyms (32 possible) 40 different identifiers must collide,
    one identifier repeated (or equal once normalised) must not: both paths agree."""
    monkeypatch.setattr(privacy, "PAIRS_FAST", 0)
    tiny = privacy.Pseudonymiser(bytes(32), length=1)
    tails = [f"{i}.0" for i in range(40)]
    with pytest.raises(GroundswellError, match="same pseudonym"):
        tiny.pairs("person", ["u"], np.zeros(40, dtype=np.int64), tails, "p_")
    with pytest.raises(GroundswellError, match="same pseudonym"):
        tiny.many("person", ["u" + t for t in tails], "p_")
    same = tiny.pairs("person", ["u", " U"], np.array([0, 1, 0]), ["a", "a", "A "], "p_")
    assert len(set(same.tolist())) == 1
    # lengths 2 and 3 (10 and 15 bits): the compiled check says what many()'s says
    for length in (2, 3):
        p = privacy.Pseudonymiser(bytes(32), length=length)
        raws = [f"{i}" for i in range(300)]
        try:
            p.many("person", raws, "p_")
        except GroundswellError:
            expected = True
        else:
            expected = False
        try:
            p.pairs("person", [""], np.zeros(300, dtype=np.int64), raws, "p_")
        except GroundswellError:
            got = True
        else:
            got = False
        assert got == expected


def test_eighty_bit_check_compares_identifiers_not_just_digests() -> None:
    """Equal 80-bit digests of equal identifiers are no collision; of different identifiers
    they are; equal first words with different tails are not (hand-made digests)."""
    word = np.array([5, 5, 5, 9], dtype=np.uint64)
    tail = np.array([1, 1, 2, 1], dtype=np.uint64)
    norm = np.frombuffer(b"aaabcd", dtype=np.uint8)
    same = np.array([0, 1, 2, 3, 4, 5, 6])  # "a", "a", "a", "b" ... (one byte each)
    assert not _hmac_kernels.collisions(word, tail, 80, norm, same)
    differ = np.array([0, 1, 3, 4, 5])  # "a", "b", "c", "d": words 5, 5 with tails 1, 1
    assert _hmac_kernels.collisions(word[:4], tail[:4], 80, norm, differ)
    assert not _hmac_kernels.collisions(
        word[[0, 2]], tail[[0, 2]], 80, norm, np.array([0, 1, 2])
    )  # equal words, different tails: different pseudonyms
    assert _hmac_kernels.collisions(word[[0, 2]], tail[[0, 2]], 64, norm, differ[:3])


def test_the_known_answer_check_runs_first() -> None:
    assert _hmac_kernels.available()
    d = hmac.new(bytes(range(32)), b"person\x1fe001", hashlib.sha256).digest()
    word, tail, _, _ = _hmac_kernels.hmac_pairs(
        bytes(range(32)), "person", [" E"], np.array([0]), ["001"]
    )
    assert int(word[0]).to_bytes(8, "big") + int(tail[0]).to_bytes(2, "big") == d[:10]

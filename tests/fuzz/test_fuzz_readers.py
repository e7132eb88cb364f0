"""Every reader on damaged copies of its real samples (the small exports under tests/data and
the hand-made fixtures of tests/ingest): truncated, bytes flipped, NUL and control bytes,
lines duplicated or removed, huge numbers, absurd dates, wrong JSON types, broken zip
members, other encodings (see tests/fuzz/_harness.py).

The property: the ingest succeeds, or it raises a GroundswellError and every table of the
workspace is as it was. One workspace per reader, kept across its examples, so a damaged
input also meets the rows of the inputs ingested before it. The examples are derandomised
(the same every run); an input that breaks a reader is written under
``$TMPDIR/groundswell-fuzz-failures/<reader>/`` (or ``$GROUNDSWELL_FUZZ_FAILURES/<reader>/``)
and belongs in tests/fuzz/corpus/<reader>/, where test_fuzz_corpus.py replays it.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import pytest
from hypothesis import given

import groundswell as gs
from tests.fuzz._corrupt import corrupted
from tests.fuzz._harness import Input, check_ingest, samples, save_input
from tests.fuzz.conftest import fuzz

pytestmark = pytest.mark.fuzz

SAMPLES = samples()
#: examples per sample: 18 samples x 20 examples of a few kilobytes stay within ~60 s on 2 cores
PER_SAMPLE = 20


@pytest.fixture(scope="module")
def workspaces(tmp_path_factory: pytest.TempPathFactory):
    """One workspace per reader, created when first asked for."""
    opened: dict[str, gs.Workspace] = {}

    def get(kind: str) -> gs.Workspace:
        if kind not in opened:
            opened[kind] = gs.init(tmp_path_factory.mktemp(f"fuzz-{kind}") / "ws")
        return opened[kind]

    yield get
    for ws in opened.values():
        ws.close()


@pytest.fixture(scope="module")
def failures() -> Path:
    """Where breaking inputs are written: not pytest's basetemp, which keeps only the last
    three runs of every project on the machine."""
    where = os.environ.get("GROUNDSWELL_FUZZ_FAILURES")
    return Path(where) if where else Path(tempfile.gettempdir()) / "groundswell-fuzz-failures"


@pytest.mark.parametrize("sample", SAMPLES, ids=[f"{s.reader}-{s.name}" for s in SAMPLES])
def test_a_damaged_sample_ingests_or_fails_cleanly(sample: Input, workspaces, failures, tmp_path):
    ws = workspaces(sample.reader)
    # the undamaged sample first: it must ingest, so the damage is what the examples test
    assert check_ingest(ws, sample.reader, sample.write(tmp_path / "clean")) == "ingested"
    count = iter(range(10**9))

    @fuzz(PER_SAMPLE)
    @given(inp=corrupted(sample))
    def damaged(inp: Input) -> None:
        path = inp.write(tmp_path / str(next(count)))
        try:
            check_ingest(ws, inp.reader, path)
        except Exception as exc:
            exc.add_note(f"{inp!r} is saved at {save_input(inp, failures)}")
            raise

    damaged()

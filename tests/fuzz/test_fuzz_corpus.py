"""Every input that once broke a reader, replayed as a plain test.

``tests/fuzz/corpus/<reader>/`` holds the inputs the reader fuzz harness
(test_fuzz_readers.py) found, as it saved them: a file, a folder, or a zip (see
corpus/README.md for what each one broke). Each is ingested into a new workspace and must
keep the promise of every reader: the ingest succeeds, or it raises a GroundswellError and
the workspace is as it was.
"""

from __future__ import annotations

from pathlib import Path

import pytest

import groundswell as gs
from groundswell.ingest import READERS
from tests.fuzz._harness import CORPUS, check_ingest

pytestmark = pytest.mark.fuzz

ENTRIES = sorted(p for p in CORPUS.glob("*/*") if not p.name.startswith("."))
#: a corpus entry is a small regression input, not a data set
MAX_BYTES = 64 * 1024


def test_the_corpus_is_small_and_filed_by_reader() -> None:
    assert ENTRIES, "the corpus is empty"
    folders = {p.name for p in CORPUS.iterdir() if p.is_dir()}
    assert folders <= set(READERS), f"not readers: {sorted(folders - set(READERS))}"
    for entry in ENTRIES:
        files = [entry] if entry.is_file() else [f for f in entry.rglob("*") if f.is_file()]
        size = sum(f.stat().st_size for f in files)
        assert size <= MAX_BYTES, f"{entry}: {size} bytes"


@pytest.mark.parametrize("entry", ENTRIES, ids=[f"{p.parent.name}/{p.name}" for p in ENTRIES])
def test_a_corpus_input_ingests_or_fails_cleanly(entry: Path, tmp_path: Path) -> None:
    with gs.init(tmp_path / "ws") as ws:
        check_ingest(ws, entry.parent.name, entry)

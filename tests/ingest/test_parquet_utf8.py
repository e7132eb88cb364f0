"""A Parquet file whose string column holds bytes that are not UTF-8 is an InputError naming
the file, the column and the row.

pyarrow reads Parquet strings without checking their UTF-8: before ``damage.check_utf8`` the
bad value surfaced as ``pyarrow.lib.ArrowException`` ("Wrapping ... failed") wherever the
column was first turned into Python strings (tests/fuzz/corpus/events).
"""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

import groundswell as gs
from groundswell.errors import InputError
from groundswell.ingest import common, events
from tests.conftest import snapshot

ACTORS = ["ann@x.com", "bob@x.com", "cat@x.com"]


def _parquet(path: Path, bad: str | None = "bob@x.com") -> Path:
    """Three events; the bytes of ``bad`` (an actor) then have one byte set to 0x80."""
    table = pa.table(
        {
            "actor": ACTORS,
            "targets": ["bob@x.com", "cat@x.com", "ann@x.com"],
            "timestamp": ["2024-03-01T09:00:00Z", "2024-03-01T10:00:00Z", "2024-03-01T11:00:00Z"],
        }
    )
    pq.write_table(table, path, compression="none", use_dictionary=False, write_statistics=False)
    if bad is not None:
        data = path.read_bytes()
        at = data.index(bad.encode())  # the actor column is written first
        path.write_bytes(data[: at + 1] + b"\x80" + data[at + 2 :])
    return path


def test_events_name_the_column_and_the_row(tmp_path: Path) -> None:
    path = _parquet(tmp_path / "events.parquet")
    with gs.init(tmp_path / "ws") as ws:
        before = snapshot(ws)
        with pytest.raises(InputError) as info:
            events.ingest(ws, path)
        assert snapshot(ws) == before
    message = str(info.value)
    assert message.startswith(f"{path}, row 2: column 'actor' holds text that is not valid UTF-8")
    assert message.endswith("found 'b\ufffdb@x.com'")


def test_read_table_refuses_it(tmp_path: Path) -> None:
    with pytest.raises(InputError, match=r"row 2: column 'actor' .* not valid UTF-8"):
        common.read_table(_parquet(tmp_path / "table.parquet"))


def test_a_valid_file_is_read(tmp_path: Path) -> None:
    df = common.read_table(_parquet(tmp_path / "table.parquet", bad=None))
    assert df["actor"].tolist() == ACTORS


def test_a_file_read_in_batches_names_the_row_in_the_file(tmp_path: Path) -> None:
    stream = pytest.importorskip("groundswell.ingest.stream")  # the batched reader (issue 13)
    path = _parquet(tmp_path / "events.parquet", bad="cat@x.com")
    with pytest.raises(InputError, match=r"row 3: column 'actor'"):
        list(stream.batches(path, rows=1))

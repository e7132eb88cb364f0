"""The fuzz harness shared by the reader fuzz test and the corpus replay.

A *sample* is one reader's real input: a small sample under ``tests/data`` or a hand-made
fixture of ``tests/ingest``, as a single file, a folder or a zip (:func:`samples`; the damage
done to them is in ``_corrupt.py``). :func:`check_ingest` states the property every reader
keeps: the ingest succeeds, or it raises a :class:`~groundswell.errors.GroundswellError` and
leaves every table of the workspace as it was. Any other exception is a bug: the input is
saved (:func:`save_input`) so that it can be put in ``tests/fuzz/corpus/<reader>/``, where
``test_fuzz_corpus.py`` replays it for ever.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import json
import signal
import threading
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

import groundswell as gs
from groundswell.errors import GroundswellError
from groundswell.ingest import reader
from tests.conftest import HR_HEADER, HR_ROWS, TEST_DATA

CORPUS = Path(__file__).resolve().parent / "corpus"
#: an ingest of a few kilobytes taking longer than this is a hang, and a bug
TIMEOUT_SECONDS = 60


@dataclass(frozen=True)
class Input:
    """What a reader is given: ``files`` (path inside the input -> bytes) laid out as one
    ``file``, a ``folder`` or a ``zip``; ``steps`` says how it was damaged."""

    reader: str
    name: str
    layout: str
    files: dict[str, bytes] = field(repr=False)
    steps: tuple[str, ...] = ()

    def __repr__(self) -> str:
        return f"Input({self.reader}/{self.name}, {self.layout}, steps={list(self.steps)})"

    def _repr_pretty_(self, printer: Any, cycle: bool) -> None:  # Hypothesis' reports
        printer.text(repr(self))

    def write(self, where: Path) -> Path:
        """Lay the input out under folder ``where``; returns the path to ingest."""
        where.mkdir(parents=True, exist_ok=True)
        if self.layout == "file":
            ((name, data),) = self.files.items()
            (where / name).write_bytes(data)
            return where / name
        if self.layout == "zip":
            out = where / f"{self.name}.zip"
            out.write_bytes(zip_bytes(self.files))
            return out
        root = where / self.name
        for name, data in self.files.items():
            (root / name).parent.mkdir(parents=True, exist_ok=True)
            (root / name).write_bytes(data)
        return root


def zip_bytes(files: dict[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in files.items():
            zf.writestr(name, data)
    return buf.getvalue()


# -- the samples -------------------------------------------------------------------------------


def _csv(header: list[str], rows: list[list[Any]]) -> bytes:
    out = io.StringIO()
    pd.DataFrame(rows, columns=header).to_csv(out, index=False)
    return out.getvalue().encode()


def _parquet(header: list[str], rows: list[list[Any]]) -> bytes:
    buf = io.BytesIO()
    pd.DataFrame(rows, columns=header).astype(str).to_parquet(buf, index=False)
    return buf.getvalue()


def _folder(root: Path) -> dict[str, bytes]:
    return {
        p.relative_to(root).as_posix(): p.read_bytes()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


def samples() -> list[Input]:
    """Every reader's samples, undamaged."""
    from tests.ingest.test_adoptions import ROWS as ADOPTIONS
    from tests.ingest.test_events import HEADER as EVENTS_HEADER
    from tests.ingest.test_events import rows as event_rows
    from tests.ingest.test_slack import base_export

    slack = {k: json.dumps(v).encode() for k, v in base_export().items()}
    engage = _folder(TEST_DATA / "engage" / "export")
    out = [
        Input("orgchart", "hris", "file", {"hris.csv": _csv(HR_HEADER, HR_ROWS)}),
        Input("orgchart", "hris-parquet", "file", {"hris.parquet": _parquet(HR_HEADER, HR_ROWS)}),
        Input("events", "events", "file", {"events.csv": _csv(EVENTS_HEADER, event_rows())}),
        Input(
            "events",
            "events-parquet",
            "file",
            {"events.parquet": _parquet(EVENTS_HEADER, event_rows())},
        ),
        Input("slack", "export", "folder", slack),
        Input("slack", "export-zip", "zip", slack),
        Input("teams", "export", "folder", _folder(TEST_DATA / "teams" / "export")),
        Input("engage", "export", "folder", engage),
        Input("engage", "export-zip", "zip", engage),
        Input(
            "email", "acme", "file", {"acme.mbox": (TEST_DATA / "email" / "acme.mbox").read_bytes()}
        ),
        Input("email", "maildir", "folder", _folder(TEST_DATA / "email" / "maildir")),
        Input(
            "calendar",
            "team",
            "file",
            {"team.ics": (TEST_DATA / "calendar" / "team.ics").read_bytes()},
        ),
        Input(
            "survey",
            "answers",
            "file",
            {"answers.csv": (TEST_DATA / "survey" / "answers.csv").read_bytes()},
        ),
        Input(
            "adoptions",
            "adoptions",
            "file",
            {"adoptions.csv": _csv(["person", "behaviour", "date"], ADOPTIONS)},
        ),
    ]
    for f in sorted((TEST_DATA / "viva").glob("*.csv")):
        out.append(Input("viva", f.stem, "file", {f.name: f.read_bytes()}))
    return out


# -- the property ------------------------------------------------------------------------------


def digest(ws: gs.Workspace) -> dict[str, tuple[int, int]]:
    """Row count and an order-free hash of the rows of every table of the workspace."""
    tables = ws.con.execute(
        "SELECT schema_name, table_name FROM duckdb_tables() WHERE NOT temporary ORDER BY ALL"
    ).fetchall()
    return {
        f"{s}.{t}": tuple(
            ws.con.execute(
                f'SELECT count(*), coalesce(sum(hash(x)::HUGEINT), 0) FROM "{s}"."{t}" AS x'
            ).fetchone()
        )
        for s, t in tables
    }


@contextlib.contextmanager
def time_limit(seconds: int) -> Iterator[None]:
    """Raise TimeoutError in the main thread after ``seconds`` (no limit elsewhere)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def expire(signum: int, frame: object) -> None:
        raise TimeoutError(f"the ingest took longer than {seconds} s")

    previous = signal.signal(signal.SIGALRM, expire)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


def save_input(inp: Input, folder: Path) -> Path:
    """Write a failing input into ``folder/<reader>/`` laid out as a corpus entry: one file,
    one folder or one zip, named by its sample and a hash of its content."""
    h = hashlib.sha256(repr(sorted(inp.files.items())).encode()).hexdigest()[:10]
    files = inp.files
    if inp.layout == "file":
        ((name, data),) = files.items()
        files = {f"{inp.name}-{h}{Path(name).suffix}": data}
    return Input(inp.reader, f"{inp.name}-{h}", inp.layout, files).write(folder / inp.reader)


def check_ingest(ws: gs.Workspace, kind: str, path: Path) -> str:
    """Ingest ``path`` with the ``kind`` reader and check the promise on bad input.

    Returns ``"ingested"`` or the error's message. Raises AssertionError when a failed
    ingest changed the workspace; any exception other than a GroundswellError propagates.
    """
    before = digest(ws)
    try:
        with time_limit(TIMEOUT_SECONDS):
            reader(kind).ingest(ws, path)
    except GroundswellError as exc:
        after = digest(ws)
        changed = sorted(t for t in before.keys() | after.keys() if before.get(t) != after.get(t))
        assert not changed, f"{kind}: a failed ingest ({exc}) changed the tables {changed}"
        return str(exc)
    return "ingested"

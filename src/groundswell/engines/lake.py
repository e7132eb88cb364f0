"""Export a workspace's interactions, aliases, people and sources to a Parquet lake.

The layout is the one both engines read (:mod:`.base`): one file per ingested source in
``interactions/`` (each ingest is a batch, so a new ingest adds one file and the incremental
refresh recomputes only the windows its events touch), and ``aliases/``, ``people/`` and
``sources/`` rewritten whole. Names (``people.display_name``) are exported only when the
workspace is identified.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from groundswell.workspace import Workspace


@dataclass(frozen=True)
class Export:
    """What :func:`export_lake` wrote: the batches (source ids) added and rows per table."""

    lake: Path
    batches_written: list[int]
    batches_kept: list[int]
    rows: dict[str, int]


def _q(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def export_lake(ws: Workspace, lake: str | Path, *, full: bool = False) -> Export:
    """Write ``ws``'s tables as Parquet under the local folder ``lake``.

    Interactions go to ``interactions/source-N.parquet``, one file per source; a source
    whose file exists with as many rows is kept as is (the batch was exported before), files
    of sources no longer in the workspace are removed, and ``full`` rewrites everything.
    Copy the folder to an object store to run the Spark engine there.
    """
    root = Path(lake)
    con = ws.con
    if full and (root / "interactions").exists():
        shutil.rmtree(root / "interactions")
    (root / "interactions").mkdir(parents=True, exist_ok=True)
    written, kept = [], []
    ids = [int(r[0]) for r in con.execute(
        "SELECT DISTINCT source_id FROM interactions ORDER BY 1").fetchall()]  # fmt: skip
    for sid in ids:
        path = root / "interactions" / f"source-{sid}.parquet"
        if path.exists():
            have = con.execute(f"SELECT count(*) FROM read_parquet({_q(str(path))})").fetchall()
            n = con.execute(f"SELECT count(*) FROM interactions WHERE source_id = {sid}").fetchall()
            if have[0][0] == n[0][0]:
                kept.append(sid)
                continue
        tmp = path.with_suffix(".tmp")
        con.execute(
            f"COPY (SELECT * FROM interactions WHERE source_id = {sid} ORDER BY ts) "
            f"TO {_q(str(tmp))} (FORMAT parquet)"
        )
        tmp.rename(path)  # a reader never sees half a batch
        written.append(sid)
    for stale in (root / "interactions").glob("source-*.parquet"):
        if int(stale.stem.split("-", 1)[1]) not in ids:  # its source is gone
            stale.unlink()
    name = "display_name" if ws.settings.identified else "NULL::VARCHAR AS display_name"
    for table, sql in (
        ("aliases", "SELECT * FROM aliases"),
        ("people", f"SELECT * REPLACE ({name}) FROM people"),
        ("sources", "SELECT source_id, kind FROM sources"),
    ):
        (root / table).mkdir(parents=True, exist_ok=True)
        con.execute(f"COPY ({sql}) TO {_q(str(root / table / 'part-0.parquet'))} (FORMAT parquet)")
    rows = {
        t: int(con.execute(f"SELECT count(*) FROM {t}").fetchall()[0][0])
        for t in ("interactions", "aliases", "people", "sources")
    }
    return Export(root, written, kept, rows)

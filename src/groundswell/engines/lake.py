"""Export a workspace's interactions, aliases, people and sources to a Parquet lake.

The layout is the one both engines read (:mod:`.base`): one file per ingested source in
``interactions/`` (each ingest is a batch, so a new ingest adds one file and the incremental
refresh recomputes only the windows its events touch), and ``aliases/``, ``people/`` and
``sources/`` rewritten whole. Names (``people.display_name``) are exported only when the
workspace is identified. People's group labels (department, team, location) leave through the
privacy gate (:func:`groundswell.privacy.gate_labels`, as in ``groundswell people --csv``):
a group it suppresses reads ``(suppressed)``. The engines read none of them.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from groundswell.errors import ConfigError

if TYPE_CHECKING:
    import pandas as pd

    from groundswell.store import Store


@dataclass(frozen=True)
class Export:
    """What :func:`export_lake` wrote: the batches (source ids) added and rows per table."""

    lake: Path
    batches_written: list[int]
    batches_kept: list[int]
    rows: dict[str, int]


def _q(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


#: the folders of a lake; export-lake replaces a folder holding only these (and dot files)
LAKE_FOLDERS = ("interactions", "aliases", "people", "sources")


def export_lake(ws: Store, lake: str | Path, *, full: bool = False) -> Export:
    """Write ``ws``'s tables as Parquet under the local folder ``lake``.

    Interactions go to ``interactions/source-N.parquet``, one file per source; a source
    whose file exists with as many rows is kept as is (the batch was exported before), files
    of sources no longer in the workspace are removed, and ``full`` rewrites everything.
    Copy the folder to an object store to run the Spark engine there.

    The export is atomic: the new lake is written into a temporary folder beside ``lake``
    (batches kept are hard links to the old files) and renamed into place when complete, so
    a failure or an interruption leaves the old lake as it was. ``lake`` must be a new or
    empty folder or a lake (only the folders of :data:`LAKE_FOLDERS`); anything else is
    refused, since the folder is replaced as a whole.
    """
    root = Path(lake)
    _check_target(root)
    root.parent.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix=f".{root.name}.", suffix=".tmp", dir=root.parent))
    try:
        if root.is_dir():
            shutil.copytree(root, work, copy_function=_link, dirs_exist_ok=True)
        out = _write(ws, work, full=full)
        _swap(work, root)
    except BaseException:
        shutil.rmtree(work, ignore_errors=True)
        raise
    return Export(root, out.batches_written, out.batches_kept, out.rows)


def _check_target(root: Path) -> None:
    if root.exists() and not root.is_dir():
        raise ConfigError(f"{root}: is a file; the lake is a folder")
    if not root.is_dir():
        return
    other = sorted(
        p.name
        for p in root.iterdir()
        if not p.name.startswith(".") and not (p.name in LAKE_FOLDERS and p.is_dir())
    )
    if other:
        raise ConfigError(
            f"{root}: holds {', '.join(other[:5])}{', ...' if len(other) > 5 else ''}, which "
            f"is not part of a lake (only {', '.join(LAKE_FOLDERS)}); export-lake replaces "
            "the folder as a whole: choose a new or empty folder"
        )


def _link(src: str, dst: str) -> None:
    """A hard link to ``src`` (no copy of a batch that is kept), a copy where links fail."""
    try:
        os.link(src, dst)
    except OSError:
        shutil.copy2(src, dst)


def _swap(work: Path, root: Path) -> None:
    """Put the finished lake ``work`` in the place of ``root`` (the old one removed)."""
    if not root.exists():
        work.rename(root)
        return
    old = work.with_name(work.name[: -len(".tmp")] + ".old")
    root.rename(old)
    try:
        work.rename(root)
    except BaseException:
        old.rename(root)
        raise
    shutil.rmtree(old, ignore_errors=True)


def _write(ws: Store, root: Path, *, full: bool) -> Export:
    """The export into ``root``, a private copy of the old lake (its files hard links: a
    file is replaced by a new one, never written through)."""
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
            path.unlink()
        con.execute(
            f"COPY (SELECT * FROM interactions WHERE source_id = {sid} ORDER BY ts) "
            f"TO {_q(str(path))} (FORMAT parquet)"
        )
        written.append(sid)
    for stale in (root / "interactions").glob("source-*.parquet"):
        sid_text = stale.stem.split("-", 1)[1]
        if sid_text.isdigit() and int(sid_text) not in ids:  # its source is gone
            stale.unlink()
    # names only in an identified workspace; the column is there (empty) in either mode
    replaced = [] if ws.settings.identified else ["NULL::VARCHAR AS display_name"]
    labels = _gate_map(ws)
    con.register("_gate_map", labels)
    replaced += [
        f"(SELECT m.shown FROM _gate_map m WHERE m.col = '{c}' "
        f"AND m.raw IS NOT DISTINCT FROM p.{c}) AS {c}"
        for c in labels["col"].unique()
    ]
    people = f"p.* REPLACE ({', '.join(replaced)})" if replaced else "p.*"
    for table, sql in (
        ("aliases", "SELECT * FROM aliases"),
        ("people", f"SELECT {people} FROM people p"),
        ("sources", "SELECT source_id, kind FROM sources"),
    ):
        part = root / table / "part-0.parquet"
        part.parent.mkdir(parents=True, exist_ok=True)
        part.unlink(missing_ok=True)  # a hard link to the old lake's file: never write through
        con.execute(f"COPY ({sql}) TO {_q(str(part))} (FORMAT parquet)")
    con.unregister("_gate_map")
    rows = {
        t: int(con.execute(f"SELECT count(*) FROM {t}").fetchall()[0][0])
        for t in ("interactions", "aliases", "people", "sources")
    }
    return Export(root, written, kept, rows)


#: the people's group labels the lake shows through the gate
GATED = ("department", "team", "location")


def _gate_map(ws: Store) -> pd.DataFrame:
    """Each stored group label (``raw``, missing included) of each column of :data:`GATED`
    (``col``) and how the privacy gate shows it (``shown``), counted over everyone."""
    import pandas as pd

    from groundswell.privacy import gate_labels

    columns = set(ws.con.execute("SELECT * FROM people LIMIT 0").df().columns)
    parts = []
    for column in (c for c in GATED if c in columns):
        values = ws.con.execute(f"SELECT {column} FROM people").df()[column].astype("object")
        shown = gate_labels(values, ws.settings.min_group_size, keep=True)
        pairs = pd.DataFrame({"col": column, "raw": values, "shown": shown.astype("object")})
        parts.append(pairs.drop_duplicates(["raw"]))
    if not parts:
        return pd.DataFrame({"col": pd.Series(dtype=str), "raw": [], "shown": []}, dtype=object)
    out = pd.concat(parts, ignore_index=True)
    return out.astype({"raw": "string", "shown": "string"})

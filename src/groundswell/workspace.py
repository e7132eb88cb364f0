"""The workspace: one folder holding a DuckDB database, a secret key and the settings.

::

    acme/
      groundswell.duckdb   the canonical tables and every run's results (migrations/current.sql)
      secret.key           the pseudonymisation key, mode 0600, never exported
      groundswell.toml     settings, written out with their defaults at init

The schema carries a version in ``meta``; opening an older workspace applies the migrations
in :data:`MIGRATIONS` (the numbered files of ``groundswell/migrations/``) in one transaction,
and a workspace newer than this code is refused.
"""

from __future__ import annotations

import contextlib
import json
import shutil
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import duckdb
import pandas as pd

from groundswell import config, migrations, privacy
from groundswell.errors import WorkspaceError

if TYPE_CHECKING:
    from groundswell.diffusion.adoption import AdoptionReport
    from groundswell.diffusion.champions import ChampionPlan
    from groundswell.ingest.common import IngestSummary
    from groundswell.network.window import Window
    from groundswell.run import Run

DB_FILE = "groundswell.duckdb"
#: version -> the step that brings a workspace from version-1 to this version: one numbered
#: SQL file each in groundswell/migrations/ (found by glob). Never edit a released step; add
#: the next file.
MIGRATIONS: dict[int, migrations.Step] = migrations.steps()
SCHEMA_VERSION = max(MIGRATIONS)


def init(path: str | Path, *, identified: bool = False, store_content: bool = False) -> Workspace:
    """Create a new workspace folder and return it opened.

    Refuses a folder that already holds a workspace; creates missing parent folders.
    """
    folder = Path(path)
    if (folder / DB_FILE).exists():
        raise WorkspaceError(f"{folder}: a workspace already exists here")
    if folder.exists() and not folder.is_dir():
        raise WorkspaceError(f"{folder}: is a file, not a folder")
    if folder.exists() and any(folder.iterdir()):
        raise WorkspaceError(f"{folder}: the folder is not empty; choose a new folder")
    created = not folder.exists()
    folder.mkdir(parents=True, exist_ok=True)
    try:
        privacy.new_key(folder / privacy.KEY_FILE)
        text = config.default_text()
        text = text.replace("identified = false", f"identified = {str(identified).lower()}")
        text = text.replace(
            "store_content = false", f"store_content = {str(store_content).lower()}"
        )
        (folder / config.CONFIG_FILE).write_text(text)
        con = duckdb.connect(str(folder / DB_FILE))
        try:
            _migrate(con, 0)
            con.execute(
                "INSERT INTO meta VALUES ('created_at', ?), ('store_content', ?)",
                [datetime.now(UTC).isoformat(), str(store_content).lower()],
            )
        finally:
            con.close()
    except BaseException:
        if created:
            shutil.rmtree(folder, ignore_errors=True)
        else:
            for name in (DB_FILE, DB_FILE + ".wal", privacy.KEY_FILE, config.CONFIG_FILE):
                (folder / name).unlink(missing_ok=True)
        raise
    return Workspace(folder)


def open(path: str | Path) -> Workspace:
    """Open an existing workspace (``gs.open("acme")``)."""
    return Workspace(Path(path))


def _migrate(con: duckdb.DuckDBPyConnection, current: int) -> None:
    if current > SCHEMA_VERSION:
        raise WorkspaceError(
            f"the workspace has schema version {current}, newer than this groundswell "
            f"understands ({SCHEMA_VERSION}); upgrade groundswell"
        )
    if current == SCHEMA_VERSION:
        return
    con.execute("BEGIN TRANSACTION")
    try:
        for version in range(current + 1, SCHEMA_VERSION + 1):
            MIGRATIONS[version](con)
        con.execute(
            "INSERT OR REPLACE INTO meta VALUES ('schema_version', ?)", [str(SCHEMA_VERSION)]
        )
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise


class Workspace:
    """An opened workspace: the store every reader writes to and every analysis reads from."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        db = folder / DB_FILE
        if not db.exists():
            raise WorkspaceError(
                f"{folder}: no groundswell workspace here (no {DB_FILE}); "
                f"create one with: groundswell init {folder}"
            )
        self.settings = config.load(folder)
        self._key = privacy.load_key(folder / privacy.KEY_FILE)
        self.pseudonymiser = privacy.Pseudonymiser(self._key)
        #: connections with a transaction open (shared with copies bound to other cursors)
        self._open: list[duckdb.DuckDBPyConnection] = []
        try:
            self.con = duckdb.connect(str(db))
        except duckdb.IOException as exc:
            raise WorkspaceError(f"{folder}: the database cannot be opened: {exc}") from exc
        try:
            try:
                rows = self.con.execute(
                    "SELECT value FROM meta WHERE key = 'schema_version'"
                ).fetchall()
            except duckdb.CatalogException:
                rows = []
            _migrate(self.con, int(rows[0][0]) if rows else 0)
            stored = self.con.execute(
                "SELECT value FROM meta WHERE key = 'store_content'"
            ).fetchall()
        except BaseException:
            self.con.close()
            raise
        self.store_content = bool(stored) and stored[0][0] == "true"

    def __repr__(self) -> str:
        return f"<Workspace {self.folder}>"

    def __enter__(self) -> Workspace:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self.con.close()

    # -- storage helpers -------------------------------------------------------------------
    @contextlib.contextmanager
    def transaction(self) -> Iterator[duckdb.DuckDBPyConnection]:
        """All or nothing: everything written inside commits together or not at all.

        Inside a transaction already open on this connection it joins that one, which then
        commits or rolls back everything (a run stores its findings inside its own)."""
        con = self.con
        if any(c is con for c in self._open):  # the owner of the open one ends it
            yield con
            return
        con.execute("BEGIN TRANSACTION")
        self._open.append(con)
        try:
            yield con
        except BaseException:
            con.execute("ROLLBACK")
            raise
        else:
            con.execute("COMMIT")
        finally:
            self._open[:] = [c for c in self._open if c is not con]

    def query(self, sql: str, params: list[Any] | None = None) -> pd.DataFrame:
        """Run a read query and return a DataFrame."""
        return self.con.execute(sql, params or []).df()

    @property
    def schema_version(self) -> int:
        return int(
            self.con.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchall()[0][0]
        )

    def counts(self) -> dict[str, int]:
        """Row counts of the canonical tables."""
        out = {}
        for table in ("people", "aliases", "channels", "messages", "interactions", "sources"):
            out[table] = self.con.execute(f"SELECT count(*) FROM {table}").fetchall()[0][0]
        return out

    # -- faces of the library (each a thin call into its module) ----------------------------
    def ingest_orgchart(
        self,
        path: str | Path,
        *,
        mapping: dict[str, str] | None = None,
        progress: bool = False,
        dry_run: bool = False,
    ) -> IngestSummary:
        """Load an HR org chart (CSV or Parquet); see :mod:`groundswell.ingest.orgchart`."""
        from groundswell.ingest import orgchart

        return orgchart.ingest(
            self, Path(path), mapping=mapping, progress=progress, dry_run=dry_run
        )

    def ingest_events(
        self,
        path: str | Path,
        *,
        mapping: dict[str, str] | None = None,
        targets_sep: str = ";",
        progress: bool = False,
        dry_run: bool = False,
    ) -> IngestSummary:
        """Load generic interaction events (CSV or Parquet); see :mod:`.ingest.events`."""
        from groundswell.ingest import events

        return events.ingest(
            self,
            Path(path),
            mapping=mapping,
            targets_sep=targets_sep,
            progress=progress,
            dry_run=dry_run,
        )

    def ingest(
        self,
        kind: str,
        path: str | Path,
        *,
        progress: bool = False,
        dry_run: bool = False,
        **options: Any,
    ) -> IngestSummary:
        """Load a source of any kind (``slack``, ``teams``, ``email``, ...; see
        :data:`groundswell.ingest.READERS`) with the reader's own options."""
        from groundswell.ingest import reader

        return reader(kind).ingest(self, Path(path), progress=progress, dry_run=dry_run, **options)

    def analyze(
        self,
        window: str | Window | None = None,
        *,
        layers: tuple[str, ...] = ("digital",),
        weighted: bool = True,
        progress: bool = False,
        engine: str = "duckdb",
        master: str | None = None,
    ) -> Run:
        """Build the graph for a window and compute the first analyses; the run is stored.

        ``engine="spark"`` aggregates the ties on Spark (``master``, default ``local[2]``)
        from the workspace exported to Parquet; see docs/spark.md.
        """
        from groundswell.run import analyze

        return analyze(
            self,
            window,
            layers=layers,
            weighted=weighted,
            progress=progress,
            engine=engine,
            master=master,
        )

    def runs(self) -> pd.DataFrame:
        """Every complete run, newest first (see :func:`groundswell.run.incomplete_runs` for
        runs an older version left without their findings)."""
        return self.query(
            "SELECT run_id, created_at, version, window_start, window_end, summary "
            "FROM runs WHERE complete ORDER BY run_id DESC"
        )

    def run(self, run_id: int | None = None) -> Run:
        """A stored run (the latest when ``run_id`` is None)."""
        from groundswell.run import Run

        if run_id is None:
            rows = self.con.execute("SELECT max(run_id) FROM runs WHERE complete").fetchall()
            if rows[0][0] is None:
                raise WorkspaceError(
                    f"{self.folder}: no analysis has been run yet; run: "
                    f"groundswell analyze {self.folder}"
                )
            run_id = int(rows[0][0])
        return Run.load(self, run_id)

    def report(
        self, output: str | Path, *, run_id: int | None = None, pdf: str | Path | None = None
    ) -> Path:
        """Write the self-contained HTML report of a run (the latest by default), and, with
        ``pdf``, the same report printed to that PDF file by headless Chromium."""
        from groundswell.report import write_pdf, write_report

        path = write_report(self.run(run_id), Path(output))
        if pdf is not None:
            write_pdf(path, Path(pdf))
        return path

    def gap(
        self, path: str | Path, *, run_id: int | None = None, top: float = 0.10
    ) -> pd.DataFrame:
        """The management perception gap: a CSV of people leaders believe influential (HR
        ids or emails, in a column ``person`` or the first column) against the run's PageRank.
        See :func:`groundswell.analysis.gap.perception_gap`. Nothing is stored."""
        from groundswell.analysis.gap import perception_gap
        from groundswell.ingest import common

        path = Path(path)
        table = common.read_table(path)
        col = "person" if "person" in table.columns else table.columns[0]
        raw = table[col].astype("string").fillna("").str.strip()
        ids = pd.Series(self.pseudonymiser.people(raw[raw != ""]))
        aliases = dict(self.con.execute("SELECT alias_id, person_id FROM aliases").fetchall())
        nominated = pd.Index(ids.map(lambda i: aliases.get(i, i)))
        people = self.run(run_id).people()
        return perception_gap(nominated, people["pagerank"], top=top).join(
            people[["display_name", "department", "level"]]
        )

    def champions(self, *, run_id: int | None = None, k: int = 20, **options: Any) -> ChampionPlan:
        """Choose ``k`` change champions on a run's network, compare them with the baselines
        and store the plan (see :func:`groundswell.diffusion.champions.make_plan` for the
        options: quotas, people to include or exclude, model, epsilon, runs, seed)."""
        from groundswell.diffusion.champions import make_plan

        return make_plan(self, run_id=run_id, k=k, **options)

    def plan(self, plan_id: int | None = None) -> ChampionPlan:
        """A stored champion plan (the latest when ``plan_id`` is None)."""
        from groundswell.diffusion.champions import ChampionPlan

        return ChampionPlan.load(self, plan_id)

    def adoption(
        self, behaviour: str, *, plan_id: int | None = None, until: str | None = None
    ) -> AdoptionReport:
        """How ``behaviour`` really spread (``ingest adoptions``) against a champion plan."""
        from groundswell.diffusion.adoption import compare

        return compare(self, behaviour, plan_id=plan_id, until=until)

    def trends(self, period: str = "month") -> pd.DataFrame:
        """Every headline measure of the stored snapshots as a time series: one row per
        period (oldest first), one column per measure; AnalysisError when there are none
        yet (``groundswell timeline``). See :func:`groundswell.value.trends.series`."""
        from groundswell.value.trends import series

        return series(self, period)

    def changes(
        self, period: str = "month", *, before: str | None = None, after: str | None = None
    ) -> pd.DataFrame:
        """People whose persona or roles changed between two stored snapshots (the last two
        by default). See :func:`groundswell.value.trends.changes`."""
        from groundswell.value.trends import changes

        return changes(self, period, before=before, after=after)

    def sources(self) -> pd.DataFrame:
        """What was ingested, when, with which options."""
        df = self.query("SELECT * FROM sources ORDER BY source_id")
        for col in ("options", "skipped"):
            df[col] = df[col].map(json.loads)
        return df

"""The workspace: the public face of groundswell, for notebooks, the CLI and the web app.

:class:`Workspace` is a :class:`groundswell.store.Store` (the folder's database, key and
settings) with one typed method for each capability of the library: ingest, analyze, report,
gap, champions, adoption, value findings, surveys, trends, exports. Each method is a thin
call into the module that does the work; nothing below this module imports it (the modules
below take a :class:`~groundswell.store.Store`), so the package has no import cycle
(``tests/test_import_graph.py``). See docs/architecture.md.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from groundswell.store import Store, create

if TYPE_CHECKING:
    from groundswell.diffusion.adoption import AdoptionReport
    from groundswell.diffusion.champions import ChampionPlan
    from groundswell.ingest.common import IngestSummary
    from groundswell.network.window import Window
    from groundswell.run import Run


def init(path: str | Path, *, identified: bool = False, store_content: bool = False) -> Workspace:
    """Create a new workspace folder and return it opened.

    Refuses a folder that already holds a workspace; creates missing parent folders.
    """
    return Workspace(create(path, identified=identified, store_content=store_content))


def open(path: str | Path) -> Workspace:
    """Open an existing workspace (``gs.open("acme")``)."""
    return Workspace(Path(path))


class Workspace(Store):
    """An opened workspace: the store, with one method for each thing the library does."""

    def __enter__(self) -> Workspace:
        return self

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

    def run(self, run_id: int | None = None) -> Run:
        """A stored run (the latest when ``run_id`` is None)."""
        from groundswell.run import Run

        return Run.load(self, self.latest_run_id() if run_id is None else run_id)

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

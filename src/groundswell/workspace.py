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
    from collections.abc import Callable, Sequence

    from groundswell.diffusion.adoption import AdoptionReport
    from groundswell.diffusion.champions import ChampionPlan
    from groundswell.diffusion.imm import Quota
    from groundswell.diffusion.models import Model, Rule
    from groundswell.engines.lake import Export
    from groundswell.ingest.common import IngestSummary
    from groundswell.initiatives import Traction
    from groundswell.network.window import Window
    from groundswell.run import Run
    from groundswell.survey.comparison import Comparison as SurveyComparison
    from groundswell.survey.questions import Question
    from groundswell.survey.record import Link, Survey
    from groundswell.value.before_after import Comparison as DateComparison
    from groundswell.value.qa import QAReport
    from groundswell.value.snapshots import Refresh


def init(path: str | Path, *, identified: bool = False, store_content: bool = False) -> Workspace:
    """Create a new workspace folder and return it opened.

    Refuses a folder that already holds a workspace; creates missing parent folders.
    """
    return Workspace(create(path, identified=identified, store_content=store_content))


def open(path: str | Path, *, read_only: bool = False) -> Workspace:
    """Open an existing workspace (``gs.open("acme")``).

    ``read_only=True`` shares the file with other readers, the running dashboard among
    them; a writer waits for its turn (see :mod:`groundswell.gate`)."""
    return Workspace(Path(path), read_only=read_only)


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
        delimiter: str | None = None,
        encoding: str | None = None,
        progress: bool = False,
        dry_run: bool = False,
    ) -> IngestSummary:
        """Load an HR org chart (CSV of any dialect, .xlsx or Parquet); see
        :mod:`groundswell.ingest.orgchart`."""
        from groundswell.ingest import orgchart

        return orgchart.ingest(
            self,
            Path(path),
            mapping=mapping,
            delimiter=delimiter,
            encoding=encoding,
            progress=progress,
            dry_run=dry_run,
        )

    def ingest_events(
        self,
        path: str | Path,
        *,
        mapping: dict[str, str] | None = None,
        targets_sep: str = ";",
        kind: str = "message",
        delimiter: str | None = None,
        encoding: str | None = None,
        progress: bool = False,
        dry_run: bool = False,
    ) -> IngestSummary:
        """Load generic interaction events (CSV of any dialect, .xlsx or Parquet); see
        :mod:`.ingest.events`."""
        from groundswell.ingest import events

        return events.ingest(
            self,
            Path(path),
            mapping=mapping,
            targets_sep=targets_sep,
            kind=kind,
            delimiter=delimiter,
            encoding=encoding,
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
        layers: tuple[str, ...] | None = None,
        weighted: bool = True,
        progress: bool = False,
        engine: str = "duckdb",
        master: str | None = None,
    ) -> Run:
        """Build the graph for a window and compute the first analyses; the run is stored.
        ``layers`` default to what the workspace's data makes
        (:func:`groundswell.pipeline.default_layers`).

        ``engine="spark"`` aggregates the ties on Spark (``master``, default ``local[2]``)
        from the workspace exported to Parquet; see docs/spark.md.
        """
        from groundswell._loading import paused

        with paused():  # the analysis' modules (SciPy, igraph, ...) load without the collector
            from groundswell.pipeline import analyze

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

    def person_id(self, who: str) -> str:
        """The pseudonym (``person_id``, the index of :meth:`Run.people`) of a person known
        by their HR id, email, name or pseudonym, through
        :func:`groundswell.identity.resolve`; a ParameterError when nobody or several match.
        To hash an HR id without looking it up: ``ws.pseudonymiser.person(hr_id)``."""
        from groundswell import identity

        return identity.resolve(self, who)

    def report(
        self,
        output: str | Path,
        *,
        run_id: int | None = None,
        pdf: str | Path | None = None,
        reveal: bool = False,
        paper: str = "a4",
        progress: bool = False,
    ) -> Path:
        """Write the self-contained HTML report of a run (the latest by default), and, with
        ``pdf``, the same report printed to that PDF file by headless Chromium on ``paper``
        ("a4" or "letter"). With ``reveal`` the report names people (needs the workspace key;
        marked as containing personal data on every page; logged in the audit log). With
        ``progress``, a progress bar on a terminal."""
        from groundswell import identity
        from groundswell.progress import steps
        from groundswell.report import write_pdf, write_report

        with steps(7 if pdf is not None else 2, enabled=progress) as bar:
            bar.step("reading the run")
            run = self.run(run_id)
            names = (
                identity.names(self, action="report", detail=f"run {run.run_id} to {output}")
                if reveal
                else None
            )
            bar.step("writing the report")
            path = write_report(run, Path(output), names)
            if pdf is not None:
                write_pdf(path, Path(pdf), paper=paper, step=bar.step)
                bar.step("writing the PDF")
        return path

    def gap(
        self, path: str | Path, *, run_id: int | None = None, top: float = 0.10
    ) -> pd.DataFrame:
        """The management perception gap: a CSV of people leaders believe influential (HR
        ids or emails, in a column ``person`` or the first column) against the run's PageRank.
        See :func:`groundswell.analysis.gap.perception_gap`. Nothing is stored."""
        from groundswell.analysis.gap import gap_table
        from groundswell.value.compute import read_leaders

        return gap_table(read_leaders(self, path), self.run(run_id).people(), top=top)

    def champions(
        self,
        *,
        run_id: int | None = None,
        k: int = 20,
        model: Model = "ic",
        rule: Rule | None = None,
        p: float = 0.1,
        quota_by: str | None = None,
        quota: Quota = "at_least_one",
        include: Sequence[str] = (),
        exclude: Sequence[str] = (),
        epsilon: float = 0.1,
        delta: float | None = None,
        runs: int = 1000,
        seed: int | None = None,
        shares: Sequence[float] = (0.01, 0.03, 0.05),
        progress: Callable[[str], None] | None = None,
    ) -> ChampionPlan:
        """Choose ``k`` change champions on a run's network (the latest by default), compare
        them with the baselines and store the plan; every keyword is
        :func:`groundswell.diffusion.champions.make_plan`'s."""
        from groundswell.diffusion.champions import make_plan

        return make_plan(
            self,
            run_id=run_id,
            k=k,
            model=model,
            rule=rule,
            p=p,
            quota_by=quota_by,
            quota=quota,
            include=include,
            exclude=exclude,
            epsilon=epsilon,
            delta=delta,
            runs=runs,
            seed=seed,
            shares=shares,
            progress=progress,
        )

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

    def traction(
        self,
        name: str,
        *,
        channels: Sequence[str] = (),
        keywords: Sequence[str] = (),
        meetings: Sequence[str] = (),
        behaviour: str | None = None,
        period: str | None = None,
        by: str | None = None,
        run_id: int | None = None,
        plan_id: int | None = None,
    ) -> Traction:
        """Define (or take the stored or configured definition of) the initiative ``name``,
        measure its traction period by period and store it; see
        :mod:`groundswell.diffusion.traction` and docs/traction.md."""
        from groundswell.diffusion.traction import compute
        from groundswell.initiatives import resolve

        initiative = resolve(
            self, name, channels=tuple(channels), keywords=tuple(keywords),
            meetings=tuple(meetings), behaviour=behaviour, period=period, by=by,
        )  # fmt: skip
        return compute(self, initiative, run_id=run_id, plan_id=plan_id)

    def trends(self, period: str = "month") -> pd.DataFrame:
        """Every headline measure of the stored snapshots as a time series: one row per
        period (oldest first), one column per measure; AnalysisError when there are none
        yet (``groundswell timeline``). See :func:`groundswell.value.timeline.series`."""
        from groundswell.value.timeline import series

        return series(self, period)

    def changes(
        self, period: str = "month", *, before: str | None = None, after: str | None = None
    ) -> pd.DataFrame:
        """People whose persona or roles changed between two stored snapshots (the last two
        by default). See :func:`groundswell.value.timeline.changes`."""
        from groundswell.value.timeline import changes

        return changes(self, period, before=before, after=after)

    # -- value findings (see docs/value.md) -------------------------------------------------
    def value_findings(self, run_id: int | None = None) -> dict[str, Any]:
        """The value findings analyze stored with a run (the latest by default): maturity at
        three scales, Q&A, leaders, community health, onboarding, a survey beside the network."""
        return self.run(run_id).findings()

    def _run_or_latest(self, run_id: int | None) -> Run | None:
        from groundswell.value.queries import latest_run

        return self.run(run_id) if run_id is not None else latest_run(self)

    def maturity(
        self, *, run_id: int | None = None, window: str | Window | None = None
    ) -> pd.DataFrame:
        """Value maturity per department; see :func:`groundswell.value.compute.maturity`."""
        from groundswell.value.compute import maturity

        return maturity(self, run=self._run_or_latest(run_id), window=window)

    def qa(
        self,
        *,
        run_id: int | None = None,
        window: str | Window | None = None,
        leaders: str | Path | None = None,
    ) -> QAReport:
        """Questions and answers (``leaders``: a file naming the leaders, default from the
        org chart); see :func:`groundswell.value.compute.qa`."""
        from groundswell.value import compute as qa

        ids = qa.read_leaders(self, leaders) if leaders is not None else None
        return qa.qa(self, run=self._run_or_latest(run_id), window=window, leaders_ids=ids)

    def leaders(
        self,
        path: str | Path | None = None,
        *,
        run_id: int | None = None,
        window: str | Window | None = None,
    ) -> pd.DataFrame:
        """How leaders are connected; see :func:`groundswell.value.compute.leaders`."""
        from groundswell.value.compute import leaders

        return leaders(self, path, run=self._run_or_latest(run_id), window=window)

    def community_health(
        self, *, run_id: int | None = None, window: str | Window | None = None
    ) -> pd.DataFrame:
        """The health of each community; see :func:`groundswell.value.compute.health`."""
        from groundswell.value.compute import health

        return health(self, run=self._run_or_latest(run_id), window=window)

    def snapshots(self, period: str = "month", *, full: bool = False) -> Refresh:
        """Bring the stored snapshots of ``period`` up to date (``groundswell timeline``);
        see :func:`groundswell.value.timeline.snapshots`."""
        from groundswell.value.timeline import snapshots

        return snapshots(self, period, full=full)

    def onboarding(self, *, ties: int | None = None) -> pd.DataFrame:
        """How fast newcomers connect; see :func:`groundswell.value.compute.onboarding`."""
        from groundswell.value.compute import onboarding

        return onboarding(self, ties=ties)

    def compare_dates(self, at: str, *, days: int | None = None) -> DateComparison:
        """The days before ``at`` against the days from it; see
        :func:`groundswell.value.compute.compare_dates`."""
        from groundswell.value.compute import compare_dates

        return compare_dates(self, at, days=days)

    # -- relationship surveys (see docs/survey.md) ------------------------------------------
    def create_survey(
        self,
        name: str,
        questions: list[Question] | None = None,
        *,
        anonymous_attributes: bool = False,
    ) -> Survey:
        """Store a new survey (a draft); see :func:`groundswell.survey.record.create`."""
        from groundswell.survey.record import create as create_survey

        return create_survey(self, name, questions, anonymous_attributes=anonymous_attributes)

    def survey(self, survey: int | str) -> Survey:
        """A stored survey, by id or name."""
        from groundswell.survey.record import get

        return get(self, survey)

    def surveys(self) -> pd.DataFrame:
        """Every survey of the workspace."""
        from groundswell.survey.record import list_surveys

        return list_surveys(self)

    def launch_survey(self, survey: int | str | Survey, *, base_url: str) -> list[Link]:
        """Fix the roster and issue one personal link each; see
        :func:`groundswell.survey.links.launch`."""
        from groundswell.survey.links import launch

        return launch(self, survey, base_url=base_url)

    def remind_survey(
        self, survey: int | str | Survey, *, base_url: str, include_started: bool = True
    ) -> list[Link]:
        """A fresh link to everyone who has not submitted; see
        :func:`groundswell.survey.links.remind`."""
        from groundswell.survey.links import remind

        return remind(self, survey, base_url=base_url, include_started=include_started)

    def close_survey(self, survey: int | str | Survey) -> IngestSummary:
        """Close a survey: its nominations become interactions; see
        :func:`groundswell.survey.closing.close`."""
        from groundswell.survey.closing import close

        return close(self, survey)

    def survey_response_rate(self, survey: int | str | Survey) -> dict[str, Any]:
        """Who answered, overall and by department (through the privacy gate)."""
        from groundswell.survey.following import response_rate

        return response_rate(self, survey)

    def survey_comparison(
        self,
        survey: int | str | Survey,
        *,
        window: str | Window | None = None,
        top: float = 0.10,
    ) -> SurveyComparison:
        """A survey beside the digital network; see
        :func:`groundswell.survey.comparison.compare`."""
        from groundswell.survey.comparison import compare

        return compare(self, survey, window=window, top=top)

    # -- exports -----------------------------------------------------------------------------
    def export_lake(self, lake: str | Path, *, full: bool = False) -> Export:
        """The workspace's tables as Parquet under ``lake`` (for the Spark engine); see
        :func:`groundswell.engines.lake.export_lake`."""
        from groundswell.engines.lake import export_lake

        return export_lake(self, lake, full=full)

"""The real-sample matrix (issue 15, point 7): every sample of ../shared/data and a fixture in
the documented layout of each source goes ingest -> analyze -> people -> groups -> report
without a traceback, through the command line as a user runs it.

Each case builds its input in a temporary folder: a shared sample converted to the layout a
user would bring it in (an edge list as events or survey answers, attributes as an HR file),
read in place when it is an export already (Slack zips, mbox files, Viva queries); or a
fixture of tests/e2e/org_files.py (a German-style HR export, a Teams export with its channel
member list, Slack, email, survey, events). A sample that is absent is skipped (the core
suite passes without ../shared/data; GROUNDSWELL_SHARED_DATA points elsewhere). The
GPL/AGPL samples (mbox-perceval, slackdump) are read where they lie, never copied.

PDF: only two shapes print one (``PDF``): Chromium takes about ten seconds a report and the
report is the same template for every shape, so two (a small organisation with outsiders
and its external-relationships section, and a survey-only one) show that printing works
without making the matrix slow. Every shape renders the HTML.

Commands run in-process (typer's CliRunner, ``catch_exceptions=False``): a traceback
anywhere fails the case with that traceback.
"""

from __future__ import annotations

import csv
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from typer.testing import CliRunner

from groundswell.browser import find_chromium
from groundswell.cli import app
from tests.conftest import SHARED_DATA
from tests.e2e import org_files

SHARED = Path(os.environ.get("GROUNDSWELL_SHARED_DATA", SHARED_DATA))
RUNNER = CliRunner()
T0 = datetime(2024, 1, 1, tzinfo=UTC)
PDF = {"fixture-hr-teams-members", "krackhardt-hightech"}


@dataclass
class Case:
    """What a shape ingests (kind, path, extra options), with which settings, and how it is
    analysed."""

    ingests: list[tuple[str, Path, list[str]]]
    settings: dict[str, str] = field(default_factory=dict)
    analyze: list[str] = field(default_factory=list)


def _write(path: Path, header: list[str], rows: list[list[object]], delimiter: str = ",") -> Path:
    with path.open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh, delimiter=delimiter)
        w.writerow(header)
        w.writerows(rows)
    return path


def _ts(k: int, days: int = 27) -> str:
    """A time inside January 2024 for the k-th act (edge lists have none)."""
    return (T0 + timedelta(minutes=(k * 37) % (days * 24 * 60))).isoformat()


def _matrix_rows(path: Path) -> list[list[int]]:
    return [
        [int(v) for v in line.split()] for line in path.read_text().splitlines() if line.strip()
    ]


# -- the shared samples, as a user would bring them ----------------------------------------
def email_eu_core(d: Path, tmp: Path) -> Case:
    edges = [
        line.split() for line in (d / "email-Eu-core.txt").read_text().splitlines() if line.strip()
    ]
    events = _write(
        tmp / "events.csv", ["actor", "targets", "timestamp", "kind"],
        [[f"n{u}", f"n{v}", _ts(k), "email_to"] for k, (u, v) in enumerate(edges)],
    )  # fmt: skip
    labels = [
        line.split()
        for line in (d / "email-Eu-core-department-labels.txt").read_text().splitlines()
        if line.strip()
    ]
    hr = _write(tmp / "hr.csv", ["id", "department"], [[f"n{n}", f"dept {x}"] for n, x in labels])
    return Case([("orgchart", hr, []), ("events", events, [])], {"min_interactions": "1"})


def krackhardt(d: Path, tmp: Path) -> Case:
    d = d / "sds-aau"
    attrs = list(csv.DictReader((d / "Krack-High-Tec-Attributes.csv").open()))
    boss = {
        a: b
        for a, b, t in (r for r in _matrix_rows(d / "Krack-High-Tec-edgelist-ReportsTo.txt"))
        if t
    }
    hr = _write(
        tmp / "hr.csv", ["id", "manager", "department", "level", "tenure"],
        [[f"m{r['ID']}", f"m{boss[int(r['ID'])]}" if int(r["ID"]) in boss else "",
          f"dept {r['DEPT']}", r["LEVEL"], r["TENURE"]] for r in attrs],
    )  # fmt: skip
    rows = []
    for q, name in (("advice", "Advice"), ("friendship", "Friendship")):
        for a, b, t in _matrix_rows(d / f"Krack-High-Tec-edgelist-{name}.txt"):
            if t and a != b:
                rows.append([f"m{a}", q, f"m{b}", "", "2024-01-10T09:00:00Z"])
    answers = _write(
        tmp / "answers.csv", ["respondent", "question", "nominee", "strength", "timestamp"], rows
    )
    return Case(
        [("orgchart", hr, []), ("survey", answers, [])],
        analyze=["--layer", "survey:advice", "--window", "2024-01-01:2024-02-01"],
    )


def lazega(d: Path, tmp: Path) -> Case:
    attr = _matrix_rows(d / "ELattr.dat")
    hr = _write(
        tmp / "hr.csv", ["id", "title", "location", "department"],
        [[f"l{r[0]}", ["partner", "associate"][r[1] - 1],
          ["Boston", "Hartford", "Providence"][r[3] - 1],
          ["litigation", "corporate"][r[6] - 1]] for r in attr],
    )  # fmt: skip
    rows = [
        [f"l{i + 1}", "advice", f"l{j + 1}", "", "2024-01-10T09:00:00Z"]
        for i, line in enumerate(_matrix_rows(d / "ELadv.dat"))
        for j, v in enumerate(line)
        if v and i != j
    ]
    answers = _write(
        tmp / "answers.csv", ["respondent", "question", "nominee", "strength", "timestamp"], rows
    )
    return Case(
        [("orgchart", hr, []), ("survey", answers, [])],
        analyze=["--layer", "survey:advice", "--window", "2024-01-01:2024-02-01"],
    )


def zachary(d: Path, tmp: Path) -> Case:
    rows, k = [], 0
    for line in (d / "out.ucidata-zachary").read_text().splitlines():
        if line.startswith("%") or not line.strip():
            continue
        u, v, w = (int(x) for x in line.split()[:3])
        for _ in range(w):
            rows.append([f"k{u}", f"k{v}", _ts(k), "dm"])
            k += 1
    events = _write(tmp / "events.csv", ["actor", "targets", "timestamp", "kind"], rows)
    return Case([("events", events, [])], {"min_interactions": "1"})


def viva_p2p(d: Path, tmp: Path) -> Case:
    return Case(
        [("viva", d / "vivainsights" / "data" / "p2p_data.csv", [])],
        analyze=["--layer", "collaboration", "--window", "2023-03-01:2023-05-01"],
    )


def mbox_perceval(d: Path, tmp: Path) -> Case:
    folder = tmp / "mail"
    folder.mkdir()
    for f in sorted(d.glob("*.mbox")):  # GPL: linked where it lies, never copied
        (folder / f.name).symlink_to(f)
    return Case([("email", folder, [])], {"min_interactions": "1"})


def slack_viewer(d: Path, tmp: Path) -> Case:
    return Case([("slack", d / "slack-export-viewer-testarchive" / "testarchive.zip", [])],
                {"min_interactions": "1"})  # fmt: skip


def slackdump(d: Path, tmp: Path) -> Case:
    return Case([("slack", d / "slackdump-fixture" / "source_export.zip", [])],
                {"min_interactions": "1"})  # fmt: skip


SAMPLES: dict[str, tuple[str, Callable[[Path, Path], Case]]] = {
    "email-eu-core": ("email-eu-core", email_eu_core),
    "krackhardt-hightech": ("krackhardt-hightech", krackhardt),
    "lazega-lawfirm": ("lazega-lawfirm", lazega),
    "zachary-karate": ("zachary-karate", zachary),
    "viva-p2p": ("viva-insights-vivainsights-pkg", viva_p2p),
    "mbox-perceval": ("mbox-perceval", mbox_perceval),
    "slack-export-viewer": ("slack-export", slack_viewer),
    "slackdump": ("slack-export", slackdump),
}


# -- fixtures in each source's documented layout -------------------------------------------
DOMAINS = {"internal_domains": f'["{org_files.DOMAIN}"]'}
FIXTURES: dict[str, Callable[[Path], Case]] = {
    "fixture-de-hr-events": lambda t: Case(
        [("orgchart", org_files.hr_german(t / "personal.csv"), []),
         ("events", org_files.events(t / "events.csv"), [])], DOMAINS),
    "fixture-hr-teams-members": lambda t: Case(
        [("orgchart", org_files.hr_plain(t / "hr.csv"), []),
         ("teams", org_files.teams(t / "teams"), [])], DOMAINS),
    "fixture-hr-slack": lambda t: Case(
        [("orgchart", org_files.hr_plain(t / "hr.csv"), []),
         ("slack", org_files.slack(t / "slack"), [])], DOMAINS),
    "fixture-hr-email": lambda t: Case(
        [("orgchart", org_files.hr_plain(t / "hr.csv"), []),
         ("email", org_files.mbox(t / "mail.mbox"), [])], DOMAINS),
    "fixture-email-only": lambda t: Case([("email", org_files.mbox(t / "mail.mbox"), [])], DOMAINS),
    "fixture-events-only": lambda t: Case([("events", org_files.events(t / "events.csv"), [])]),
    "fixture-survey-only": lambda t: Case(
        [("survey", org_files.survey(t / "answers.csv"), [])],
        analyze=["--layer", "survey:advice", "--window", "2024-03-01:2024-04-01"]),
}  # fmt: skip


def _settings(folder: Path, values: dict[str, str]) -> None:
    toml = folder / "groundswell.toml"
    lines = toml.read_text().splitlines()
    for key, value in values.items():
        lines = [f"{key} = {value}" if ln.startswith(f"{key} = ") else ln for ln in lines]
    toml.write_text("\n".join(lines) + "\n")


def _run(*args: str) -> str:
    done = RUNNER.invoke(app, [str(a) for a in args], catch_exceptions=False)
    assert done.exit_code == 0, f"groundswell {' '.join(map(str, args))}:\n{done.output}"
    return done.output


def _through_the_pipeline(name: str, case: Case, tmp: Path) -> None:
    ws = tmp / "ws"
    _run("init", ws)
    _settings(ws, case.settings)
    for kind, path, extra in case.ingests:
        _run("ingest", kind, ws, path, *extra, "-q")
    _run("analyze", ws, *case.analyze, "-q")
    people = _run("people", ws, "--format", "csv", "--top", "100000")
    assert len(people.splitlines()) > 2, people
    assert "external" in people.splitlines()[0]
    _run("groups", ws, "--format", "csv")
    report = tmp / "report.html"
    pdf = name in PDF and find_chromium() is not None
    _run("report", ws, "-o", report, *(["--pdf"] if pdf else []))
    assert report.stat().st_size > 10_000
    if pdf:
        assert (tmp / "report.pdf").read_bytes().startswith(b"%PDF")
    elif name in PDF:  # everything else was checked; the PDF needs a browser (CI has one)
        pytest.skip("the report's PDF needs Chromium (apt install chromium)")


@pytest.mark.parametrize("name", list(SAMPLES))
def test_shared_sample(name: str, tmp_path: Path) -> None:
    folder, make = SAMPLES[name]
    where = SHARED / folder
    if not where.exists():
        pytest.skip(f"{where} is absent (../shared/data; GROUNDSWELL_SHARED_DATA)")
    _through_the_pipeline(name, make(where, tmp_path), tmp_path)


@pytest.mark.parametrize("name", list(FIXTURES))
def test_fixture(name: str, tmp_path: Path) -> None:
    src = tmp_path / "in"
    src.mkdir()
    _through_the_pipeline(name, FIXTURES[name](src), tmp_path)

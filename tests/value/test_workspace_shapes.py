"""Every workspace shape analyses (issue 15, point 6): survey only, Viva only, email only,
chat only, formal only — ingest, analyze, people and groups through the CLI without a
traceback, each with the figures that used to come out wrong checked against an oracle
computed here with pandas from the input file:

- ``analyze`` picks the layers the data makes (``pipeline.default_layers``): survey layers,
  ``collaboration`` for Viva, ``formal`` for an org chart alone (over the days to today);
- an email sent is activity: on email-only data each person's ``given`` is the emails they
  sent to others, the personas follow (not all observers) and a month's ``active_people``
  is the number of distinct senders in it;
- the community count leaves out people with no tie (``communities`` = Leiden communities of
  two or more people), and the analyze line says how many were left out;
- a survey-only run stores each survey layer's ties for the person page.

Small files written here, the small real samples the repository keeps (``tests/data``:
Krackhardt's managers, SNAP's email-Eu-core, the hand-made mbox) and, when ``../shared/data``
is there (or ``GROUNDSWELL_SHARED_DATA`` names it), Microsoft's Viva person-to-person sample
and the Slack test archive; those two cases are skipped cleanly without it. The whole
pipeline on every real sample, report and PDF included, is tests/test_real_samples.py's.
"""

from __future__ import annotations

import csv
import os
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

import groundswell as gs
from groundswell.cli import app
from groundswell.value import timeline
from tests.conftest import SHARED_DATA, TEST_DATA

SHARED = Path(os.environ.get("GROUNDSWELL_SHARED_DATA") or SHARED_DATA)
KRACK = TEST_DATA / "krackhardt"
runner = CliRunner()


@dataclass
class Shape:
    ingest: list[str]  # the ingest subcommand
    make: Callable[[Path], Path]  # writes the input file into a folder, returns it
    layers: list[str]  # what analyze picks
    settings: dict[str, str] | None = None  # groundswell.toml lines replaced before ingest
    needs: Path | None = None  # a shared sample the case reads


# -- the input files ---------------------------------------------------------------------------


def _write(path: Path, header: list[str], rows: list[list[object]]) -> Path:
    with path.open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(header)
        w.writerows(rows)
    return path


def _edgelist(path: Path) -> pd.DataFrame:
    """A whitespace-separated edge list (leading spaces, CRLF or LF), columns 0, 1, ...."""
    return pd.read_csv(path, sep=r"\s+", header=None)


def krackhardt_survey(folder: Path) -> Path:
    """Krackhardt's 21 managers: who goes to whom for advice, as survey answers."""
    edges = _edgelist(KRACK / "Krack-High-Tec-edgelist-Advice.txt")
    edges = edges[edges[2] == 1]
    rows = [[f"m{a}@ht.com", "advice", f"m{b}@ht.com", "2024-01-10T09:00:00Z"] for a, b in
            zip(edges[0], edges[1], strict=True)]  # fmt: skip
    return _write(folder / "survey.csv", ["respondent", "question", "nominee", "timestamp"], rows)


def krackhardt_orgchart(folder: Path) -> Path:
    """Krackhardt's managers as an HR file: department, level, manager from "reports to"; and
    one person who reports to nobody and has no reports (no tie in the formal layer)."""
    attrs = pd.read_csv(KRACK / "Krack-High-Tec-Attributes.csv")
    reports = _edgelist(KRACK / "Krack-High-Tec-edgelist-ReportsTo.txt")
    boss = dict(zip(reports.loc[reports[2] == 1, 0], reports.loc[reports[2] == 1, 1], strict=True))
    rows: list[list[object]] = [
        [f"m{i}", f"m{i}@ht.com", f"dept{d}", lv, f"m{boss[i]}" if i in boss else ""]
        for i, d, lv in zip(attrs["ID"], attrs["DEPT"], attrs["LEVEL"], strict=True)
    ]
    rows.append(["m99", "m99@ht.com", "dept9", 3, ""])  # alone in the org chart
    header = ["employee_id", "email", "department", "level", "manager_id"]
    return _write(folder / "hr.csv", header, rows)


def viva_fixture(folder: Path) -> Path:
    return TEST_DATA / "viva" / "p2p_iso.csv"


def viva_real(folder: Path) -> Path:
    return SHARED / "viva-insights-vivainsights-pkg" / "vivainsights" / "data" / "p2p_data.csv"


def eu_core_emails(folder: Path) -> Path:
    """SNAP's email-Eu-core among its first 300 people: one email per directed edge (self
    loops left out), sent in February 2024 (day i % 28 + 1, so every day has mail)."""
    edges = _edgelist(TEST_DATA / "email-eu-core" / "email-Eu-core.txt")
    edges = edges[(edges[0] != edges[1]) & (edges[0] < 300) & (edges[1] < 300)]
    rows = [
        [f"e{i}", f"u{a}@eu.org", f"u{b}@eu.org", f"2024-02-{i % 28 + 1:02d}T10:00:00Z", "email"]
        for i, (a, b) in enumerate(zip(edges[0], edges[1], strict=True))
    ]
    header = ["event_id", "actor", "targets", "timestamp", "kind"]
    return _write(folder / "emails.csv", header, rows)


def small_emails(folder: Path) -> Path:
    """Six people emailing in March 2024; fay only receives; one mail to three at once."""
    rows: list[list[object]] = []
    plan = [("ann", "bob"), ("bob", "ann"), ("ann", "cat"), ("cat", "dan"), ("dan", "cat"),
            ("eve", "ann"), ("bob", "fay")]  # fmt: skip
    for k, (a, b) in enumerate(plan):
        for day in (4, 11):  # twice: a tie under the default rules
            rows.append([f"x{k}-{day}", f"{a}@x.com", f"{b}@x.com", f"2024-03-{day:02d}T09:00:00Z"])
    rows.append(["all", "eve@x.com", "bob@x.com;cat@x.com;dan@x.com", "2024-03-20T09:00:00Z"])
    header = ["event_id", "actor", "targets", "timestamp", "kind"]
    return _write(folder / "emails.csv", header, [[*r, "email_to"] for r in rows])


def mbox(folder: Path) -> Path:
    return TEST_DATA / "email" / "acme.mbox"


def small_chat(folder: Path) -> Path:
    """A chat: posts in a channel, replies and reactions, over two weeks of May 2024."""
    header = ["event_id", "actor", "targets", "timestamp", "kind", "channel", "channel_kind",
              "thread", "parent"]  # fmt: skip
    rows: list[list[object]] = []
    people = ["ann", "bob", "cat", "dan"]
    for d in range(1, 15):
        a = people[d % 4]
        root = f"p{d}"
        rows.append([root, f"{a}@x.com", "", f"2024-05-{d:02d}T09:00:00Z", "post", "general",
                     "public", root, ""])  # fmt: skip
        b = people[(d + 1) % 4]
        rows.append([f"r{d}", f"{b}@x.com", f"{a}@x.com", f"2024-05-{d:02d}T10:00:00Z", "reply",
                     "general", "public", root, root])  # fmt: skip
    return _write(folder / "chat.csv", header, rows)


def slack_real(folder: Path) -> Path:
    return SHARED / "slack-export" / "slack-export-viewer-testarchive" / "testarchive.zip"


SHAPES = {
    "survey-krackhardt": Shape(["survey"], krackhardt_survey, ["survey:advice"]),
    "viva-fixture": Shape(["viva"], viva_fixture, ["collaboration"]),
    "viva-real": Shape(["viva"], viva_real, ["collaboration"], needs=viva_real(Path())),
    "email-small": Shape(["events"], small_emails, ["digital"]),
    "email-eu-core": Shape(
        ["events"], eu_core_emails, ["digital"], {"min_interactions = 2": "min_interactions = 1"}
    ),
    "email-mbox": Shape(
        ["email"], mbox, ["digital"], {"min_interactions = 2": "min_interactions = 1"}
    ),
    "chat-small": Shape(["events"], small_chat, ["digital"]),
    "chat-slack-real": Shape(["slack"], slack_real, ["digital"], needs=slack_real(Path())),
    "formal-krackhardt": Shape(["orgchart"], krackhardt_orgchart, ["formal"]),
}


def _invoke(args: list[str]) -> str:
    result = runner.invoke(app, args)
    assert result.exception is None or isinstance(result.exception, SystemExit), (
        f"{args}: {result.exception!r}\n{result.output}"
    )
    assert result.exit_code == 0, f"{args}:\n{result.output}"
    assert "Traceback" not in result.output
    return result.output


@pytest.fixture(scope="module", params=list(SHAPES))
def shaped(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory):
    """(name, workspace folder, input file, analyze's output) of one shape, analysed."""
    name = request.param
    shape = SHAPES[name]
    if shape.needs is not None and not shape.needs.exists():
        pytest.skip(f"{shape.needs} is not here (../shared/data or GROUNDSWELL_SHARED_DATA)")
    base = tmp_path_factory.mktemp(name)
    folder = base / "ws"
    _invoke(["init", str(folder)])
    toml = folder / "groundswell.toml"
    for old, new in (shape.settings or {}).items():
        text = toml.read_text()
        assert old in text, old
        toml.write_text(text.replace(old, new, 1))
    source = shape.make(base)
    _invoke(["ingest", *shape.ingest, str(folder), str(source)])
    said = _invoke(["analyze", str(folder)])
    return name, folder, source, said


def test_ingest_analyze_people_groups(shaped) -> None:
    name, folder, _, _ = shaped
    _invoke(["people", str(folder)])
    _invoke(["groups", str(folder)])
    with gs.open(folder) as ws:
        run = ws.run()
        assert run.params["layers"] == SHAPES[name].layers
        assert set(run.findings()) >= {"value", "qa", "leaders", "communities", "onboarding"}
        people = run.people()
    assert len(people) > 0 and people["persona"].notna().all()


def test_communities_count_two_or_more_and_say_who_is_left_out(shaped) -> None:
    name, folder, _, said = shaped
    with gs.open(folder) as ws:
        run = ws.run()
        s = run.summary
        sizes = run.communities().value_counts()
        ties = run.ties()
        nodes = run.people().index
    tied = set(ties["actor_id"]) | set(ties["target_id"])
    alone = int((~nodes.isin(list(tied))).sum())  # the oracle: people with no tie
    assert s["isolated"] == alone
    assert s["communities"] == int((sizes >= 2).sum())
    assert s["community_singletons"] == int((sizes < 2).sum()) >= alone
    match = re.search(
        r"(\d[\d,]*) communities of two or more people \((\d[\d,]*) with no tie", said
    )
    assert match is not None, said
    assert (int(match[1].replace(",", "")), int(match[2].replace(",", ""))) == (
        s["communities"],
        alone,
    )
    if name == "formal-krackhardt":
        assert alone == 1  # m99: reports to nobody, nobody reports to them


def _sent(source: Path) -> pd.DataFrame:
    """One row per email and recipient of an events file: sender, recipient, month."""
    ev = pd.read_csv(source)
    ev["recipient"] = ev["targets"].str.split(";")
    ev = ev.explode("recipient")
    ev = ev[ev["recipient"] != ev["actor"]]
    ev["month"] = pd.to_datetime(ev["timestamp"], utc=True).dt.strftime("%Y-%m-01")
    return ev.rename(columns={"actor": "sender"})[["sender", "recipient", "month"]]


@pytest.mark.parametrize("shaped", ["email-small", "email-eu-core"], indirect=True)
def test_an_email_sent_is_activity(shaped) -> None:
    _, folder, source, _ = shaped
    sent = _sent(source)
    with gs.open(folder) as ws:
        pseudo = ws.pseudonymiser
        people = ws.run().people()
        timeline.snapshots(ws, "month")
        series = timeline.series(ws, "month")
    # each person's given and received are the emails they sent to and got from others
    given = sent.groupby("sender").size()
    received = sent.groupby("recipient").size()
    given.index = pd.Index(pseudo.people(given.index))
    received.index = pd.Index(pseudo.people(received.index))
    got = people[["given", "received"]].astype("int64")
    assert got["given"].to_dict() == given.reindex(got.index, fill_value=0).to_dict()
    assert got["received"].to_dict() == received.reindex(got.index, fill_value=0).to_dict()
    # the personas' rules on those counts: observers only below the 25th percentile
    put_in = given.reindex(got.index, fill_value=0).astype("float64")
    active = put_in > 0
    low = np.percentile(put_in[active], 25)
    observers = int((~active | (put_in < low)).sum())
    assert (people["persona"] == "observer").sum() == observers < len(people)
    # a month's active people: the distinct senders of that month
    senders = sent.groupby("month")["sender"].nunique()
    months = series.index.strftime("%Y-%m-01")
    assert series["active_people"].to_numpy().tolist() == [float(senders[m]) for m in months]
    assert (series["active_people"] > 0).all()


@pytest.mark.parametrize("shaped", ["survey-krackhardt"], indirect=True)
def test_the_survey_layers_ties_are_stored_with_the_run(shaped) -> None:
    _, folder, _, _ = shaped
    with gs.open(folder) as ws:
        body = ws.run().findings()["ties:survey:advice"]
        answers = ws.query("SELECT count(*) AS n FROM interactions WHERE kind = 'survey:advice'")
    assert len(body["ties"]) == int(answers["n"][0]) == 190  # Krackhardt's advice ties


@pytest.mark.parametrize("shaped", ["formal-krackhardt"], indirect=True)
def test_an_org_chart_alone_has_no_periods_and_says_so(shaped) -> None:
    _, folder, _, _ = shaped
    result = runner.invoke(app, ["timeline", str(folder), "--quiet"])
    assert result.exit_code == 1 and not isinstance(result.exception, KeyError | TypeError)
    lines = [line for line in result.output.splitlines() if line.startswith("error:")]
    assert len(lines) == 1 and "no events to take monthly snapshots of" in lines[0], result.output


def test_the_value_stages_are_measured_on_digital_ties_or_said_not_measured(shaped) -> None:
    """Connect is measured on chat, enterprise-social and email ties: a workspace without any
    (Viva's collaboration pairs, survey answers, an org chart alone) gets "not measured",
    not everyone at 0 against a line of 1 and a finding that no one connects."""
    from groundswell import benchmark
    from groundswell.report.value import value_context
    from groundswell.value import maturity

    name, folder, _, _ = shaped
    with gs.open(folder) as ws:
        run = ws.run()
        v = run.findings()["value"]
        said = [f["rule"] for f in run.findings()["headline"]["findings"]]
        digital = "digital" in run.params["layers"]
        n_digital = ws.con.execute(
            "SELECT count(*) FROM interactions WHERE kind NOT IN ('collaboration', 'survey')"
            " AND kind NOT LIKE 'survey%'"
        ).fetchall()[0][0]
        context = value_context(run)["maturity"]
        profile = benchmark.export(run)["figures"]
        leaders = run.findings()["leaders"]
    assert digital == (n_digital > 0), (name, n_digital)  # the oracle: the stored rows
    printed = _invoke(["value", str(folder)])
    assert ("The stages could not be measured" in printed) == (not digital), name
    assert ("connect not measured" in printed) == (not digital), name
    families = {k.split(".", 1)[0] for k in profile}
    # the anonymous profile compares personas and stages only where they were measured
    assert ({"persona", "maturity"} <= families) == digital, (name, sorted(families))
    connect = v["indicators"]["connect"]
    gone = [u["stage"] for u in v["unmeasured"]]
    assert gone == [st for st in maturity.STAGES if not v["indicators"][st]]
    if digital:
        assert {"reciprocated", "across"} <= set(connect), name
        assert all(0 <= x["network"] <= 1 for x in connect.values())
        assert "connect" not in gone and context["connect_measured"]
    else:
        assert connect == {} and pd.isna(v["network"]["connect"]), name
        assert gone[0] == "connect" and not context["connect_measured"]
        assert v["unmeasured"][0]["needs"] == maturity.NEEDS["connect"]
        assert "value_stage" not in said  # not measured is not "no one connects"
        # nor every leader at 0 contacts: the section says why it has nothing
        assert "connected leadership is measured on chat" in leaders["problem"], name
        assert ("connect", "not measured") in [(k, line) for k, _, line in context["scores"]]
        assert "connect" not in [st["key"] for st in context["stages"]]  # no empty histogram

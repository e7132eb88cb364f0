"""The command line, in-process (Typer's CliRunner): each face calls the library."""

from __future__ import annotations

import re

from typer.testing import CliRunner

from groundswell.cli import app
from tests.conftest import write_csv

runner = CliRunner()


def invoke(*args: object):
    return runner.invoke(app, [str(a) for a in args], catch_exceptions=False)


def test_init_ingest_analyze_report_runs_sources(tmp_path, hr_file) -> None:
    acme = tmp_path / "acme"
    r = invoke("init", acme)
    assert r.exit_code == 0 and "created workspace" in r.output
    r = invoke("ingest", "orgchart", acme, hr_file)
    assert r.exit_code == 0 and "6 people" in r.output
    people = ["ann@x.com", "bob@x.com", "cat@x.com", "dan@x.com", "eve@x.com"]
    rows = [
        [f"e{i}", people[i % 5], people[(i * 3 + 1) % 5], f"2024-03-{1 + i % 20:02d}", "dm"]
        for i in range(200)
    ]
    ev = write_csv(tmp_path / "ev.csv", ["event_id", "actor", "targets", "timestamp", "kind"], rows)
    r = invoke("ingest", "events", acme, ev)
    assert r.exit_code == 0 and "200 messages" in r.output
    r = invoke("ingest", "events", acme, ev)
    assert "already ingested" in r.output
    r = invoke("analyze", acme, "--window", "2024-03-01:2024-03-31")
    assert r.exit_code == 0, r.output
    assert re.search(r"run 1: window 2024-03-01:2024-03-31, 5 people, \d+ ties", r.output)
    out = tmp_path / "report.html"
    r = invoke("report", acme, "-o", out)
    assert r.exit_code == 0 and out.exists()
    assert "run 1" in out.read_text().lower()
    r = invoke("runs", acme)
    assert r.exit_code == 0 and "2024-03-01:2024-03-31" in r.output
    r = invoke("sources", acme)
    assert r.exit_code == 0 and "orgchart" in r.output and "events" in r.output


def test_map_option(tmp_path) -> None:
    acme = tmp_path / "acme"
    invoke("init", acme)
    f = write_csv(tmp_path / "hr.csv", ["Worker", "SupervisorId"], [["A", ""], ["B", "A"]])
    r = invoke(
        "ingest",
        "orgchart",
        acme,
        f,
        "--map",
        "employee_id=Worker",
        "--map",
        "manager_id=SupervisorId",
    )
    assert r.exit_code == 0 and "2 people" in r.output
    r = invoke("ingest", "orgchart", acme, f, "--map", "employee_id")
    assert r.exit_code == 1 and "FIELD=COLUMN" in r.output


def test_errors_are_one_line_and_exit_1(tmp_path) -> None:
    r = invoke("analyze", tmp_path / "missing")
    assert r.exit_code == 1
    assert r.output.startswith("error: ") and "groundswell init" in r.output
    assert "Traceback" not in r.output
    acme = tmp_path / "acme"
    invoke("init", acme)
    bad = tmp_path / "bad.csv"
    bad.write_text("actor,targets,timestamp\na,b,not-a-date\n")
    r = invoke("ingest", "events", acme, bad)
    assert r.exit_code == 1 and "bad.csv, line 2" in r.output
    r = invoke("analyze", acme)
    assert r.exit_code == 1 and "no interactions ingested yet" in r.output
    r = invoke("analyze", acme, "--window", "2024-05-01:2024-04-01")
    assert r.exit_code == 1 and "must come after" in r.output


def test_quiet_prints_nothing_on_success(tmp_path, hr_file) -> None:
    acme = tmp_path / "acme"
    invoke("init", acme)
    r = invoke("ingest", "orgchart", acme, hr_file, "--quiet")
    assert r.exit_code == 0 and r.output == ""


def test_people_and_groups_commands(tmp_path) -> None:
    from groundswell.demo import run_demo

    run_demo(tmp_path / "d", n_people=200, say=lambda s: None)
    ws = tmp_path / "d" / "workspace"
    r = invoke("people", ws, "--top", "3", "--sort", "betweenness")
    assert r.exit_code == 0 and "betweenness" in r.output and r.output.count("p_") == 3
    r = invoke("people", ws, "--role", "hub", "--csv", tmp_path / "hubs.csv")
    assert r.exit_code == 0 and (tmp_path / "hubs.csv").exists()
    assert all("hub" in line for line in (tmp_path / "hubs.csv").read_text().splitlines()[1:])
    r = invoke("people", ws, "--sort", "charisma")
    assert r.exit_code == 1 and "--sort must be one of" in r.output
    r = invoke("groups", ws, "--by", "department")
    assert r.exit_code == 0 and "E-I" in r.output and "silo" in r.output


def test_gap_command(tmp_path) -> None:
    import json

    import groundswell as gs
    from groundswell.demo import run_demo

    run_demo(tmp_path / "d", n_people=200, say=lambda s: None)
    truth = json.loads((tmp_path / "d" / "data" / "truth.json").read_text())
    ws_dir = tmp_path / "d" / "workspace"
    # leaders name the CEO, the first hidden influencer (by HR id) and someone unknown
    names = [truth["ceo"], truth["hidden_influencers"][0]["employee_id"], "nobody@x.com"]
    nominees = write_csv(tmp_path / "n.csv", ["person"], [[n] for n in names])
    r = invoke("gap", ws_dir, nominees)
    assert r.exit_code == 0, r.output
    with gs.open(ws_dir) as ws:
        table = ws.gap(nominees)
        p = ws.pseudonymiser.person
        hidden = p(truth["hidden_influencers"][0]["employee_id"])
        assert table.loc[hidden, "verdict"] == "confirmed"
        assert table.loc[p("nobody@x.com"), "verdict"] == "unsupported"
        assert (table["verdict"] == "unseen").sum() >= 1
    assert "confirmed" in r.output and "unseen" in r.output


def test_a_names_file_that_is_not_utf8_is_one_error_line(tmp_path) -> None:
    """``champions --include-file`` of a file saved in Latin-1: one error naming the file and
    the line (a UnicodeDecodeError's traceback reached the user)."""
    acme = tmp_path / "acme"
    assert invoke("init", acme).exit_code == 0
    names = tmp_path / "names.txt"
    names.write_bytes("ann@x.com\nJürgen Groß\n".encode("latin-1"))
    r = invoke("champions", acme, "--include-file", names)
    assert r.exit_code != 0
    assert "names.txt: not UTF-8 text (line 2: byte 0xfc)" in r.output
    assert "Traceback" not in r.output

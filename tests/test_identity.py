"""Names for those allowed to see them (issue 17, point 2): whois both ways, one resolver for
pseudonyms, HR ids, emails and names, the identified report, refusals without the key, and
the audit log of every reveal."""

from __future__ import annotations

import json
import shutil

import pandas as pd
import pytest
from typer.testing import CliRunner

import groundswell as gs
from groundswell import identity, synth
from groundswell.cli import app
from groundswell.errors import ParameterError, WorkspaceError

runner = CliRunner()


@pytest.fixture(scope="module")
def org(tmp_path_factory):
    folder = tmp_path_factory.mktemp("identity")
    made = synth.generate(120, seed=5, weeks=3)
    files = made.write(folder / "data", events_format="csv")
    gs.init(folder / "ws").close()
    with gs.open(folder / "ws") as ws:
        ws.ingest_orgchart(files["hris"])
        ws.ingest_events(files["events"])
        ws.analyze()
    return folder / "ws", made.people


def _someone(people: pd.DataFrame) -> pd.Series:
    return people.iloc[7]


def test_no_personal_column_is_stored_in_clear(org) -> None:
    ws_dir, people = org
    row = _someone(people)
    with gs.open(ws_dir) as ws:
        dumped = ws.query("SELECT * FROM identities").to_csv()
        names = ws.query("SELECT display_name FROM people")["display_name"]
    assert names.isna().all()  # a pseudonymous workspace
    for value in (row["employee_id"], row["email"], row["name"]):
        assert str(value) not in dumped


def test_the_resolver_takes_a_pseudonym_an_hr_id_an_email_or_a_name(org) -> None:
    ws_dir, people = org
    row = _someone(people)
    with gs.open(ws_dir) as ws:
        p = ws.pseudonymiser.person(row["employee_id"])
        for said in (p, p.upper(), row["employee_id"], row["email"].upper(), row["name"]):
            assert identity.resolve(ws, said) == p
        with pytest.raises(ParameterError, match="nobody-here"):
            identity.resolve(ws, "nobody-here")


def test_whois_goes_both_ways_and_is_logged(org) -> None:
    ws_dir, people = org
    row = _someone(people)
    with gs.open(ws_dir) as ws:
        p = ws.pseudonymiser.person(row["employee_id"])
        before = len(identity.reveals(ws))
    result = runner.invoke(
        app, ["whois", str(ws_dir), p, row["email"], "--format", "json"], catch_exceptions=False
    )
    assert result.exit_code == 0, result.output
    got = json.loads(result.output)
    assert [g["person_id"] for g in got] == [p, p]
    assert got[0]["hr_id"] == row["employee_id"] and got[0]["name"] == row["name"]
    assert got[1]["email"].lower() == row["email"].lower()
    audit = runner.invoke(app, ["audit", str(ws_dir), "--format", "json"])
    assert audit.exit_code == 0, audit.output
    log = json.loads(audit.output)
    assert len(log) == before + 1
    assert log[-1]["action"] == "whois" and log[-1]["subjects"] == [p, p]
    assert log[-1]["actor"]


def test_the_revealed_report_names_people_and_says_so(org, tmp_path) -> None:
    ws_dir, _ = org
    out = tmp_path / "named.html"
    result = runner.invoke(app, ["report", str(ws_dir), "-o", str(out), "--reveal"])
    assert result.exit_code == 0, result.output
    html = out.read_text()
    assert 'id="personal-data"' in html and "@top-center" in html  # screen and every page
    with gs.open(ws_dir) as ws:
        top = ws.run().people().index[0]
        name = identity.directory(ws).loc[top, "name"]
        log = identity.reveals(ws)
    assert f">{name}<" in html and f">{top}<" not in html
    assert log.iloc[-1]["action"] == "report" and log.iloc[-1]["subjects"] == []
    plain = tmp_path / "plain.html"
    runner.invoke(app, ["report", str(ws_dir), "-o", str(plain)])
    assert 'id="personal-data"' not in plain.read_text() and name not in plain.read_text()


def test_without_the_key_reveals_are_refused_with_one_line(org, tmp_path) -> None:
    ws_dir, people = org
    copy = tmp_path / "no-key"
    shutil.copytree(ws_dir, copy)
    (copy / "secret.key").unlink()
    with gs.open(copy) as ws:
        count = len(identity.reveals(ws))
    report = ["report", str(copy), "--reveal", "-o", str(tmp_path / "r.html")]
    for args in (["whois", str(copy), "p_aaaaaaaaaa"], report):
        result = runner.invoke(app, args)
        assert result.exit_code != 0
        lines = [x for x in result.output.splitlines() if x.strip()]
        assert len(lines) == 1 and lines[0].startswith("error:"), result.output
        assert "secret.key" in lines[0] and "Traceback" not in result.output
    assert not (tmp_path / "r.html").exists()
    with gs.open(copy) as ws:
        assert len(identity.reveals(ws)) == count  # nothing revealed, nothing logged
        with pytest.raises(WorkspaceError, match="key"):
            identity.names(ws, action="report")
        # the pseudonymous report is still made without the key
        assert ws.report(tmp_path / "pseudonymous.html").exists()
    row = _someone(people)
    with gs.open(copy) as ws, pytest.raises(ParameterError, match="need the workspace key"):
        identity.resolve(ws, row["employee_id"])


def test_a_workspace_without_sealed_identities_says_how_to_seal_them(org, tmp_path) -> None:
    ws_dir, _ = org
    copy = tmp_path / "old"
    shutil.copytree(ws_dir, copy)
    with gs.open(copy) as ws:
        ws.con.execute("DELETE FROM identities")
    result = runner.invoke(app, ["whois", str(copy), "p_aaaaaaaaaa"])
    lines = [x for x in result.output.splitlines() if x.strip()]
    assert result.exit_code != 0 and len(lines) == 1, result.output
    assert lines[0].startswith("error:") and "ingest the org chart again" in lines[0]

from __future__ import annotations

import json

import numpy as np
import pytest

import groundswell as gs
from groundswell.errors import InputError, MappingError
from groundswell.ingest.orgchart import hierarchy_levels
from tests.conftest import HR_HEADER, HR_ROWS, snapshot, write_csv


def test_loads_people_with_levels_attributes_and_aliases(ws, hr_file) -> None:
    summary = ws.ingest_orgchart(hr_file)
    assert (summary.rows_read, summary.people, summary.rows_skipped) == (6, 6, 0)
    people = ws.query("SELECT * FROM people").set_index("person_id")
    p = ws.pseudonymiser.person
    ceo, dan = people.loc[p("E1")], people.loc[p("E4")]
    assert ceo["level"] == 1 and dan["level"] == 3  # computed from the reporting tree
    assert dan["manager_id"] == p("E2") and dan["department"] == "Eng"
    assert json.loads(dan["attrs"]) == {"grade": "C"}  # unrecognised columns kept
    assert str(people.loc[p("E6"), "leave_date"])[:10] == "2023-06-30"
    assert people["display_name"].isna().all()  # names only in identified mode
    assert not any("E1" in str(v) or "ann@" in str(v) for v in people.to_numpy().ravel())
    aliases = ws.query("SELECT * FROM aliases")
    assert dict(zip(aliases["alias_id"], aliases["person_id"], strict=True))[p("ann@x.com")] == p(
        "E1"
    )
    src = ws.sources().iloc[0]
    assert src["kind"] == "orgchart" and len(src["sha256"]) == 64 and src["people"] == 6


def test_identified_workspace_keeps_names(tmp_path, hr_file) -> None:
    with gs.init(tmp_path / "named", identified=True) as ws:
        ws.ingest_orgchart(hr_file)
        assert "Ann Archer" in set(ws.query("SELECT display_name FROM people")["display_name"])


def test_mapping_from_option_and_from_settings(ws, tmp_path) -> None:
    header = ["Worker", "Boss", "Dept"]
    f = write_csv(tmp_path / "odd.csv", header, [["A", "", "X"], ["B", "A", "X"]])
    with pytest.raises(MappingError, match="employee_id"):
        ws.ingest_orgchart(f)
    s = ws.ingest_orgchart(
        f, mapping={"employee_id": "Worker", "manager_id": "Boss", "department": "Dept"}
    )
    assert s.people == 2
    assert ws.query("SELECT max(level) AS m FROM people")["m"][0] == 2
    with pytest.raises(MappingError, match="Nope"):
        ws.ingest_orgchart(f, mapping={"employee_id": "Nope"})


def test_mapping_in_toml(tmp_path) -> None:
    gs.init(tmp_path / "ws").close()
    toml = tmp_path / "ws" / "groundswell.toml"
    toml.write_text(
        toml.read_text().replace('# employee_id = "EmployeeID"', 'employee_id = "Worker"')
    )
    f = write_csv(tmp_path / "odd.csv", ["Worker", "Boss"], [["A", ""], ["B", "A"]])
    with gs.open(tmp_path / "ws") as ws:
        assert ws.ingest_orgchart(f, mapping={"manager_id": "Boss"}).people == 2


def test_duplicate_ids_are_an_error_naming_the_lines(ws, tmp_path) -> None:
    rows = [*HR_ROWS, ["e2", "Bob Again", "b2@x.com", "E1", "Eng", "", "", "", "", "", ""]]
    f = write_csv(tmp_path / "dup.csv", HR_HEADER, rows)
    with pytest.raises(InputError, match=r"duplicate employee id .*lines \[3, 8\]"):
        ws.ingest_orgchart(f)


def test_reporting_cycle_is_an_error(ws, tmp_path) -> None:
    rows = [["A", "C"], ["B", "A"], ["C", "B"], ["D", ""]]
    f = write_csv(tmp_path / "cycle.csv", ["employee_id", "manager_id"], rows)
    with pytest.raises(InputError, match="reporting cycle") as err:
        ws.ingest_orgchart(f)
    assert err.value.line == 2 and "cycle.csv" in str(err.value)


def test_missing_managers_are_reported_not_fatal(ws, tmp_path) -> None:
    f = write_csv(tmp_path / "m.csv", ["employee_id", "manager_id"], [["A", ""], ["B", "Z"]])
    s = ws.ingest_orgchart(f)
    assert any("not in the file" in w and "[3]" in w for w in s.warnings)
    assert set(ws.query("SELECT level FROM people")["level"]) == {1}


def test_unparseable_date_names_line_and_value(ws, tmp_path) -> None:
    rows = [list(r) for r in HR_ROWS]
    rows[3][8] = "31/31/2021"
    f = write_csv(tmp_path / "d.csv", HR_HEADER, rows)
    with pytest.raises(InputError) as err:
        ws.ingest_orgchart(f)
    msg = str(err.value)
    assert "d.csv, line 5" in msg and "hire_date" in msg and "31/31/2021" in msg


@pytest.mark.parametrize("zoned", [(0,), (0, 1, 2, 3, 4, 5)], ids=["one", "all"])
def test_hr_dates_with_a_time_zone_are_utc_dates(ws, tmp_path, zoned) -> None:
    """Found by the fuzz harness (tests/fuzz): a hire_date with a time zone among plain dates
    raised TypeError (a zoned timestamp put into a plain column), and all of them zoned
    raised it too (compared with plain bounds)."""
    rows = [list(r) for r in HR_ROWS]
    for i in zoned:
        rows[i][8] += "T23:30:00-02:00"  # 01:30 UTC the next day
    ws.ingest_orgchart(write_csv(tmp_path / "z.csv", HR_HEADER, rows))
    people = ws.query("SELECT * FROM people").set_index("person_id")
    p = ws.pseudonymiser.person
    got = {e: str(people.loc[p(e), "hire_date"])[:10] for e in ("E1", "E2", "E6")}
    assert got["E1"] == "2020-01-02"
    assert got["E2"] == ("2020-01-02" if 1 in zoned else "2020-01-01")
    assert got["E6"] == ("2021-01-02" if 5 in zoned else "2021-01-01")


def test_unparseable_level(ws, tmp_path) -> None:
    f = write_csv(tmp_path / "l.csv", ["employee_id", "level"], [["A", "1"], ["B", "two"]])
    with pytest.raises(InputError, match=r"line 3.*level"):
        ws.ingest_orgchart(f)


def test_same_file_twice_adds_nothing(ws, hr_file) -> None:
    ws.ingest_orgchart(hr_file)
    before = snapshot(ws)
    again = ws.ingest_orgchart(hr_file)
    assert again.already_ingested and "already ingested" in again.lines()[0]
    assert snapshot(ws) == before


def test_an_updated_file_updates_people(ws, hr_file, tmp_path) -> None:
    ws.ingest_orgchart(hr_file)
    rows = [list(r) for r in HR_ROWS]
    rows[3][4] = "Research"
    ws.ingest_orgchart(write_csv(tmp_path / "v2.csv", HR_HEADER, rows))
    people = ws.query("SELECT person_id, department FROM people").set_index("person_id")
    assert len(people) == 6
    assert people.loc[ws.pseudonymiser.person("E4"), "department"] == "Research"


def test_failure_half_way_leaves_the_workspace_unchanged(ws, hr_file, monkeypatch) -> None:
    from groundswell.ingest import common

    ws.ingest_orgchart(hr_file)
    before = snapshot(ws)

    def boom(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(common, "record_source", boom)
    rows = [list(r) for r in HR_ROWS]
    rows[1][4] = "Changed"
    with pytest.raises(OSError):
        ws.ingest_orgchart(write_csv(hr_file.parent / "v3.csv", HR_HEADER, rows))
    assert snapshot(ws) == before


def test_hierarchy_levels_by_hand() -> None:
    ids = np.array(["a", "b", "c", "d", "e", "x", "y"])
    mgr = np.array(["", "a", "b", "b", "zz", "y", "x"])
    levels, cycle = hierarchy_levels(ids, mgr)
    assert levels.tolist()[:5] == [1, 2, 3, 3, 1]
    assert cycle.tolist() == [False] * 5 + [True, True]


def test_dry_run_writes_nothing(ws, hr_file) -> None:
    before = snapshot(ws)
    s = ws.ingest_orgchart(hr_file, dry_run=True)
    assert s.people == 6 and s.dry_run
    assert snapshot(ws) == before


def test_alias_chains_resolve_whatever_the_ingest_order(ws, hr_file) -> None:
    from groundswell.ingest import batch, common

    p = ws.pseudonymiser.person
    # a chat export first: user U1 is ann@x.com
    chat = batch.Batch(
        aliases=__import__("pandas").DataFrame(
            {"alias_id": [p("U1")], "person_id": [p("ann@x.com")]}
        )
    )
    batch.write(ws, chat, common.IngestSummary("chat", "test", None), "sha-chat", {})
    ws.ingest_orgchart(hr_file)  # then the HR file: ann@x.com is E1
    aliases = dict(ws.query("SELECT alias_id, person_id FROM aliases").to_numpy().tolist())
    assert aliases[p("U1")] == p("E1") and aliases[p("ann@x.com")] == p("E1")


def test_batch_writes_metrics_and_replaces_newer_figures(ws) -> None:
    import pandas as pd

    from groundswell.ingest import batch, common

    pm = pd.DataFrame(
        {
            "person_id": ["p_a", "p_a"],
            "period_start": ["2024-01-01", "2024-01-08"],
            "metric": ["Collaboration_hours"] * 2,
            "value": [3.5, 4.0],
        }
    )
    gm = pd.DataFrame(
        {
            "attribute": ["Organization"],
            "group_a": ["Sales"],
            "group_b": ["HR"],
            "period_start": ["2024-01-01"],
            "metric": ["Collaboration_hours"],
            "value": [12.0],
        }
    )
    pm["period_start"] = pd.to_datetime(pm["period_start"]).dt.date
    gm["period_start"] = pd.to_datetime(gm["period_start"]).dt.date
    b = batch.Batch(person_metrics=pm, group_metrics=gm)
    batch.write(ws, b, common.IngestSummary("x", "viva", None), "sha1", {})
    pm.loc[1, "value"] = 5.0
    batch.write(
        ws, batch.Batch(person_metrics=pm), common.IngestSummary("y", "viva", None), "sha2", {}
    )
    got = ws.query("SELECT value FROM person_metrics ORDER BY period_start")["value"].tolist()
    assert got == [3.5, 5.0]
    assert ws.query("SELECT count(*) AS n FROM group_metrics")["n"][0] == 1


def test_chat_profiles_do_not_duplicate_hr_people(ws, hr_file) -> None:
    import pandas as pd

    from groundswell.ingest import batch, common

    p = ws.pseudonymiser.person
    profile = pd.DataFrame(
        {"person_id": [p("ann@x.com")], "is_internal": [True], "title": ["Chief"]}
    )
    chat = batch.Batch(
        people=profile, aliases=pd.DataFrame({"alias_id": [p("U1")], "person_id": [p("ann@x.com")]})
    )
    batch.write(ws, chat, common.IngestSummary("chat", "test", None), "sha-chat", {})
    assert ws.counts()["people"] == 1
    ws.ingest_orgchart(hr_file)  # the HR file links ann@x.com to E1: one Ann remains
    people = set(ws.query("SELECT person_id FROM people")["person_id"])
    assert p("E1") in people and p("ann@x.com") not in people and len(people) == 6

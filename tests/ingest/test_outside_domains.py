"""Events and survey answers keep no people of their own; with ``ingest.internal_domains`` the
addresses outside the organisation's domains become people marked external, decided before
the address is hashed (issue 15, point 5: outsiders by domain)."""

from __future__ import annotations

import groundswell as gs
from tests.conftest import write_csv


def _domains(tmp_path, domains: str = '["acme.com"]') -> gs.Workspace:
    gs.init(tmp_path / "ws").close()
    toml = tmp_path / "ws" / "groundswell.toml"
    toml.write_text(
        toml.read_text().replace("internal_domains = []", f"internal_domains = {domains}")
    )
    return gs.open(tmp_path / "ws")


ROWS = [
    ["ann@acme.com", "bob@acme.com;buyer@client.com", "2024-01-02T09:00:00Z", "email"],
    ["ann@acme.com", "bob@acme.com;buyer@client.com", "2024-01-03T09:00:00Z", "email"],
    ["buyer@client.com", "ann@acme.com", "2024-01-04T09:00:00Z", "email"],
    ["bob@acme.com", "ann@acme.com", "2024-01-05T09:00:00Z", "email"],
    ["bob@acme.com", "ann@acme.com", "2024-01-06T09:00:00Z", "email"],
]


def test_events_mark_addresses_outside_the_domains(tmp_path, events_file) -> None:
    with _domains(tmp_path) as ws:
        summary = ws.ingest_events(events_file(ROWS))
        assert summary.people == 3
        p = ws.pseudonymiser.person
        people = ws.query("SELECT person_id, is_internal FROM people")
        assert dict(zip(people["person_id"], people["is_internal"], strict=True)) == {
            p("buyer@client.com"): False
        }
        run = ws.analyze("2024-01-01..2024-02-01")
        shown = run.people()
        assert bool(shown.loc[p("buyer@client.com"), "external"])
        assert not shown.loc[[p("ann@acme.com"), p("bob@acme.com")], "external"].any()
        held = run.external()["holders"]
        assert list(held["person_id"]) == [p("ann@acme.com")]  # ann <-> buyer both ways


def test_without_internal_domains_nothing_is_marked(ws, events_file) -> None:
    ws.ingest_events(events_file(ROWS))
    assert ws.query("SELECT count(*) AS n FROM people")["n"][0] == 0


def test_an_outsider_the_hr_file_lists_is_not_duplicated(tmp_path, events_file) -> None:
    hr = write_csv(
        tmp_path / "hr.csv",
        ["id", "email", "relation"],
        [["E1", "ann@acme.com", ""], ["C1", "buyer@client.com", "customer"]],
    )
    with _domains(tmp_path) as ws:
        ws.ingest_orgchart(hr)
        ws.ingest_events(events_file(ROWS))
        p = ws.pseudonymiser.person
        people = ws.query("SELECT person_id, is_internal, relation FROM people")
        assert sorted(people["person_id"]) == sorted([p("E1"), p("C1")])


def test_survey_answers_mark_outside_respondents(tmp_path) -> None:
    answers = write_csv(
        tmp_path / "answers.csv",
        ["respondent", "question", "nominee", "timestamp"],
        [["rep@vendor.com", "advice", "ann@acme.com", "2024-03-01T10:00:00Z"],
         ["ann@acme.com", "advice", "bob@acme.com", "2024-03-01T10:00:00Z"]],
    )  # fmt: skip
    with _domains(tmp_path) as ws:
        summary = ws.ingest("survey", answers)
        assert summary.people == 3
        people = ws.query("SELECT person_id, is_internal FROM people")
        assert list(people["person_id"]) == [ws.pseudonymiser.person("rep@vendor.com")]
        assert not people["is_internal"].any()

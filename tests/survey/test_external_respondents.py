"""A survey invites people outside the organisation by email (customers, suppliers,
partners): they are marked external, their addresses are not stored, and what they answer
makes the external ties the run stores (issue 15, point 5)."""

from __future__ import annotations

import pytest

from groundswell.errors import InputError
from groundswell.survey import model, outsiders, questions, respond
from groundswell.survey.respond import Nomination
from tests.conftest import write_csv
from tests.survey.conftest import person, roster_no, token_of

BASE = "https://ona.example.com"


def test_outside_respondents_are_invited_marked_and_their_ties_stored(org, tmp_path) -> None:
    f = write_csv(
        tmp_path / "outside.csv",
        ["email", "relation"],
        [["buyer@client.example", "customer"], ["rep@vendor.example", "Supplier"]],
    )
    ws = org.open()
    outside = outsiders.read(ws, f)
    s = model.create(ws, "Customers too", [questions.question("advice")])
    links = {k.person_id: k for k in model.launch(ws, s, base_url=BASE, outside=outside)}
    buyer, rep = (
        ws.pseudonymiser.person(e) for e in ("buyer@client.example", "rep@vendor.example")
    )
    assert {buyer, rep} <= set(links) and len(links) == 24 + 2
    people = ws.query("SELECT person_id, is_internal, relation FROM people").set_index("person_id")
    assert people.loc[buyer].tolist() == [False, "customer"]
    assert people.loc[rep].tolist() == [False, "supplier"]
    for table in ("people", "sources", "survey_invitations"):
        assert "client.example" not in ws.query(f"SELECT * FROM {table}").to_csv()
    n = lambda e: roster_no(ws, s.survey_id, e)  # noqa: E731
    for who, named in ((buyer, ["E01", "E02"]), (rep, ["E01"]), (person(ws, "E01"), ["E02"])):
        r = respond.resolve(ws, token_of(links[who].url))
        respond.submit(ws, r, {"advice": [Nomination(n(e)) for e in named]}, {})
    model.close(ws, s)
    run = ws.analyze(layers=("survey:advice",))
    got = run.external()
    held = got["holders"].set_index("person_id")
    assert held.loc[person(ws, "E01"), ["externals", "customers", "suppliers"]].tolist() == [
        2,
        1,
        1,
    ]
    assert held.loc[person(ws, "E02"), "externals"] == 1
    assert got["summary"]["externals"] == 2 and got["summary"]["external_ties"] == 3
    assert buyer not in run.people().index  # the main network keeps employees only
    ws.close()


def test_a_bad_address_or_relation_is_one_error_naming_the_line(org, tmp_path) -> None:
    ws = org.open()
    bad = write_csv(tmp_path / "a.csv", ["email"], [["ok@x.example"], ["not-an-address"]])
    with pytest.raises(InputError, match="not-an-address") as err:
        outsiders.read(ws, bad)
    assert err.value.line == 3
    rel = write_csv(tmp_path / "b.csv", ["email", "relation"], [["ok@x.example", "friend"]])
    with pytest.raises(InputError, match="friend"):
        outsiders.read(ws, rel)
    ws.close()

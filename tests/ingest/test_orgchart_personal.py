"""HR files as organisations export them: name columns composed, personal columns kept out
of a pseudonymous workspace, a relation column and the HR file marking outsiders (issue 15,
points 4 and 5)."""

from __future__ import annotations

import json

import pandas as pd
import pytest

import groundswell as gs
from groundswell.errors import InputError
from groundswell.ingest.personal import display_names, screen
from tests.conftest import write_csv


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        (["EmployeeID", "First Name", "Last Name"], "Jürgen Müller"),
        (["Personalnummer", "Vorname", "Nachname"], "Jürgen Müller"),
        (["employee_id", "given_name", "surname"], "Jürgen Müller"),
        (["Personalnummer", "Vorname", "Name"], "Jürgen Müller"),  # Name beside Vorname
        (["id", "Full Name", "First Name"], "Jürgen Müller"),  # the full name wins
    ],
)
def test_name_columns_compose_the_display_name(tmp_path, header, expected) -> None:
    rows = (
        [["E1", "Jürgen", "Müller"]] if header[1] != "Full Name" else [["E1", "Jürgen Müller", "J"]]
    )
    f = write_csv(tmp_path / "hr.csv", header, rows)
    with gs.init(tmp_path / "named", identified=True) as ws:
        ws.ingest_orgchart(f)
        people = ws.query("SELECT display_name, attrs FROM people")
    assert list(people["display_name"]) == [expected]
    assert people["attrs"].isna().all()  # the name columns are not kept twice


def test_a_preferred_name_replaces_the_first_name() -> None:
    s = lambda *v: pd.Series(list(v), dtype="string")  # noqa: E731
    out = display_names(None, s("Robert", "Ann"), s("Smith", "Lee"), s("Bob", ""))
    assert list(out) == ["Bob Smith", "Ann Lee"]


def test_no_personal_column_is_stored_in_clear_when_pseudonymous(ws, tmp_path) -> None:
    header = [
        "EmployeeID", "First Name", "Last Name", "Email", "Private Email", "Mobile",
        "Kontakt", "Comments", "Buddy", "Grade", "Cost Centre", "Department Name",
    ]  # fmt: skip
    rows = [
        ["E1", "Jürgen", "Müller", "jm@acme.de", "jm@gmx.de", "+49 170 1234567",
         "0170 7654321", "great guy", "Ann Lee", "C", "CC10", "Sales"],
        ["E2", "Ann", "Lee", "al@acme.de", "ann@home.org", "555 123 4567",
         "030 1234567", "", "Jürgen Müller", "B", "CC11", "Sales"],
    ]  # fmt: skip
    summary = ws.ingest_orgchart(write_csv(tmp_path / "hr.csv", header, rows))
    people = ws.query("SELECT * FROM people")
    assert people["display_name"].isna().all()
    attrs = [json.loads(a) for a in people["attrs"]]
    assert {k for a in attrs for k in a} == {
        "Private Email",
        "Grade",
        "Cost Centre",
        "Department Name",
    }
    p = ws.pseudonymiser.person
    assert {a["Private Email"] for a in attrs} == {p("jm@gmx.de"), p("ann@home.org")}
    text = people.to_csv().lower()
    for raw in ("jürgen", "müller", "ann lee", "jm@", "ann@", "1234567", "great guy"):
        assert raw not in text
    said = " ".join(summary.lines())
    for col in (
        "'Mobile' (a phone number)",
        "'Kontakt' (phone numbers)",
        "'Comments' (free text)",
        "'Buddy' (holds names of people in the file)",
        "'Private Email' (email addresses)",
    ):
        assert col in said


def test_free_text_is_recognised_by_its_values() -> None:
    df = pd.DataFrame(
        {
            "Why": [
                "Joined from the Berlin office after the merger",
                "Moved to sales in 2020 then left",
            ],
            "Band": ["Band 4 senior", "Band 3 associate"],
        }
    )
    got = screen(df, ["Why", "Band"])
    assert got.dropped == {"Why": "free text"} and got.kept == ["Band"]


def test_identified_workspace_keeps_every_column(tmp_path) -> None:
    f = write_csv(
        tmp_path / "hr.csv", ["id", "First Name", "Mobile"], [["E1", "Ann", "555 123 4567"]]
    )
    with gs.init(tmp_path / "named", identified=True) as ws:
        ws.ingest_orgchart(f)
        assert json.loads(ws.query("SELECT attrs FROM people")["attrs"][0]) == {
            "Mobile": "555 123 4567"
        }


def test_a_relation_column_marks_customers_suppliers_and_partners(ws, tmp_path) -> None:
    header = ["id", "Relation", "Department"]
    rows = [["E1", "Employee", "Sales"], ["C1", "Customer", ""], ["S1", "vendor", ""],
            ["P1", "Partner", ""], ["E2", "", "Sales"]]  # fmt: skip
    ws.ingest_orgchart(write_csv(tmp_path / "hr.csv", header, rows))
    p = ws.pseudonymiser.person
    got = ws.query("SELECT person_id, is_internal, relation FROM people").set_index("person_id")
    assert got.loc[p("C1")].tolist() == [False, "customer"]
    assert got.loc[p("S1")].tolist() == [False, "supplier"]
    assert got.loc[p("P1")].tolist() == [False, "partner"]
    assert got.loc[p("E1")].tolist() == [True, "employee"]
    assert bool(got.loc[p("E2"), "is_internal"]) and pd.isna(got.loc[p("E2"), "relation"])


def test_an_unknown_relation_is_one_error_naming_the_line(ws, tmp_path) -> None:
    f = write_csv(tmp_path / "hr.csv", ["id", "Relation"], [["E1", "Employee"], ["X", "friend"]])
    with pytest.raises(InputError, match="friend") as err:
        ws.ingest_orgchart(f)
    assert err.value.line == 3
    assert ws.query("SELECT count(*) AS n FROM people")["n"][0] == 0


@pytest.mark.parametrize("hr_first", [True, False])
def test_people_absent_from_the_hr_file_are_external(ws, tmp_path, hr_first) -> None:
    hr = write_csv(tmp_path / "hr.csv", ["id", "Email"], [["E1", "ann@acme.com"]])
    teams = tmp_path / "teams.json"
    teams.write_text(
        json.dumps(
            [
                {"id": "1", "createdDateTime": "2024-01-02T09:00:00Z", "chatId": "c1",
                 "from": {"user": {"id": "u1", "email": "ann@acme.com"}}},
                {"id": "2", "createdDateTime": "2024-01-02T09:05:00Z", "chatId": "c1",
                 "from": {"user": {"id": "u2", "email": "cy@client.com"}}},
            ]
        )
    )  # fmt: skip
    steps = [lambda: ws.ingest_orgchart(hr), lambda: ws.ingest("teams", teams)]
    for step in steps if hr_first else steps[::-1]:
        step()
    p = ws.pseudonymiser.person
    got = ws.query("SELECT person_id, is_internal FROM people").set_index("person_id")[
        "is_internal"
    ]
    assert dict(got) == {p("E1"): True, p("cy@client.com"): False}

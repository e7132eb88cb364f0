"""My group (issue 18, point 3): a group lead sees their group's aggregates (stage with the
same rules as the organisation, ties, Q&A, trend, comparison) and nothing else; a group
below the minimum size shows no figure."""

from __future__ import annotations

from collections.abc import Iterator
from urllib.parse import quote

import pytest
from fastapi.testclient import TestClient

import groundswell as gs
from groundswell import ops
from groundswell.errors import ConfigError
from groundswell.privacy import SUPPRESSED
from groundswell.web import auth
from groundswell.web.app import create_app
from tests.web.conftest import PASSWORD, WebWorkspace


@pytest.fixture(scope="module")
def app(web_ws: WebWorkspace) -> Iterator[object]:
    application = create_app(web_ws.path)
    yield application
    application.state.store.close()


def _signed_in(app, username: str) -> TestClient:
    c = TestClient(app)
    r = c.post("/api/login", json={"username": username, "password": PASSWORD})
    assert r.status_code == 200, r.text
    c.headers["X-CSRF-Token"] = r.json()["csrf_token"]
    return c


def test_the_group_lead_sees_their_group(app, web_ws) -> None:
    lead = _signed_in(app, "group_lead")
    mine = lead.get("/api/me/group").json()
    assert (mine["attribute"], mine["name"], mine["suppressed"]) == (
        "department", "Engineering", False,
    )  # fmt: skip
    # the stage is the stored maturity row of the department: the same rules everywhere
    with gs.open(web_ws.path) as ws:
        row = ws.query(
            "SELECT * FROM maturity WHERE run_id = ? AND scale = 'department' "
            "AND group_name = 'Engineering'",
            [web_ws.runs[1]],
        ).iloc[0]
    assert mine["stage"]["stage"] == row["stage"]
    assert mine["stage"]["scores"]["connect"] == pytest.approx(row["connect"])
    assert mine["size"] == row["size"]
    # the comparison holds only groups the gate shows, and no person
    assert any(r["mine"] for r in mine["comparison"])
    assert all(r["group"] != SUPPRESSED or r["stage"] is None for r in mine["comparison"])
    assert mine["ties"]["inside_share"] is not None and mine["qa"] is not None
    # the trend: against the previous period's run, when there is one
    with gs.open(web_ws.path) as ws:
        prev = ws.run(web_ws.runs[1]).previous()
        before = None
        if prev is not None:
            before = ws.query(
                "SELECT stage FROM maturity WHERE run_id = ? AND scale = 'department' "
                "AND group_name = 'Engineering'",
                [prev.run_id],
            )["stage"].tolist()
    if prev is None:
        assert mine["trend"] is None
    else:
        assert [mine["trend"]["stage"]] == before
    assert web_ws.person_id not in str(mine) and web_ws.other_id not in str(mine)
    page = lead.get("/mygroup")
    assert page.status_code == 200 and 'id="stage"' in page.text and 'id="comparison"' in page.text
    r = lead.get("/", follow_redirects=False)
    assert (r.status_code, r.headers["location"]) == (303, "/mygroup")


def test_the_group_lead_is_refused_everything_else(app, web_ws) -> None:
    lead = _signed_in(app, "group_lead")
    for path in (
        "/api/groups/department/Engineering",  # even their own group's analyst page
        "/api/groups/department/Sales",
        f"/api/groups/team/{quote(web_ws.small_team, safe='')}",
        f"/api/people/{web_ws.other_id}",
        f"/api/people/{web_ws.person_id}/ego",
        "/api/me/person",
        "/api/overview",
        "/api/map",
        "/groups/department/Sales",
        f"/people/{web_ws.other_id}",
        "/me",
    ):
        assert lead.get(path).status_code == 403, path


def test_a_small_group_shows_nothing(app, web_ws) -> None:
    store = app.state.store
    auth.add_user(store.ws(), "lead-small", PASSWORD, "group_lead", None,
                  f"team:{web_ws.small_team}")  # fmt: skip
    small = _signed_in(app, "lead-small").get("/api/me/group").json()
    assert small["suppressed"] is True
    assert set(small) == {"run_id", "attribute", "name", "suppressed", "detail"}


def test_a_group_lead_needs_an_existing_group(web_ws) -> None:
    with gs.open(web_ws.path) as ws:
        for group in (None, "Sales", "floor:3", "department:No such"):
            with pytest.raises(ConfigError):
                auth.add_user(ws, "x-lead", PASSWORD, "group_lead", None, group)
        with pytest.raises(ConfigError):  # only a group lead has a group
            auth.add_user(ws, "x-viewer", PASSWORD, "viewer", None, "department:Sales")


def test_user_add_attaches_a_group_lead(web_ws) -> None:
    from typer.testing import CliRunner

    from groundswell.cli import app as cli

    runner = CliRunner()
    args = ["user", "add", str(web_ws.path), "cli-lead", "--role", "group_lead"]
    ok = runner.invoke(cli, [*args, "--group", "department:Sales", "--password-stdin"],
                       input=PASSWORD + "\n")  # fmt: skip
    assert ok.exit_code == 0, ok.output
    bad = runner.invoke(cli, [*args, "--group", "floor:3", "--password-stdin"],
                        input=PASSWORD + "\n")  # fmt: skip
    assert bad.exit_code == 1 and "floor:3" in bad.output
    assert bad.output.count("error:") == 1 and "Traceback" not in bad.output
    with ops.opened(web_ws.path) as sq:  # accounts: the operational store (groundswell.ops)
        stored = sq.execute("SELECT group_scope FROM users WHERE username = 'cli-lead'")
        assert [g for (g,) in stored.fetchall()] == ["department:Sales"]


def test_renewal_qa_and_bridges_are_the_stored_groups_finding(app, web_ws) -> None:
    """The lead's renewal, Q&A and bridges are the run's stored ``groups`` finding (computed
    by analyze, value/group_figures.py); the bridges name departments through the gate and
    never give a pseudonym; in this identified workspace they name the people, except
    someone who opted out of being named."""
    import json

    lead = _signed_in(app, "group_lead")
    mine = lead.get("/api/me/group").json()
    with gs.open(web_ws.path) as ws:
        found = ws.query(
            "SELECT body FROM run_findings WHERE run_id = ? AND section = 'groups'",
            [web_ws.runs[1]],
        )["body"][0]
        names = ws.query("SELECT person_id, display_name FROM people").set_index("person_id")
    stored = json.loads(found)["scales"]["department"]["Engineering"]
    assert mine["renewal"] == pytest.approx(stored["renewal"])
    assert mine["qa"] == pytest.approx(stored["qa"])
    assert mine["qa"]["questions"] > 0 and 0 <= mine["qa"]["answered_share"] <= 1
    assert [b["department"] for b in mine["bridges"]] == [
        b["department"] for b in stored["bridges"]
    ]
    first, held = mine["bridges"][0], stored["bridges"][0]
    assert first["people"] == held["people"] == len(held["ids"]) >= 5
    assert first["names"] == sorted(names.loc[held["ids"], "display_name"])
    # fewer bridgers than the minimum: no count, no roles, no names
    assert all(b["names"] == [] and b["people"] is None for b in mine["bridges"] if b["few"])
    text = json.dumps(mine)
    assert not any(pid in text for pid in names.index)  # no pseudonym, no id
    # the comparison carries every shown department's renewal and Q&A
    row = next(r for r in mine["comparison"] if r["mine"])
    assert row["retention"] == pytest.approx(stored["renewal"]["retention"])
    store = app.state.store
    quiet = held["ids"][0]
    try:
        store.set_optouts(quiet, no_suggest=False, no_name=True)
        again = lead.get("/api/me/group").json()["bridges"][0]
        assert names.at[quiet, "display_name"] not in again["names"]
        assert again["unnamed"] == 1
    finally:
        store.set_optouts(quiet, no_suggest=False, no_name=False)
    page = lead.get("/mygroup").text
    assert 'id="renewal"' in page and 'id="bridges"' in page and 'id="qa"' in page
    assert "(s)" not in page


def test_a_channel_lead_sees_their_channel(app, web_ws) -> None:
    """A group lead attached to a group channel: the channel's stage (its stored maturity
    row), its renewal from the stored community health, its Q&A; refused everything else."""
    import json

    store = app.state.store
    with gs.open(web_ws.path) as ws:
        health = json.loads(
            ws.query(
                "SELECT body FROM run_findings WHERE run_id = ? AND section = 'communities'",
                [web_ws.runs[1]],
            )["body"][0]
        )
        row = ws.query(
            "SELECT * FROM maturity WHERE run_id = ? AND scale = 'channel' "
            "AND group_name <> ? ORDER BY size DESC LIMIT 1",
            [web_ws.runs[1], SUPPRESSED],
        ).iloc[0]
    name = row["group_name"]
    auth.add_user(store.ws(), "lead-channel", PASSWORD, "group_lead", None, f"channel:{name}")
    lead = _signed_in(app, "lead-channel")
    mine = lead.get("/api/me/group").json()
    assert (mine["attribute"], mine["name"], mine["suppressed"]) == ("channel", name, False)
    assert mine["stage"]["stage"] == row["stage"] and mine["size"] == row["size"]
    unit = next(u for u in health["units"] if u["unit"] == "channel" and u["name"] == name)
    assert mine["renewal"]["retention"] == pytest.approx(unit["retention"])
    assert mine["renewal"]["newcomer_share"] == pytest.approx(unit["newcomer_share"])
    assert mine["ties"] is None and mine["boundary"] is None
    assert all(r["group"] != SUPPRESSED or r["stage"] is None for r in mine["comparison"])
    for path in ("/api/groups/department/Engineering", "/api/me/person", "/api/overview"):
        assert lead.get(path).status_code == 403, path
    assert lead.get("/mygroup").status_code == 200


def test_the_ties_table_says_it_shares_weight_and_the_caption_counts_ties(app, web_ws) -> None:
    """The group pages show two different shares side by side: the E-I index's share of ties
    that stay inside (ties counted) and where the group's interaction goes (tie weight). Each
    figure must say which it is and equal its own stored source (they differed by 9 points
    on the planted organisation under one caption, "Ties inside and out")."""
    import re

    lead = _signed_in(app, "group_lead")
    mine = lead.get("/api/me/group").json()
    with gs.open(web_ws.path) as ws:
        weights = ws.run(web_ws.runs[1]).group_ties("department").loc["Engineering"]
    counted = mine["ties"]["inside_share"]
    assert abs(float(weights["Engineering"]) - counted) > 0.005  # two different figures

    def pct(v: float) -> str:
        return f"{v:.0%}"

    for client, url in ((lead, "/mygroup"), (_signed_in(app, "analyst"),
                                             "/groups/department/Engineering")):  # fmt: skip
        html = client.get(url).text
        caption = re.search(r"<caption>Where (?:your group's|their) interaction goes[^<]*", html)
        assert caption is not None, url
        assert "tie weight" in caption.group(0)
        # the row of the group itself is its weight kept inside, not the counted share
        row = re.search(r"<tr><td>Engineering</td><td class=\"n\">([^<]+)</td>", html)
        assert row is not None and row.group(1) == pct(float(weights["Engineering"])), url
        # the counted share is said to be counted, in the same sentence
        p = re.escape(pct(counted))
        assert re.search(rf"[Cc]ounted[^.<]*{p}|{p}[^.<]*counted", html), url

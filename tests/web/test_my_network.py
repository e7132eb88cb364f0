"""My network (issue 18): the person's own page and /api/me/person read what analyze stored;
suggestions never reveal a tie between two other people; opt-outs apply at once; the
download holds everything the page shows."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

import groundswell as gs
from groundswell.web.app import create_app
from tests.web.conftest import PASSWORD, ROLES, WebWorkspace


@pytest.fixture(scope="module")
def app(web_ws: WebWorkspace) -> Iterator[object]:
    application = create_app(web_ws.path)
    yield application
    application.state.store.close()


@pytest.fixture(scope="module")
def clients(app) -> dict[str, TestClient]:
    out: dict[str, TestClient] = {}
    for role in ROLES:
        c = TestClient(app)
        r = c.post("/api/login", json={"username": role, "password": PASSWORD})
        c.headers["X-CSRF-Token"] = r.json()["csrf_token"]
        out[role] = c
    return out


def _stored(web_ws: WebWorkspace) -> tuple[dict, object, object]:
    with gs.open(web_ws.path) as ws:
        run = web_ws.runs[1]
        body = ws.query(
            "SELECT body FROM person_value WHERE run_id = ? AND person_id = ?",
            [run, web_ws.person_id],
        )["body"][0]
        sug = ws.query(
            "SELECT * FROM suggestions WHERE run_id = ? AND person_id = ? ORDER BY rank",
            [run, web_ws.person_id],
        )
        people = ws.query("SELECT person_id, display_name, department FROM people")
    return json.loads(body), sug, people.set_index("person_id")


def test_the_person_sees_stage_next_steps_ego_and_suggestions(clients, web_ws) -> None:
    mine = clients["person"].get("/api/me/person").json()
    for key in ("stage", "next_steps", "suggestions", "ego", "bridges", "questions"):
        assert key in mine
    body, sug, people = _stored(web_ws)
    # what the page shows is what analyze stored
    assert mine["stage"]["stage"] == body["stage"]
    assert mine["next_steps"] == body["next_steps"]
    assert mine["next_steps"] and all(s["action"] and s["measured"] for s in mine["next_steps"])
    assert len(mine["suggestions"]) >= 3
    shown = sug.head(len(mine["suggestions"]))
    for s, (_, row) in zip(mine["suggestions"], shown.iterrows(), strict=True):
        assert s["shared_contacts"] == row["shared_contacts"]
        assert s["reasons"][0] == f"{row['shared_contacts']} shared contacts" or (
            row["shared_contacts"] == 1 and s["reasons"][0] == "1 shared contact"
        )
        assert s["label"] == people.at[row["suggested_id"], "display_name"]  # identified
        assert (
            people.at[row["suggested_id"], "department"]
            != people.at[web_ws.person_id, "department"]
        )
    # no pseudonym, and no name of a shared contact, anywhere in the suggestions
    text = json.dumps(mine["suggestions"])
    assert not any(pid in text for pid in people.index)
    # the ego map: two-way and one-way ties apart, coloured by department
    ego = mine["ego"]
    assert sum(ego["ties"].values()) == ego["contacts"] > 0
    assert {n["direction"] for n in ego["nodes"] if not n["centre"]} <= {"both", "out", "in"}
    page = clients["person"].get("/me").text
    assert 'id="stage"' in page and 'id="suggestions"' in page and "<svg" in page


def test_opting_out_removes_suggestions_and_names(clients, app, web_ws) -> None:
    person = clients["person"]
    first = person.get("/api/me/person").json()["suggestions"][0]
    _, sug, people = _stored(web_ws)
    target = sug["suggested_id"][0]
    store = app.state.store
    try:
        store.set_optouts(target, no_suggest=True, no_name=False)
        after = person.get("/api/me/person").json()["suggestions"]
        assert first["label"] not in [s["label"] for s in after]
        store.set_optouts(target, no_suggest=False, no_name=True)
        named = person.get("/api/me/person").json()
        assert named["suggestions"][0]["label"].startswith("someone in ")
        assert people.at[target, "display_name"] not in json.dumps(named)
    finally:
        store.set_optouts(target, no_suggest=False, no_name=False)
    # the person's own choice, through the API (CSRF token sent) and the form
    assert person.post("/api/me/optout", json={"no_suggest": True}).json()["no_suggest"]
    assert person.post("/api/me/optout", json={}).json() == {
        "no_suggest": False, "no_name": False,
    }  # fmt: skip
    r = person.post("/me/optout", data={"no_name": "1"}, follow_redirects=False)
    assert r.status_code == 303
    assert person.get("/api/me/person").json()["optouts"]["no_name"] is True
    person.post("/api/me/optout", json={})
    for role in ("admin", "analyst", "viewer"):
        assert clients[role].post("/api/me/optout", json={}).status_code == 403


def test_the_download_holds_what_the_page_shows(clients) -> None:
    person = clients["person"]
    r = person.get("/api/me/download")
    assert r.status_code == 200
    assert "attachment" in r.headers["content-disposition"]
    held = r.json()
    mine = person.get("/api/me/person").json()
    assert {k: v for k, v in held.items() if k != "about"} == mine


def test_persona_history_is_stored_by_analyze_and_said_in_words(clients, web_ws) -> None:
    """analyze stores each person's persona in the run's window and the three windows of the
    same length before it; the last is the run's own persona (the pipeline's rule), an
    earlier one what a snapshot of that window computes (value.snapshots)."""
    from groundswell.value import compute, queries
    from groundswell.value._base import previous
    from groundswell.value.my_network import PERIODS

    with gs.open(web_ws.path) as ws:
        run = ws.run(web_ws.runs[1])
        bodies = ws.query("SELECT person_id, body FROM person_value WHERE run_id = ?", [run.run_id])
        stored = {p: json.loads(b)["personas"] for p, b in bodies.itertuples(index=False)}
        persona = run.people()["persona"].astype(str)
        win = queries.default_window(ws, run, None)
        before = previous(previous(win))
        oracle = compute.snapshot(ws, before)[1].set_index("person_id")["persona"]
    assert all(len(h) == PERIODS for h in stored.values())
    now = {p: h[-1]["persona"] for p, h in stored.items() if p in persona.index}
    assert len(now) > 150
    assert all(now[p] == persona[p] for p in now)
    # the period two before the run's: its start and end, and each persona by the rule
    assert {h[1]["start"] for h in stored.values()} == {before.start.isoformat()}
    got = {p: h[1]["persona"] for p, h in stored.items() if h[1]["persona"]}
    assert len(got) > 150
    assert got == {p: v for p, v in oracle.items() if p in stored}
    mine = clients["person"].get("/api/me/person").json()
    story = mine["personas"]
    assert [p["persona"] for p in story["periods"]] == [
        h["persona"] for h in stored[web_ws.person_id]
    ]
    assert story["summary"].startswith("You ")
    page = clients["person"].get("/me").text
    assert 'id="persona-history"' in page and story["periods"][-1]["label"] in page
    # counts agree with their nouns everywhere on the page (groundswell.words)
    assert "(s)" not in page and "(s)" not in mine["question_words"]
    q = mine["questions"]
    assert mine["question_words"].startswith(
        f"You asked {q['asked']} question{'' if q['asked'] == 1 else 's'}"
    )


def test_every_tied_person_of_the_run_gets_three_suggestions(web_ws) -> None:
    """Over the whole population of the fixture's run: everyone with a tie has at least
    three stored suggestions — or, when fewer than three people are two steps away or share
    a group channel with them (a closed corner of the network), all of those — each with a
    reason (shared contacts or channels), never a contact of theirs."""
    import numpy as np
    import pandas as pd

    from groundswell.value import my_network, queries

    with gs.open(web_ws.path) as ws:
        run = ws.run(web_ws.runs[1])
        ties = run.ties()
        sug = ws.query("SELECT * FROM suggestions WHERE run_id = ?", [run.run_id])
        members = queries.channel_members(ws, queries.default_window(ws, run, None))
    index = pd.Index(sorted(set(ties["actor_id"]) | set(ties["target_id"])))
    u = my_network.contact_matrix(ties, index).toarray() > 0
    u = u | u.T
    c = pd.crosstab(members["person_id"], members["group"]).reindex(index, fill_value=0) > 0
    c = c.to_numpy().astype(np.int64)
    reach = ((u.astype(np.int64) @ u.astype(np.int64)) > 0) | ((c @ c.T) > 0)
    np.fill_diagonal(reach, False)
    candidates = pd.Series((reach & ~u).sum(axis=1), index=index)
    per = sug.groupby("person_id").size().reindex(index, fill_value=0)
    assert (per >= np.minimum(3, candidates)).all(), per[per < np.minimum(3, candidates)]
    assert (per >= 3).mean() > 0.98
    assert ((sug["shared_contacts"] > 0) | (sug["shared_channels"] > 0)).all()
    pairs = set(zip(ties["actor_id"], ties["target_id"], strict=True))
    assert not any(
        (a, b) in pairs or (b, a) in pairs
        for a, b in zip(sug["person_id"], sug["suggested_id"], strict=True)
    )


def test_a_widened_suggestion_says_why(app, web_ws) -> None:
    """Someone whose other departments gave fewer than three suggestions is shown people of
    their own department, each with a shared contact or channel and "works in your
    department"; never a reason without a count."""
    with gs.open(web_ws.path) as ws:
        rows = ws.query(
            "SELECT s.person_id, s.suggested_id FROM suggestions s "
            "JOIN people p ON p.person_id = s.person_id "
            "JOIN people q ON q.person_id = s.suggested_id "
            "WHERE s.run_id = ? AND p.department = q.department ORDER BY s.person_id, s.rank",
            [web_ws.runs[1]],
        )
    assert len(rows) > 0  # the fixture's closed corner (one department talks to itself)
    mine = app.state.store.my_network(None, rows["person_id"][0])
    same = [s for s in mine["suggestions"] if "works in your department" in s["reasons"]]
    assert same
    for s in same:
        assert s["shared_contacts"] > 0 or s["shared_channels"] > 0
        assert s["reasons"][0].split()[0].isdigit()

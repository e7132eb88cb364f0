"""The minimum group size against differencing, in every dashboard answer, for every role.

The workspace (tests/_small_groups.py) has departments of 1, 2, 3 and 4 people beside larger
ones, and teams and locations whose small groups merged hold only 4. Each answer is checked
as a reader would attack it: count the labels, subtract the shown sizes from the total, and
solve the department -> community flow against the margins the API itself shows (the linear
programme of tests/test_privacy_gate.py).
"""

from __future__ import annotations

import re
import urllib.parse
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from fastapi.testclient import TestClient

import groundswell as gs
from groundswell.privacy import SUPPRESSED
from groundswell.web import auth
from groundswell.web.app import create_app
from tests._small_groups import COMPLEMENTARY, SMALL, build
from tests.test_privacy_gate import _bounds
from tests.web.conftest import PASSWORD

K = 5
ROLES = ("admin", "analyst", "viewer", "person")
AGGREGATES = ("admin", "analyst", "viewer")


@pytest.fixture(scope="module")
def small_ws(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = build(tmp_path_factory.mktemp("small-groups"))
    with gs.open(path) as ws:
        raw = ws.query("SELECT person_id, location FROM people").set_index("person_id")
        someone = str(raw.index[raw["location"] == "Rome"][0])  # the one-person department
        for role in ROLES:
            auth.add_user(ws, role, PASSWORD, role, someone if role == "person" else None)
    return path


@pytest.fixture(scope="module")
def clients(small_ws: Path) -> Iterator[dict[str, TestClient]]:
    app = create_app(small_ws)
    out = {}
    for role in ROLES:
        c = TestClient(app)
        r = c.post("/api/login", json={"username": role, "password": PASSWORD})
        assert r.status_code == 200, r.text
        out[role] = c
    yield out
    app.state.store.close()


def _names_in(text: str, attribute: str) -> set[str]:
    """The small (or complementarily suppressed) groups of ``attribute`` named in ``text``."""
    names = SMALL.get(attribute, set()) | COMPLEMENTARY.get(attribute, set())
    return {name for name in names if name in text}


@pytest.mark.parametrize("role", ROLES)
def test_the_map_counts_no_group_below_the_minimum(clients, role) -> None:
    r = clients[role].get("/api/map")
    if role not in AGGREGATES:
        assert r.status_code == 403
        return
    m = r.json()
    assert m["nodes"]
    for attribute in ("department", "community", "location"):
        labels = Counter(n["attrs"][attribute] for n in m["nodes"] if attribute in n["attrs"])
        # every class on the map, the merged one too, holds at least the minimum
        assert all(n >= K for n in labels.values()), (role, attribute, labels)
        assert not _names_in(" ".join(map(str, labels)), attribute)
    if role == "viewer":
        # a viewer's nodes cross departments with communities no finer than the flow
        assert "location" not in m["colour_by"]
        pairs = Counter(
            (n["attrs"]["department"], n["attrs"]["community"])
            for n in m["nodes"]
            if SUPPRESSED not in (n["attrs"]["department"], n["attrs"]["community"])
        )
        assert all(n >= K for n in pairs.values()), pairs


def _sizes(client: TestClient, attribute: str) -> tuple[dict[str, int], int]:
    groups = client.get(f"/api/groups?attribute={attribute}").json()["groups"]
    total = client.get("/api/overview").json()["run"]["people"]
    return {g["name"]: g["size"] for g in groups if not g["suppressed"]}, total


@pytest.mark.parametrize("role", AGGREGATES)
@pytest.mark.parametrize("attribute", ["department", "team", "location"])
def test_group_sizes_give_no_small_group_away_by_subtraction(clients, role, attribute) -> None:
    shown, total = _sizes(clients[role], attribute)
    assert all(n >= K for n in shown.values())
    assert not _names_in(" ".join(shown), attribute)
    # what subtraction gives: the suppressed groups together, which must reach the minimum
    assert total - sum(shown.values()) >= K, (attribute, shown, total)


@pytest.mark.parametrize("role", ROLES)
def test_one_group_answers_only_for_groups_shown(clients, role) -> None:
    for attribute in ("department", "team", "location"):
        for name in SMALL[attribute] | COMPLEMENTARY.get(attribute, set()) | {SUPPRESSED}:
            r = clients[role].get(f"/api/groups/{attribute}/{urllib.parse.quote(name, safe='')}")
            if role not in AGGREGATES:
                assert r.status_code == 403
                continue
            body = r.json()
            assert r.status_code == 200 and body["suppressed"] is True, (attribute, name, body)
            assert set(body) == {"run_id", "attribute", "name", "suppressed", "detail"}
    if role in AGGREGATES:
        alpha = clients[role].get("/api/groups/department/Alpha").json()
        assert alpha["suppressed"] is False and alpha["size"] == 8
        counts = [*alpha["communities"].values(), *alpha["personas"].values()]
        assert all(n >= K for n in counts) and all(n >= K for n in alpha["roles"].values())
        assert clients[role].get("/api/groups/department/Nowhere").status_code == 404


@pytest.mark.parametrize("role", AGGREGATES)
def test_the_flow_hides_each_small_cell_from_the_margins_the_api_shows(clients, role) -> None:
    c = clients[role]
    formal = c.get("/api/formal").json()
    if formal["flow_withheld"]:
        assert formal["flow"] == []
        return
    depts, _ = _sizes(c, "department")
    comms = c.get("/api/communities").json()
    assert all(n >= K for x in comms["communities"] for n in x["departments"].values())
    rows = sorted({f["department"] for f in formal["flow"]})
    cols = sorted({f["community"] for f in formal["flow"]})
    table = pd.DataFrame(0.0, index=rows, columns=cols)
    for f in formal["flow"]:
        table.loc[f["department"], f["community"]] = np.nan if f["people"] is None else f["people"]
    shown = table.to_numpy()[~table.isna().to_numpy()]
    assert ((shown == 0) | (shown >= K)).all()  # no small cell is shown
    assert not _names_in(" ".join(rows), "department")
    # the true table, from the library, must be one of many that fit what the API shows
    with gs.open(c.app.state.store.path) as ws:
        comm = ws.run().communities().astype(str)
        dept = ws.query("SELECT person_id, department FROM people").set_index("person_id")
    dept = dept["department"].reindex(comm.index)
    true = pd.crosstab(
        dept.where(dept.isin(depts), SUPPRESSED), comm.where(comm.isin(cols), SUPPRESSED)
    ).reindex(index=rows, columns=cols, fill_value=0)
    hidden = table.isna().to_numpy()
    values = true.to_numpy()
    assert (values[~hidden] == table.to_numpy()[~hidden]).all()
    for i, j in np.argwhere(hidden & (values < K)):
        lo, hi = _bounds(values, hidden, (int(i), int(j)))
        assert lo < hi, (rows[i], cols[j], formal["flow"])


@pytest.mark.parametrize("role", ("admin", "analyst"))
def test_person_level_answers_name_no_small_group(clients, role, small_ws) -> None:
    c = clients[role]
    rows = c.get("/api/people?limit=1000").json()["people"]
    assert len(rows) == 31
    assert not _names_in(str(rows), "department")
    for attribute in ("department", "community"):
        counts = Counter(r[attribute] for r in rows)
        assert all(n >= K for n in counts.values()), (attribute, counts)
    pages = [c.get(f"/api/people/{r['person_id']}").json() for r in rows]
    for attribute in ("department", "team", "location", "community"):
        counts = Counter(p[attribute] for p in pages)
        # counting the labels of everyone gives no group, the merged one too, below 5
        assert all(n >= K for n in counts.values()), (attribute, counts)
        assert not _names_in(" ".join(map(str, counts)), attribute)
    with gs.open(small_ws) as ws:
        raw = ws.query("SELECT person_id, location FROM people").set_index("person_id")
    rome = raw.index[raw["location"] == "Rome"][0]
    ego = c.get(f"/api/people/{rome}/ego").json()
    assert not _names_in(str(ego), "department")
    mine = clients["person"].get("/api/me/person").json()
    assert mine["department"] == mine["team"] == mine["location"] == SUPPRESSED


@pytest.mark.parametrize("role", AGGREGATES)
def test_value_maturity_gives_no_small_group_away(clients, role) -> None:
    c = clients[role]
    run_id = c.get("/api/overview").json()["run"]["run_id"]
    total = c.get("/api/overview").json()["run"]["people"]
    groups = c.get(f"/api/runs/{run_id}/value").json()["groups"]
    for scale in ("department", "team", "community"):
        shown = {g["group"]: g["size"] for g in groups if g["scale"] == scale}
        merged = shown.pop(SUPPRESSED, None)
        assert merged is None  # the merged row carries no figure
        assert all(n >= K for n in shown.values()), (scale, shown)
        assert not _names_in(" ".join(shown), scale if scale in SMALL else "department")
        # everyone is active in the window: subtraction gives the suppressed groups together
        assert total - sum(shown.values()) in (0, *range(K, total + 1)), (scale, shown)
    health = c.get(f"/api/runs/{run_id}/community-health").json()["units"]
    sizes = [u["size"] for u in health if u["name"] != SUPPRESSED and u["unit"] == "community"]
    assert all(n >= K for n in sizes) and total - sum(sizes) in (0, *range(K, total + 1))


@pytest.mark.parametrize("role", AGGREGATES)
def test_a_group_page_says_why_a_table_is_empty(clients, role) -> None:
    """A group page never shows a caption over nothing: a table whose every count is below
    the minimum (or hidden with one) says so; a community is named as one."""
    page = clients[role].get("/groups/department/Alpha")
    assert page.status_code == 200, page.text
    tables = re.findall(r"<caption>([^<]*)</caption><tbody>(.*?)</tbody>", page.text, re.S)
    assert len(tables) == 4, tables
    for caption, body in tables:
        assert "<tr>" in body, caption  # a row: a count, or the note saying why there is none
    alpha = clients[role].get("/api/groups/department/Alpha").json()
    for c in alpha["communities"]:
        assert f"<td>community {c}</td>" in page.text
    if not alpha["personas"]:
        assert "Every persona counts too few of them to show (under 5" in page.text

"""The dashboard as a head of HR reads it (issue 17, points 4 and 5): the home page against the
previous period, person pages in words with percentiles, one figure with one value on every
page, communities in numeric order, the flow diagram of departments into communities.

Every figure is checked against the library read independently (the stored run, scipy's
percentileofscore), on the dashboard workspace of tests/web/conftest.py.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from scipy import stats

import groundswell as gs
from groundswell.charts import natural_key
from groundswell.privacy import SUPPRESSED
from groundswell.web.app import create_app
from tests.web.conftest import PASSWORD, WebWorkspace


@pytest.fixture(scope="module")
def client(web_ws: WebWorkspace) -> Iterator[TestClient]:
    c = TestClient(create_app(web_ws.path))
    assert c.post("/api/login", json={"username": "analyst", "password": PASSWORD}).is_success
    yield c


@pytest.fixture(scope="module")
def ws(web_ws: WebWorkspace) -> Iterator[gs.Workspace]:
    with gs.open(web_ws.path) as w:
        yield w


def test_person_measures_come_with_words_and_percentiles(client, ws, web_ws) -> None:
    run = ws.run(web_ws.runs[1])
    people = run.people()
    pid = web_ws.other_id
    data = client.get(f"/api/people/{pid}").json()
    department = data["department"]
    mates = people.index[people["department"].astype(str) == department]
    assert department != SUPPRESSED and len(mates) >= 5
    checked = 0
    for e in data["explained"]:
        m = e["measure"]
        values = people[m].dropna().to_numpy(dtype=float)
        v = float(people.at[pid, m])
        assert e["value"] == pytest.approx(v)
        assert e["percentile_org"] == pytest.approx(stats.percentileofscore(values, v, kind="mean"))
        own = people.loc[mates, m].dropna().to_numpy(dtype=float)
        assert e["percentile_department"] == pytest.approx(
            stats.percentileofscore(own, v, kind="mean")
        )
        assert e["name"] and e["meaning"]  # words, not a raw column name
        checked += 1
    assert checked >= 20
    page = client.get(f"/people/{pid}").text
    assert "people who come to them" in page and "Percentile in the organisation" in page
    assert "key lcc drop" not in page


def test_the_tie_counts_agree_on_the_map_the_person_page_and_the_ego_network(
    client, web_ws
) -> None:
    nodes = {n["id"]: n for n in client.get("/api/map").json()["nodes"]}
    for pid in (web_ws.other_id, web_ws.person_id):
        person = client.get(f"/api/people/{pid}").json()
        ego = client.get(f"/api/people/{pid}/ego").json()
        out_d, in_d = person["measures"]["out_degree"], person["measures"]["in_degree"]
        assert nodes[pid]["ties"] == [out_d, in_d]
        assert (ego["out_ties"], ego["in_ties"]) == (out_d, in_d)


def test_the_home_page_sets_the_headlines_against_the_previous_period(client, ws, web_ws) -> None:
    first, latest = (ws.run(r) for r in web_ws.runs)
    # the two windows overlap by a day: not the period before, the run before (said so)
    assert latest.previous() is None
    page = client.get("/").text
    assert "Headline figures against the run before" in page
    cards = dict(re.findall(r'data-key="([a-z_]+)"><div class="v">([^<]+)</div>', page))
    assert cards["people"] == f"{latest.summary['people']:,}"
    assert cards["ties"] == f"{latest.summary['ties']:,}"
    change = latest.summary["ties"] - first.summary["ties"]
    assert f"{change:+,} (was {first.summary['ties']:,})" in page
    assert f"against run {first.run_id}" in page
    assert 'id="findings"' in page or "findings" in page  # the findings block's slot
    assert page.count('class="gs-chart"') >= 2  # small charts of the monthly snapshots


def test_a_cards_change_is_the_difference_of_the_figures_it_shows() -> None:
    from groundswell.web.pages import _figure
    from groundswell.words import change

    def card(now: object, then: object, kind: str) -> tuple[str, str]:
        return change(now, then, lambda v: _figure(v, kind), kind)

    # 83.7% against 82.3% are shown "84%" and "82%": the change a reader checks is +2 points
    assert (_figure(0.837, "share"), _figure(0.823, "share")) == ("84%", "82%")
    assert card(0.837, 0.823, "share") == ("+2 points", "up")
    assert card(0.283, 0.293, "share") == ("-1 point", "down")
    # modularity 0.722 against 0.726: shown 0.72 and 0.73 -> -0.01, not "-0.00"
    assert (_figure(0.722, "number"), _figure(0.726, "number")) == ("0.72", "0.73")
    assert card(0.722, 0.726, "number") == ("-0.01", "down")
    assert card(0.7221, 0.7239, "number") == ("about the same", "same")  # 0.72 and 0.72
    assert card(0.2931, 0.2949, "share") == ("about the same", "same")  # 29% and 29%
    assert card(2904, 3036, "count") == ("-132", "down")
    assert card(12, 12, "count") == ("no change", "same")
    assert card(None, 3, "count") == ("", "")


def test_communities_are_listed_in_numeric_order(client, web_ws) -> None:
    run_id = web_ws.runs[1]
    groups = client.get(f"/api/runs/{run_id}/value").json()["groups"]
    stored = [g["group"] for g in groups if g["scale"] == "community" and g["group"] != SUPPRESSED]
    assert len(stored) >= 3
    page = client.get(f"/value?run={run_id}").text
    # the number, then (when the gate shows its departments) its words in a span
    rows = re.findall(
        r"<tr><td>community</td><td>([^<]+?)(?: <span [^>]*>[^<]*</span>)?</td>", page
    )
    shown = [r for r in rows if r != SUPPRESSED]
    assert shown == sorted(stored, key=natural_key)  # 2 before 10


def test_the_formal_page_draws_departments_into_communities(client) -> None:
    flow = client.get("/api/formal").json()["flow"]
    page = client.get("/formal").text
    svg = page[page.index('<svg class="gs-sankey"') : page.index("</svg>", page.index("gs-sankey"))]
    bands = re.findall(r"<title>([^<]+) → community ([^:]+): ([\d,]+) people</title>", svg)
    shown = {(f["department"], str(f["community"])): f["people"] for f in flow if f["people"]}
    assert {(d, c): int(n.replace(",", "")) for d, c, n in bands} == shown
    assert "department (people)" in svg and "community (people)" in svg

"""The dashboard's API and pages, in-process (FastAPI's TestClient over httpx).

Every route is asked by every role and by nobody; the expected answer of each comes from
the access rules in docs/dashboard.md (auth.PERMISSIONS). Data answers are checked against
the stored run read independently through the library (``Run.ties()``, ``Run.summary``,
``ChampionPlan``), and privacy against the workspace's minimum group size (5).
"""

from __future__ import annotations

import hashlib
import shutil
import threading
import time
import urllib.parse
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

import groundswell as gs
from groundswell import ops
from groundswell.privacy import SUPPRESSED
from groundswell.web import auth, planner
from groundswell.web.app import create_app
from tests.web.conftest import PASSWORD, ROLES, WebWorkspace

ANALYSTS = {"admin", "analyst"}
AGGREGATES = {"admin", "analyst", "viewer"}
#: the initiative the web workspace measured (tests/web/conftest.py)
INITIATIVE = "communities of practice"


@pytest.fixture(scope="module")
def app(web_ws: WebWorkspace) -> Iterator[object]:
    application = create_app(web_ws.path)
    yield application
    application.state.store.close()


@pytest.fixture(scope="module")
def clients(app) -> dict[str, TestClient]:
    """One signed-in client per role (cookies kept), plus ``None`` for nobody."""
    out: dict[str, TestClient] = {}
    for role in ROLES:
        c = TestClient(app)
        r = c.post("/api/login", json={"username": role, "password": PASSWORD})
        assert r.status_code == 200, r.text
        c.headers["X-CSRF-Token"] = r.json()["csrf_token"]
        out[role] = c
    return out


@pytest.fixture(scope="module")
def nobody(app) -> TestClient:
    return TestClient(app)


def q(name: str) -> str:
    return urllib.parse.quote(name, safe="")


def routes(ws: WebWorkspace) -> list[tuple[str, set[str]]]:
    """(GET path, roles that may read it); every other role gets 403."""
    a, b = ws.runs
    own, other = ws.person_id, ws.other_id
    return [
        ("/api/me", set(ROLES)),
        ("/api/overview", AGGREGATES),
        (f"/api/overview?run={a}", AGGREGATES),
        ("/api/runs", AGGREGATES),
        (f"/api/runs/{a}", AGGREGATES),
        ("/api/groups", AGGREGATES),
        ("/api/groups?attribute=team", AGGREGATES),
        ("/api/groups?attribute=location", AGGREGATES),
        (f"/api/groups/team/{q(ws.small_team)}", AGGREGATES),
        ("/api/groups/department/Engineering", AGGREGATES),
        ("/api/communities", AGGREGATES),
        ("/api/formal", AGGREGATES),
        ("/api/formal?attribute=team", AGGREGATES),
        (f"/api/compare?a={a}&b={b}", AGGREGATES),
        ("/api/map", AGGREGATES),
        (f"/api/map?run={a}", AGGREGATES),
        ("/api/sources", ANALYSTS),
        ("/api/people", ANALYSTS),
        ("/api/people?sort=betweenness&limit=5&offset=5", ANALYSTS),
        (f"/api/people/{other}", ANALYSTS),
        (f"/api/people/{other}/ego", ANALYSTS),
        (f"/api/people/{own}", ANALYSTS | {"person"}),
        (f"/api/people/{own}/ego", ANALYSTS | {"person"}),
        ("/api/me/person", {"person"}),
        ("/api/me/download", {"person"}),
        ("/api/me/group", {"group_lead"}),
        (f"/api/me/group?run={a}", {"group_lead"}),
        ("/api/plans", ANALYSTS),
        (f"/api/plans/{ws.plan_id}", ANALYSTS),
        ("/api/users", {"admin"}),
        ("/api/jobs", ANALYSTS),
        ("/api/initiatives", AGGREGATES),
        (f"/api/initiatives/{q(INITIATIVE)}", AGGREGATES),
        # pages
        ("/explorer", AGGREGATES),
        ("/groups", AGGREGATES),
        ("/groups?attribute=team", AGGREGATES),
        ("/groups/department/Engineering", AGGREGATES),
        (f"/groups/team/{q(ws.small_team)}", AGGREGATES),
        ("/communities", AGGREGATES),
        ("/formal", AGGREGATES),
        ("/compare", AGGREGATES),
        (f"/compare?a={a}&b={b}", AGGREGATES),
        ("/people", ANALYSTS),
        (f"/people/{other}", ANALYSTS),
        (f"/people/{own}", ANALYSTS | {"person"}),
        ("/planner", ANALYSTS),
        ("/initiatives", AGGREGATES),
        (f"/initiatives?name={q(INITIATIVE)}", AGGREGATES),
        ("/jobs", ANALYSTS),
        ("/sources", ANALYSTS),
        ("/users", {"admin"}),
        ("/me", {"person"}),
        ("/mygroup", {"group_lead"}),
    ]


def test_every_route_for_every_role(clients, nobody, web_ws) -> None:
    failures = []
    for path, allowed in routes(web_ws):
        for role in ROLES:
            r = clients[role].get(path, follow_redirects=False)
            want = 200 if role in allowed else 403
            if r.status_code != want:
                failures.append(f"{role} GET {path}: {r.status_code}, expected {want}")
            elif path.startswith("/api/"):
                assert r.headers["content-type"].startswith("application/json")
                if want == 403:
                    assert r.json()["error"] == "forbidden", r.text
            else:
                assert r.headers["content-type"].startswith("text/html")
        r = nobody.get(path, follow_redirects=False)
        if path.startswith("/api/"):
            if r.status_code != 401 or r.json()["error"] != "unauthenticated":
                failures.append(f"nobody GET {path}: {r.status_code}, expected 401")
        elif r.status_code != 303 or not r.headers["location"].startswith("/login?next="):
            failures.append(f"nobody GET {path}: {r.status_code}, expected 303 to /login")
    assert failures == []


def test_home_page_by_role(clients, nobody) -> None:
    for role in AGGREGATES:
        r = clients[role].get("/")
        assert r.status_code == 200 and "Headline figures" in r.text
    r = clients["person"].get("/", follow_redirects=False)
    assert (r.status_code, r.headers["location"]) == (303, "/me")
    r = nobody.get("/", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/login?next=%2F"
    # the navigation offers each role only its pages
    assert 'href="/users"' in clients["admin"].get("/").text
    assert 'href="/users"' not in clients["analyst"].get("/").text
    assert 'href="/people"' not in clients["viewer"].get("/").text


def test_a_viewer_never_sees_a_person(clients, web_ws) -> None:
    viewer = clients["viewer"]
    for path in (f"/api/people/{web_ws.other_id}", f"/people/{web_ws.other_id}"):
        assert viewer.get(path).status_code == 403
    m = viewer.get("/api/map").json()
    assert m["identities"] is False
    ids = {n["id"] for n in m["nodes"]}
    assert ids == {f"n{i}" for i in range(len(ids))}
    assert all(n["label"] == "" for n in m["nodes"])
    assert "level" not in m["colour_by"] and "persona" not in m["colour_by"]
    assert web_ws.other_id not in viewer.get("/api/map").text
    # the anonymous map has the same shape as the analyst's
    full = clients["analyst"].get("/api/map").json()
    assert len(m["nodes"]) == len(full["nodes"]) and len(m["edges"]) == len(full["edges"])


def test_a_person_sees_only_themself(clients, web_ws) -> None:
    person = clients["person"]
    assert person.get(f"/api/people/{web_ws.other_id}").status_code == 403
    assert person.get(f"/api/people/{web_ws.other_id}/ego").status_code == 403
    assert person.get(f"/people/{web_ws.other_id}").status_code == 403
    assert person.get("/api/map").status_code == 403
    mine = person.get("/api/me/person").json()
    assert mine["person_id"] == web_ws.person_id and mine["display_name"] is None
    assert mine["persona"] and isinstance(mine["roles"], list)
    ego = mine["ego"]
    # contacts carry no id, and their ties among themselves are left out (issue 18)
    ids = [n["id"] for n in ego["nodes"] if not n["centre"]]
    assert ids == [f"c{i + 1}" for i in range(len(ids))]
    assert all(e["from"] == "me" for e in ego["edges"])
    assert web_ws.other_id not in person.get("/api/me/person").text
    # the same view under /api/people/{own id}
    assert person.get(f"/api/people/{web_ws.person_id}").json() == mine
    page = person.get("/me")
    assert page.status_code == 200 and "My network" in page.text


def test_ego_network_matches_the_stored_ties(clients, web_ws) -> None:
    with gs.open(web_ws.path) as ws:
        ties = ws.run(web_ws.runs[1]).ties()
    ties = ties.groupby(["actor_id", "target_id"], as_index=False)["weight"].sum()
    p = web_ws.other_id
    own = ties[(ties["actor_id"] == p) | (ties["target_id"] == p)]
    contacts = (set(own["actor_id"]) | set(own["target_id"])) - {p}
    among = ties[ties["actor_id"].isin(contacts) & ties["target_id"].isin(contacts)]
    ego = clients["analyst"].get(f"/api/people/{p}/ego").json()
    assert {n["id"] for n in ego["nodes"]} == contacts | {p}
    assert ego["out_ties"] == int((own["actor_id"] == p).sum())
    assert ego["in_ties"] == int((own["target_id"] == p).sum())
    assert len(ego["edges"]) == len(own) + len(among)
    strengths = [n["strength"] for n in ego["nodes"] if not n["centre"]]
    assert strengths == sorted(strengths, reverse=True)
    # the strongest contact's strength is the sum of both directions' weights
    top = ego["nodes"][1]["id"]
    both = own[(own["actor_id"] == top) | (own["target_id"] == top)]["weight"].sum()
    assert ego["nodes"][1]["strength"] == pytest.approx(both)


def test_names_only_for_analysts_of_an_identified_workspace(clients, web_ws) -> None:
    for role in ANALYSTS:
        rows = clients[role].get("/api/people?limit=5").json()["people"]
        assert all(r["display_name"] for r in rows)
        assert clients[role].get("/api/map").json()["nodes"][0]["label"].count(" ") >= 1
    assert clients["person"].get("/api/me/person").json()["display_name"] is None


def test_small_groups_are_suppressed(clients, web_ws) -> None:
    viewer = clients["viewer"]
    small = viewer.get(f"/api/groups/team/{q(web_ws.small_team)}").json()
    assert small["suppressed"] is True and "figures" not in small and "size" not in small
    page = viewer.get(f"/groups/team/{q(web_ws.small_team)}").text
    assert "suppressed" in page and "E-I index" not in page
    rows = viewer.get("/api/groups?attribute=department").json()["groups"]
    names = [g["name"] for g in rows]
    assert web_ws.small_department not in names and SUPPRESSED in names
    for g in rows:
        if g["suppressed"]:
            assert g["size"] is None and g["ei"] is None
        else:
            assert g["size"] >= 5
    formal = viewer.get("/api/formal").json()
    assert web_ws.small_department not in formal["matrix"]["groups"]
    assert web_ws.small_department not in {f["department"] for f in formal["flow"]}
    for row in formal["matrix"]["values"]:
        shares = [v for v in row if v is not None]
        assert not shares or 0 < sum(shares) <= 1 + 1e-3  # shares to a suppressed group hidden
    comms = viewer.get("/api/communities").json()
    assert all(c["size"] >= 5 for c in comms["communities"])
    assert all(n >= 5 for c in comms["communities"] for n in c["departments"].values())
    departments = {n["attrs"]["department"] for n in viewer.get("/api/map").json()["nodes"]}
    assert web_ws.small_department not in departments and SUPPRESSED in departments


def test_compare_puts_the_stored_summaries_side_by_side(clients, web_ws) -> None:
    a, b = web_ws.runs
    with gs.open(web_ws.path) as ws:
        sa, sb = ws.run(a).summary, ws.run(b).summary
    out = clients["viewer"].get(f"/api/compare?a={a}&b={b}").json()
    rows = {f["figure"]: f for f in out["figures"]}
    for key in ("people", "ties", "modularity", "density"):
        assert rows[key]["a"] == pytest.approx(sa[key])
        assert rows[key]["b"] == pytest.approx(sb[key])
        assert rows[key]["change"] == pytest.approx(sb[key] - sa[key])
    assert sa["ties"] != sb["ties"]  # two different windows


def test_pages_name_a_runs_window_in_words(clients, web_ws) -> None:
    """Every page naming a run's window says it as a reader does ("5 February – 4 March
    2024"), the way the Value and Leaders pages always did, never the stored "a:b" form."""
    a, b = web_ws.runs
    with gs.open(web_ws.path) as ws:
        stored = {str(ws.run(a).window), str(ws.run(b).window)}
    assert "2024-02-05:2024-03-04" in stored
    pages = ["/", f"/compare?a={a}&b={b}", "/sources", "/trends", "/value"]
    for path in pages:
        text = clients["admin"].get(path).text
        for w in stored:
            assert w not in text, (path, w)
    home = clients["admin"].get("/").text
    assert "5 February – 4 March 2024" in home  # the earlier run, as the latest's comparison
    compare = clients["admin"].get(f"/compare?a={a}&b={b}").text
    assert "5 February – 4 March 2024" in compare
    # and when it was computed: "computed 7 December 2026, 01:04 UTC", not the ISO stamp
    from groundswell.words import moment

    with gs.open(web_ws.path) as ws:
        (stamp,) = ws.con.execute(
            "SELECT CAST(created_at AS VARCHAR) FROM runs WHERE run_id = ?", [b]
        ).fetchall()[0]
    said = moment(stamp)
    assert said.endswith(" UTC") and f"computed {said} by groundswell" in home


def test_errors_have_one_shape(clients) -> None:
    analyst = clients["analyst"]
    r = analyst.get("/api/people/p_nobody")
    assert r.status_code == 404 and r.json()["error"] == "not_found"
    assert "p_nobody" in r.json()["detail"]
    r = analyst.get("/api/runs/999")
    assert r.status_code == 404 and set(r.json()) == {"error", "detail"}
    r = analyst.get("/api/groups?attribute=shoe_size")
    assert r.status_code == 400 and "shoe_size" in r.json()["detail"]
    r = analyst.get("/api/people?sort=height")
    assert r.status_code == 400
    r = analyst.get("/api/people?limit=0")
    assert r.status_code == 422 and r.json()["error"] == "invalid_request"
    r = analyst.get("/api/no-such-route")
    assert r.status_code == 404 and r.json()["error"] == "not_found"


def post(client: TestClient, path: str, *, csrf: bool = True, **kwargs) -> object:
    headers = {} if csrf else {"X-CSRF-Token": ""}
    return client.post(path, headers=headers, **kwargs)


def test_state_changes_need_the_csrf_token(clients) -> None:
    analyst, admin = clients["analyst"], clients["admin"]
    new = {"username": "noone", "password": "long enough pw", "role": "viewer"}
    for client, path, body in (
        (analyst, "/api/plans", {"k": 5}),
        (admin, "/api/users", new),
        (admin, "/api/users/viewer/disable", None),
        (analyst, "/api/logout", None),
    ):
        r = post(client, path, csrf=False, json=body)
        assert r.status_code == 403 and "CSRF" in r.json()["detail"], (path, r.text)
        r = client.post(path, headers={"X-CSRF-Token": "x" * 43}, json=body)
        assert r.status_code == 403, path
    # form posts: the token travels as a form field
    r = admin.post("/logout", headers={"X-CSRF-Token": ""}, data={}, follow_redirects=False)
    assert r.status_code == 403
    # a request from another site is refused even with the token
    r = analyst.post("/api/plans", json={"k": 5}, headers={"Origin": "https://evil.example"})
    assert r.status_code == 403 and "cross-site" in r.json()["detail"]
    assert analyst.get("/api/me").status_code == 200  # still signed in


def wait_for(client: TestClient, job_id: str, timeout: float = 60.0) -> dict:
    """Poll a plan job until it is no longer running."""
    deadline = time.monotonic() + timeout
    while True:
        job = client.get(f"/api/plans/jobs/{job_id}").json()
        if job["status"] != "running":
            return job
        assert time.monotonic() < deadline, job
        time.sleep(0.05)


def test_a_plan_is_computed_in_the_background_and_stored(app, clients, nobody, web_ws) -> None:
    analyst = clients["analyst"]
    body = {"k": 5, "runs": 200, "seed": 1, "quota_by": "department", "quota": "proportional"}
    r = analyst.post("/api/plans", json=body)
    assert r.status_code == 202, r.text
    started = r.json()
    assert started["status"] in {"running", "done"} and started["params"]["k"] == 5
    job = wait_for(analyst, started["job_id"])
    assert job["status"] == "done", job
    assert job["progress"][0].endswith("choosing 5 champions among 198 people (IC, epsilon 0.1)")
    # who may follow a job: the roles that may plan
    path = f"/api/plans/jobs/{job['job_id']}"
    assert clients["admin"].get(path).status_code == 200
    for role in ("viewer", "person"):
        assert clients[role].get(path).status_code == 403
    assert nobody.get(path).status_code == 401
    assert analyst.get("/api/plans/jobs/no-such-job").status_code == 404
    # the stored plan, read back through the library (the oracle) and through the API
    plan = analyst.get(f"/api/plans/{job['plan_id']}").json()
    with gs.open(web_ws.path) as ws:
        stored = ws.plan(job["plan_id"])
        champions = stored.champions("plan")
        strategies = stored.strategies()
    assert plan["run_id"] == web_ws.runs[1] and plan["params"]["quota"] == "proportional"
    assert [c["person_id"] for c in plan["champions"]["plan"]] == champions["person_id"].tolist()
    assert [c["label"] for c in plan["champions"]["plan"]] == champions["label"].tolist()
    assert all(" " in c["label"] for c in plan["champions"]["plan"])  # names: identified
    names = [s["strategy"] for s in plan["strategies"]]
    assert names == ["plan", "top_down", "most_connected", "random"]
    for s in plan["strategies"]:
        assert s["reach"] == pytest.approx(strategies.loc[s["strategy"], "reach"])
        assert s["low"] <= s["reach"] <= s["high"]
        curve = plan["curves"][s["strategy"]]
        assert curve["step"][0] == 0 and curve["adopted"][0] == pytest.approx(5)  # the seeds
        assert curve["adopted"][-1] == pytest.approx(s["reach"], abs=1e-3)
        assert curve["adopted"] == sorted(curve["adopted"])  # cumulative
    by_k = stored.reach_by_k()
    assert [r["k"] for r in plan["reach_by_k"]] == by_k["k"].tolist()
    # the same parameters and seed give the same champions
    again = wait_for(analyst, analyst.post("/api/plans", json=body).json()["job_id"])
    same = analyst.get(f"/api/plans/{again['plan_id']}").json()
    assert [c["person_id"] for c in same["champions"]["plan"]] == champions["person_id"].tolist()
    listed = {p["plan_id"] for p in analyst.get("/api/plans").json()}
    assert {job["plan_id"], again["plan_id"], web_ws.plan_id} <= listed
    # without names (a pseudonymous workspace, or a caller not allowed names): ids only
    anonymous = app.state.store.plan(job["plan_id"], names=False)
    assert all(c["label"] == c["person_id"] for c in anonymous["champions"]["plan"])


def test_plans_keep_small_groups_suppressed(clients, web_ws) -> None:
    r = clients["analyst"].get(f"/api/plans/{web_ws.plan_id}")
    plan = r.json()
    groups = plan["coverage"]["groups"]
    assert groups and all(g["size"] >= 5 for g in groups)
    assert web_ws.small_department not in r.text  # the one-person department, nowhere
    departments = {c["department"] for cs in plan["champions"].values() for c in cs}
    assert SUPPRESSED in departments  # the top of the hierarchy sits in it
    untouched = {d for s in plan["strategies"] for d in s["untouched"]}
    assert web_ws.small_department not in untouched
    assert clients["analyst"].get("/api/plans/999999").status_code == 404


def test_plan_requests_are_checked(clients) -> None:
    analyst = clients["analyst"]
    for body, word in (
        ({"k": 0}, "'k'"),
        ({"k": "3"}, "'k'"),
        ({"k": 5000}, "'k'"),
        ({}, "'k'"),
        ([5], "JSON object"),
        ({"k": 3, "model": "sir"}, "'model'"),
        ({"k": 3, "rule": "random"}, "'rule'"),
        ({"k": 3, "p": 2}, "'p'"),
        ({"k": 3, "runs": 5}, "'runs'"),
        ({"k": 3, "epsilon": 0.001}, "'epsilon'"),
        ({"k": 3, "quota_by": "shoe_size"}, "'quota_by'"),
        ({"k": 3, "include": "p_x"}, "'include'"),
        ({"k": 3, "quotas": {"Sales": 1}}, "quotas"),
    ):
        r = analyst.post("/api/plans", json=body)
        assert r.status_code == 400 and word in r.json()["detail"], (body, r.text)
    assert analyst.post("/api/plans", json={"k": 3, "run_id": 999}).status_code == 404
    for role in ("viewer", "person"):
        r = clients[role].post("/api/plans", json={"k": 5})
        assert r.status_code == 403 and r.json()["error"] == "forbidden"


def test_impossible_plans_fail_with_the_reason(clients) -> None:
    analyst = clients["analyst"]
    r = analyst.post("/api/plans", json={"k": 2, "quota_by": "department", "runs": 50})
    job = wait_for(analyst, r.json()["job_id"])
    assert job["status"] == "failed" and job["plan_id"] is None
    assert job["error"]["status"] == 422 and "quota" in job["error"]["detail"]
    r = analyst.post("/api/plans", json={"k": 2, "include": ["nobody@nowhere"], "runs": 50})
    job = wait_for(analyst, r.json()["job_id"])
    assert job["status"] == "failed" and job["error"]["status"] == 400
    assert "nobody@nowhere" in job["error"]["detail"]


def test_one_plan_at_a_time(app, clients) -> None:
    """While a plan is being computed on the workspace, another request answers 409."""
    store = app.state.store
    release = threading.Event()
    busy = threading.Thread(target=release.wait, daemon=True)
    busy.start()
    planner._threads[str(store.path.resolve())] = busy  # stands for a plan in progress
    try:
        r = clients["admin"].post("/api/plans", json={"k": 3})
        assert r.status_code == 409 and r.json()["error"] == "conflict"
    finally:
        release.set()
        busy.join()
    assert planner.wait(store, timeout=1)


def test_report_downloads(clients, nobody, web_ws) -> None:
    run = web_ws.runs[1]
    for role in ROLES:
        r = clients[role].get(f"/api/runs/{run}/report")
        if role not in ANALYSTS:
            assert r.status_code == 403 and r.json()["error"] == "forbidden"
            assert clients[role].get(f"/api/runs/{run}/report.pdf").status_code == 403
            continue
        assert r.status_code == 200, r.text
        assert r.headers["content-type"].startswith("text/html")
        disposition = r.headers["content-disposition"]
        assert disposition == f'attachment; filename="groundswell-run-{run}.html"'
        assert r.text.startswith("<!doctype html>") or r.text.lower().startswith("<!doctype")
        assert 'src="http' not in r.text and 'href="http' not in r.text  # self-contained
        pdf = clients[role].get(f"/api/runs/{run}/report.pdf")
        if shutil.which("chromium") is None:
            assert pdf.status_code == 503 and "Chromium" in pdf.json()["detail"]
        else:
            assert pdf.status_code == 200, pdf.text
            assert pdf.content[:5] == b"%PDF-" and pdf.headers["content-type"] == "application/pdf"
    for path in (f"/api/runs/{run}/report", f"/api/runs/{run}/report.pdf"):
        r = nobody.get(path)
        assert r.status_code == 401 and r.json()["error"] == "unauthenticated"
    assert clients["analyst"].get("/api/runs/999/report").status_code == 404
    assert clients["analyst"].get("/api/runs/999/report.pdf").status_code == 404
    # the buttons: on the overview and on the sources page, for analysts only
    assert f'href="/api/runs/{run}/report.pdf"' in clients["analyst"].get("/").text
    assert f'href="/api/runs/{run}/report.pdf"' in clients["admin"].get("/sources").text
    assert "report.pdf" not in clients["viewer"].get("/").text


def test_accounts_admin(app, clients, web_ws) -> None:
    admin = clients["admin"]
    body = {"username": "dana", "password": "another long pw", "role": "analyst"}
    assert clients["analyst"].post("/api/users", json=body).status_code == 403
    r = admin.post("/api/users", json=body)
    assert r.status_code == 201, r.text
    assert admin.post("/api/users", json=body).status_code == 400  # exists
    short = {**body, "username": "eve", "password": "short"}
    assert admin.post("/api/users", json=short).status_code == 400
    orphan = {**body, "username": "fay", "role": "person", "person_id": "p_nobody"}
    assert admin.post("/api/users", json=orphan).status_code == 400
    dana = TestClient(app)
    r = dana.post("/api/login", json={"username": "dana", "password": body["password"]})
    assert r.status_code == 200 and r.json()["role"] == "analyst"
    assert dana.get("/api/people?limit=1").status_code == 200
    # disabling ends the account's sessions at once
    assert admin.post("/api/users/dana/disable").status_code == 200
    assert dana.get("/api/me").status_code == 401
    r = dana.post("/api/login", json={"username": "dana", "password": body["password"]})
    assert r.status_code == 401
    assert admin.post("/api/users/dana/enable").status_code == 200
    assert admin.post("/api/users/admin/disable").status_code == 403  # not yourself
    users = {u["username"]: u for u in admin.get("/api/users").json()}
    assert users["person"]["person_id"] == web_ws.person_id
    assert all("password" not in k for u in users.values() for k in u)
    # the users page form, with the token as a form field
    r = admin.post(
        "/users",
        headers={"X-CSRF-Token": ""},
        data={
            "csrf_token": admin.headers["X-CSRF-Token"],
            "username": "gil",
            "password": "form made pw",
            "role": "viewer",
        },
        follow_redirects=False,
    )
    assert (r.status_code, r.headers["location"]) == (303, "/users")
    assert "gil" in {u["username"] for u in admin.get("/api/users").json()}


def test_passwords_and_sessions_are_stored_hashed(app) -> None:
    c = TestClient(app)
    r = c.post("/api/login", json={"username": "viewer", "password": PASSWORD})
    token = r.cookies["gs_session"]
    with ops.opened(app.state.store.path) as sq:  # the operational store (groundswell.ops)
        hashes = [h for (h,) in sq.execute("SELECT password_hash FROM users").fetchall()]
        stored = [t for (t,) in sq.execute("SELECT token_hash FROM web_sessions").fetchall()]
    assert hashes and all(h.startswith("$argon2id$") for h in hashes)
    assert not any(PASSWORD in h for h in hashes)
    assert token not in stored
    assert hashlib.sha256(token.encode()).hexdigest() in stored


def test_session_cookie_flags(app, web_ws) -> None:
    c = TestClient(app)
    r = c.post("/api/login", json={"username": "viewer", "password": PASSWORD})
    cookie = r.headers["set-cookie"].lower()
    assert "httponly" in cookie and "samesite=strict" in cookie and "secure" not in cookie
    secure = create_app(web_ws.path, secure_cookies=True)
    try:
        r = TestClient(secure).post("/api/login", json={"username": "viewer", "password": PASSWORD})
        assert "; secure" in r.headers["set-cookie"].lower()
        r = TestClient(app, base_url="https://testserver").post(
            "/api/login", json={"username": "viewer", "password": PASSWORD}
        )
        assert "; secure" in r.headers["set-cookie"].lower()
    finally:
        secure.state.store.close()


def test_logout_ends_the_session(app) -> None:
    c = TestClient(app)
    token = c.post("/api/login", json={"username": "viewer", "password": PASSWORD}).json()[
        "csrf_token"
    ]
    assert c.post("/api/logout", headers={"X-CSRF-Token": token}).status_code == 200
    assert c.get("/api/me").status_code == 401


def test_wrong_passwords_are_rate_limited(app) -> None:
    ws = app.state.store.ws()
    auth.add_user(ws, "target", PASSWORD, "viewer")
    c = TestClient(app)
    wrong = {"username": "target", "password": "not the password"}
    codes = [c.post("/api/login", json=wrong).status_code for _ in range(auth.MAX_FAILURES)]
    assert codes == [401] * auth.MAX_FAILURES
    assert c.post("/api/login", json=wrong).status_code == 429
    # locked out even with the right password, until the window passes
    r = c.post("/api/login", json={"username": "target", "password": PASSWORD})
    assert r.status_code == 429 and r.json()["error"] == "rate_limited"
    # an unknown user answers like a wrong password (no hint that the name exists)
    r = c.post("/api/login", json={"username": "ghost", "password": "whatever it is"})
    assert r.status_code == 401 and r.json()["detail"] == "wrong username or password"


def test_login_page_form(app) -> None:
    c = TestClient(app)
    page = c.get("/login?next=/formal")
    assert page.status_code == 200
    token = page.text.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]
    form = {"username": "analyst", "password": PASSWORD, "next": "/formal"}
    r = TestClient(app).post("/login", data={**form, "csrf_token": token}, follow_redirects=False)
    assert r.status_code == 403  # a different browser: no login cookie to match
    r = c.post("/login", data={**form, "csrf_token": token}, follow_redirects=False)
    assert (r.status_code, r.headers["location"]) == (303, "/formal")
    assert c.get("/formal").status_code == 200
    page = c.get("/login")  # the form's token is used once: a fresh form
    token = page.text.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]
    evil = {**form, "next": "//evil.example/"}
    r = c.post("/login", data={**evil, "csrf_token": token}, follow_redirects=False)
    assert r.headers["location"] == "/"


def test_openapi_and_headers(clients, nobody) -> None:
    assert nobody.get("/api/openapi.json").status_code == 401  # signed-in users only
    spec = clients["viewer"].get("/api/openapi.json").json()
    paths = set(spec["paths"])
    assert {"/api/map", "/api/people/{person_id}/ego", "/api/plans", "/api/login"} <= paths
    assert all(p.startswith("/api/") for p in paths)
    r = clients["viewer"].get("/api/overview")
    assert "default-src 'self'" in r.headers["content-security-policy"]
    assert r.headers["cache-control"] == "no-store"
    assert r.headers["x-content-type-options"] == "nosniff"
    js = nobody.get("/static/dashboard.css")
    assert js.status_code == 200


def test_views_read_stored_results(clients, web_ws) -> None:
    """Headline figures are the stored summary, not a recomputation."""
    with gs.open(web_ws.path) as ws:
        s = ws.run(web_ws.runs[1]).summary
    o = clients["viewer"].get("/api/overview").json()["run"]
    assert o["run_id"] == web_ws.runs[1]
    assert o["headlines"]["modularity"]["value"] == pytest.approx(s["modularity"])
    assert o["roles"] == s["roles"]

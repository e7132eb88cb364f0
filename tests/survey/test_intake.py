"""Survey answers, sign-ins and sessions while another process holds the workspace (issue 16).

The dashboard's own state lives in the operational store (``groundswell-web.sqlite``,
:mod:`groundswell.ops`): answers are accepted into its intake and applied to the DuckDB
file exactly once (:mod:`groundswell.survey.intake`). A helper process takes its turn on the
DuckDB file the way ``groundswell analyze`` does (shared while it computes, exclusive while
it stores), using only :mod:`groundswell.gate` (it starts in a fraction of a second).
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

import groundswell as gs
from groundswell import gate, ops
from groundswell.errors import SurveyStateError
from groundswell.survey import intake, model, questions, respond
from groundswell.survey.web import mount
from groundswell.web import auth
from groundswell.web.app import create_app
from tests.survey.conftest import PASSWORD, person, roster_no, token_of

ROOT = Path(__file__).resolve().parents[2]
# holds the workspace shared ("read"), then exclusive ("write"), one line of stdin each
HOLDER = """
import sys
from groundswell import gate
held = gate.hold(sys.argv[1], write=False, who="groundswell analyze (PID 1)")
print("read", flush=True)
sys.stdin.readline()
held.release()
held = gate.hold(sys.argv[1], write=True, who="groundswell analyze (PID 1)")
print("write", flush=True)
sys.stdin.readline()
"""


def _responses(path: Path) -> list[tuple[str, str, str]]:
    with gs.open(path, read_only=True) as ws:
        rows = ws.con.execute(
            "SELECT person_id, slug, nominee_id FROM survey_responses ORDER BY ALL"
        ).fetchall()
    return [tuple(r) for r in rows]


def _unapplied(path: Path) -> int:
    with ops.opened(path) as sq:
        return int(
            sq.execute("SELECT count(*) FROM survey_intake WHERE applied_at IS NULL").fetchall()[0][
                0
            ]
        )


def _hold(path: Path) -> subprocess.Popen[str]:
    """A process running :data:`HOLDER` on the workspace ``path``, holding it shared ("read")
    when returned; a line on its stdin makes it hold the file exclusively ("write")."""
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLDER, str(path)], env=env, text=True,
        stdin=subprocess.PIPE, stdout=subprocess.PIPE,
    )  # fmt: skip
    assert holder.stdout is not None and holder.stdin is not None
    assert holder.stdout.readline().strip() == "read"
    return holder


def _wait_applied(path: Path) -> None:
    """Wait (30 s at most) until the dashboard has applied every answer of the intake."""
    end = time.monotonic() + 30
    while _unapplied(path) and time.monotonic() < end:
        time.sleep(0.1)
    assert _unapplied(path) == 0


@pytest.fixture
def survey(org):
    with org.open() as ws:
        s = model.create(ws, "Spring", [questions.question("advice")])
        links = {
            k.person_id: token_of(k.url) for k in model.launch(ws, s, base_url="http://testserver")
        }
        nos = {e: roster_no(ws, s.survey_id, e) for e in ("E02", "E03")}
        ids = {e: person(ws, e) for e in ("E01", "E02", "E03")}
    return s, links, nos, ids


def test_answers_and_sign_ins_are_accepted_while_another_process_holds_the_file(
    org, survey, monkeypatch
) -> None:
    _s, links, nos, ids = survey
    token = links[ids["E01"]]
    # E02 has never opened their link in this dashboard: their answer too must be taken
    # while the file is held (the form's hidden field, as their browser would have it)
    with org.open() as ws:
        (fresh_csrf,) = ws.con.execute(
            "SELECT csrf_token FROM survey_invitations WHERE person_id = ?", [ids["E02"]]
        ).fetchall()[0]
    # were the answer to wait for the file, it would be refused (503) in 5 s, not hang
    monkeypatch.setattr(gate, "WAIT", 5.0)
    app = create_app(org.path)
    mount(app)
    with TestClient(app) as client:
        page = client.get(f"/s/{token}")
        csrf = page.text.split('name="csrf_token" value="')[1].split('"')[0]
        holder = _hold(org.path)  # computing beside the dashboard
        try:
            assert holder.stdout is not None and holder.stdin is not None
            r = client.post(f"/s/{token}", data={"csrf_token": csrf, "n.advice": nos["E02"]})
            assert r.status_code == 200, r.text  # acknowledged ...
            assert _unapplied(org.path) == 1  # ... kept in the intake: DuckDB is not writable
            assert (
                client.post(
                    "/api/login", json={"username": "viewer", "password": PASSWORD}
                ).status_code
                == 200
            )
            holder.stdin.write("\n")
            holder.stdin.flush()
            assert holder.stdout.readline().strip() == "write"  # storing its result
            t0 = time.monotonic()
            signed = TestClient(app)
            r = signed.post("/api/login", json={"username": "admin", "password": PASSWORD})
            assert r.status_code == 200  # a sign-in needs no turn on the DuckDB file
            signed.headers["X-CSRF-Token"] = r.json()["csrf_token"]
            assert signed.get("/api/users").status_code == 200  # nor do the accounts
            # a link seen before answers from the dashboard's copy of the roster
            r = client.post(f"/s/{token}", data={"csrf_token": csrf, "n.advice": nos["E03"]})
            assert r.status_code == 200, r.text
            # a link never resolved by this dashboard answers too (every open survey's links
            # were read when the first link was)
            fresh = links[ids["E02"]]
            r = client.post(f"/s/{fresh}", data={"csrf_token": fresh_csrf, "n.advice": nos["E03"]})
            assert r.status_code == 200, r.text
            assert time.monotonic() - t0 < 30
            assert _unapplied(org.path) == 3
        finally:
            if holder.stdin is not None:
                holder.stdin.close()
            holder.wait(30)
        _wait_applied(org.path)  # the dashboard applies it once the file is free
    assert _responses(org.path) == sorted(
        [(ids["E01"], "advice", ids["E03"]), (ids["E02"], "advice", ids["E03"])]
    )  # E01's later answer, and E02's


def test_each_answer_is_applied_once_and_close_takes_every_answer_in(org, survey) -> None:
    s, _links, nos, ids = survey
    with gs.open(org.path, read_only=True) as ro:
        who = respond.resolve(ro, _links[ids["E01"]])
        assert who is not None
    # a read-only workspace accepts into the intake only
    with gs.open(org.path, read_only=True) as ro:
        respond.submit(ro, who, {"advice": [respond.Nomination(nos["E02"])]}, {})
        respond.submit(ro, who, {"advice": [respond.Nomination(nos["E03"])]}, {})  # changed
        assert intake.pending(ro) == 2
    assert _responses(org.path) == []
    with org.open() as ws:
        assert intake.drain(ws) == 2  # in order: the later answer wins
        assert intake.drain(ws) == 0
    assert _responses(org.path) == [(ids["E01"], "advice", ids["E03"])]
    # killed after the DuckDB commit, before the intake was marked: applied again? no
    with ops.opened(org.path) as sq, ops.writing(sq):
        sq.execute("UPDATE survey_intake SET applied_at = NULL")
    with org.open() as ws:
        assert intake.pending(ws) == 0 and intake.drain(ws) == 0
        answered = ws.con.execute("SELECT count(*) FROM survey_answered").fetchall()[0][0]
    assert answered == 1 and _unapplied(org.path) == 0
    # a store made anew (restored from a backup older than the DuckDB file) counts from 1
    # again: its entries are not mistaken for ones already applied
    for leftover in org.path.glob(ops.OPS_FILE + "*"):
        leftover.unlink()
    ops._made.clear()
    with gs.open(org.path, read_only=True) as ro:
        respond.submit(ro, who, {"advice": [respond.Nomination(nos["E02"])]}, {})
    with org.open() as ws:
        assert intake.pending(ws) == 1 and intake.drain(ws) == 1
    assert _responses(org.path) == [(ids["E01"], "advice", ids["E02"])]
    # close takes in what waits, and refuses what comes after
    with gs.open(org.path, read_only=True) as ro:
        respond.submit(ro, who, {"advice": [respond.Nomination(nos["E03"])]}, {})
    with org.open() as ws:
        summary = model.close(ws, s.survey_id)
        assert summary.interactions == 1
        assert intake.pending(ws) == 0
    assert _responses(org.path) == [(ids["E01"], "advice", ids["E03"])]
    with gs.open(org.path, read_only=True) as ro, pytest.raises(SurveyStateError) as err:
        respond.submit(ro, who, {"advice": []}, {})
    assert "closed" in str(err.value)


def test_accounts_of_an_older_workspace_move_to_the_operational_store(org) -> None:
    """Schema v4 to v11 kept accounts in DuckDB: they are moved on first use, once."""
    with org.open() as ws:
        with ops.opened(org.path) as sq:
            users = sq.execute("SELECT * FROM users ORDER BY username").fetchall()
        for u, h, r, p, c, d, g in users:  # put them back where an older version kept them
            ws.con.execute(
                "INSERT INTO users VALUES (?, ?, ?, ?, ?, ?, ?)",
                [u, h, r, p, ops.from_micros(c), bool(d), g],
            )
    (org.path / ops.OPS_FILE).unlink()
    ops._made.clear()
    ops._adopted.clear()
    with org.open() as ws:
        assert [u["username"] for u in auth.list_users(ws)] == ["admin", "viewer"]
        assert ws.con.execute("SELECT count(*) FROM users").fetchall()[0][0] == 0
        token, user = auth.login(ws, "viewer", PASSWORD, "127.0.0.1")  # the same password
        assert user.role == "viewer" and auth.session_user(ws, token) == user
    assert oct((org.path / ops.OPS_FILE).stat().st_mode & 0o777) == "0o600"


def test_the_open_surveys_links_read_at_once_are_what_each_link_resolves_to(org, survey) -> None:
    s, links, _nos, _ids = survey
    with org.open() as ws:
        every = respond.open_respondents(ws)
        assert every is not None and len(every) == len(links) > 0
        for token in links.values():
            assert every[model.digest(token)] == respond.resolve(ws, token)
        assert respond.open_respondents(ws, limit=len(links) - 1) is None  # too many: one by one
        model.close(ws, s)
        assert respond.open_respondents(ws) == {}  # a closed survey's links are not kept


def test_answers_after_an_applied_one_are_accepted_while_another_process_holds_the_file(
    org, survey, monkeypatch
) -> None:
    """An answer applied to the file forgets the dashboard's cached reads; the open surveys'
    links and rosters it answers from while another process holds the file are kept until
    read again (otherwise every answer that came while a command held the file waited for
    it: tests/web/test_concurrency.py failed, now and then, with none of 32 answers
    acknowledged during an analyze)."""
    _s, links, nos, ids = survey
    token, fresh = links[ids["E01"]], links[ids["E02"]]
    with org.open() as ws:
        csrf = dict(
            ws.con.execute("SELECT person_id, csrf_token FROM survey_invitations").fetchall()
        )
    monkeypatch.setattr(gate, "WAIT", 5.0)  # an answer that waits for the file: 503 in 5 s
    app = create_app(org.path)
    mount(app)
    with TestClient(app) as client:
        r = client.post(
            f"/s/{token}", data={"csrf_token": csrf[ids["E01"]], "n.advice": nos["E02"]}
        )
        assert r.status_code == 200, r.text
        assert _unapplied(org.path) == 0  # applied at once: the file was free
        holder = _hold(org.path)
        try:
            assert holder.stdout is not None and holder.stdin is not None
            holder.stdin.write("\n")
            holder.stdin.flush()
            assert holder.stdout.readline().strip() == "write"
            t0 = time.monotonic()
            for link, who, nominee in (
                (fresh, ids["E02"], nos["E03"]),
                (token, ids["E01"], nos["E03"]),
            ):
                r = client.post(f"/s/{link}", data={"csrf_token": csrf[who], "n.advice": nominee})
                assert r.status_code == 200, r.text
            assert time.monotonic() - t0 < 4  # not held until the file came free
            assert _unapplied(org.path) == 2
        finally:
            if holder.stdin is not None:
                holder.stdin.close()
            holder.wait(30)
        _wait_applied(org.path)
    assert _responses(org.path) == sorted(
        [(ids["E01"], "advice", ids["E03"]), (ids["E02"], "advice", ids["E03"])]
    )

"""The dashboard and the command line on one workspace at the same time (issue 16, point 1).

A real ``groundswell serve`` process (uvicorn) serves 50 signed-in clients that keep reading
and 100 survey respondents that submit, paced over the seconds in which two command-line
processes ingest a file and run ``analyze`` on the same workspace. Everything is loopback,
bounded in count and time (each test stops itself within :data:`DEADLINE`). Then the
dashboard is SIGKILLed while respondents submit and a browser job analyzes: every
acknowledged answer is kept (in the operational store's intake, or already in DuckDB), is
in the survey tables exactly once after the next drain, and the workspace opens cleanly.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx
import pandas as pd
import pytest

import groundswell as gs
from groundswell import ops, synth
from groundswell.survey import intake, model
from groundswell.web import auth

ROOT = Path(__file__).resolve().parents[2]
PASSWORD = "correct horse battery"
CLIENTS = 50
#: Sessions the clients share (signing in costs an argon2 hash each)
SESSIONS = 10
RESPONDENTS = 100
#: Each test stops itself after this many seconds (the CLI processes included: on two
#: busy cores, importing the analysis libraries alone can take half a minute).
DEADLINE = 420.0
#: Seconds between two requests of one reading client.
PAUSE = 1.0


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _env() -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": str(ROOT / "src"), "GROUNDSWELL_WAIT": "200"}


#: ``groundswell ARGS`` as the installed script runs it, with this checkout's sources first
GROUNDSWELL = [
    sys.executable,
    "-c",
    "from groundswell.cli import app; app(prog_name='groundswell')",
]


def _serve(ws: Path, port: int) -> subprocess.Popen[bytes]:
    proc = subprocess.Popen(
        [*GROUNDSWELL, "serve", str(ws), "--port", str(port)],
        cwd=ROOT, env=_env(), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )  # fmt: skip
    end = time.monotonic() + 120  # imports on two busy cores
    while time.monotonic() < end:
        if proc.poll() is not None:
            raise RuntimeError(f"serve exited: {proc.stderr.read().decode()[-2000:]}")  # type: ignore[union-attr]
        try:
            httpx.get(f"http://127.0.0.1:{port}/login", timeout=2)
            return proc
        except httpx.HTTPError:
            time.sleep(0.1)
    proc.kill()
    raise RuntimeError("the dashboard did not start in 120 s")


def _cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*GROUNDSWELL, *args],
        cwd=ROOT, env=_env(), capture_output=True, text=True, timeout=DEADLINE,
    )  # fmt: skip


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, list[tuple]]:
    """A 110-person workspace with the first four weeks of events, accounts and a launched
    survey (no run yet: the CLI makes the first); the fifth and sixth weeks as a file for
    the CLI to ingest.
    Per respondent: (person_id, token, csrf, nominee roster number)."""
    folder = tmp_path_factory.mktemp("concurrency")
    org = synth.generate(110, seed=5, weeks=6)
    files = org.write(folder / "data")
    events = pd.read_parquet(files["events"])
    cut = pd.Timestamp("2024-01-29", tz="UTC")
    ts = pd.to_datetime(events["timestamp"], utc=True)
    events[ts < cut].to_parquet(folder / "early.parquet")
    events[ts >= cut].to_parquet(folder / "late.parquet")
    with gs.init(folder / "ws", identified=True) as ws:
        ws.ingest_orgchart(files["hris"])
        ws.ingest_events(folder / "early.parquet")
        auth.add_user(ws, "viewer", PASSWORD, "viewer")
        auth.add_user(ws, "admin", PASSWORD, "admin")
        s = model.create(ws, "Pulse")
        links = model.launch(ws, s, base_url="http://127.0.0.1")
        inv = ws.query("SELECT person_id, roster_no, csrf_token FROM survey_invitations")
    inv = inv.set_index("person_id")
    people = [k.person_id for k in links]
    work = []
    for i, k in enumerate(links[:RESPONDENTS]):
        nominee = people[(i + 1) % len(people)]
        work.append((k.person_id, k.url.rsplit("/s/", 1)[1], inv.at[k.person_id, "csrf_token"],
                     int(inv.at[nominee, "roster_no"])))  # fmt: skip
    return folder / "ws", folder / "late.parquet", work


def _copy(template: Path, to: Path) -> Path:
    shutil.copytree(template, to, ignore=shutil.ignore_patterns(".groundswell-*"))
    return to


async def _sign_in(client: httpx.AsyncClient, username: str) -> None:
    r = await client.post("/api/login", json={"username": username, "password": PASSWORD})
    assert r.status_code == 200, r.text
    client.headers["X-CSRF-Token"] = r.json()["csrf_token"]


async def _respond(client: httpx.AsyncClient, w: tuple, acked: list[str], errors: list) -> None:
    pid, token, csrf, nominee = w
    try:
        r = await client.post(f"/s/{token}", data={"csrf_token": csrf, "n.advice": str(nominee)})
    except httpx.HTTPError as exc:
        errors.append(f"respondent {pid}: {exc!r}")
        return
    if r.status_code == 200:
        acked.append(pid)
    else:
        errors.append(f"respondent {pid}: {r.status_code} {r.text[:200]}")


def test_cli_ingest_and_analyze_while_the_dashboard_serves(template, tmp_path) -> None:
    src, late, work = template
    ws = _copy(src, tmp_path / "ws")
    port = _free_port()
    proc = _serve(ws, port)
    cli: dict[str, subprocess.CompletedProcess[str]] = {}
    analyzing = threading.Event()
    cli_done = threading.Event()

    took: dict[str, float] = {}

    def timed(name: str, *args: str) -> None:
        t0 = time.monotonic()
        cli[name] = _cli(*args)
        took[name] = time.monotonic() - t0

    def command_line() -> None:
        timed("ingest", "ingest", "events", str(ws), str(late), "--quiet")
        analyzing.set()
        # a read beside the analysis and the dashboard's readers (it need not wait for either)
        reading = threading.Thread(target=timed, args=("runs", "runs", str(ws)), daemon=True)
        reading.start()
        timed("analyze", "analyze", str(ws))
        reading.join(DEADLINE)
        cli_done.set()

    statuses: list[int] = []
    errors: list[str] = []
    acked: list[str] = []
    during_analysis: list[str] = []  # acknowledged while the CLI analyze still ran
    sent_during: list[str] = []  # sent while the CLI analyze ran
    waits: list[float] = []

    async def main() -> int:
        base = f"http://127.0.0.1:{port}"
        limits = httpx.Limits(max_connections=CLIENTS + 20)
        clients = [httpx.AsyncClient(base_url=base, timeout=DEADLINE, limits=limits)
                   for _ in range(CLIENTS)]  # fmt: skip
        respondents = httpx.AsyncClient(base_url=base, timeout=DEADLINE, limits=limits)
        try:
            thread = threading.Thread(target=command_line, daemon=True)
            thread.start()  # the CLI starts at once, while the clients sign in
            for c in clients[:SESSIONS]:
                await _sign_in(c, "viewer")
            for i, c in enumerate(clients[SESSIONS:]):  # the other clients share the sessions
                c.cookies = clients[i % SESSIONS].cookies
                c.headers["X-CSRF-Token"] = clients[i % SESSIONS].headers["X-CSRF-Token"]
            end = time.monotonic() + DEADLINE

            async def reader(c: httpx.AsyncClient, i: int) -> None:
                paths = ("/api/overview", "/api/runs", "/", "/api/me")
                n = 0
                while not cli_done.is_set() and time.monotonic() < end:
                    try:
                        r = await c.get(paths[(i + n) % len(paths)])
                        statuses.append(r.status_code)
                        if r.status_code != 200:
                            errors.append(f"client {i}: {r.status_code} {r.text[:200]}")
                    except httpx.HTTPError as exc:
                        errors.append(f"client {i}: {exc!r}")
                    n += 1
                    await asyncio.sleep(PAUSE)

            async def respondent(i: int, w: tuple) -> None:
                while not analyzing.is_set() and time.monotonic() < end:
                    await asyncio.sleep(0.05)
                await asyncio.sleep(i * 0.05)  # paced over 5 s, from the start of analyze
                t0 = time.monotonic()
                sent = "analyze" not in cli
                await _respond(respondents, w, acked, errors)
                waits.append(time.monotonic() - t0)
                if sent:
                    sent_during.append(w[0])
                if "analyze" not in cli:  # acknowledged before the CLI analyze had finished
                    during_analysis.append(w[0])

            await asyncio.gather(
                *(reader(c, i) for i, c in enumerate(clients)),
                *(respondent(i, w) for i, w in enumerate(work)),
            )
            thread.join(max(1.0, end - time.monotonic()))
            assert cli_done.is_set(), "the CLI did not finish in time"
            runs = (await clients[0].get("/api/runs")).json()
            assert len(runs) == 1  # the new run, without a restart
            overview = (await clients[0].get("/api/overview")).json()
            assert overview["run"]["run_id"] == runs[0]["run_id"]
            return int(runs[0]["run_id"])
        finally:
            for c in [*clients, respondents]:
                await c.aclose()

    try:
        newest = asyncio.run(main())
    finally:
        proc.send_signal(signal.SIGINT)
        try:
            proc.wait(30)
        except subprocess.TimeoutExpired:
            proc.kill()
    print(f"\n{len(statuses)} reads, {len(acked)} answers ({len(during_analysis)} acknowledged "
          f"while the CLI analysed; longest wait {max(waits, default=0):.1f} s); CLI seconds: "
          f"{took}")  # fmt: skip
    for name, done in cli.items():
        assert done.returncode == 0, f"{name}: {done.stderr}"
        assert "Could not set lock" not in done.stderr and "IO Error" not in done.stderr
    assert set(cli) == {"ingest", "analyze", "runs"}
    assert errors == []
    assert len(statuses) >= CLIENTS and set(statuses) == {200}
    assert sorted(acked) == sorted(w[0] for w in work)
    # answers are accepted while the analysis runs, not held until it ends (held, none
    # would be acknowledged before it ended). The analyze of this workspace takes 2-3 s and
    # an answer waits up to about 1-3 s on two busy cores, so those sent in its last seconds
    # are acknowledged after it ends and the count acknowledged during it varies with the
    # machine (13-27 of 31-51 when measured, CI included): at least five, not a share. The
    # same property without timing: tests/survey/test_intake.py, answers accepted while
    # another process holds the file.
    assert len(sent_during) >= 10, (len(sent_during), took)
    assert len(during_analysis) >= 5, (len(during_analysis), len(sent_during), took)
    with gs.open(ws, read_only=True) as opened:
        rows = opened.query("SELECT person_id, nominee_id FROM survey_responses")
        roster = dict(opened.con.execute(
            "SELECT roster_no, person_id FROM survey_invitations").fetchall())  # fmt: skip
        assert intake.pending(opened) == 0  # the dashboard applied them all before it stopped
        assert opened.latest_run_id() == newest  # the CLI's run, stored once
    assert len(rows) == RESPONDENTS and not rows["person_id"].duplicated().any()
    stored = dict(zip(rows["person_id"], rows["nominee_id"], strict=True))
    assert stored == {w[0]: roster[w[3]] for w in work}  # every answer, exactly once


def test_a_killed_dashboard_loses_no_acknowledged_answer(template, tmp_path) -> None:
    """SIGKILL while respondents submit and a browser job runs ``analyze``: every answer the
    server acknowledged is stored once; the workspace opens and holds only complete runs."""
    src, _late, work = template
    ws = _copy(src, tmp_path / "ws")
    port = _free_port()
    proc = _serve(ws, port)
    acked: list[str] = []
    errors: list[str] = []

    async def main() -> None:
        base = f"http://127.0.0.1:{port}"
        async with (
            httpx.AsyncClient(base_url=base, timeout=30) as admin,
            httpx.AsyncClient(base_url=base, timeout=30) as client,
        ):
            await _sign_in(admin, "admin")
            r = await admin.post("/api/jobs", json={"kind": "analyze"})
            assert r.status_code == 202, r.text
            sem = asyncio.Semaphore(16)

            async def one(w: tuple) -> None:
                async with sem:
                    await _respond(client, w, acked, errors)

            task = asyncio.gather(*(one(w) for w in work))
            end = time.monotonic() + DEADLINE
            while len(acked) < RESPONDENTS // 3 and time.monotonic() < end:
                await asyncio.sleep(0.002)
            proc.kill()  # SIGKILL: requests in flight are lost, acknowledged ones must not be
            await task

    try:
        asyncio.run(main())
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.wait(10)
    assert RESPONDENTS // 3 <= len(acked) < RESPONDENTS
    with ops.opened(ws) as sq:  # every acknowledged answer was committed before its answer
        received = {p for (p,) in sq.execute("SELECT person_id FROM survey_intake").fetchall()}
    assert set(acked) <= received
    with gs.open(ws) as opened:  # the next dashboard (or survey close) applies what is left
        intake.drain(opened)
        intake.drain(opened)  # a second drain applies nothing twice
        rows = opened.query("SELECT person_id, nominee_id FROM survey_responses")
        incomplete = opened.con.execute("SELECT count(*) FROM runs WHERE NOT complete").fetchall()
        assert intake.pending(opened) == 0
    assert not rows["person_id"].duplicated().any()
    assert set(acked) <= set(rows["person_id"])  # nothing acknowledged was lost
    assert set(rows["person_id"]) <= received  # nothing stored that was not received
    assert incomplete[0][0] == 0

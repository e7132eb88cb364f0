"""500 respondents at once on loopback, and a server killed mid-submission.

uvicorn runs the dashboard app with the survey routes in a subprocess on a free port;
httpx.AsyncClient submits with bounded concurrency and an overall deadline (self-stopping).
"""

from __future__ import annotations

import asyncio
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

import groundswell as gs
from groundswell.survey import model
from tests.survey.conftest import build, token_of

pytestmark = pytest.mark.slow
ROOT = Path(__file__).resolve().parents[2]
N = 500
CONCURRENCY = 32
DEADLINE = 60.0


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _start(ws: Path, port: int) -> subprocess.Popen:
    env = {**os.environ, "GS_SURVEY_WS": str(ws), "PYTHONPATH": str(ROOT)}
    proc = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", "--app-dir", str(Path(__file__).parent), "_serve:make",
         "--factory", "--host", "127.0.0.1", "--port", str(port), "--log-level", "warning"],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )  # fmt: skip
    end = time.monotonic() + 30
    while time.monotonic() < end:
        if proc.poll() is not None:
            raise RuntimeError(f"uvicorn exited: {proc.stderr.read().decode()[-2000:]}")
        try:
            httpx.get(f"http://127.0.0.1:{port}/login", timeout=1)
            return proc
        except httpx.HTTPError:
            time.sleep(0.1)
    proc.kill()
    raise RuntimeError("uvicorn did not start in 30 s")


@pytest.fixture(scope="module")
def big(tmp_path_factory) -> tuple[Path, list[tuple[str, str, str, int]]]:
    """A 500-person survey launched; per respondent: (person_id, token, csrf, nominee no)."""
    folder = build(tmp_path_factory.mktemp("load") / "ws", ["Eng"] * N)
    with gs.open(folder) as ws:
        s = model.create(ws, "Load")
        links = model.launch(ws, s, base_url="http://127.0.0.1")
        inv = ws.query("SELECT person_id, roster_no, csrf_token FROM survey_invitations")
    inv = inv.set_index("person_id")
    people = [k.person_id for k in links]
    out = []
    for i, k in enumerate(links):
        nominee = people[(i + 1) % len(people)]
        out.append((k.person_id, token_of(k.url), inv.at[k.person_id, "csrf_token"],
                    int(inv.at[nominee, "roster_no"])))  # fmt: skip
    return folder, out


async def _submit_all(port: int, work, acked: list[str], stop_after: int | None = None) -> int:
    """Submit every respondent's form; returns the number of failed requests."""
    sem = asyncio.Semaphore(CONCURRENCY)
    failures = 0
    deadline = time.monotonic() + DEADLINE
    limits = httpx.Limits(max_connections=CONCURRENCY)
    async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", limits=limits,
                                 timeout=20) as client:  # fmt: skip

        async def one(pid: str, token: str, csrf: str, nominee: int) -> None:
            nonlocal failures
            async with sem:
                if time.monotonic() > deadline:
                    failures += 1
                    return
                try:
                    r = await client.post(
                        f"/s/{token}",
                        data={"csrf_token": csrf, "n.advice": str(nominee)},
                    )
                except httpx.HTTPError:
                    failures += 1
                    return
                if r.status_code == 200:
                    acked.append(pid)
                else:
                    failures += 1

        await asyncio.gather(*(one(*w) for w in work))
    return failures


def test_500_concurrent_respondents_then_a_killed_server_loses_nothing(big) -> None:
    """Wave 1: 500 respondents submit at once, all acknowledged. Wave 2: everyone changes
    their answer; the server is SIGKILLed after a quarter are acknowledged, then restarted.
    In the end every respondent has exactly one answer, and every acknowledged change is
    there (unacknowledged ones may or may not be)."""
    folder, work = big
    port = _free_port()
    proc = _start(folder, port)
    try:
        acked: list[str] = []
        t0 = time.monotonic()
        failures = asyncio.run(_submit_all(port, work, acked))
        elapsed = time.monotonic() - t0
        assert failures == 0 and sorted(acked) == sorted(w[0] for w in work)
        print(f"\n{N} submissions in {elapsed:.1f} s ({N / elapsed:.0f}/s, {CONCURRENCY} at once)")

        second = [(p, t, c, work[(i + 2) % N][3]) for i, (p, t, c, _) in enumerate(work)]
        acked2: list[str] = []

        async def run_and_kill() -> None:
            task = asyncio.create_task(_submit_all(port, second, acked2))
            while len(acked2) < N // 4 and not task.done():
                await asyncio.sleep(0.002)
            proc.kill()  # SIGKILL mid-flight: more requests are queued and open
            await task

        asyncio.run(run_and_kill())
        proc.wait(10)
        assert N // 4 <= len(acked2) < N  # some acknowledged, the rest lost in flight
        proc = _start(folder, port)  # restart: DuckDB replays its write-ahead log
        assert httpx.get(f"http://127.0.0.1:{port}/s/{work[0][1]}", timeout=10).status_code == 200
    finally:
        if proc.poll() is None:
            proc.terminate()
            proc.wait(10)
    with gs.open(folder) as ws:
        rows = ws.query("SELECT person_id, nominee_id FROM survey_responses")
        submitted = ws.query("SELECT count(submitted_at) AS n FROM survey_invitations")["n"][0]
    assert len(rows) == N and not rows["person_id"].duplicated().any()  # exactly once each
    assert submitted == N
    stored = dict(zip(rows["person_id"], rows["nominee_id"], strict=True))
    first = {w[0]: work[(i + 1) % N][0] for i, w in enumerate(work)}
    changed = {w[0]: work[(i + 3) % N][0] for i, w in enumerate(work)}  # see `second`
    assert all(stored[p] == changed[p] for p in acked2)  # nothing acknowledged was lost
    assert all(stored[p] in (first[p], changed[p]) for p in stored)

"""Turns on a workspace's DuckDB file (groundswell/gate.py): readers side by side, a writer
waits and says for whom, nobody ever sees DuckDB's lock error, and a server gives the file up
when another process waits."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pytest

import groundswell as gs
from groundswell import gate
from groundswell.errors import UnavailableError, WorkspaceError
from groundswell.store import DB_FILE

ROOT = Path(__file__).resolve().parents[1]

HOLD = """
import sys, time, groundswell as gs
ws = gs.open(sys.argv[1], read_only=sys.argv[2] == "read")
print("holding", flush=True)
time.sleep(float(sys.argv[3]))
ws.close()
"""


@pytest.fixture
def ws(tmp_path: Path) -> Path:
    gs.init(tmp_path / "ws").close()
    return tmp_path / "ws"


def _holder(ws: Path, mode: str, seconds: float) -> subprocess.Popen[str]:
    proc = subprocess.Popen(
        [sys.executable, "-c", HOLD, str(ws), mode, str(seconds)],
        env={"PYTHONPATH": str(ROOT / "src"), "PATH": "/usr/bin:/bin"},
        stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    assert proc.stdout is not None and proc.stdout.readline().strip() == "holding"
    return proc


def test_readers_side_by_side_and_a_writer_waits_for_them(ws: Path) -> None:
    reader = _holder(ws, "read", 1.5)
    try:
        t0 = time.monotonic()
        with gs.open(ws, read_only=True) as mine:  # at once, beside the other reader
            assert mine.counts()["people"] == 0
        assert time.monotonic() - t0 < 1.0
        told: list[str] = []
        held = gate.hold(ws, write=True, on_wait=told.append, timeout=30)
        waited = time.monotonic() - t0
        held.release()
        assert waited >= 1.0 and reader.wait(10) == 0
        assert told and told[0].startswith("waiting for")
    finally:
        reader.kill()


def test_a_waiting_command_names_the_writer_and_gives_up_cleanly(ws: Path) -> None:
    writer = _holder(ws, "write", 30)
    try:
        told: list[str] = []
        with pytest.raises(UnavailableError) as caught:
            gate.hold(ws, write=False, on_wait=told.append, timeout=0.8)
        assert len(told) == 1 and "groundswell" in told[0] and f"PID {writer.pid}" in told[0]
        assert "busy" in str(caught.value) and "Could not set lock" not in str(caught.value)
    finally:
        writer.kill()
        writer.wait(10)
    gate.hold(ws, write=True, timeout=5).release()  # the kernel let go of the dead holder's locks


def test_a_program_outside_groundswell_holding_the_file(ws: Path) -> None:
    code = (
        "import duckdb, sys, time; c = duckdb.connect(sys.argv[1]); print('x', flush=True); "
        "time.sleep(30)"
    )
    other = subprocess.Popen([sys.executable, "-c", code, str(ws / DB_FILE)],
                             stdout=subprocess.PIPE, text=True)  # fmt: skip
    try:
        assert other.stdout is not None and other.stdout.readline().strip() == "x"
        with pytest.raises(WorkspaceError) as caught:
            gate.connect(ws / DB_FILE, read_only=True, timeout=0.5)
        text = str(caught.value)
        assert "held open by" in text and f"PID {other.pid}" in text and "IO Error" not in text
    finally:
        other.kill()
        other.wait(10)


def test_a_server_gives_the_file_up_to_a_waiting_writer(ws: Path) -> None:
    db = gate.SharedDB.of(ws, DB_FILE)
    reopened: list[int] = []

    def on_reopen() -> None:
        reopened.append(1)

    db.keep("the dashboard (test)", on_reopen=on_reopen)
    try:
        with db.lease() as cur:
            assert cur.execute("SELECT count(*) FROM runs").fetchall() == [(0,)]
        assert db.is_open  # kept between leases
        code = (
            "import sys, groundswell as gs; ws = gs.open(sys.argv[1]); "
            "ws.con.execute(\"INSERT INTO meta VALUES ('probe', 'x')\"); ws.close()"
        )
        t0 = time.monotonic()
        env = {"PYTHONPATH": str(ROOT / "src"), "PATH": "/usr/bin:/bin"}
        done = subprocess.run([sys.executable, "-c", code, str(ws)], timeout=60, env=env)
        assert done.returncode == 0 and time.monotonic() - t0 < 60
        with db.lease() as cur:  # opened again, and the other process's write is seen
            rows = cur.execute("SELECT value FROM meta WHERE key = 'probe'").fetchall()
        assert rows == [("x",)] and reopened == [1]
        # a write lease of the server: a reader in another process waits for it
        cur = db.acquire(write=True)
        try:
            with pytest.raises(UnavailableError):
                gate.hold(ws, write=False, timeout=0.5)
        finally:
            db.release(cur)
    finally:
        db.unkeep(on_reopen)
    assert not db.is_open


def test_stores_of_one_process_share_the_file(ws: Path) -> None:
    a = gs.open(ws)
    b = gs.open(ws)  # no lock conflict with ourselves
    b.con.execute("INSERT INTO meta VALUES ('k', 'v')")
    assert a.con.execute("SELECT value FROM meta WHERE key = 'k'").fetchall() == [("v",)]
    a.close()
    b.close()
    assert not gate.SharedDB.of(ws, DB_FILE).is_open  # the last one closed it
    with duckdb.connect(str(ws / DB_FILE)) as raw:  # and gave the file up
        assert raw.execute("SELECT count(*) FROM meta").fetchall()[0][0] >= 2


def test_the_command_line_says_it_waits_for_the_dashboard(ws: Path) -> None:
    """`groundswell runs` while the dashboard writes: one waiting line, then (here, with a
    one-second limit) one error line naming the dashboard; never DuckDB's lock error."""
    db = gate.SharedDB.of(ws, DB_FILE)
    db.keep("the dashboard (PID 4242)")
    cur = db.acquire(write=True)  # a job of the dashboard, writing
    try:
        code = "from groundswell.cli import app; app(prog_name='groundswell')"
        env = {"PYTHONPATH": str(ROOT / "src"), "PATH": "/usr/bin:/bin", "GROUNDSWELL_WAIT": "1"}
        done = subprocess.run([sys.executable, "-c", code, "runs", str(ws)], env=env,
                              capture_output=True, text=True, timeout=120)  # fmt: skip
    finally:
        db.release(cur)
        db.unkeep()
    lines = done.stderr.splitlines()
    assert lines[0] == "waiting for the dashboard's write to finish (PID 4242)…"
    assert len(lines) == 2 and lines[1].startswith("error: ") and "busy" in lines[1]
    assert "the dashboard (PID 4242)" in lines[1] and "lock" not in done.stderr.lower()
    assert done.returncode == 1

"""``groundswell analyze`` ends its process as soon as it is done (groundswell.cli.end_now):
the exit handlers run (the workspace closed and checkpointed), the output is flushed, the exit
status is the command's, and Python's shutdown does not free every object one by one."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

SRC = str(Path(__file__).resolve().parent.parent / "src")

#: a command run through main() in a process that would show its shutdown: an exit handler
#: registered first (it runs last) and an object whose finaliser runs only in the shutdown
RUN = """
import atexit, sys
sys.argv = ["groundswell", *sys.argv[1:]]

class Shutdown:
    def __del__(self):
        print("shutdown ran", flush=True)

keep = Shutdown()
atexit.register(lambda: print("exit handlers ran", flush=True))
from groundswell.cli import main
main()
"""


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, PYTHONPATH=SRC)
    return subprocess.run(
        [sys.executable, "-c", RUN, *args],
        env=env, capture_output=True, text=True, check=False, timeout=600,
    )  # fmt: skip


@pytest.fixture
def small_ws(tmp_path: Path) -> Path:
    import groundswell as gs
    from groundswell.synth import generate

    folder = tmp_path
    files = generate(50, seed=2, weeks=2).write(folder / "org")
    with gs.init(folder / "ws") as ws:
        ws.ingest_orgchart(files["hris"])
        ws.ingest_events(files["events"])
    return folder / "ws"


def test_analyze_ends_at_once_with_its_run_stored_and_the_file_closed(small_ws: Path) -> None:
    import groundswell as gs

    done = _run("analyze", str(small_ws), "--quiet")
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[-1] == "exit handlers ran"  # all of them, ours last
    assert "shutdown ran" not in lines  # no shutdown: the process ended at once
    assert "Traceback" not in done.stderr
    # the workspace's connection was closed by the exit handlers: checkpointed, no WAL left
    assert not (small_ws / "groundswell.duckdb.wal").exists()
    with gs.open(small_ws, read_only=True) as ws:
        runs = ws.runs()
    assert runs["run_id"].tolist() == [1]  # complete (a run left incomplete is not listed)


def test_analyze_prints_its_line_before_ending(small_ws: Path) -> None:
    done = _run("analyze", str(small_ws))
    assert done.returncode == 0, done.stderr
    assert any(line.startswith("run ") and " ties, " in line for line in done.stdout.splitlines())


def test_a_failing_analyze_ends_with_its_status_and_one_error_line(tmp_path: Path) -> None:
    done = _run("analyze", str(tmp_path / "nowhere"))
    assert done.returncode == 1
    assert [x for x in done.stderr.splitlines() if x.startswith("error:")] != []
    assert len(done.stderr.strip().splitlines()) == 1, done.stderr
    assert "shutdown ran" not in done.stdout
    assert done.stdout.splitlines()[-1] == "exit handlers ran"


def test_other_commands_end_as_before(small_ws: Path) -> None:
    done = _run("runs", str(small_ws))
    assert done.returncode == 0, done.stderr
    assert "shutdown ran" in done.stdout  # the ordinary shutdown


def test_the_shutdown_runs_when_another_thread_still_works() -> None:
    code = textwrap.dedent(
        """
        import threading, time
        from groundswell.cli import end_now

        class Shutdown:
            def __del__(self):
                print("shutdown ran", flush=True)

        keep = Shutdown()
        worker = threading.Thread(target=time.sleep, args=(0.5,))
        worker.start()
        end_now(3)
        print("returned", flush=True)
        """
    )
    env = dict(os.environ, PYTHONPATH=SRC)
    done = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=False
    )
    assert done.stdout.splitlines() == ["returned", "shutdown ran"]
    assert done.returncode == 0

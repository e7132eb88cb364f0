"""What every benchmark in bench/ shares: peak memory, the machine line, and writing its
block of results into docs/performance.md (or any Markdown file)."""

from __future__ import annotations

import json
import os
import platform
import resource
import subprocess
import sys
import threading
from datetime import UTC, datetime
from pathlib import Path


def peak_rss_mib() -> float:
    """This process's peak resident memory (VmHWM: reset at exec, unlike ru_maxrss)."""
    status = Path("/proc/self/status")
    if status.exists():
        for line in status.read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def cpu_seconds() -> float:
    """This process's CPU time so far, user + system, over all its threads."""
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


def cpu_with_children() -> float:
    """CPU time (user + system) of this process and of its children that have ended (a
    reader's worker processes, reaped before ``ingest`` returns)."""
    t = os.times()
    return t.user + t.system + t.children_user + t.children_system


class TreeMemory:
    """The peak of the summed proportional set size (PSS, so pages that forked workers share
    with the reader count once) of this process and its children, sampled every
    ``interval`` seconds on a thread."""

    def __init__(self, interval: float = 0.25) -> None:
        self.peak_kib = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, args=(interval,), daemon=True)
        self._thread.start()

    def _run(self, interval: float) -> None:
        while not self._stop.wait(interval):
            self.peak_kib = max(self.peak_kib, self.sample())

    @staticmethod
    def sample() -> int:
        me = os.getpid()
        try:
            with open(f"/proc/{me}/task/{me}/children") as fh:
                pids = [me, *map(int, fh.read().split())]
        except OSError:
            pids = [me]
        total = 0
        for pid in pids:
            try:
                with open(f"/proc/{pid}/smaps_rollup") as fh:
                    for line in fh:
                        if line.startswith("Pss:"):
                            total += int(line.split()[1])
                            break
            except OSError:
                pass  # ended meanwhile
        return total

    def stop(self) -> float:
        """The peak in MiB."""
        self._stop.set()
        self._thread.join()
        return max(self.peak_kib, self.sample()) / 1024


def machine() -> str:
    """'Measured DATE on N cores (arch, Python x.y.z)'."""
    cpu = platform.processor() or platform.machine()
    return (
        f"Measured {datetime.now(UTC):%Y-%m-%d} on {os.cpu_count()} cores ({cpu}, "
        f"Python {platform.python_version()})"
    )


def run_child(script: str, *args: str, timeout: float | None = None) -> dict:
    """Run ``script`` again in a fresh process (so its peak memory is its own) and return
    the JSON object it prints last."""
    proc = subprocess.run(
        [sys.executable, script, *args],
        check=True,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    return json.loads(proc.stdout.strip().splitlines()[-1])


def write_block(path: Path, name: str, lines: list[str], heading: str) -> None:
    """Put ``lines`` between ``<!-- NAME: begin -->`` and ``<!-- NAME: end -->`` in the
    Markdown file ``path``, replacing the previous block, or appending a section titled
    ``heading`` when there is none."""
    begin, end = f"<!-- {name}: begin -->", f"<!-- {name}: end -->"
    block = "\n".join([begin, *lines, end])
    text = path.read_text() if path.exists() else "# Performance\n"
    if begin in text and end in text:
        text = text[: text.index(begin)] + block + text[text.index(end) + len(end) :]
    else:
        text = text.rstrip() + f"\n\n## {heading}\n\n{block}\n"
    path.write_text(text)

"""What every benchmark in bench/ shares: peak memory, the machine line, and writing its
block of results into docs/performance.md (or any Markdown file)."""

from __future__ import annotations

import json
import os
import platform
import resource
import subprocess
import sys
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

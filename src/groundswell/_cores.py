"""How many cores this process may use, and how many of them are idle: what decides whether
work is handed to worker processes (the Slack reader's, the communities' in ``analyze``)."""

from __future__ import annotations

import os


def usable_cores() -> int:
    """Cores this process may run on."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not Linux
        return os.cpu_count() or 1


def idle_cores() -> int:
    """Usable cores that no other work is running on (at least one: this process's)."""
    cores = usable_cores()
    try:
        others = os.getloadavg()[0] - 1  # the load counts this process too
    except OSError:  # pragma: no cover - no load average
        return cores
    return max(1, min(cores, round(cores - others)))

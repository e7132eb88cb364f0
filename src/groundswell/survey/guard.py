"""The guard of the respondents' links: unknown links are rate-limited per client address and
per token prefix, with a penalty light enough for an office behind one NAT address.

A link's token has 256 bits (:mod:`.links`), so guessing one is hopeless whatever the limit;
the guard keeps it that way cheaply and stops a client from hammering the database. Two
allowances, each a token bucket (it holds at most ``limit`` misses and refills evenly, ``limit``
per ``window``):

- per client address: ``survey.max_unknown_tokens`` unknown links in a burst, refilled over
  ``survey.unknown_token_window_minutes`` (20 in 10 minutes: one every 30 seconds). While it is
  used up, every link from that address answers 429, valid or not, so guessing learns
  nothing; the wait is until one miss has refilled (30 seconds after a burst of 20 typos),
  not the whole window. A sustained guesser gets one try per 30 seconds.
- per token prefix (the first :data:`PREFIX_CHARS` characters), from any address:
  :data:`PREFIX_LIMIT` unknown links per window. It stops someone from completing a link
  they saw part of, from many addresses; it refuses only links that begin that way (a
  truncated or mistyped link begins like the real one, so its owner may wait a few
  minutes; nobody else is affected).

The counts live in this process (one dashboard process serves a workspace). They are
checked before the token is looked up and charged after it is found unknown, so a burst of
concurrent requests can overshoot a limit by at most the requests in flight; each is still
one guess in 2^256.
"""

from __future__ import annotations

import math
import threading
import time
from collections import OrderedDict
from collections.abc import Callable

__all__ = ["PREFIX_CHARS", "PREFIX_LIMIT", "TokenGuard"]

#: Characters of a token that make its prefix (8 of ``token_urlsafe``: 48 bits).
PREFIX_CHARS = 8
#: Unknown links with one prefix allowed per window, from any address.
PREFIX_LIMIT = 5
#: Buckets kept at most (the least recently charged are forgotten first).
MAX_KEYS = 100_000


class _Buckets:
    """Token buckets by key: ``limit`` misses, refilled at ``limit / window`` per second."""

    def __init__(self, limit: int, window: float) -> None:
        self.limit = limit
        self.rate = limit / window
        self._left: OrderedDict[str, tuple[float, float]] = OrderedDict()  # key -> (left, at)

    def left(self, key: str, now: float) -> float:
        entry = self._left.get(key)
        if entry is None:
            return float(self.limit)
        left, at = entry
        return min(float(self.limit), left + (now - at) * self.rate)

    def wait(self, key: str, now: float) -> float:
        """Seconds until ``key`` may miss again (0 when it may now)."""
        short = 1.0 - self.left(key, now)
        return max(0.0, short / self.rate)

    def charge(self, key: str, now: float) -> None:
        self._left[key] = (self.left(key, now) - 1.0, now)
        self._left.move_to_end(key)
        while len(self._left) > MAX_KEYS:
            self._left.popitem(last=False)


class TokenGuard:
    """Unknown-link allowances per client address and per token prefix (see the module).

    Parameters
    ----------
    limit : int
        Unknown links one address may present in a burst (``survey.max_unknown_tokens``).
    window_seconds : float
        The time over which an address's allowance refills completely, and over which a
        prefix's :data:`PREFIX_LIMIT` misses refill.
    clock : callable, optional
        Returns the time in seconds (``time.monotonic``; tests pass their own).
    """

    def __init__(
        self,
        limit: int,
        window_seconds: float,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.limit = limit
        self.window = window_seconds
        self.clock = clock
        self._clients = _Buckets(limit, window_seconds)
        self._prefixes = _Buckets(PREFIX_LIMIT, window_seconds)
        self._lock = threading.Lock()

    def retry_after(self, client: str, token: str) -> int:
        """Whole seconds until a link ``token`` from ``client`` is looked up again; 0 when it
        may be now."""
        with self._lock:
            now = self.clock()
            wait = max(self._clients.wait(client, now), self._prefixes.wait(_prefix(token), now))
        return math.ceil(wait)

    def blocked(self, client: str, token: str = "") -> bool:
        """Whether a link ``token`` from ``client`` is refused now."""
        return self.retry_after(client, token) > 0

    def miss(self, client: str, token: str = "") -> None:
        """Charge an unknown link to its address and its prefix."""
        with self._lock:
            now = self.clock()
            self._clients.charge(client, now)
            self._prefixes.charge(_prefix(token), now)


def _prefix(token: str) -> str:
    return str(token)[:PREFIX_CHARS]

"""The store's core: one workspace opened once, a DuckDB cursor per thread, a small cache of
per-run tables, and the workspace-level reads (overview, runs, sources, comparisons).

Over 500 lines because the connection lease, the cache and its invalidation when another
process writes (see :mod:`groundswell.gate`) live together; the workspace-level reads should
move to a module of their own next (they grew with the overview's cards and findings).

The other parts of the store (:mod:`.people`, :mod:`.groups`, :mod:`.plans`) extend
:class:`ViewsCore`; :class:`groundswell.web.views.Views` puts them together.
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import copy
import json
import math
import os
import re
import sys
import threading
import time
import weakref
from collections import OrderedDict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

import numpy as np
import pandas as pd

import groundswell as gs
from groundswell import gate, ops
from groundswell.errors import UnavailableError, WorkspaceError
from groundswell.privacy import SUPPRESSED, gate_crosstab, gate_labels
from groundswell.run import Run
from groundswell.store import DB_FILE
from groundswell.web.auth import SessionCache

T = TypeVar("T")

#: Group attributes the dashboard offers (those the run stores group figures for).
GROUP_ATTRIBUTES = ("department", "team", "location")
#: Headline figures compared between two runs: key in the run summary -> reading.
HEADLINES = {
    "people": "people in the network",
    "ties": "ties",
    "density": "density (share of possible ties present)",
    "reciprocity": "reciprocity (share of ties returned)",
    "isolated": "isolated people",
    "communities": "communities",
    "modularity": "modularity (how clearly communities separate)",
    "nmi_departments": "agreement of communities with departments (NMI)",
    "ei_departments": "E-I index of departments (-1 inward, +1 outward)",
    "diverse_ties": "share of ties between departments",
    "strong_ties": "share of strong ties",
    "mean_clustering": "mean clustering",
    "silos": "departments that are silos",
}
#: Measures shown in the people table (all measures are on the person page).
TABLE_MEASURES = ("pagerank", "betweenness", "in_degree", "out_degree", "k_core", "constraint")
_CACHE_RUNS = 4
#: Seconds the id of the latest run is trusted before the database is asked again (a new
#: run appears only through this process, which holds the workspace open for writing;
#: :meth:`ViewsCore.invalidate` forgets it at once).
LATEST_RUN_TTL = 1.0


class ColdCache(Exception):
    """A read needs data that is not cached yet (raised only inside
    :meth:`ViewsCore.cached_only`: the caller then does the read in a worker thread)."""


_CACHED_ONLY: contextvars.ContextVar[bool] = contextvars.ContextVar(
    "groundswell_store_cached_only", default=False
)
#: this request is an admin's who switched the dashboard to names (see
#: :meth:`ViewsCore.switch`): set per request by :func:`groundswell.web.deps.current_user`
NAMES_REVEALED: contextvars.ContextVar[bool] = contextvars.ContextVar(
    "gs_names_revealed", default=False
)
#: Seconds a reading request (GET) waits for the workspace while another process writes to
#: it, before it answers 503 (busy); a state-changing one waits as long as ``gate.WAIT``.
REQUEST_WAIT = 120.0


class _NoConnection:
    """The connection of the workspace seen inside :meth:`ViewsCore.cached_only`: any use of
    it raises :class:`ColdCache` (the read then moves to a worker thread)."""

    def __getattr__(self, name: str) -> Any:
        raise ColdCache("database")


#: State-changing requests that write nothing to the DuckDB file, and so take a read lease:
#: signing in and out, accounts (the operational store, :mod:`groundswell.ops`), survey
#: answers (its intake, :mod:`groundswell.survey.intake`), and starting background jobs
#: (each job takes a lease of its own). They are accepted while another process analyses.
_READ_POSTS = re.compile(
    r"^/(api/)?(login|logout)$|^/s/[^/]+(/answers/[^/]+)?$|^/(api/)?users(/.*)?$"
    r"|^/api/(jobs|plans)(/.*)?$"
)


def writes_workspace(method: str, path: str) -> bool:
    """Whether a request takes a write lease on the DuckDB file: a state-changing method
    (POST, PUT, PATCH, DELETE) other than the ones of :data:`_READ_POSTS`."""
    return method in ("POST", "PUT", "PATCH", "DELETE") and not _READ_POSTS.match(path)


class RequestLeases:
    """One request's lease on the workspace's DuckDB file, taken by the first
    :meth:`ViewsCore.ws` of the request and given back when the answer has been sent: a
    plain ASGI middleware. Requests that write the file (:func:`writes_workspace`) take a
    write lease, every other request a read lease (see :mod:`groundswell.gate`).

    The lease is taken in a worker thread; a lock makes the threads of one request share
    one lease, and a lease that arrives after the request has ended (its client went away
    while the thread waited) is given back at once: no lease outlives its request."""

    __slots__ = ("cur", "db", "ended", "lock", "write", "ws")

    def __init__(self, write: bool) -> None:
        self.write = write
        self.db: gate.SharedDB | None = None
        self.cur: Any = None
        self.ws: Any = None
        self.ended = False
        self.lock = threading.Lock()

    def take(self, store: ViewsCore) -> Any:
        """The request's workspace, taking its lease first if needed."""
        with self.lock:
            if self.ws is not None:
                return self.ws
            if self.ended:
                raise UnavailableError("the request has ended")
            # a page gives up after REQUEST_WAIT; a POST (a survey answer, a sign-in) is
            # held as long as a command may hold the workspace: never refused for it
            wait = gate.WAIT if self.write else REQUEST_WAIT
            self.cur = store.db.acquire(write=self.write, timeout=wait)
            self.db = store.db
            self.ws = store._bind(self.cur, write=self.write)
            return self.ws

    def give_back(self) -> None:
        """Give the lease back now; a later :meth:`take` of the request takes a new one."""
        with self.lock:
            if self.db is not None and self.cur is not None:
                self.db.release(self.cur)
            self.db = self.cur = self.ws = None

    def end(self) -> None:
        """Give the lease back (and any lease taken later): the request has ended."""
        with self.lock:
            self.ended = True
        self.give_back()

    @staticmethod
    def middleware(app: Any) -> Any:
        admission = _Admission()

        async def leases(scope: Any, receive: Any, send: Any) -> None:
            if scope["type"] != "http" or _STATIC.match(scope["path"]):
                await app(scope, receive, send)
                return
            held = RequestLeases(writes_workspace(scope.get("method", "GET"), scope["path"]))
            token = _REQUEST.set(held)
            try:
                async with admission.lane(scope["path"]):
                    await app(scope, receive, send)
            finally:
                _REQUEST.reset(token)
                held.end()

        return leases


#: paths of files bundled with the package: no lease, no admission
_STATIC = re.compile(r"^/(static|survey/static)/")
#: requests that never wait for the DuckDB file while another process holds it: survey
#: respondents (they answer from what the dashboard keeps, into the intake) and signing in
_QUICK = re.compile(r"^/s/|^/(api/)?(login|logout)$")
#: worker threads left to what runs outside a request (the intake's reads, file responses)
_SPARE_THREADS = 4


class _Admission:
    """At most as many requests in progress as there are worker threads, in two lanes.

    A request holding a lease on the file may need a worker thread again before it gives
    the lease back (an ``async`` route runs its steps in threads one after another). Were
    every thread taken by requests waiting for the file while another process waits for
    this one to give it up, the holder would never get its thread: the command and every
    page waited until the pages gave up (:data:`REQUEST_WAIT`, two minutes; seen with eight
    threads and 50 readers). Requests beyond the lanes' sizes wait in the event loop, where
    they hold no thread; each request in progress runs in at most one thread at a time, so
    one always has its thread. Survey answers and sign-ins have a lane of their own, so
    pages waiting for the file do not hold them up (about a fifth of the threads)."""

    def __init__(self) -> None:
        self._quick: asyncio.Semaphore | None = None
        self._pages: asyncio.Semaphore | None = None
        self._loop: asyncio.AbstractEventLoop | None = None

    def lane(self, path: str) -> asyncio.Semaphore:
        """The lane of a request for ``path``, in this event loop (the worker threads are
        counted per loop: a test client may run the app in one loop after another)."""
        loop = asyncio.get_running_loop()
        if self._quick is None or self._pages is None or self._loop is not loop:
            import anyio.to_thread

            self._loop = loop
            threads = int(anyio.to_thread.current_default_thread_limiter().total_tokens)
            quick = max(1, threads // 5)
            self._quick = asyncio.Semaphore(quick)
            self._pages = asyncio.Semaphore(max(1, threads - quick - _SPARE_THREADS))
        return self._quick if _QUICK.match(path) else self._pages


_REQUEST: contextvars.ContextVar[RequestLeases | None] = contextvars.ContextVar(
    "groundswell_request_leases", default=None
)


def clean(value: Any) -> Any:
    """A JSON-safe copy: NaN and infinities become None, numpy scalars Python numbers."""
    if isinstance(value, dict):
        return {str(k): clean(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [clean(v) for v in value]
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, pd.Timestamp):
        return value.isoformat()
    if value is pd.NaT or value is pd.NA:
        return None
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return value


def _labels(values: pd.Series, min_size: int) -> pd.Series:
    """Group labels of each person as strings, through the privacy gate
    (:func:`groundswell.privacy.gate_labels`)."""
    return gate_labels(values, min_size)


def community_words(departments: pd.Series, size: int) -> str | None:
    """A detected community in words, from the people it has in each department the gate
    shows (``departments``, the most first) and its size: "Sales" when nine in ten or more
    are of one department, "mostly Sales" for more than half, else its two largest
    departments ("Sales and Finance", "Sales, Finance and others" when they are not all).
    None when the gate shows no department in it (none reaches the minimum group size
    there, or showing it would give a smaller cell away): the page then says nothing
    rather than guess."""
    if departments.empty or size <= 0:
        return None
    main, share = str(departments.index[0]), float(departments.iloc[0]) / size
    if share >= 0.9:
        return main
    if share > 0.5:
        return f"mostly {main}"
    top = [str(d) for d in departments.index[:2]]
    if len(top) == 2 and float(departments.iloc[:2].sum()) >= size:
        return f"{top[0]} and {top[1]}"
    return f"{', '.join(top)} and others"


#: the audit log's actions of the dashboard's names switch
SWITCH_ON, SWITCH_OFF = "dashboard names", "dashboard names off"


def _session_detail(session: str) -> str:
    """How a session is named in the audit log: the start of its token's SHA-256 digest."""
    return f"session {session[:16]}"


class _Applier:
    """The dashboard's thread that applies survey answers accepted into the intake while
    another process held the DuckDB file (:func:`groundswell.survey.intake.drain`): it
    looks every :data:`_EVERY` seconds (a ``stat`` of the store's files when nothing
    changed), and writes only when it can without waiting for another process
    (:meth:`groundswell.gate.SharedDB.try_write`). It ends with its store (``close``, or the
    store collected)."""

    _EVERY = 0.5

    def __init__(self, store: ViewsCore) -> None:
        self._store = weakref.ref(store)
        self.db, self.path = store.db, store.path
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._known = 0  # every entry up to this one is known to be applied
        self._seen: tuple[float, ...] = ()
        self._thread = threading.Thread(target=self._run, name="groundswell-intake", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()

    def apply_now(self, *, wait: bool = False) -> bool:
        """Drain the intake if the file can be written at once; whether it was. One drain
        at a time: a drain already running is not waited for, unless ``wait`` (the store
        closes: the running one finishes, then whatever came after it goes in too)."""
        from groundswell.survey import intake

        store = self._store()
        if store is None or not self._lock.acquire(blocking=wait, timeout=30 if wait else -1):
            return False
        try:
            newest = self._newest()
            cur = self.db.try_write(timeout=10 if wait else 1)
            if cur is None:
                return False
            try:
                if intake.drain(store._bind(cur, write=True)):
                    store.invalidate()
            finally:
                self.db.release(cur)
            self._known = max(self._known, newest)
            return True
        finally:
            self._lock.release()

    def _newest(self) -> int:
        with ops.opened(self.path) as sq:
            rows = sq.execute("SELECT max(entry_id) FROM survey_intake").fetchall()
        return int(rows[0][0] or 0)

    def _changed(self) -> bool:
        """Whether the store's files changed since the last look (or the last look left
        something unapplied)."""
        base = self.path / ops.OPS_FILE
        seen = tuple(
            os.stat(p).st_mtime_ns if p.exists() else 0.0
            for p in (base, base.with_name(base.name + "-wal"))
        )
        changed, self._seen = seen != self._seen, seen
        return changed

    def _run(self) -> None:
        while not self._stop.wait(self._EVERY):
            if self._store() is None or not self.path.is_dir():
                return
            try:
                if not self._changed():
                    continue
                newest = self._newest()
                if newest > self._known and not self.apply_now():
                    self._seen = ()  # look again next time
            except Exception as exc:  # keep looking; say what went wrong once per kind
                self._seen = ()
                _warn_once(f"survey answers are kept and will be applied later: {exc}")


_warned: set[str] = set()


def _warn_once(text: str) -> None:
    if text not in _warned:
        _warned.add(text)
        print(f"groundswell: {text}", file=sys.stderr, flush=True)


def _roster(ws: gs.Workspace, survey_id: int) -> dict[int, str]:
    """A survey's roster: roster number -> person."""
    rows = ws.con.execute(
        "SELECT roster_no, person_id FROM survey_invitations WHERE survey_id = ?", [survey_id]
    ).fetchall()
    return {int(n): str(p) for n, p in rows}


class ViewsCore:
    """The plumbing and the workspace-level reads of :class:`~groundswell.web.views.Views`.

    Parameters
    ----------
    path : str or Path
        The workspace folder (as for :func:`groundswell.open`).
    """

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        # opened once to migrate and to read the settings and the key; the file itself is
        # shared through self.db (gate.SharedDB), one lease per request
        self._ws = gs.open(self.path)
        try:  # accounts an older workspace kept in DuckDB move to the operational store
            ops.adopt_accounts(self.path, self._ws.con)
            from groundswell.survey import intake

            intake.drain(self._ws)  # answers a killed dashboard acknowledged and left waiting
        finally:
            self._ws.close()
        self._offline = copy.copy(self._ws)
        self._offline.con = _NoConnection()  # type: ignore[assignment]
        self._lock = threading.Lock()
        self._local = threading.local()
        self._cache: OrderedDict[tuple[Any, ...], Any] = OrderedDict()
        self._latest: tuple[float, int | None] | None = None  # (read at, latest run id)
        self._switched: dict[str, bool] = {}  # session digest -> switched to names
        #: survey links seen (token -> respondent) and survey rosters (roster no -> person),
        #: to accept answers while another process holds the file (:meth:`offline_roster`)
        self._respondents: dict[str, Any] = {}
        self._rosters: dict[int, dict[int, str]] = {}
        #: every link of the open surveys (token digest -> respondent), read in one query the
        #: first time a link is resolved while the file is here, so that links never seen
        #: before also answer while another process holds the file (a long CLI analyze)
        self._open_links: dict[str, Any] = {}
        self._links_due = True
        #: the surveys whose roster was read since the file last changed (:meth:`invalidate`
        #: keeps the links and rosters read before, to answer from while another process
        #: holds the file, and marks them due to be read again when it is here)
        self._rosters_read: set[int] = set()
        #: Live sessions, so that a request costs no database query to know its user.
        self.sessions = SessionCache()
        self.db = gate.SharedDB.of(self.path, DB_FILE)
        self.db.keep(f"the dashboard (PID {os.getpid()})", on_reopen=self.invalidate)
        self._intake = _Applier(self)

    def close(self) -> None:
        self._intake.stop()
        with contextlib.suppress(Exception):  # answers still waiting go in now if they can
            self._intake.apply_now(wait=True)
        self.db.unkeep(self.invalidate)

    def accounts(self) -> gs.Workspace:
        """The workspace for the account functions of :mod:`groundswell.web.auth` that need
        only the operational store (sign-in, sessions, account changes): no lease on the
        DuckDB file, so they answer while another process writes it."""
        return self._offline

    def respondent(self, token: str) -> Any:
        """The respondent a survey link answers for (None for an unknown link), read from
        the DuckDB file; while another process holds the file, a link of an open survey
        answers from memory rather than wait (every open survey's links are read at once the
        first time a link is resolved after the file was opened)."""
        from groundswell.survey import respond
        from groundswell.survey.model import digest

        if self.db.yielded:
            with self._lock:
                known = self._respondents.get(token)
                if known is None and token and len(token) <= 100:
                    known = self._open_links.get(digest(token))
            if known is not None:
                return known
        ws = self.ws()
        if self._links_due:
            links = respond.open_respondents(ws)
            rosters = {
                sid: _roster(ws, sid)
                for sid in {int(r.survey.survey_id) for r in (links or {}).values()}
            }
            with self._lock:
                self._open_links = links or {}
                self._rosters.update(rosters)
                self._rosters_read.update(rosters)
                self._links_due = False
        who = respond.resolve(ws, token)
        if who is not None:
            with self._lock:
                if len(self._respondents) > 100_000:
                    self._respondents.clear()
                self._respondents[token] = who
        return who

    def offline_roster(self, who: Any) -> Callable[[list[int]], dict[int, str]] | None:
        """While another process holds the DuckDB file: the roster of ``who``'s survey as
        last read, for :func:`groundswell.survey.respond.submit` to check an answer against
        without waiting (None when the file is here, or the roster was never read: then the
        answer is checked against the file). The roster is read whenever the file is here and
        it is missing or the file changed since it was read (the one read before is kept for
        while another process holds the file)."""
        sid = int(who.survey.survey_id)
        with self._lock:
            roster = self._rosters.get(sid)
        if not self.db.yielded:
            if sid not in self._rosters_read:  # (read since the file changed)
                read = _roster(self.ws(), sid)
                with self._lock:
                    self._rosters[sid] = read
                    self._rosters_read.add(sid)
            return None
        if roster is None or who.survey.status != "open":
            return None
        known = roster
        return lambda numbers: {n: known[n] for n in numbers if n in known}

    def settle_answers(self) -> None:
        """After a survey answer was accepted into the intake: end this request's lease and
        apply what the intake holds to the DuckDB file now if it can be written without
        waiting for another process; otherwise the applier thread does it as soon as the
        file comes free (:mod:`groundswell.survey.intake`)."""
        scope = _REQUEST.get()
        if scope is not None:
            scope.give_back()  # a read lease of this thread would keep the writer waiting
        self._intake.apply_now()

    def invalidate(self) -> None:
        """Forget every cached read. Called whenever the file is opened again after another
        process wrote to it (an ingest, a run), and after this process's own jobs write."""
        with self._lock:
            self._cache.clear()
            self._latest = None
            self._respondents.clear()
            # the open surveys' links and rosters are read again when next needed with the
            # file here; until then they answer while another process holds it (cleared,
            # an answer applied just before a command took the file left none, and every
            # answer during the command waited for it)
            self._rosters_read.clear()
            self._links_due = True

    # -- plumbing ------------------------------------------------------------------------
    @property
    def settings(self) -> Any:
        return self._ws.settings

    @property
    def min_group_size(self) -> int:
        return int(self._ws.settings.min_group_size)

    @property
    def identified(self) -> bool:
        """Whether people may be shown by name: an identified workspace, or a request of an
        admin who switched the dashboard to names (the names come from the sealed
        identities, :mod:`groundswell.identity`)."""
        return bool(self._ws.settings.identified) or NAMES_REVEALED.get()

    # -- the admin's switch to names ------------------------------------------------------
    def names_switched(self, session: str) -> bool:
        """Whether the session (its token digest) switched the dashboard to names: its last
        switch in the audit log (``reveals``) is on. Kept per session once read (only
        :meth:`switch`, in this process, changes it); while another process holds the file,
        a session not read yet shows pseudonyms rather than wait (the safe side)."""
        with self._lock:
            known = self._switched.get(session)
        if known is not None:
            return known
        if self.db.yielded:
            return False
        rows = (
            self.ws()
            .con.execute(
                "SELECT action FROM reveals WHERE detail = ? ORDER BY revealed_at DESC LIMIT 1",
                [_session_detail(session)],
            )
            .fetchall()
        )
        value = bool(rows) and rows[0][0] == SWITCH_ON
        with self._lock:
            if len(self._switched) > 10_000:
                self._switched.clear()
            self._switched[session] = value
        return value

    def switch(self, session: str, username: str, on: bool) -> None:
        """Switch the session to names (``on``) or back to pseudonyms; written to the audit
        log, which is where the switch is kept, so no reveal can go unlogged. Switching on
        needs the workspace key."""
        from groundswell import identity

        ws = self.ws()
        if on and not ws.has_key:
            raise WorkspaceError(ws.no_key("showing names"))
        if on:
            identity.require_identities(ws)
        identity.log_reveal(
            ws, SWITCH_ON if on else SWITCH_OFF, [], actor=username,
            detail=_session_detail(session),
        )  # fmt: skip
        with self._lock:  # committed by log_reveal: the audit log and this agree
            self._switched[session] = on

    def _revealed_names(self) -> dict[str, str]:
        from groundswell import identity

        def make() -> dict[str, str]:
            table = identity.directory(self.ws())
            shown = table["name"].where(table["name"].notna(), table["hr_id"]).dropna()
            return {str(p): str(n) for p, n in shown.items()}

        return self._cached(("revealed-names",), make)

    def _bind(self, cur: Any, *, write: bool = True) -> gs.Workspace:
        ws = copy.copy(self._ws)
        ws.con = cur
        ws.read_only = not write
        return ws

    def ws(self) -> gs.Workspace:
        """The workspace bound to a lease on the shared DuckDB connection (``gate.SharedDB``).

        Within a request (:class:`RequestLeases`, the app's middleware) one lease serves the
        whole request — a write lease for a POST, a read lease otherwise — and ends with it;
        elsewhere (a script, a test) this thread's cursor of the connection, opened
        read-write (:meth:`groundswell.gate.SharedDB.ambient`).
        Inside :meth:`cached_only` no lease is taken: any query raises :class:`ColdCache`."""
        if _CACHED_ONLY.get():
            return self._offline
        scope = _REQUEST.get()
        if scope is not None:
            return scope.take(self)
        local = getattr(self._local, "ws", None)  # a script, a test: no request around
        if local is None or local[0] != self.db.generation or not self.db.is_open:
            cur, generation = self.db.ambient(timeout=REQUEST_WAIT)
            local = self._local.ws = (generation, self._bind(cur))
        return local[1]

    @contextmanager
    def worker(
        self, *, write: bool = False, cancelled: Callable[[], bool] | None = None
    ) -> Iterator[gs.Workspace]:
        """The workspace on a lease of its own, for a background job (the champion planner,
        the jobs of :mod:`groundswell.web.jobs`); given back when the job ends. A write lease
        waits (as long as :data:`groundswell.gate.WAIT`, or until ``cancelled()``) for other
        processes to finish with the file."""
        cur = self.db.acquire(write=write, timeout=gate.WAIT, cancelled=cancelled)
        try:
            yield self._bind(cur, write=write)
        finally:
            self.db.release(cur)
            if write:
                self.invalidate()

    @contextmanager
    def cached_only(self) -> Iterator[None]:
        """Within this block, a read that would have to query the database or build a
        per-run table raises :class:`ColdCache` instead. The web app runs its busiest reads
        (a person page, the overview) this way on the event loop, where they take well
        under a millisecond once the run's tables are cached, and falls back to the thread
        pool when they are not: no blocking work on the loop, no thread hop when there is
        none to do."""
        token = _CACHED_ONLY.set(True)
        try:
            yield
        finally:
            _CACHED_ONLY.reset(token)

    def _cached(self, key: tuple[Any, ...], make: Callable[[], T]) -> T:
        if NAMES_REVEALED.get():  # what a revealed request makes is never served to others
            key = (*key, "revealed")
        with self._lock:
            if key in self._cache:
                self._cache.move_to_end(key)
                return self._cache[key]
        if _CACHED_ONLY.get():
            raise ColdCache(key)
        value = make()
        with self._lock:
            self._cache[key] = value
            while len(self._cache) > _CACHE_RUNS * 16:  # ~15 tables per run
                self._cache.popitem(last=False)
        return value

    def latest_run_id(self) -> int | None:
        """The id of the latest run (None when there is none), read at most once every
        :data:`LATEST_RUN_TTL` seconds; while another process has the file (it may be
        writing a run), the last id read, so that cached pages keep answering at once."""
        now = time.monotonic()
        latest = self._latest
        if latest is not None and (now - latest[0] < LATEST_RUN_TTL or self.db.yielded):
            return latest[1]  # (while another process writes, the last one known)
        if _CACHED_ONLY.get():
            raise ColdCache("latest run")
        rows = self.ws().con.execute("SELECT max(run_id) FROM runs WHERE complete").fetchall()
        value = None if rows[0][0] is None else int(rows[0][0])
        self._latest = (now, value)
        return value

    def run(self, run_id: int | None = None) -> Run:
        """The stored run (the latest when None); WorkspaceError if there is none.

        Runs are immutable once stored, so each is read once and kept (its summary and
        parameters parsed); every call gets a copy bound to this thread's cursor."""
        if run_id is None:
            run_id = self.latest_run_id()
            if run_id is None:
                if _CACHED_ONLY.get():
                    raise ColdCache("no run")
                return self.ws().run(None)  # raises the library's "no analysis yet" error

        def load() -> Run:
            loaded = self.ws().run(run_id)
            loaded.ws = self._offline  # the cached copy holds no lease
            return loaded

        stored = self._cached(("run", int(run_id)), load)
        run = copy.copy(stored)
        run.ws = self.ws()
        return run

    def _people(self, run: Run) -> pd.DataFrame:
        people = self._cached(("people", run.run_id), run.people)
        if NAMES_REVEALED.get() and not self._ws.settings.identified:
            people = people.copy()
            people["display_name"] = people.index.map(self._revealed_names())
        return people

    def _edges(self, run: Run) -> pd.DataFrame:
        def make() -> pd.DataFrame:
            t = run.ties().groupby(["actor_id", "target_id"], as_index=False)["weight"].sum()
            return t.rename(columns={"actor_id": "source", "target_id": "target"})

        return self._cached(("edges", run.run_id), make)

    def _labels(self, run: Run, column: str) -> pd.Series:
        people = self._people(run)
        return self._cached(
            ("labels", run.run_id, column), lambda: _labels(people[column], self.min_group_size)
        )

    def _flow(self, run: Run, attribute: str = "department") -> pd.DataFrame:
        """People of each group (rows) in each community (columns), through the privacy
        gate (:func:`groundswell.privacy.gate_crosstab`): suppressed cells missing."""

        def make() -> pd.DataFrame:
            table = pd.crosstab(self._labels(run, attribute), self._labels(run, "community"))
            return gate_crosstab(table, self.min_group_size)

        return self._cached(("flow", run.run_id, attribute), make)

    def _community_departments(self, run: Run) -> dict[str, pd.Series]:
        """The departments each shown community draws on: people in each department the
        gate shows (suppressed cells and the merged department left out), the most first."""

        def make() -> dict[str, pd.Series]:
            comm = self._labels(run, "community")
            flow = self._flow(run, "department")
            out: dict[str, pd.Series] = {}
            for label in comm.unique():
                if label == SUPPRESSED:
                    continue
                d = flow[label] if label in flow.columns else pd.Series(dtype=float)
                out[str(label)] = d[(d > 0) & (d.index != SUPPRESSED)].sort_values(ascending=False)
            return out

        return self._cached(("community departments", run.run_id), make)

    def _community_names(self, run: Run) -> dict[str, str]:
        """Each shown community described by the departments it draws on, for pages that
        would otherwise name it by its number alone (:func:`community_words`)."""

        def make() -> dict[str, str]:
            sizes = self._labels(run, "community").value_counts()
            words = {
                label: community_words(d, int(sizes[label]))
                for label, d in self._community_departments(run).items()
            }
            return {label: w for label, w in words.items() if w}

        return dict(self._cached(("community names", run.run_id), make))

    def _name(self, row: pd.Series, names: bool) -> str | None:
        if not (names and self.identified):
            return None
        name = row.get("display_name")
        return name if isinstance(name, str) and name else None

    # -- workspace-level -----------------------------------------------------------------
    def overview(
        self, run_id: int | None = None, *, names: bool = False, people: bool = False
    ) -> dict[str, Any]:
        """The latest (or given) run's findings (:meth:`groundswell.run.Run.key_findings`:
        people named by pseudonym with ``people``, by name with ``names`` in an identified
        workspace), headline figures and the workspace's row counts."""

        def workspace_counts() -> tuple[dict[str, int], int]:
            ws = self.ws()
            n_runs = ws.con.execute("SELECT count(*) FROM runs WHERE complete").fetchall()[0][0]
            return ws.counts(), int(n_runs)

        # the row counts change only with an ingest or a new run: kept per latest run
        counts, n_runs = self._cached(("counts", self.latest_run_id()), workspace_counts)
        out: dict[str, Any] = {
            "workspace": self.path.name,
            "counts": dict(counts),
            "identified": self.identified,
            "names_revealed": NAMES_REVEALED.get(),
            "pseudonymous": not self._ws.settings.identified,
            "min_group_size": self.min_group_size,
            "runs": n_runs,
            "run": None,
        }
        try:
            run = self.run(run_id)
        except WorkspaceError:
            if run_id is not None:
                raise
            return clean(out)
        s = run.summary
        out["run"] = {
            **self._run_head(run),
            "headlines": {k: {"value": s.get(k), "reading": v} for k, v in HEADLINES.items()},
            "roles": s.get("roles", {}),
            "personas": s.get("personas", {}),
            "findings": s.get("findings", {}),
            # stored with the run, so kept per run (the overview answers from the cache on
            # the event loop, and while another process writes)
            "key_findings": self._cached(
                ("key findings", run.run_id, bool(names and self.identified), people),
                lambda: run.key_findings(self._labeller(run, names), people=people),
            ),
            "previous": self._previous_head(run),
        }
        return clean(out)

    def _previous_head(self, run: Run) -> dict[str, Any] | None:
        """The run to compare with on the home page: the previous period's run
        (:meth:`groundswell.run.Run.previous`), else the latest earlier run whatever its
        window (as the Compare page does; ``same_period`` is then false): its id, window and
        the same headline figures (None when this is the first run)."""

        def find() -> tuple[Run | None, bool]:
            before = run.previous()
            if before is not None:
                return before, True
            rows = (
                self.ws()
                .con.execute(
                    "SELECT max(run_id) FROM runs WHERE complete AND run_id < ?", [run.run_id]
                )
                .fetchall()
            )
            return (self.run(int(rows[0][0])), False) if rows and rows[0][0] else (None, False)

        before, adjacent = self._cached(("previous", run.run_id), find)
        if before is None:
            return None
        s = before.summary
        return {
            "run_id": before.run_id,
            "window": str(before.window),
            "same_period": adjacent,
            "headlines": {k: s.get(k) for k in HEADLINES},
        }

    def _labeller(self, run: Run, names: bool) -> Callable[[str], str]:
        """A person's label: their display name for ``names`` in an identified workspace
        (the pseudonym when they have none), else the pseudonym."""
        if not (names and self.identified):
            return lambda p: p
        shown = self._people(run)["display_name"]
        known = {p: n for p, n in shown.items() if isinstance(n, str) and n}
        return lambda p: known.get(p, p)

    def _run_head(self, run: Run) -> dict[str, Any]:
        s = run.summary
        return {
            "run_id": run.run_id,
            "created_at": run.created_at,
            "version": run.version,
            "window": str(run.window),
            "window_start": run.window.start,
            "window_end": run.window.end,
            "people": s.get("people"),
            "ties": s.get("ties"),
            "communities": s.get("communities"),
        }

    def runs(self) -> list[dict[str, Any]]:
        """Every stored run, newest first, with its window and size."""
        table = self.ws().query(
            "SELECT run_id, created_at, version, window_start, window_end, params, summary "
            "FROM runs WHERE complete ORDER BY run_id DESC"
        )
        out = []
        for r in table.itertuples(index=False):
            s = json.loads(r.summary)
            params = json.loads(r.params)
            out.append(
                {
                    "run_id": int(r.run_id),
                    "created_at": r.created_at,
                    "version": r.version,
                    "window": params.get("window"),
                    "window_start": r.window_start,
                    "window_end": r.window_end,
                    "layers": params.get("layers"),
                    "weighted": params.get("weighted"),
                    "people": s.get("people"),
                    "ties": s.get("ties"),
                    "communities": s.get("communities"),
                }
            )
        return clean(out)

    def run_detail(self, run_id: int) -> dict[str, Any]:
        """One run: its parameters (tie rules, analysis settings), sources seen, summary."""
        run = self.run(run_id)
        return clean(
            {
                **self._run_head(run),
                "params": run.params,
                "sources": run.sources,
                "summary": run.summary,
            }
        )

    def sources(self) -> list[dict[str, Any]]:
        """What was ingested, when, with which options and what it contributed."""
        df = self.ws().sources()
        return clean(df.to_dict(orient="records"))

    def compare(self, run_a: int, run_b: int) -> dict[str, Any]:
        """Headline figures of two runs side by side, with the change from ``a`` to ``b``."""
        a, b = self.run(run_a), self.run(run_b)
        rows = []
        for key, reading in HEADLINES.items():
            va, vb = a.summary.get(key), b.summary.get(key)
            delta = None
            if isinstance(va, int | float) and isinstance(vb, int | float):
                delta = vb - va
            rows.append({"figure": key, "reading": reading, "a": va, "b": vb, "change": delta})
        roles = sorted(set(a.summary.get("roles", {})) | set(b.summary.get("roles", {})))
        return clean(
            {
                "a": self._run_head(a),
                "b": self._run_head(b),
                "figures": rows,
                "roles": [
                    {
                        "role": r,
                        "a": a.summary.get("roles", {}).get(r),
                        "b": b.summary.get("roles", {}).get(r),
                    }
                    for r in roles
                ],
            }
        )

"""Taking turns on a workspace's DuckDB file between processes: the dashboard and the CLI.

Over 500 lines because the locking protocol is read and reviewed as one: the two locks, the
leases, the waiting line and the errors it turns DuckDB's lock failures into must agree, and
splitting them would hide an ordering rule across files.

DuckDB lets one process open a database file read-write, or any number of processes open it
read-only, never both; a second opener gets ``IO Error: Could not set lock on file``. So
every groundswell process that opens a workspace first takes its turn here, with two
``flock(2)`` locks on small files in the workspace folder (the kernel drops them when the
process dies, even on ``kill -9``):

- ``.groundswell-gate``: held *shared* by every process that has the database open
  read-only, *exclusively* by the one that has it open read-write. The exclusive holder
  writes who it is into the file (``groundswell analyze (PID 123)``, ``the dashboard (PID
  456)``) so that a waiting process can say what it waits for.
- ``.groundswell-turn``: the turnstile. A process queues on it (exclusively) before it
  takes the gate, and lets go once it has the gate. A writer therefore holds the turnstile
  while it waits for readers to leave, and a process that keeps the database open for a
  long time (the dashboard) sees that somebody waits (:func:`someone_waits`) and closes
  its connection between two requests (:class:`SharedDB`): a writer is never starved by a
  stream of readers.

A command-line process holds its turn for its whole life (:func:`hold`, through
:class:`groundswell.store.Store`); when it has to wait longer than :data:`QUIET` seconds it
says so once, through the waiting hook (the CLI prints ``waiting for the dashboard's write
to finish (PID 456)…``). It never shows DuckDB's lock error: :func:`connect` retries it
(a process outside groundswell may hold the file) and ends with one
:class:`~groundswell.errors.WorkspaceError` naming the holder.

The dashboard keeps one connection for all its threads (:class:`SharedDB`), read-only while
it only reads, read-write while one of its jobs writes, and gives the file up whenever
another process waits for it. See docs/architecture.md ("Sharing a workspace").
"""

from __future__ import annotations

import atexit
import contextlib
import errno
import fcntl
import os
import re
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

from groundswell.errors import UnavailableError, WorkspaceError

if TYPE_CHECKING:
    import duckdb

__all__ = [
    "GATE_FILE",
    "QUIET",
    "TURN_FILE",
    "Held",
    "SharedDB",
    "connect",
    "hold",
    "set_waiting_hook",
    "someone_waits",
]

GATE_FILE = ".groundswell-gate"
TURN_FILE = ".groundswell-turn"
#: Seconds a process waits quietly before it says what it waits for.
QUIET = 0.3
#: Seconds a command waits for its turn before it gives up (env ``GROUNDSWELL_WAIT``).
WAIT = float(os.environ.get("GROUNDSWELL_WAIT", "3600"))
_POLL = 0.02
_LOCK_MESSAGE = re.compile(r"Could not set lock|Conflicting lock", re.IGNORECASE)


def _to_stderr(line: str) -> None:
    print(line, file=sys.stderr, flush=True)


#: who is told that a process waits (a notebook too: stderr, unless the CLI sets its own)
_hook: Callable[[str], None] | None = _to_stderr


def set_waiting_hook(hook: Callable[[str], None] | None) -> None:
    """Who is told, once, that a process waits for its turn (the CLI prints the line)."""
    global _hook
    _hook = hook


def _who() -> str:
    """How this process names itself to a process that waits: ``groundswell analyze (PID
    123)`` for a command (the script, or ``python -c`` running the CLI)."""
    first = os.path.basename(sys.argv[0]) if sys.argv and sys.argv[0] else ""
    if first in ("groundswell", "-c", "__main__.py") and len(sys.argv) > 1:
        return f"groundswell {sys.argv[1]} (PID {os.getpid()})"
    return f"a groundswell process (PID {os.getpid()})"


def _open(path: Path) -> int:
    return os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)


def _try(fd: int, how: int) -> bool:
    try:
        fcntl.flock(fd, how | fcntl.LOCK_NB)
    except OSError as exc:
        if exc.errno in (errno.EWOULDBLOCK, errno.EAGAIN, errno.EACCES):
            return False
        raise
    return True


def holder(folder: Path) -> str:
    """Who holds the workspace for writing, as that process wrote it ('' when nobody says)."""
    try:
        return (folder / GATE_FILE).read_text(encoding="utf-8").strip()
    except OSError:
        return ""


def waiting_message(folder: Path) -> str:
    who = holder(folder)
    if "dashboard" in who:
        return f"waiting for the dashboard's write to finish ({who.split('(', 1)[-1].rstrip(')')})…"
    if who:
        return f"waiting for {who} to finish with the workspace…"
    return "waiting for the dashboard to finish reading…"


class Held:
    """A process's turn on a workspace: the gate, shared (read) or exclusive (write)."""

    def __init__(self, folder: Path, fd: int, write: bool) -> None:
        self.folder, self.fd, self.write = folder, fd, write

    def release(self) -> None:
        if self.fd < 0:
            return
        with contextlib.suppress(OSError):
            if self.write:
                os.ftruncate(self.fd, 0)
            fcntl.flock(self.fd, fcntl.LOCK_UN)
        os.close(self.fd)
        self.fd = -1


def hold(
    folder: str | Path,
    *,
    write: bool,
    who: str | None = None,
    timeout: float | None = None,
    cancelled: Callable[[], bool] | None = None,
    on_wait: Callable[[str], None] | None = None,
) -> Held:
    """Wait for this process's turn on the workspace and take it (see the module's text).

    Raises
    ------
    UnavailableError
        When ``timeout`` seconds (default :data:`WAIT`) pass first, or ``cancelled()``
        turns true; the message names the holder.
    """
    folder = Path(folder)
    timeout = WAIT if timeout is None else timeout
    on_wait = on_wait or _hook
    start = time.monotonic()
    told = False
    turn = _open(folder / TURN_FILE)
    gate = -1
    try:
        for fd, how in ((turn, fcntl.LOCK_EX), (-1, fcntl.LOCK_EX if write else fcntl.LOCK_SH)):
            if fd < 0:
                fd = gate = _open(folder / GATE_FILE)
            while not _try(fd, how):
                waited = time.monotonic() - start
                if not told and waited >= QUIET and on_wait is not None:
                    on_wait(waiting_message(folder))
                    told = True
                if waited >= timeout or (cancelled is not None and cancelled()):
                    busy = holder(folder) or "the dashboard"
                    raise UnavailableError(
                        f"{folder}: the workspace is busy ({busy} is using it) and stayed busy "
                        f"for {waited:.0f} s; try again when it has finished"
                    )
                time.sleep(_POLL)
        if write:
            os.ftruncate(gate, 0)
            os.pwrite(gate, (who or _who()).encode(), 0)
    except BaseException:
        if gate >= 0:
            os.close(gate)
        os.close(turn)
        raise
    os.close(turn)  # closing the descriptor lets the turnstile go
    return Held(folder, gate, write)


def someone_waits(fd: int) -> bool:
    """Whether another process queues on the turnstile (``fd``: this process's own
    descriptor of the turnstile file, used only to ask)."""
    if _try(fd, fcntl.LOCK_SH):
        fcntl.flock(fd, fcntl.LOCK_UN)
        return False
    return True


def others_hold(path: Path) -> bool | None:
    """Whether a process other than this one holds a ``flock`` on ``path`` (read from Linux's
    ``/proc/locks``, without touching the lock); None where that cannot be known."""
    try:
        st = os.stat(path)
        text = Path("/proc/locks").read_text()
    except OSError:
        return None
    where = f"{os.major(st.st_dev):02x}:{os.minor(st.st_dev):02x}:{st.st_ino}"
    me = str(os.getpid())
    for line in text.splitlines():
        # "3: FLOCK  ADVISORY  WRITE 22527 fe:00:2811389 0 EOF" (a blocked waiter has "->")
        parts = line.split()
        if len(parts) >= 6 and parts[1] == "FLOCK" and parts[5] == where and parts[4] != me:
            return True
    return False


def connect(db: str | Path, *, read_only: bool, timeout: float = 30.0) -> duckdb.DuckDBPyConnection:
    """Open the DuckDB file, retrying while a process outside groundswell holds its lock;
    after ``timeout`` seconds one WorkspaceError names it (never DuckDB's own message)."""
    import duckdb

    start = time.monotonic()
    while True:
        try:
            con = duckdb.connect(str(db), read_only=read_only)
            # no progress bar on stdout: a listing's --format json/csv must hold the data alone
            # (in Jupyter without ipywidgets DuckDB refuses any change of it: leave it then)
            with contextlib.suppress(duckdb.Error):
                con.execute("SET enable_progress_bar = false")
            return con
        except duckdb.IOException as exc:
            text = str(exc)
            if not _LOCK_MESSAGE.search(text):
                raise WorkspaceError(f"{db}: the database cannot be opened: {text}") from exc
            if time.monotonic() - start >= timeout:
                found = re.search(r"held in (.*?)(?: \(PID (\d+)\))", text)
                who = f"{found.group(1)} (PID {found.group(2)})" if found else "another program"
                raise WorkspaceError(
                    f"{db}: the database is held open by {who}, outside groundswell's turns; "
                    "close that program and try again"
                ) from None
            time.sleep(0.1)


class SharedDB:
    """One process's connection to a workspace's DuckDB file, shared by all its threads and
    all its :class:`~groundswell.store.Store` objects (:meth:`of`: one per folder and
    process), and given up whenever another process waits for its turn.

    :meth:`acquire` hands out a lease, a new cursor of the connection: read leases use the
    connection in whichever mode it is; a write lease needs it read-write and reopens it so
    when it was read-only (once no lease is out). Leases of one process share the
    connection, as DuckDB lets the threads of one process do (one transaction each).
    While another process waits on the turnstile, and while a write lease waits for the
    readers of a read-only connection to go, new leases wait too (``timeout`` seconds, then
    :class:`~groundswell.errors.UnavailableError`): the writer gets in.

    When the last lease is given back the connection is closed and the turn given up —
    unless :attr:`keep_open` (the dashboard), which keeps it until another process waits
    (a watcher thread asks every :data:`_WATCH` seconds) or a lease needs the other mode.
    Each time the file is opened again after another process wrote to it, ``on_reopen``
    callbacks run (the dashboard forgets what it cached).
    """

    _WATCH = 0.05
    _registry: ClassVar[dict[Path, SharedDB]] = {}
    _registry_lock: ClassVar[threading.Lock] = threading.Lock()

    @classmethod
    def of(cls, folder: str | Path, db_name: str) -> SharedDB:
        """This process's shared connection to ``folder/db_name``."""
        key = Path(folder).resolve() / db_name
        with cls._registry_lock:
            found = cls._registry.get(key)
            if found is None or found._turn < 0:
                found = cls._registry[key] = cls(key.parent, key)
            return found

    def __init__(self, folder: Path, db: Path) -> None:
        self.folder, self.db = folder, db
        self.who = _who()
        self.generation = 0
        self.keep_open = False
        self._on_reopen: list[Callable[[], None]] = []
        self._cond = threading.Condition()
        self._con: duckdb.DuckDBPyConnection | None = None
        self._held: Held | None = None
        self._write_mode = False
        self._users = 0
        self._writers_waiting = 0
        self._switching = False
        self._children: list[Any] = []
        self._turn = _open(self.folder / TURN_FILE)
        self._stamp: tuple[int, int] | None = None
        self._watcher: threading.Thread | None = None
        #: True from the moment the connection was given up to another process that waited
        #: until this process has the file again (:attr:`yielded`)
        self._yielded = False
        #: DuckDB's worker threads while :meth:`threads` holds (None: DuckDB's own, one a core)
        self._threads: int | None = None

    def keep(self, who: str, on_reopen: Callable[[], None] | None = None) -> None:
        """Keep the connection open between leases (a long-running server named ``who``),
        watching for other processes that wait."""
        with self._cond:
            self.keep_open, self.who = True, who
            if on_reopen is not None:
                self._on_reopen.append(on_reopen)
            if self._watcher is None:
                self._watcher = threading.Thread(
                    target=self._watch, name="groundswell-gate", daemon=True
                )
                self._watcher.start()

    def unkeep(self, on_reopen: Callable[[], None] | None = None) -> None:
        """Stop keeping the connection (the server stops): closed once no lease is out."""
        with self._cond:
            if on_reopen in self._on_reopen:
                self._on_reopen.remove(on_reopen)
            self.keep_open = bool(self._on_reopen)
            if not self.keep_open and self._users == 0:
                self._close()
            self._cond.notify_all()

    # -- public ---------------------------------------------------------------------------
    @contextlib.contextmanager
    def threads(self, n: int) -> Iterator[None]:
        """DuckDB runs every query of this process's connection on ``n`` threads in the block:
        the one open now and any opened again inside it (a write turn reopens the file); then
        on DuckDB's own number again (one a core)."""
        with self._cond:
            before, self._threads = self._threads, int(n)
            self._set_threads()
        try:
            yield
        finally:
            with self._cond:
                self._threads = before
                self._set_threads()

    def _set_threads(self) -> None:
        if self._con is None:
            return
        n = self._threads
        cur = self._con.cursor()  # its own: the leases' cursors may be busy in other threads
        try:
            cur.execute("RESET threads" if n is None else f"SET threads = {n}")
        finally:
            cur.close()

    @contextlib.contextmanager
    def lease(
        self,
        *,
        write: bool = False,
        timeout: float = 60.0,
        cancelled: Callable[[], bool] | None = None,
    ) -> Iterator[duckdb.DuckDBPyConnection]:
        """A cursor of the shared connection for the block (see the class's text)."""
        cur = self.acquire(write=write, timeout=timeout, cancelled=cancelled)
        try:
            yield cur
        finally:
            self.release(cur)

    def acquire(
        self,
        *,
        write: bool = False,
        timeout: float = 60.0,
        cancelled: Callable[[], bool] | None = None,
        on_wait: Callable[[str], None] | None = None,
    ) -> duckdb.DuckDBPyConnection:
        """Take a lease: a new cursor of the connection, to give back with :meth:`release`.
        ``on_wait`` is told once when the turn takes longer than :data:`QUIET` seconds."""
        deadline = time.monotonic() + timeout
        with self._cond:
            if write:
                self._writers_waiting += 1
            try:
                while True:
                    if self._can_join(write):
                        cur = self._join()
                        if write:
                            self._writers_waiting -= 1
                        return cur
                    if self._users == 0 and not self._switching:
                        self._switching = True
                        break
                    left = deadline - time.monotonic()
                    if left <= 0 or (cancelled is not None and cancelled()):
                        raise self._busy()
                    self._cond.wait(min(left, self._WATCH))
            except BaseException:
                if write:
                    self._writers_waiting -= 1
                raise
        # this thread switches: close what is open, take the turn, open in the mode needed
        try:
            with self._cond:
                self._close()
            held = hold(
                self.folder,
                write=write,
                who=self.who,
                timeout=max(0.0, deadline - time.monotonic()),
                cancelled=cancelled,
                on_wait=on_wait
                if on_wait is not None
                else (None if self.keep_open else _hook) or (lambda _m: None),
            )
            try:
                con = connect(self.db, read_only=not write)
                if self._threads is not None:
                    con.execute(f"SET threads = {self._threads}")
            except BaseException:
                held.release()
                raise
        except BaseException as exc:
            with self._cond:
                self._switching = False
                if write:
                    self._writers_waiting -= 1
                if isinstance(exc, UnavailableError):
                    self._yielded = True  # another process has the file
                self._cond.notify_all()
            raise
        stamp = self._file_stamp()
        if self._stamp is not None and stamp != self._stamp:
            for callback in list(self._on_reopen):  # another process wrote since we had it
                with contextlib.suppress(Exception):  # never leave the switch half done
                    callback()
        self._stamp = stamp
        with self._cond:
            if write:
                self._writers_waiting -= 1
            self._con, self._held, self._write_mode = con, held, write
            self._yielded = False
            self.generation += 1
            self._switching = False
            self._cond.notify_all()
            return self._join()

    def try_read(self) -> Any | None:
        """A read lease if the connection is open and may be joined now, else None (never
        waits, never opens the file)."""
        with self._cond:
            if self._can_join(False):
                return self._join()
        return None

    def try_write(self, *, timeout: float = 1.0) -> Any | None:
        """A write lease if one can be had without waiting for another process (None
        otherwise): at once when the connection is read-write; else when no other process
        holds or waits for the file, after this process's readers leave (at most
        ``timeout`` seconds). For work that may as well happen later (the survey answers
        received while a command held the file, :mod:`groundswell.survey.intake`)."""
        with self._cond:
            if self._can_join(True):
                return self._join()
        if someone_waits(self._turn) or others_hold(self.folder / GATE_FILE):
            return None
        try:
            return self.acquire(write=True, timeout=timeout, on_wait=lambda _m: None)
        except UnavailableError:
            return None

    def ambient(self, *, write: bool = True, timeout: float = 60.0) -> tuple[Any, int]:
        """A cursor outside any lease, and the :attr:`generation` it belongs to: for a script
        or a test using a server's views directly (a server's requests take leases). It
        stays usable until the connection is next closed (another process waited, or a
        lease needed the other mode); ask again when :attr:`generation` has changed."""
        with self._cond:
            if self._con is not None and not self._switching and (self._write_mode or not write):
                return self._join_ambient(), self.generation
        cur = self.acquire(write=write, timeout=timeout)
        with self._cond:
            self._users -= 1  # kept as a cursor, no longer counted as a lease
            return cur, self.generation

    def _join_ambient(self) -> Any:
        cur = self._con.cursor()  # type: ignore[union-attr]
        self._children.append(cur)
        return cur

    def release(self, cur: Any) -> None:
        """Give a lease back (``cur``: the cursor :meth:`acquire` returned)."""
        with self._cond:
            for i, child in enumerate(self._children):
                if child is cur:
                    del self._children[i]
                    with contextlib.suppress(Exception):
                        cur.close()
                    break
            self._users -= 1
            if self._users == 0 and (
                not self.keep_open
                or (self._writers_waiting and not self._write_mode)
                or someone_waits(self._turn)
            ):
                self._yielded = self.keep_open and someone_waits(self._turn)
                self._close()
            self._cond.notify_all()

    @property
    def is_open(self) -> bool:
        return self._con is not None

    @property
    def yielded(self) -> bool:
        """Whether the file was given up to another process and not had back yet (it may be
        writing: a server may answer from what it cached rather than wait)."""
        return self._yielded

    @property
    def write_mode(self) -> bool:
        return self._con is not None and self._write_mode

    # -- inside -------------------------------------------------------------------------------
    def _can_join(self, write: bool) -> bool:
        if self._con is None or self._switching:
            return False
        if self._users and not self._write_mode and write:
            return False
        if self.keep_open and someone_waits(self._turn):
            return False  # another process waits: let it in first
        if write:
            return self._write_mode
        return self._write_mode or not self._writers_waiting

    def _join(self) -> Any:
        cur = self._con.cursor()  # type: ignore[union-attr]
        self._users += 1
        self._children.append(cur)
        return cur

    def _busy(self) -> UnavailableError:
        who = holder(self.folder) or "another groundswell command"
        return UnavailableError(
            f"the workspace is busy: {who} is writing to it; try again in a moment"
        )

    def _file_stamp(self) -> tuple[int, int]:
        try:
            st = os.stat(self.db)
        except OSError:
            return (0, 0)
        wal = self.db.with_name(self.db.name + ".wal")
        extra = wal.stat().st_mtime_ns if wal.exists() else 0
        return (st.st_mtime_ns + extra, st.st_size)

    def _close(self) -> None:
        """Close the connection and give the turn up (the caller holds the condition)."""
        if self._con is None:
            return
        for cur in self._children:
            with contextlib.suppress(Exception):
                cur.close()
        self._children.clear()
        with contextlib.suppress(Exception):
            self._con.close()
        self._con = None
        if self._held is not None:
            self._held.release()
            self._held = None
        self._stamp = self._file_stamp()  # our own writes are not news to us

    @classmethod
    def close_all(cls) -> None:
        """Close every connection of this process (at exit: a read-write one checkpoints)."""
        with cls._registry_lock:
            found = list(cls._registry.values())
        for db in found:
            with db._cond:
                db.keep_open = False
                db._close()

    def _watch(self) -> None:
        while self.keep_open:
            time.sleep(self._WATCH)
            with self._cond:
                idle = self._con is not None and self._users == 0 and not self._switching
                if idle and someone_waits(self._turn):
                    self._yielded = True
                    self._close()
                    self._cond.notify_all()


atexit.register(SharedDB.close_all)

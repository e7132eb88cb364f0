"""Work started from the browser: ingest an uploaded file, analyze a window, plan champions,
close a survey — background jobs, one at a time per workspace, with progress and cancel.

Each job calls the same :class:`groundswell.Workspace` method as the command line
(``ingest_orgchart``, ``ingest_events``, ``ingest``, ``analyze``, ``champions``,
``close_survey``), on a write lease of the shared DuckDB file
(:meth:`groundswell.web.views.Views.worker`): the dashboard keeps answering while it runs
(its requests read the last committed state), and a command-line process that wants the
workspace meanwhile waits and says "waiting for the dashboard's write to finish".

Jobs run in order on one worker thread per workspace (a single-writer queue): a second job
waits in the queue (``queued``) instead of being refused. A job is ``queued``, ``running``,
``done`` (with its ``result``), ``failed`` (with ``error``: ``{"status", "error",
"detail"}``, the detail naming the file, line and what was expected, as the CLI's one
``error:`` line) or ``cancelled``. Each of those library functions writes in one
transaction, so a job that fails or is cancelled leaves the workspace as it was: cancel
stops the job at its next progress step by raising inside the transaction. An upload is
kept in the workspace's ``uploads/`` folder (the sources table names it as the file that
was read) and removed again when its job fails or is cancelled.

Routes (admins and analysts: permission ``jobs``):

- ``GET /api/jobs``: the recent jobs, newest first (the last :data:`KEEP_JOBS`, in memory);
- ``POST /api/jobs``: ``{"kind": "analyze", "window": "2024-01-01:2024-03-31"}``,
  ``{"kind": "champions", "k": 10, ...}`` (the planner's parameters),
  ``{"kind": "close_survey", "survey": "pulse"}`` (id or name); 202 with the job;
- ``POST /api/jobs/ingest``: multipart form with ``file`` and ``source`` (``orgchart``,
  ``events`` or a reader of ``groundswell ingest``); 202 with the job;
- ``GET /api/jobs/{job_id}``; ``POST /api/jobs/{job_id}/cancel``.
"""

from __future__ import annotations

import logging
import queue
import re
import secrets
import shutil
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Body, Depends, Request

from groundswell import progress
from groundswell.errors import (
    ConfigError,
    ConflictError,
    GroundswellError,
    NotFoundError,
)
from groundswell.web.auth import User
from groundswell.web.deps import csrf, get_store, require
from groundswell.web.errors import NAMES, status_of
from groundswell.web.views import Views

log = logging.getLogger(__name__)

KINDS = ("ingest", "analyze", "champions", "close_survey")
#: Sources an upload can be (``orgchart`` and ``events`` have their own methods; the others
#: are readers of :data:`groundswell.ingest.READERS` taking one file).
SOURCES = ("orgchart", "events", "slack", "teams", "email", "engage", "viva", "survey")
KEEP_JOBS = 50
#: Largest upload accepted (bytes).
MAX_UPLOAD = 2 * 1024**3
UPLOADS = "uploads"


class Cancelled(Exception):
    """The job was cancelled (raised inside its transaction, which then rolls back; not a
    GroundswellError, so that nothing on the way reports it as bad input)."""


@dataclass
class Job:
    job_id: str
    kind: str
    username: str
    params: dict[str, Any]
    status: str = "queued"
    progress: list[dict[str, Any]] = field(default_factory=list)
    result: dict[str, Any] | None = None
    error: dict[str, Any] | None = None
    created: float = field(default_factory=time.time)
    started: float | None = None
    finished: float | None = None
    upload: Path | None = None
    cancel_requested: bool = False

    def say(self, line: str) -> None:
        if self.cancel_requested:
            raise Cancelled("cancelled")
        start = self.started or self.created
        self.progress.append({"t": round(time.time() - start, 2), "line": str(line)})

    def note(self, line: str) -> None:
        """A progress line that does not stop a cancelled job (said after the commit)."""
        start = self.started or self.created
        self.progress.append({"t": round(time.time() - start, 2), "line": str(line)})

    def as_dict(self) -> dict[str, Any]:
        shown = {k: v for k, v in self.params.items() if k != "path"}
        return {
            "job_id": self.job_id,
            "kind": self.kind,
            "username": self.username,
            "params": shown,
            "status": self.status,
            "progress": list(self.progress),
            "result": self.result,
            "error": self.error,
            "created": self.created,
            "started": self.started,
            "finished": self.finished,
            "cancel_requested": self.cancel_requested,
        }


class Queue:
    """The jobs of one workspace and the one thread that runs them, in order."""

    def __init__(self, store: Views) -> None:
        self.store = store
        self.jobs: OrderedDict[str, Job] = OrderedDict()
        self.lock = threading.Lock()
        self.todo: queue.Queue[Job | None] = queue.Queue()
        self.thread = threading.Thread(target=self._run, name="groundswell-jobs", daemon=True)
        self.thread.start()

    def submit(
        self, kind: str, params: dict[str, Any], user: User, upload: Path | None = None
    ) -> Job:
        job = Job(secrets.token_urlsafe(12), kind, user.username, params, upload=upload)
        with self.lock:
            self.jobs[job.job_id] = job
            finished = [j for j in self.jobs.values() if j.finished is not None]
            while len(self.jobs) > KEEP_JOBS and finished:
                self.jobs.pop(finished.pop(0).job_id, None)
        self.todo.put(job)
        return job

    def cancel(self, job: Job) -> None:
        with self.lock:
            if job.finished is not None:
                raise ConflictError(f"job {job.job_id} has already finished ({job.status})")
            job.cancel_requested = True

    def stop(self, timeout: float | None = None) -> None:
        self.todo.put(None)
        self.thread.join(timeout)

    def _run(self) -> None:
        while True:
            job = self.todo.get()
            if job is None:
                return
            if job.cancel_requested:
                self._end(job, "cancelled")
                continue
            job.started = time.time()
            job.status = "running"
            try:
                job.result = self._work(job)
                self._end(job, "done")
            except Cancelled:
                self._end(job, "cancelled")
            except GroundswellError as exc:
                if job.cancel_requested:  # stopped while it waited for the workspace
                    self._end(job, "cancelled")
                    continue
                status = status_of(exc)
                detail = str(exc)
                if job.upload is not None:  # the file as the user named it, not where we kept it
                    detail = detail.replace(str(job.upload), job.upload.name)
                job.error = {"status": status, "error": NAMES.get(status, "error"),
                             "detail": detail}  # fmt: skip
                self._end(job, "failed")
            except Exception as exc:  # a bug: keep the server up, say so in the job
                log.exception("job %s (%s) failed", job.job_id, job.kind)
                job.error = {"status": 500, "error": "internal_error", "detail": repr(exc)}
                self._end(job, "failed")

    def _end(self, job: Job, status: str) -> None:
        job.status = status
        job.finished = time.time()
        if status != "done" and job.upload is not None:
            shutil.rmtree(job.upload.parent, ignore_errors=True)

    def _work(self, job: Job) -> dict[str, Any]:
        def heard(description: str, n: int, total: int) -> None:
            job.say(f"{description} ({n}/{total})")

        job.say("waiting for the workspace")
        with (
            self.store.worker(write=True, cancelled=lambda: job.cancel_requested) as ws,
            progress.listen(heard),
        ):
            job.say("started")
            p = dict(job.params)
            if job.kind == "ingest":
                source, path = p["source"], p["path"]
                if source == "orgchart":
                    summary = ws.ingest_orgchart(path)
                elif source == "events":
                    summary = ws.ingest_events(path)
                else:
                    summary = ws.ingest(source, path)
                job.note("stored")
                return {"source_id": summary.source_id, "summary": _summary(summary, path)}
            if job.kind == "analyze":
                run = ws.analyze(p.get("window") or None)
                job.note(f"stored as run {run.run_id}")
                return {"run_id": run.run_id, "window": str(run.window),
                        "url": f"/?run={run.run_id}"}  # fmt: skip
            if job.kind == "champions":
                run_id = p.pop("run_id", None)
                plan = ws.champions(run_id=run_id, progress=job.say, **p)
                job.note(f"stored as plan {plan.plan_id}")
                return {"plan_id": plan.plan_id, "url": f"/planner?plan={plan.plan_id}"}
            if job.kind == "close_survey":
                summary = ws.close_survey(p["survey"])
                job.note("closed")
                return {"source_id": summary.source_id, "summary": _summary(summary)}
        raise ConfigError(f"unknown job kind {job.kind!r}")  # pragma: no cover


def _summary(summary: Any, path: Path | None = None) -> str:
    """An ingest's summary as the CLI prints it (the upload named as the user named it)."""
    text = "\n".join(summary.lines())
    return text.replace(str(path), path.name) if path is not None else text


_queues: dict[int, Queue] = {}
_queues_lock = threading.Lock()


def queue_of(store: Views) -> Queue:
    with _queues_lock:
        found = _queues.get(id(store))
        if found is None or found.store is not store:
            found = _queues[id(store)] = Queue(store)
        return found


def stop(store: Views, timeout: float | None = None) -> None:
    """Let the running job finish (and forget the queued ones) before the server stops."""
    with _queues_lock:
        found = _queues.pop(id(store), None)
    if found is not None:
        for job in list(found.jobs.values()):
            if job.status == "queued":
                job.cancel_requested = True
        found.stop(timeout)


# -- checking requests ------------------------------------------------------------------------
_WINDOW = re.compile(r"^[0-9A-Za-z:._ +-]{1,60}$")


def check(body: Any) -> tuple[str, dict[str, Any]]:
    """The job kind and its parameters from a JSON body; ConfigError (400) naming the key."""
    if not isinstance(body, dict):
        raise ConfigError('the body must be a JSON object such as {"kind": "analyze"}')
    kind = body.get("kind")
    if kind not in ("analyze", "champions", "close_survey"):
        raise ConfigError(
            f"kind must be one of analyze, champions, close_survey (an upload goes to "
            f"/api/jobs/ingest); got {kind!r}"
        )
    rest = {k: v for k, v in body.items() if k != "kind"}
    if kind == "analyze":
        unknown = sorted(set(rest) - {"window"})
        if unknown:
            raise ConfigError(f"analyze takes only 'window'; got {unknown[0]!r}")
        window = rest.get("window")
        if window in (None, ""):
            return kind, {"window": None}  # the last ties.window_days days of data
        if not isinstance(window, str) or not _WINDOW.match(window.strip()):
            raise ConfigError(
                f"window: expected START:END such as 2024-01-01:2024-03-31; got {window!r}"
            )
        from groundswell.network.window import Window

        Window.parse(window.strip())  # a bad window is refused now, not in the job
        return kind, {"window": window.strip()}
    if kind == "champions":
        from groundswell.web.planner import check_params

        return kind, check_params(rest)
    unknown = sorted(set(rest) - {"survey"})
    if unknown:
        raise ConfigError(f"close_survey takes only 'survey'; got {unknown[0]!r}")
    survey = rest.get("survey")
    if isinstance(survey, bool) or not isinstance(survey, int | str) or survey == "":
        raise ConfigError(f"survey must be a survey's id or name; got {survey!r}")
    return kind, {"survey": survey}


# -- routes ----------------------------------------------------------------------------------
router = APIRouter(prefix="/api/jobs", tags=["jobs"])
ViewsD = Annotated[Views, Depends(get_store)]
Jobs = Annotated[User, Depends(require("jobs"))]
Csrf = Annotated[User, Depends(csrf)]


def _may(user: User) -> None:
    if not user.can("jobs"):
        from groundswell.errors import ForbiddenError

        raise ForbiddenError(f"the {user.role} role may not start jobs")


def _find(store: Views, job_id: str) -> Job:
    found = queue_of(store).jobs.get(job_id)
    if found is None:
        raise NotFoundError(f"there is no job {job_id!r} (jobs are kept until restart)")
    return found


@router.get("")
def list_jobs(store: ViewsD, user: Jobs) -> list[dict[str, Any]]:
    """The recent jobs, newest first."""
    return [j.as_dict() for j in reversed(queue_of(store).jobs.values())]


@router.post("", status_code=202)
def start(store: ViewsD, user: Csrf, body: Annotated[Any, Body()] = None) -> dict[str, Any]:
    """Queue an analysis, a champion plan or a survey's closing (see the module's text)."""
    _may(user)
    kind, params = check(body)
    if kind == "champions" and params.get("run_id") is not None:
        params["run_id"] = store.run(params["run_id"]).run_id  # 404 for an unknown run
    return queue_of(store).submit(kind, params, user).as_dict()


@router.post("/ingest", status_code=202)
async def ingest(request: Request, store: ViewsD, user: Csrf) -> dict[str, Any]:
    """Queue the ingest of an uploaded file (multipart: ``file``, ``source``)."""
    _may(user)
    form = await request.form(max_part_size=MAX_UPLOAD)
    source = form.get("source")
    upload = form.get("file")
    if source not in SOURCES:
        raise ConfigError(f"source must be one of {', '.join(SOURCES)}; got {source!r}")
    if upload is None or isinstance(upload, str) or not upload.filename:
        raise ConfigError("choose a file to upload (form field 'file')")
    name = Path(upload.filename.replace("\\", "/")).name
    name = re.sub(r"[^0-9A-Za-z._-]", "_", name).lstrip(".") or "upload"
    folder = store.path / UPLOADS / (time.strftime("%Y%m%d-%H%M%S-") + secrets.token_hex(4))
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    with path.open("wb") as out:
        while chunk := await upload.read(1 << 20):
            out.write(chunk)
    if path.stat().st_size == 0:
        shutil.rmtree(folder, ignore_errors=True)
        raise ConfigError(f"{name}: the uploaded file is empty")
    params = {"source": source, "file": name, "path": path}
    return queue_of(store).submit("ingest", params, user, upload=path).as_dict()


@router.get("/{job_id}")
def get_job(job_id: str, store: ViewsD, user: Jobs) -> dict[str, Any]:
    """One job: status, progress lines, result or error."""
    return _find(store, job_id).as_dict()


@router.post("/{job_id}/cancel")
def cancel(job_id: str, store: ViewsD, user: Csrf) -> dict[str, Any]:
    """Cancel a queued or running job (409 when it has finished); the workspace is left as it
    was before the job."""
    _may(user)
    found = _find(store, job_id)
    queue_of(store).cancel(found)
    return found.as_dict()

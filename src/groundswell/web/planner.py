"""The champion planner in the dashboard: the one place where it computes instead of reading.

``POST /api/plans`` checks the request (:func:`check_params`), then computes the plan with
:meth:`groundswell.Workspace.champions` (:func:`groundswell.diffusion.champions.make_plan`:
OPIM-C seed selection on reverse-reachable sets, Tang, Tang, Xiao & Yuan, SIGMOD 2018,
against the top-down, most-connected and random baselines) in a background thread, and
answers at once with a job. ``GET /api/plans/jobs/{job_id}`` gives the job's status, the
planner's progress lines, and the ``plan_id`` when it is done (or the error, in the usual
``{"error", "detail"}`` shape with its HTTP status, when the constraints cannot be met).
The stored plan is then read like any other with ``GET /api/plans/{plan_id}``.

One plan at a time per workspace (a second request while one runs answers 409): planning
uses both cores, and the web server must keep answering. The thread works on a write lease
of its own (:meth:`groundswell.web.views.Views.worker`): other processes wait for the plan
to be stored, the dashboard's own requests go on.
Analysts and admins only (permission ``plans``); viewers and person accounts get 403.
"""

from __future__ import annotations

import logging
import secrets
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Annotated, Any

from fastapi import APIRouter, Body, Depends, Query

from groundswell.errors import (
    ConfigError,
    ConflictError,
    ForbiddenError,
    GroundswellError,
    NotFoundError,
)
from groundswell.web.auth import User
from groundswell.web.deps import csrf, get_store, names_allowed, require
from groundswell.web.errors import NAMES, status_of
from groundswell.web.views import Views

log = logging.getLogger(__name__)

MODELS = ("ic", "lt")
RULES = ("weighted_cascade", "strength", "constant")
QUOTA_ATTRIBUTES = ("department", "team", "location", "level")
#: as groundswell.diffusion.champions.QUOTA_RULES (tests/web/test_web_reads_stored.py checks)
QUOTA_RULES = ("at_least_one", "proportional")
#: Bounds that keep one request from occupying the server for long.
MAX_K = 1000
MAX_RUNS = 10_000
MIN_EPSILON = 0.05
MAX_PEOPLE_LISTED = 1000
#: Finished jobs remembered (their plans stay stored in the workspace regardless).
KEEP_JOBS = 50
DEFAULTS: dict[str, Any] = {
    "run_id": None,
    "model": "ic",
    "rule": "weighted_cascade",
    "p": 0.1,
    "quota_by": None,
    "quota": "at_least_one",
    "include": [],
    "exclude": [],
    "epsilon": 0.1,
    "runs": 1000,
    "seed": None,
}


def _int(params: dict[str, Any], key: str, low: int, high: int | None) -> int | None:
    value = params.get(key)
    if value is None:
        return None
    if (
        not isinstance(value, int)
        or isinstance(value, bool)
        or value < low
        or (high is not None and value > high)
    ):
        upper = f" and at most {high:,}" if high is not None else ""
        raise ConfigError(f"The '{key}' parameter must be an integer of at least {low}{upper}; "
                          f"got {value!r}.")  # fmt: skip
    return value


def _number(params: dict[str, Any], key: str, low: float, high: float) -> float:
    value = params.get(key, DEFAULTS[key])
    if not isinstance(value, int | float) or isinstance(value, bool) or not low <= value <= high:
        raise ConfigError(
            f"The '{key}' parameter must be a number from {low} to {high}; got {value!r}."
        )
    return float(value)


def _choice(params: dict[str, Any], key: str, allowed: tuple[Any, ...]) -> Any:
    value = params.get(key, DEFAULTS[key])
    if value not in allowed:
        shown = ", ".join("null" if a is None else repr(a) for a in allowed)
        raise ConfigError(f"The '{key}' parameter must be one of {shown}; got {value!r}.")
    return value


def _people(params: dict[str, Any], key: str) -> list[str]:
    value = params.get(key) or []
    if (
        not isinstance(value, list)
        or len(value) > MAX_PEOPLE_LISTED
        or not all(isinstance(v, str) and 0 < len(v.strip()) <= 200 for v in value)
    ):
        raise ConfigError(
            f"The '{key}' parameter must be a list of up to {MAX_PEOPLE_LISTED} person "
            f"identifiers (strings); got {value!r}."
        )
    return [v.strip() for v in value]


def check_params(params: Any) -> dict[str, Any]:
    """The plan request, checked, with defaults filled in.

    Keys: ``k`` (champions, 1 to :data:`MAX_K`; required), ``run_id`` (default: the latest
    run), ``model`` (``"ic"`` or ``"lt"``), ``rule`` (tie probabilities:
    ``"weighted_cascade"``, ``"strength"`` or ``"constant"``), ``p`` (0 < p <= 1, for the
    last two), ``quota_by`` (``department``, ``team``, ``location``, ``level`` or null) and
    ``quota`` (``"at_least_one"`` or ``"proportional"``), ``include`` and ``exclude`` (lists
    of person identifiers: pseudonymous ids, HR ids or emails), ``epsilon`` (the guarantee's
    slack, 0.05 to 0.5), ``runs`` (Monte Carlo cascades per strategy, 10 to
    :data:`MAX_RUNS`), ``seed`` (default: the run's analysis seed). Raises
    :class:`~groundswell.errors.ConfigError` (400) naming the parameter.
    """
    if not isinstance(params, dict):
        raise ConfigError(f"the plan request must be a JSON object; got {type(params).__name__}")
    unknown = sorted(set(params) - set(DEFAULTS) - {"k"})
    if unknown:
        raise ConfigError(
            f"unknown plan parameter(s) {', '.join(map(repr, unknown))}; expected k, "
            + ", ".join(DEFAULTS)
        )
    k = _int(params, "k", 1, MAX_K)
    if k is None:
        raise ConfigError("The 'k' parameter (how many champions) is required.")
    p = params.get("p", DEFAULTS["p"])
    if not isinstance(p, int | float) or isinstance(p, bool) or not 0 < p <= 1:
        raise ConfigError(f"The 'p' parameter must be a probability in (0, 1]; got {p!r}.")
    return {
        "k": k,
        "run_id": _int(params, "run_id", 1, None),
        "model": _choice(params, "model", MODELS),
        "rule": _choice(params, "rule", RULES),
        "p": float(p),
        "quota_by": _choice(params, "quota_by", (None, *QUOTA_ATTRIBUTES)),
        "quota": _choice(params, "quota", QUOTA_RULES),
        "include": _people(params, "include"),
        "exclude": _people(params, "exclude"),
        "epsilon": _number(params, "epsilon", MIN_EPSILON, 0.5),
        "runs": _int(params, "runs", 10, MAX_RUNS) or DEFAULTS["runs"],
        "seed": _int(params, "seed", 0, 2**32 - 1),
    }


@dataclass
class Job:
    """One plan being computed (or computed) in the background."""

    job_id: str
    workspace: str
    username: str
    params: dict[str, Any]
    status: str = "running"  # running, done, failed
    progress: list[str] = field(default_factory=list)
    plan_id: int | None = None
    error: dict[str, Any] | None = None
    started: float = field(default_factory=time.time)
    finished: float | None = None

    def say(self, line: str) -> None:
        self.progress.append(f"{time.time() - self.started:6.1f} s  {line}")

    def as_dict(self) -> dict[str, Any]:
        return {
            "job_id": self.job_id,
            "status": self.status,
            "username": self.username,
            "params": self.params,
            "progress": list(self.progress),
            "plan_id": self.plan_id,
            "error": self.error,
            "seconds": round((self.finished or time.time()) - self.started, 2),
            "plan_url": None if self.plan_id is None else f"/api/plans/{self.plan_id}",
        }


_lock = threading.Lock()
_jobs: OrderedDict[str, Job] = OrderedDict()
_threads: dict[str, threading.Thread] = {}  # workspace -> the thread computing its plan


def _key(store: Views) -> str:
    return str(store.path.resolve())


def start_plan(store: Views, params: Any, user: User) -> dict[str, Any]:
    """Check ``params`` (400), the run (404) and that no plan is being computed on this
    workspace (409), then compute the plan in a background thread; returns the job."""
    checked = check_params(params)
    checked["run_id"] = store.run(checked["run_id"]).run_id  # 404 for an unknown run
    key = _key(store)
    with _lock:
        running = _threads.get(key)
        if running is not None and running.is_alive():
            busy = next((j for j in reversed(_jobs.values()) if j.workspace == key), None)
            raise ConflictError(
                "a champion plan is already being computed on this workspace"
                + (f" (job {busy.job_id}, started by {busy.username})" if busy else "")
                + "; wait for it to finish",
            )
        job = Job(secrets.token_urlsafe(12), key, user.username, checked)
        _jobs[job.job_id] = job
        while len(_jobs) > KEEP_JOBS:
            _jobs.popitem(last=False)
        thread = threading.Thread(
            target=_work, args=(store, job), name=f"plan-{job.job_id}", daemon=True
        )
        _threads[key] = thread
        thread.start()
    return job.as_dict()


def _work(store: Views, job: Job) -> None:
    options = dict(job.params)
    run_id = options.pop("run_id")
    try:
        with store.worker(write=True) as ws:
            plan = ws.champions(run_id=run_id, progress=job.say, **options)
        job.plan_id = plan.plan_id
        job.say(f"stored as plan {plan.plan_id}")
        job.status = "done"
    except GroundswellError as exc:
        status = status_of(exc)
        job.error = {"status": status, "error": NAMES.get(status, "error"), "detail": str(exc)}
        job.status = "failed"
    except Exception as exc:  # a bug: keep the server up, say so in the job
        log.exception("champion plan job %s failed", job.job_id)
        job.error = {"status": 500, "error": "internal_error", "detail": repr(exc)}
        job.status = "failed"
    finally:
        job.finished = time.time()


def job(job_id: str) -> dict[str, Any]:
    """A job's state (404 when it is unknown or forgotten)."""
    found = _jobs.get(job_id)
    if found is None:
        raise NotFoundError(f"there is no plan job {job_id!r} (jobs are kept until restart)")
    return found.as_dict()


def wait(store: Views, timeout: float | None = None) -> bool:
    """Wait for the plan being computed on ``store``'s workspace, if any; True when none is
    left running."""
    thread = _threads.get(_key(store))
    if thread is not None:
        thread.join(timeout)
        return not thread.is_alive()
    return True


# -- routes --------------------------------------------------------------------------------
router = APIRouter(prefix="/api/plans", tags=["plans"])
ViewsD = Annotated[Views, Depends(get_store)]
Plans = Annotated[User, Depends(require("plans"))]
Csrf = Annotated[User, Depends(csrf)]


@router.get("")
def plans(store: ViewsD, user: Plans, run: Annotated[int | None, Query()] = None) -> list[Any]:
    """Stored champion plans, newest first (their reach per strategy)."""
    return store.plans(run)


@router.post("", status_code=202)
def create_plan(store: ViewsD, user: Csrf, params: Annotated[Any, Body()] = None) -> dict[str, Any]:
    """Start computing a champion plan (``{"k": 10, "quota_by": "department", ...}``; see
    :func:`check_params`); answers 202 with the job to poll."""
    if not user.can("plans"):
        raise ForbiddenError(f"the {user.role} role may not plan champions")
    return start_plan(store, params, user)


@router.get("/jobs/{job_id}")
def plan_job(job_id: str, user: Plans) -> dict[str, Any]:
    """A plan job: ``status`` (running, done, failed), progress lines, ``plan_id`` when done,
    ``error`` (status, error, detail) when it failed."""
    return job(job_id)


@router.get("/{plan_id}")
def plan(plan_id: int, store: ViewsD, user: Plans) -> dict[str, Any]:
    """A stored plan against its baselines: reach with 95% intervals, adoption curves,
    coverage by department (small departments suppressed), champions, reach by k.
    Champions by pseudonymous id; names for analysts and admins of an identified workspace."""
    return store.plan(plan_id, names=names_allowed(user, store))

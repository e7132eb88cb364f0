"""The champion planner's hook in the dashboard: ``POST /api/plans`` calls :func:`start_plan`.

This is the one place where the dashboard runs an analysis instead of reading a stored one
(a plan is computed on request, from the parameters chosen in the browser). Until the
planner of :mod:`groundswell.diffusion` is wired in here, :func:`start_plan` validates the
request and answers with :class:`PlannerUnavailable`, which the app turns into
``501 Not Implemented`` with the usual ``{"error": ..., "detail": ...}`` body.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from groundswell.errors import ConfigError, GroundswellError

if TYPE_CHECKING:
    from groundswell.web.store import Store


class PlannerUnavailable(GroundswellError):
    """The champion planner is not available in this build of the dashboard (HTTP 501)."""

    status = 501


def check_params(params: Any) -> dict[str, Any]:
    """The plan request as a dict: ``k`` (champions, a positive integer), optional
    ``run_id`` (int), ``quotas`` ({group: minimum champions}) and ``model`` (str)."""
    if not isinstance(params, dict):
        raise ConfigError(f"the plan request must be a JSON object; got {type(params).__name__}")
    k = params.get("k")
    if not isinstance(k, int) or isinstance(k, bool) or k < 1:
        raise ConfigError(f"'k' must be a positive integer (champions to choose); got {k!r}")
    run_id = params.get("run_id")
    if run_id is not None and (not isinstance(run_id, int) or isinstance(run_id, bool)):
        raise ConfigError(f"'run_id' must be an integer; got {run_id!r}")
    quotas = params.get("quotas", {})
    if not isinstance(quotas, dict) or not all(
        isinstance(v, int) and not isinstance(v, bool) and v >= 0 for v in quotas.values()
    ):
        raise ConfigError(f"'quotas' must map groups to non-negative integers; got {quotas!r}")
    return {**params, "k": k, "run_id": run_id, "quotas": quotas}


def start_plan(store: Store, params: Any) -> dict[str, Any]:
    """Start computing a champion plan on a stored run; returns ``{"plan_id": ...,
    "status": ...}`` once wired. For now: validates ``params`` (400 on a bad request) and
    raises :class:`PlannerUnavailable` (501)."""
    checked = check_params(params)
    store.run(checked["run_id"])  # 404 for a run that does not exist
    raise PlannerUnavailable(
        "the champion planner is not wired into the dashboard yet; "
        "stored plans are listed by GET /api/plans"
    )

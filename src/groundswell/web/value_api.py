"""The value routes of the JSON API: the findings a run stored (maturity, Q&A, leaders,
community health, onboarding), the monthly trends of the stored snapshots, and the survey
network beside the digital one.

Access: every route needs ``aggregates`` (admin, analyst, viewer; a ``person`` account gets
403). Person-level rows (the top people of the maturity table, leaders by id, the leader of
each Q&A session, who changed persona or roles, who is influential in one network and
invisible in the other) are in the answer only for a role with ``people`` (admin,
analyst); for a viewer those keys are ``null`` and only counts are given. Display names
only for ``names`` in an identified workspace. A survey layer's ego network
(``/api/people/{id}/survey-ego``) needs ``people``.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query

from groundswell.web.auth import User
from groundswell.web.deps import get_store, names_allowed, require
from groundswell.web.views import Views

router = APIRouter(prefix="/api")

ViewsD = Annotated[Views, Depends(get_store)]
Aggregates = Annotated[User, Depends(require("aggregates"))]
People = Annotated[User, Depends(require("people"))]


def value(store: Views, user: User, run_id: int | None) -> dict[str, Any]:
    """Value maturity at three scales (top people only for ``people``)."""
    return store.value(run_id, people=user.can("people"), names=names_allowed(user, store))


def qa(store: Views, user: User, run_id: int | None) -> dict[str, Any]:
    """Q&A health (sessions' leaders only for ``people``)."""
    return store.qa(run_id, people=user.can("people"))


def leaders(store: Views, user: User, run_id: int | None) -> dict[str, Any]:
    """Connected leadership (leader rows only for ``people``)."""
    return store.leaders(run_id, people=user.can("people"), names=names_allowed(user, store))


def community_health(store: Views, user: User, run_id: int | None) -> dict[str, Any]:
    """Community health (aggregates)."""
    return store.community_health(run_id)


def trends(store: Views, user: User, run_id: int | None) -> dict[str, Any]:
    """Monthly series and persona changes (people who changed only for ``people``)."""
    return store.trends(run_id, people=user.can("people"))


def onboarding(store: Views, user: User, run_id: int | None) -> dict[str, Any]:
    """Onboarding by department (aggregates)."""
    return store.onboarding(run_id)


def survey(store: Views, user: User, run_id: int | None, survey_id: int | None) -> dict[str, Any]:
    """The survey beside the digital network (hidden people only for ``people``)."""
    return store.survey_beside(
        run_id, survey_id, people=user.can("people"), names=names_allowed(user, store)
    )


@router.get("/runs/{run_id}/value", tags=["value"])
def value_route(run_id: int, store: ViewsD, user: Aggregates) -> dict[str, Any]:
    """Value maturity: the network's stage and five scores, departments, teams and
    communities, people by stage; ``top_people`` for admins and analysts only."""
    return value(store, user, run_id)


@router.get("/runs/{run_id}/qa", tags=["value"])
def qa_route(run_id: int, store: ViewsD, user: Aggregates) -> dict[str, Any]:
    """Q&A: summary, channels, department boundaries, leader sessions (``sessions`` for
    admins and analysts only; ``session_count`` for all)."""
    return qa(store, user, run_id)


@router.get("/runs/{run_id}/leaders", tags=["value"])
def leaders_route(run_id: int, store: ViewsD, user: Aggregates) -> dict[str, Any]:
    """Connected leadership: organisation medians, verdict counts; ``leaders`` (one row per
    leader) for admins and analysts only."""
    return leaders(store, user, run_id)


@router.get("/runs/{run_id}/community-health", tags=["value"])
def community_health_route(run_id: int, store: ViewsD, user: Aggregates) -> dict[str, Any]:
    """Community health: every community and channel with kind, renewal, trend and the
    stagnating flag."""
    return community_health(store, user, run_id)


@router.get("/runs/{run_id}/trends", tags=["value"])
def trends_route(run_id: int, store: ViewsD, user: Aggregates) -> dict[str, Any]:
    """Monthly series of the stored snapshots and persona/role changes between the last
    two months (``changed_people`` for admins and analysts only)."""
    return trends(store, user, run_id)


@router.get("/runs/{run_id}/onboarding", tags=["value"])
def onboarding_route(run_id: int, store: ViewsD, user: Aggregates) -> dict[str, Any]:
    """Onboarding: newcomers by department, days to k ties, ties after 30/60/90 days."""
    return onboarding(store, user, run_id)


@router.get("/runs/{run_id}/survey", tags=["value"])
def survey_route(
    run_id: int,
    store: ViewsD,
    user: Aggregates,
    survey_id: Annotated[
        int | None, Query(alias="survey", description="Survey id; the latest closed if omitted.")
    ] = None,
) -> dict[str, Any]:
    """A closed survey beside the run's digital network: response rate (suppressed), the
    Jaccard overlap per question, and ``hidden`` (influential in one network, invisible in
    the other) for admins and analysts only."""
    return survey(store, user, run_id, survey_id)


@router.get("/people/{person_id}/survey-ego", tags=["people"])
def survey_ego_route(
    person_id: str,
    store: ViewsD,
    user: People,
    layer: Annotated[str, Query(description="A survey layer, survey:<question>.")],
    run: Annotated[int | None, Query(description="Run id; the latest if omitted.")] = None,
) -> dict[str, Any]:
    """A person's ties in a survey layer: whom they named and who named them."""
    return store.survey_layer_ego(run, person_id, layer, names=names_allowed(user, store))

"""Initiatives on the dashboard: the JSON routes and the page.

- ``GET /api/initiatives``: every initiative defined, with its reading;
- ``GET /api/initiatives/{name}``: one initiative's stored traction (periods, groups, status
  against the plan, influencers by role, the definition of the index);
- ``GET /initiatives``: the page, every measured initiative (or ``?name=`` one) with its
  traction curve and the people taking part by department, each chart with its reading.

Access: ``aggregates`` (admin, analyst, viewer); a ``person`` or ``group_lead`` account
gets 403. Every figure is a group's or a count (influencers by role, never by name), through
the privacy gate when it was stored. ``groundswell traction`` computes and stores; these
routes only read (:mod:`groundswell.web.views.traction_reads`).
"""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from groundswell.report.traction_section import initiative_context
from groundswell.web.auth import User
from groundswell.web.deps import get_store, require
from groundswell.web.pages import render
from groundswell.web.views import Views

router = APIRouter()

ViewsD = Annotated[Views, Depends(get_store)]
Aggregates = Annotated[User, Depends(require("aggregates"))]


@router.get("/api/initiatives", tags=["initiatives"])
def initiatives_route(store: ViewsD, user: Aggregates) -> list[dict[str, Any]]:
    """Every initiative defined (``groundswell traction``), the most recently measured
    first: definition, when measured, run and plan used, and the reading in words."""
    return store.initiatives()


@router.get("/api/initiatives/{name}", tags=["initiatives"])
def initiative_route(name: str, store: ViewsD, user: Aggregates) -> dict[str, Any]:
    """One initiative's stored traction: ``periods`` (participants, groups reached,
    influencers, replies, two-way and cross-boundary shares, quality, reach, traction),
    ``groups`` (people taking part by group and period, groups below the minimum size left
    out), ``status`` (each group spreading, stalled or not reached, with the plan's forecast
    share), ``roles`` (influencers by role, counted), ``index`` and ``reading``."""
    return store.initiative(name)


@router.get("/initiatives", include_in_schema=False)
def initiatives_page(
    request: Request, store: ViewsD, user: Aggregates, name: str | None = None
) -> Response:
    listing = store.initiatives()
    chosen = [name] if name is not None else [i["name"] for i in listing if i["computed_at"]]
    shown = [initiative_context(store.initiative(n)) for n in chosen[:5]]
    url = "/api/initiatives" + (f"/{quote(name, safe='')}" if name is not None else "")
    return render(
        request,
        "initiatives.html.j2",
        user,
        api_url=url,
        listing=listing,
        initiatives=shown,
        min_size=store.min_group_size,
    )

"""The store's reads of initiatives and their stored traction (tables ``initiatives`` and
``initiative_*``, written by ``groundswell traction``, read through
:mod:`groundswell.initiatives`).

Nothing is computed here: each answer is the stored figures as plain data
(:meth:`groundswell.initiatives.Traction.as_dict`), groups below the minimum group size left
out (they are stored merged into "(suppressed)"; checked again before anything leaves).
Influencers are counted by role, never listed, so every role that reads aggregates may read
these answers.
"""

from __future__ import annotations

from typing import Any

from groundswell.errors import NotFoundError
from groundswell.initiatives import listed, read
from groundswell.web.views.core import ViewsCore, clean


class TractionQueries(ViewsCore):
    """Stored initiatives and their traction (see :class:`ViewsCore`)."""

    def initiatives(self) -> list[dict[str, Any]]:
        """Every initiative defined, the most recently measured first: its definition,
        when it was measured, the run and plan used, its latest traction index and the
        reading in words."""
        rows = listed(self.ws())
        return clean(
            [
                {
                    "name": str(r.name),
                    "definition": r.definition,
                    "computed_at": None if r.computed_at != r.computed_at else str(r.computed_at),
                    "run_id": None if r.run_id != r.run_id else int(r.run_id),
                    "plan_id": None if r.plan_id != r.plan_id else int(r.plan_id),
                    "reading": r.reading,
                }
                for r in rows.itertuples(index=False)
            ]
        )

    def initiative(self, name: str) -> dict[str, Any]:
        """One initiative's stored traction: periods (reach, quality, index), people taking
        part by group and period, each group's status against the plan's forecast,
        influencers by role, the definition of the index and the reading."""
        ws = self.ws()
        known = listed(ws)
        if name not in set(known.loc[known["measured"], "name"]):
            raise NotFoundError(f"no traction measured for an initiative named {name!r}")
        return clean(read(ws, name).as_dict(self.min_group_size))

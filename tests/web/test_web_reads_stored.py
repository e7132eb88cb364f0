"""The dashboard reads what analyze and the planner stored (issue 14, point 2): the formal
page's group matrix is the run's stored group ties through the privacy gate, equal to
:func:`groundswell.analysis.formal.group_matrix` on the run's graph (what the store computed
before); a stored plan is read through the Workspace; the planner's checks name the same
choices as the library it hands the plan to."""

from __future__ import annotations

import numpy as np
import pytest

import groundswell as gs
from groundswell.analysis.formal import group_matrix
from groundswell.diffusion import champions
from groundswell.web import planner
from groundswell.web.views import Views


@pytest.mark.parametrize("attribute", ["department", "team", "location"])
def test_the_formal_matrix_is_the_stored_group_ties(web_ws, attribute: str) -> None:
    store = Views(web_ws.path)
    answer = store.formal(None, attribute)["matrix"]
    with gs.open(web_ws.path) as ws:
        run = ws.run()
        ref = group_matrix(
            run.graph(),
            run.people()[attribute],
            normalize=True,
            min_group_size=ws.settings.min_group_size,
        )
    assert answer["groups"] == [str(g) for g in ref.index]
    got = np.array([[np.nan if v is None else v for v in row] for row in answer["values"]])
    np.testing.assert_allclose(got, ref.to_numpy().round(4), atol=1e-12, equal_nan=True)


def test_a_stored_plan_reads_as_the_planner_stored_it(web_ws) -> None:
    answer = Views(web_ws.path).plan(web_ws.plan_id)
    with gs.open(web_ws.path) as ws:
        plan = champions.ChampionPlan.load(ws, web_ws.plan_id)
    names = [s for s in champions.STRATEGIES if s in plan.summary["strategies"]]
    assert [s["strategy"] for s in answer["strategies"]] == names
    assert [s["what"] for s in answer["strategies"]] == [champions.STRATEGY_TEXT[s] for s in names]


def test_the_planner_offers_the_library_s_choices() -> None:
    assert planner.QUOTA_RULES == champions.QUOTA_RULES

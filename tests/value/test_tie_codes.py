"""The run's ties read once as integers (value/_base.TieCodes, value/queries.run_codes): the
codes name exactly the stored ties, row for row (the oracle: the run reader's ``Run.ties``),
and the measures that take them (My network's contact matrix and rows, group figures) give
what they give on the pseudonyms themselves; My network's bodies made in parts are the
bodies made at once."""

from __future__ import annotations

import numpy as np
import pandas as pd

import groundswell as gs
from groundswell.value import my_network, queries
from groundswell.value._base import TieCodes
from tests.value.conftest import WINDOW


def _named(codes: TieCodes) -> list[tuple[str, str]]:
    ids = np.asarray(codes.ids, dtype=object)
    return list(zip(ids[codes.actor].tolist(), ids[codes.target].tolist(), strict=True))


def _pairs(ties: pd.DataFrame) -> list[tuple[str, str]]:
    return list(zip(ties["actor_id"].tolist(), ties["target_id"].tolist(), strict=True))


def test_codes_of_a_frame_name_its_ties_in_order() -> None:
    ties = pd.DataFrame(
        {"actor_id": ["b", "a", "c", "b", "d"], "target_id": ["a", "c", "b", "d", "b"]}
    )
    codes = TieCodes.of(ties)
    assert codes.ids.tolist() == ["b", "a", "c", "d"]  # first seen: the actors, then targets
    assert _named(codes) == _pairs(ties)
    assert codes.actor.dtype == np.int64 and codes.target.dtype == np.int64
    assert sorted(codes.ends()) == ["a", "b", "c", "d"]
    lone = TieCodes(pd.Index(["x", "a", "b"]), np.array([1]), np.array([2]))
    assert lone.ends().tolist() == ["a", "b"]  # x is at no end
    a, b = codes.positions(pd.Index(["a", "b", "c"]))
    assert a.tolist() == [1, 0, 2, 1, -1] and b.tolist() == [0, 2, 1, -1, 1]


def test_run_codes_name_the_stored_ties_row_for_row(tiny: gs.Workspace, monkeypatch) -> None:
    run = tiny.analyze(window=WINDOW)
    stored = run.ties()[["actor_id", "target_id"]]
    assert len(stored) > 3
    monkeypatch.setattr(queries, "CODES_BATCH", 2)  # several batches
    codes = queries.run_codes(run)
    assert _named(codes) == _pairs(stored)
    assert codes.ids.tolist() == queries.run_people(run).tolist()  # every end one of its people


def test_run_codes_number_an_end_outside_the_run_after_its_people(tiny: gs.Workspace) -> None:
    run = tiny.analyze(window=WINDOW)
    people = queries.run_people(run).tolist()
    with tiny.writing():
        tiny.con.execute(
            "INSERT INTO ties SELECT run_id, 'zz-outside', target_id, layer, n, weight, strong, "
            "diverse, reciprocated FROM ties WHERE run_id = ? LIMIT 1",
            [run.run_id],
        )
    codes = queries.run_codes(run)
    assert codes.ids.tolist() == [*people, "zz-outside"]
    stored = run.ties()[["actor_id", "target_id"]]
    assert _named(codes) == _pairs(stored)


def test_personal_rows_and_group_figures_are_the_same_from_codes(
    tiny: gs.Workspace, monkeypatch
) -> None:
    from groundswell.value import compute

    run = tiny.analyze(window=WINDOW)
    table = compute.maturity(tiny, run=run)
    ws = run.ws
    win = queries.default_window(ws, run, None)
    stored = run.ties()
    args = (
        queries.people(ws),
        queries.channel_members(ws, win),
        compute.questions(ws, win),
        queries.opted_out(ws, "no_suggest"),
        compute.persona_periods(run),
    )
    by_name = my_network.rows(run.run_id, table, stored, *args)
    by_code = my_network.rows(run.run_id, table, queries.run_codes(run), *args)
    assert len(by_name["person_value"]) and len(by_name["suggestions"])
    for key in ("person_value", "suggestions"):
        pd.testing.assert_frame_equal(by_name[key], by_code[key])
    sug, parts = my_network.parts(run.run_id, table, stored, *args, size=2)
    pd.testing.assert_frame_equal(sug, by_name["suggestions"])
    parts = list(parts)
    assert len(parts) > 1 and all(len(p) <= 2 for p in parts)
    pd.testing.assert_frame_equal(pd.concat(parts, ignore_index=True), by_name["person_value"])
    index = pd.Index(sorted(set(stored["actor_id"]) | set(stored["target_id"])))
    assert (
        my_network.contact_matrix(stored, index)
        != my_network.contact_matrix(TieCodes.of(stored), index)
    ).nnz == 0

    codes = compute.group_figures(run, table)
    monkeypatch.setattr(queries, "run_codes", lambda r: r.ties())  # the frame, by name
    named = compute.group_figures(run, table)
    assert any(row["bridges"] for rows in named["scales"].values() for row in rows.values())
    assert named == codes

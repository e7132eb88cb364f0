"""The value step reads each window once (value/queries.shared) and says exactly what it said
when every measure read for itself: the findings computed with shared reads equal those
computed without (the oracle), each window's ties are built once, and the run's personas and
roles read from the stored labels equal the run reader's (Run.people, Run.roles)."""

from __future__ import annotations

import json
import math
from typing import Any

import pandas as pd

import groundswell as gs
from groundswell.value import findings as vf
from groundswell.value import my_network, queries
from tests.value.conftest import WINDOW


def _same(a: Any, b: Any, where: str = "") -> None:
    if isinstance(a, dict):
        assert isinstance(b, dict) and set(a) == set(b), where
        for k in a:
            _same(a[k], b[k], f"{where}/{k}")
    elif isinstance(a, list | tuple):
        assert isinstance(b, list | tuple) and len(a) == len(b), where
        for i, (x, y) in enumerate(zip(a, b, strict=True)):
            _same(x, y, f"{where}[{i}]")
    elif isinstance(a, float) and math.isnan(a):
        assert isinstance(b, float) and math.isnan(b), where
    else:
        assert a == b, f"{where}: {a!r} != {b!r}"


def test_shared_reads_give_the_same_findings_and_build_each_window_once(
    tiny: gs.Workspace, monkeypatch
) -> None:
    run = tiny.analyze(window=WINDOW)
    alone = vf._compute(run)  # no shared block: every measure reads for itself
    stored_alone = tiny.query("SELECT * FROM person_value ORDER BY person_id")
    built: list[tuple[Any, Any]] = []
    real = queries.build_ties

    def counting(con, window, rules, **kw):  # type: ignore[no-untyped-def]
        built.append((window.start, window.end))
        return real(con, window, rules, **kw)

    monkeypatch.setattr(queries, "build_ties", counting)
    shared = vf.compute(run)
    _same(alone, shared)
    pd.testing.assert_frame_equal(
        stored_alone, tiny.query("SELECT * FROM person_value ORDER BY person_id")
    )
    assert built and len(built) == len(set(built)), built
    assert queries._SHARED == {}  # nothing kept after the block


def test_earlier_windows_read_together_give_the_same_findings(
    tiny: gs.Workspace, monkeypatch
) -> None:
    """With ``together`` (analyze on a small workspace) the earlier windows' activity is one
    query, and every finding is what each measure reading for itself computes."""
    run = tiny.analyze(window=WINDOW)
    alone = vf._compute(run)
    calls: list[int] = []
    real = queries._activities

    def counting(con, windows, rules):  # type: ignore[no-untyped-def]
        calls.append(len(windows))
        return real(con, windows, rules)

    monkeypatch.setattr(queries, "_activities", counting)
    with queries.shared(tiny, together=True):
        together = vf.compute(run)
    _same(alone, together)
    assert calls == [my_network.PERIODS - 1]  # the three earlier windows, one read
    calls.clear()
    vf.compute(run)  # not together: one read a window
    assert calls == []


def test_run_personas_and_roles_equal_the_run_reader(tiny: gs.Workspace) -> None:
    run = tiny.analyze(window=WINDOW)
    people = run.people()
    personas = queries.run_personas(run)
    assert sorted(personas.index) == sorted(people.index)
    assert personas.reindex(people.index).astype(str).tolist() == (
        people["persona"].astype(str).tolist()
    )
    roles = queries.run_roles(run)
    pd.testing.assert_frame_equal(roles.loc[run.roles().index], run.roles(), check_names=False)
    assert roles.to_numpy().any()  # a role is held: the comparison is not of two empty tables


def test_next_steps_read_a_dict_as_a_series() -> None:
    row = pd.Series(
        {
            "stage": "connect",
            **{st: 0.2 for st in my_network.STAGES},
            **{
                c: 3
                for st in my_network.STAGES
                for name, num, den in my_network.INDICATORS[st]
                for c in (num, den)
            },
            **{name: 0.5 for st in my_network.STAGES for name, _, _ in my_network.INDICATORS[st]},
        }
    )
    row["out_ties"] = 8
    limits = dict.fromkeys(my_network.STAGES, 0.6)
    got = my_network.next_steps(row.to_dict(), {}, limits)
    assert got == my_network.next_steps(row, {}, limits)
    assert got["next_stage"] == "share" and got["next_steps"]


def test_analyze_hands_its_window_reads_to_the_value_step(tiny: gs.Workspace, monkeypatch) -> None:
    """``analyze`` hands the ties, activity and people of its window to the value step
    (queries.hand_over): the value step builds no tie of the run's window again, and the
    findings it stores equal those computed afterwards with every measure reading alone."""
    built: list[tuple[Any, Any]] = []
    read: list[str] = []
    real_ties, real_activity, real_active = (
        queries.build_ties,
        queries._activity,
        queries.active_people,
    )

    def counting(con, window, rules, **kw):  # type: ignore[no-untyped-def]
        built.append((window.start, window.end))
        return real_ties(con, window, rules, **kw)

    def activity(con, window, rules):  # type: ignore[no-untyped-def]
        read.append(f"activity {window}")
        return real_activity(con, window, rules)

    def active(con, window, rules):  # type: ignore[no-untyped-def]
        read.append(f"members {window}")
        return real_active(con, window, rules)

    monkeypatch.setattr(queries, "build_ties", counting)
    monkeypatch.setattr(queries, "_activity", activity)
    monkeypatch.setattr(queries, "active_people", active)
    run = tiny.analyze(window=WINDOW)
    span = (run.window.start, run.window.end)
    assert built and span not in built, built  # earlier windows are still built, once each
    assert f"activity {run.window}" not in read and f"members {run.window}" not in read, read
    monkeypatch.undo()
    stored = vf.load(tiny, run.run_id)
    alone = json.loads(json.dumps(vf._compute(run), default=vf._plain))
    _same({k: stored[k] for k in alone}, alone)

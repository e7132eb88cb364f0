"""Snapshots over time: incremental recomputation (counted), series, changes, onboarding and
before/after, on a small hand-built history (January to mid-March 2024)."""

from __future__ import annotations

import pandas as pd
import pytest

from groundswell.errors import AnalysisError, ConfigError
from groundswell.value import timeline
from tests.conftest import HR_ROWS
from tests.value.conftest import build, dm, events, pid

# Gus joins Eng on 10 January 2024
HR = [*HR_ROWS, ["E7", "Gus Gray", "gus@x.com", "E2", "Eng", "Core", "Dev", "London",
                 "2024-01-10", "", "C"]]  # fmt: skip
JAN_FEB = [
    dm("j1", "E2", "E4", "2024-01-08T10:00:00"),
    dm("j2", "E2", "E4", "2024-01-09T10:00:00"),
    dm("j3", "E4", "E2", "2024-01-08T11:00:00"),
    dm("j4", "E4", "E2", "2024-01-09T11:00:00"),
    dm("j5", "E4", "E7", "2024-01-05T10:00:00"),  # before Gus was hired: does not count
    dm("j6", "E7", "E2", "2024-01-11T10:00:00"),
    dm("j7", "E2", "E7", "2024-01-12T10:00:00"),  # Gus-Bob: 2 acts, 2.42 days after hire
    dm("j8", "E7", "E4", "2024-01-20T10:00:00"),
    dm("j9", "E7", "E4", "2024-01-21T10:00:00"),  # Gus-Dan: 2 acts since hire, 11.42 days
    dm("f1", "E2", "E3", "2024-02-05T10:00:00"),
    dm("f2", "E2", "E3", "2024-02-06T10:00:00"),
]
MARCH = [
    dm("m1", "E5", "E3", "2024-03-04T10:00:00"),
    dm("m2", "E5", "E3", "2024-03-05T10:00:00"),
    dm("m3", "E5", "E1", "2024-03-15T10:00:00"),
]


@pytest.fixture
def history(tmp_path):
    ws = build(tmp_path / "hist", JAN_FEB, min_group_size=1, hr_rows=HR)  # every figure shown
    yield ws, tmp_path
    ws.close()


def test_only_touched_periods_are_recomputed(history) -> None:
    ws, tmp = history
    first = timeline.snapshots(ws, "month")
    assert first.computed == ["2024-01-01", "2024-02-01"] and first.skipped == 0
    again = timeline.snapshots(ws, "month")
    assert again.computed == [] and again.skipped == 2
    ws.ingest_events(events(tmp / "march.csv", MARCH))
    after = timeline.snapshots(ws, "month")
    assert after.computed == ["2024-03-01"] and after.skipped == 2
    # only March holds rows of the new ingest: January and February were not read again
    assert after.scan == "new ingests" and first.scan == "all events"
    assert timeline.touched_periods(ws, "month", [3]) == [pd.Timestamp("2024-03-01", tz="UTC")]
    # the same file again adds nothing and touches nothing
    ws.ingest_events(events(tmp / "march.csv", MARCH))
    assert timeline.snapshots(ws, "month").computed == []
    # one late event in February touches February alone
    ws.ingest_events(events(tmp / "late.csv", [dm("f3", "E3", "E2", "2024-02-20T10:00:00")]))
    late = timeline.snapshots(ws, "month")
    assert late.computed == ["2024-02-01"] and late.skipped == 2
    assert timeline.snapshots(ws, "month", full=True).computed == [
        "2024-01-01", "2024-02-01", "2024-03-01",
    ]  # fmt: skip
    # weeks are kept apart from months; only weeks with events have a snapshot (weeks of
    # 1, 8 and 15 January, 5 and 19 February, 4 and 11 March)
    weeks = timeline.snapshots(ws, "week")
    assert len(weeks.computed) == weeks.periods == 7
    assert ws.query("SELECT count(*) AS n FROM snapshots WHERE period = 'month'")["n"][0] == 3


def test_a_changed_org_chart_recomputes_every_period(history) -> None:
    ws, tmp = history
    timeline.snapshots(ws, "month")
    from tests.conftest import HR_HEADER, write_csv

    moved = [r if r[0] != "E4" else [*r[:4], "Sales", *r[5:]] for r in HR]
    ws.ingest_orgchart(write_csv(tmp / "hr2.csv", HR_HEADER, moved))
    assert len(timeline.snapshots(ws, "month").computed) == 2


def test_series_by_hand(history) -> None:
    ws, _ = history
    timeline.snapshots(ws, "month")
    s = timeline.series(ws, "month")
    jan, feb = s.iloc[0], s.iloc[1]
    # January: bob<->dan (returned both ways) and gus->dan; the rest of the pairs made one
    # act only. February: bob->cat, across departments, not returned
    assert (jan["ties"], feb["ties"]) == (3, 1)
    assert jan["reciprocity"] == pytest.approx(2 / 3) and feb["reciprocity"] == 0
    assert jan["cross_department_share"] == 0 and feb["cross_department_share"] == 1
    assert jan["hires"] == 1 and feb["hires"] == 0
    assert jan["people"] == 6  # ann, bob, cat, dan, eve, gus (fay left in 2023)
    assert (jan["interactions"], feb["interactions"]) == (9, 2)
    assert s.index[0] == pd.Timestamp("2024-01-01", tz="UTC")
    with pytest.raises(ConfigError):
        timeline.series(ws, "year")


def test_changes_match_the_stored_snapshots(history) -> None:
    ws, _ = history
    with pytest.raises(AnalysisError):
        timeline.series(ws, "quarter")
    timeline.snapshots(ws, "month")
    moved = timeline.changes(ws, "month")
    people = ws.query("SELECT person_id, period_start, persona, roles FROM snapshot_people")
    jan = people[people["period_start"].dt.month == 1].set_index("person_id")
    feb = people[people["period_start"].dt.month == 2].set_index("person_id")
    expected = {
        p
        for p in jan.index.union(feb.index)
        if p not in jan.index
        or p not in feb.index
        or jan.loc[p, "persona"] != feb.loc[p, "persona"]
        or set(jan.loc[p, "roles"].split(",")) != set(feb.loc[p, "roles"].split(","))
    }
    assert set(moved.index) == expected and expected
    bob = pid(ws, "E2")
    gained = set(filter(None, moved.loc[bob, "roles_gained"].split(",")))
    assert gained == set(feb.loc[bob, "roles"].split(",")) - set(jan.loc[bob, "roles"].split(","))


def test_onboarding_by_hand(history) -> None:
    ws, tmp = history
    ws.ingest_events(events(tmp / "march.csv", MARCH))
    table = timeline.onboarding(ws, ties=2)
    assert list(table.index) == [pid(ws, "E7")]  # everyone else was hired before the data
    gus = table.iloc[0]
    # the second tie (with dan) forms on 21 January at 10:00: the act of 5 January predates
    # the hire and does not count
    assert gus["days_to_k"] == pytest.approx(11 + 10 / 24)
    assert gus["ties_30"] == 2 and gus["ties_60"] == 2
    assert pd.isna(gus["ties_90"])  # the data ends on 15 March, 65 days after the hire
    summary = timeline.onboarding_summary(table, 5)  # one newcomer: nothing to show at all
    assert summary.empty
    summary = timeline.onboarding_summary(table, 1)
    assert len(summary) == 1 and summary.index[0] != "(suppressed)"
    assert summary["ties_30"].iloc[0] == 2  # a group large enough shows its figures
    five = pd.concat([table] * 5)  # five newcomers of one small department, merged: count only
    five["department"] = [f"d{i}" for i in range(5)]
    merged = timeline.onboarding_summary(five, 2)
    assert (
        merged.index.tolist() == ["(suppressed)"] and merged.loc["(suppressed)", "newcomers"] == 5
    )
    assert merged["ties_30"].isna().all()


def test_before_and_after_a_date(history) -> None:
    ws, _ = history
    c = timeline.compare_dates(ws, "2024-02-01", days=29)
    h = c.headline
    assert (h.loc["ties", "before"], h.loc["ties", "after"], h.loc["ties", "change"]) == (3, 1, -2)
    assert "maturity_connect" in h.index
    d = c.departments
    assert d.loc["Eng", "inside_share_before"] == 1 and d.loc["Eng", "inside_share_after"] == 0
    assert c.before == "2024-01-03:2024-01-31" and c.after == "2024-02-01:2024-02-29"
    with pytest.raises(ConfigError):
        timeline.compare_dates(ws, "not a date")


def test_newcomer_ties_on_keys_are_the_query_on_pseudonyms(tmp_path, monkeypatch) -> None:
    # the keyed query (acts paired on integer keys) against the one on the interactions view
    # (every act's pseudonyms resolved): three newcomers, random acts either side of the hires
    import numpy as np

    from groundswell.network.ties import keyed, one_key_each
    from groundswell.value import queries

    hr = [*HR_ROWS, *([f"E{i}", f"New {i}", f"n{i}@x.com", "E2", "Eng", "Core", "Dev", "London",
                       f"2024-01-{8 + i}", "", "C"] for i in (7, 8, 9))]  # fmt: skip
    rng = np.random.default_rng(3)
    people = ["E1", "E2", "E3", "E4", "E5", "E7", "E8", "E9"]
    rows = []
    for i in range(300):
        a, b = rng.choice(people, size=2, replace=False)
        ts = pd.Timestamp("2024-01-01") + pd.Timedelta(minutes=int(rng.integers(0, 80 * 1440)))
        rows.append(dm(f"n{i}", str(a), str(b), ts.isoformat()))
    ws = build(tmp_path / "nk", rows, min_group_size=1, hr_rows=hr)
    try:
        assert keyed(ws.con) and one_key_each(ws.con)
        fast = {k: queries.newcomer_ties(ws, k) for k in (1, 2, 4)}
        monkeypatch.setattr(queries, "one_key_each", lambda con: False)
        for k, table in fast.items():
            slow = queries.newcomer_ties(ws, k)
            assert len(table) == 3 and table["days_to_k"].notna().any()
            pd.testing.assert_frame_equal(table, slow, check_exact=True)
    finally:
        ws.close()

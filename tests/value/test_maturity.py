"""Value maturity on the hand-built scenario of conftest.py; every expected value is worked
out in the comments from the events listed there."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import groundswell as gs
from groundswell.privacy import SUPPRESSED
from groundswell.value import compute, maturity
from tests.value.conftest import SCENARIO, WINDOW, build, pid


def _row(table: pd.DataFrame, scale: str, group: str) -> pd.Series:
    rows = table[(table["scale"] == scale) & (table["group"] == group)]
    assert len(rows) == 1, (scale, group)
    return rows.iloc[0]


def test_connect_by_hand(tiny) -> None:
    t = compute.maturity(tiny, window=WINDOW)
    bob, dan, cat, eve = (_row(t, "person", pid(tiny, e)) for e in ("E2", "E4", "E3", "E5"))
    # bob: out-ties dan (returned) and cat (not): 1/2; contacts dan, cat: cat is Sales (1/2)
    # and new (bob-dan already tied the week before): 1/2
    assert (bob["reciprocated"], bob["across"], bob["new_ties"]) == (0.5, 0.5, 0.5)
    assert bob["connect"] == pytest.approx(0.5)
    # dan: one out-tie, returned; one contact, same department, not new
    assert dan["connect"] == pytest.approx(1 / 3)
    # cat: no out-tie (0); contacts bob (other department) and eve, both new
    assert (cat["reciprocated"], cat["across"], cat["new_ties"]) == (0, 0.5, 1)
    # eve: out-tie to cat not returned; same department; new
    assert eve["connect"] == pytest.approx(1 / 3)
    # the network pools the counts: out-ties 4, returned 2; contacts 6, across 2, new 4
    net = _row(t, "network", "all")
    assert net["connect"] == pytest.approx((2 / 4 + 2 / 6 + 4 / 6) / 3)
    # the department pools its members' counts the same way: out 3, returned 2; contacts
    # 3 (bob 2, dan 1), across 1, new 1
    assert _row(t, "department", "Eng")["connect"] == pytest.approx((2 / 3 + 1 / 3 + 1 / 3) / 3)


def test_new_ties_are_left_out_when_the_data_starts_in_the_window(tiny) -> None:
    # the same window, its previous week made empty: without an earlier window every contact
    # would be "new" (new ties 1 for everyone); the workspace has no data for the indicator,
    # so it is left out of the mean, as the solve indicators are without a question
    tiny.con.execute("DELETE FROM interaction_rows WHERE ts < TIMESTAMPTZ '2024-01-08 00:00:00+00'")
    t = compute.maturity(tiny, window=WINDOW)
    assert not t.attrs["available"]["new_ties"] and not t.attrs["available"]["new_across"]
    bob, cat = (_row(t, "person", pid(tiny, e)) for e in ("E2", "E3"))
    assert np.isnan(bob["new_ties"]) and np.isnan(cat["new_across"])
    # connect: the mean of reciprocated and across alone (bob 1/2 and 1/2; cat 0 and 1/2)
    assert bob["connect"] == pytest.approx(0.5) and cat["connect"] == pytest.approx(0.25)
    net = _row(t, "network", "all")
    assert net["connect"] == pytest.approx((2 / 4 + 2 / 6) / 2)
    # innovate had new ties across and new communities: neither has data, so not reached
    assert np.isnan(net["innovate"]) and net["stage"] in ("none", "connect", "share", "solve")


def test_share_solve_innovate_lead_change_by_hand(tiny) -> None:
    t = compute.maturity(tiny, window=WINDOW)
    bob, dan, cat, eve = (_row(t, "person", pid(tiny, e)) for e in ("E2", "E4", "E3", "E5"))
    # share: bob's p1 drew dan's reply and cat's reaction (Sales): responded and beyond;
    # p2 drew nothing
    assert bob["share"] == pytest.approx(0.5)
    assert dan["share"] == pytest.approx(1.0)  # q2 answered by cat (Sales)
    assert eve["share"] == 0  # q3 unanswered
    assert _row(t, "network", "all")["share"] == pytest.approx((3 / 5 + 2 / 5) / 2)
    # solve: cat asked p3 (answered by eve in 2 h: fast, same department) and answered q2
    # (30 h: slow, across): answered 2/2, fast 1/2, across 1/2
    assert cat["solve"] == pytest.approx((1 + 0.5 + 0.5) / 3)
    assert eve["solve"] == pytest.approx((0.5 + 0.5 + 0) / 3)  # p3 answered; q3 not
    assert dan["solve"] == pytest.approx((1 + 0 + 1) / 3)
    assert bob["solve"] == 0
    # network: taken part 5, answered 4, fast 2, across 2
    assert _row(t, "network", "all")["solve"] == pytest.approx((4 / 5 + 2 / 5 + 2 / 5) / 3)
    # innovate: no channel opened in the previous week, so only new ties across count
    assert not t.attrs["available"]["new_communities"]
    assert np.isnan(bob["new_communities"])
    assert bob["innovate"] == pytest.approx(0.5) and cat["innovate"] == pytest.approx(0.5)
    assert _row(t, "network", "all")["innovate"] == pytest.approx(2 / 6)
    # lead change: bob wrote 6 messages (4 DMs, 2 public posts) and answered nothing
    assert bob["lead_change"] == pytest.approx((2 / 6 + 0) / 2)
    # cat: p3 and r4, both public; r4 answers dan's thread in the open
    assert cat["lead_change"] == pytest.approx(1.0)
    assert dan["lead_change"] == pytest.approx((2 / 4 + 1) / 2)


def test_stages_are_a_ladder(tmp_path) -> None:
    from tests.value.conftest import set_setting

    build(tmp_path / "bench", SCENARIO, min_group_size=1).close()
    set_setting(tmp_path / "bench", 'basis = "organisation"', 'basis = "benchmark"')
    with gs.open(tmp_path / "bench") as tiny:
        t = compute.maturity(tiny, window=WINDOW)
        bob, cat, dan = (pid(tiny, e) for e in ("E2", "E3", "E4"))
    # the benchmark profile's lines 0.4, 0.5, 0.7, 0.15, 0.4 (the organisation's own lines:
    # test_grounded_maturity.py): bob and cat connect and share but do not
    # solve (0 and 2/3), so they stop at share even though cat's lead change is 1
    assert _row(t, "person", bob)["stage"] == "share"
    assert _row(t, "person", cat)["stage"] == "share"
    assert _row(t, "person", dan)["stage"] == "none"  # connect 1/3
    assert _row(t, "network", "all")["stage"] == "share"
    limits = dict.fromkeys(maturity.STAGES, 0.5)
    counts = pd.DataFrame(
        {
            "out_ties": [2, 2, 0], "out_recip": [2, 2, 0], "contacts": [2, 2, 0],
            "across": [2, 2, 0], "new": [2, 2, 0], "new_across": [2, 0, 0],
            "posts": [1, 1, 1], "responded": [1, 1, 1], "beyond": [1, 1, 1],
            "q_involved": [1, 0, 1], "q_answered": [1, 0, 1], "q_fast": [1, 0, 1],
            "q_across": [1, 0, 1], "people": [1, 1, 1], "in_new": [1, 0, 0],
            "msgs": [1, 1, 1], "msgs_open": [1, 1, 1], "answers": [1, 1, 1],
            "answers_open": [1, 1, 1], "adoptions": [0, 0, 0], "followed": [0, 0, 0],
        }
    )  # fmt: skip
    out = maturity.scores(counts, {"adoption_lead": False}, limits)
    # every stage passed; solve failed (then innovate and lead change do not count);
    # connect failed although everything after it passes
    assert out["stage"].tolist() == ["lead_change", "share", "none"]
    assert np.isnan(out.loc[0, "adoption_lead"])  # not available: left out of the mean


def test_groups_below_the_minimum_size_are_suppressed(tmp_path) -> None:
    ws = build(tmp_path / "strict", SCENARIO, min_group_size=5)
    try:
        t = compute.maturity(ws, window=WINDOW)
    finally:
        ws.close()
    for scale in ("department", "team", "channel"):
        part = t[t["scale"] == scale]
        # every group has fewer than 5 people: one suppressed row, no figure, no name
        assert part["group"].tolist() == [SUPPRESSED]
        assert part[[*maturity.STAGES, "size"]].isna().all(axis=None)
        assert part["stage"].isna().all()
    assert not t[t["scale"] == "person"].empty  # people are not groups
    assert _row(t, "network", "all")["size"] == 5  # Fay left in 2023


def test_adoptions_that_start_with_a_person(tiny, tmp_path) -> None:
    from tests.conftest import write_csv

    # bob adopts first; dan (tied to bob) follows; cat (tied to bob) adopted before bob
    path = write_csv(
        tmp_path / "adopt.csv",
        ["person", "behaviour", "date"],
        [["E3", "copilot", "2024-01-01"], ["E2", "copilot", "2024-01-03"],
         ["E4", "copilot", "2024-01-05"]],
    )  # fmt: skip
    tiny.ingest("adoptions", path)
    t = compute.maturity(tiny, window=WINDOW)
    assert t.attrs["available"]["adoption_lead"]
    assert _row(t, "person", pid(tiny, "E2"))["adoption_lead"] == 1.0
    assert _row(t, "person", pid(tiny, "E4"))["adoption_lead"] == 0.0  # nobody after dan
    # cat's tie partner bob adopted later: the change spread from cat too
    assert _row(t, "person", pid(tiny, "E3"))["adoption_lead"] == 1.0


def test_store_keeps_one_table_per_run(tiny) -> None:
    t = compute.maturity(tiny, window=WINDOW)  # no run: no community scale
    compute.store_maturity(tiny, 7, t)
    compute.store_maturity(tiny, 7, t)  # replacing, not adding
    stored = tiny.query("SELECT * FROM maturity WHERE run_id = 7")
    assert len(stored) == len(t)
    assert set(stored["scale"]) == {"person", "department", "team", "channel", "network"}
    assert stored.set_index(["scale", "group_name"]).loc[("network", "all"), "stage"] == "share"


def test_value_settings_are_checked(tmp_path) -> None:
    from groundswell.errors import ConfigError
    from groundswell.value.queries import settings
    from tests.value.conftest import set_setting

    ws = build(tmp_path / "bad", SCENARIO)
    ws.close()
    set_setting(tmp_path / "bad", "answer_hours = 24", "answer_hours = -1")
    import groundswell as gs

    expected = r"value\.answer_hours"
    with gs.open(tmp_path / "bad") as again, pytest.raises(ConfigError, match=expected):
        settings(again)

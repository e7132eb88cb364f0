"""What an initiative takes from the workspace (groundswell.diffusion.traction): a meeting
series by the name the source gave it, an adoption behaviour (adopters' acts toward each
other once both adopted), channels by pattern and a keyword in channel names, computed by
hand on a six-person organisation; message text is never read when the workspace does not
store it."""

from __future__ import annotations

import datetime as dt
import math

import pytest

import groundswell as gs
from groundswell.errors import ParameterError
from tests.conftest import write_csv

HEADER = ["event_id", "actor", "targets", "timestamp", "kind", "channel", "channel_kind",
          "thread", "parent", "text"]  # fmt: skip
EVENTS = [
    # the meeting series "weekly-sync": Ann (Exec) with Bob and Dan (Eng), two weeks
    ["m1", "ann@x.com", "bob@x.com;dan@x.com", "2024-01-02T10:00:00Z", "meeting",
     "weekly-sync", "meeting", "", "", ""],
    ["m2", "ann@x.com", "bob@x.com;dan@x.com", "2024-01-09T10:00:00Z", "meeting",
     "weekly-sync", "meeting", "", "", ""],
    # the channel proj-x: Cat posts, Eve answers (both Sales); Fay's post is not answered
    ["p1", "cat@x.com", "", "2024-01-03T09:00:00Z", "post", "proj-x", "public", "", "", ""],
    ["p2", "eve@x.com", "cat@x.com", "2024-01-03T10:00:00Z", "reply", "proj-x", "public",
     "p1", "p1", ""],
    ["p3", "fay@x.com", "", "2024-01-04T09:00:00Z", "post", "proj-x", "public", "", "", ""],
    # a general channel whose text names the project: never read (no stored text)
    ["g1", "bob@x.com", "", "2024-01-04T11:00:00Z", "post", "general", "public", "", "",
     "all about proj"],
    # direct messages: Bob and Dan (both adopters), Bob to Eve (no adopter)
    ["d1", "bob@x.com", "dan@x.com", "2024-01-05T09:00:00Z", "dm", "", "", "", "", ""],
    ["d2", "dan@x.com", "bob@x.com", "2024-01-06T09:00:00Z", "dm", "", "", "", "", ""],
    ["d3", "bob@x.com", "eve@x.com", "2024-01-06T10:00:00Z", "dm", "", "", "", "", ""],
    ["d4", "dan@x.com", "bob@x.com", "2023-12-20T09:00:00Z", "dm", "", "", "", "", ""],
]  # fmt: skip


@pytest.fixture(scope="module")
def small(tmp_path_factory):
    from tests.conftest import HR_HEADER, HR_ROWS

    folder = tmp_path_factory.mktemp("traction-sources")
    hr = write_csv(folder / "hris.csv", HR_HEADER, HR_ROWS)
    events = write_csv(folder / "events.csv", HEADER, EVENTS)
    adoptions = write_csv(
        folder / "adoptions.csv",
        ["person", "behaviour", "date"],
        [["bob@x.com", "new tool", "2024-01-01"], ["dan@x.com", "new tool", "2024-01-01"]],
    )
    with gs.init(folder / "ws") as ws:
        (folder / "ws" / "groundswell.toml").write_text("[privacy]\nmin_group_size = 1\n")
    with gs.open(folder / "ws") as ws:
        ws.ingest_orgchart(hr)
        ws.ingest_events(events)
        ws.ingest("adoptions", adoptions)
        ws.analyze("2023-12-01:2024-01-31")
    return folder / "ws"


def _week(got, day: str):
    return got.periods.set_index("period_start").loc[dt.date.fromisoformat(day)]


def test_a_meeting_series_by_its_name_in_the_source(small) -> None:
    with gs.open(small) as ws:
        got = ws.traction("sync", meetings=["weekly-sync"])
    assert len(got.periods) == 2
    w = _week(got, "2024-01-01")
    # Ann, Bob, Dan; no post awaiting replies; Ann -> Bob, Ann -> Dan: one way, across
    assert (w["participants"], w["posts"], w["acts"]) == (3, 0, 2)
    assert math.isnan(w["replies"]) and w["two_way"] == 0 and w["cross_boundary"] == 1
    assert w["quality"] == 0.5 and w["groups_reached"] == 2  # Exec and Eng


def test_an_adoption_behaviour(small) -> None:
    with gs.open(small) as ws:
        got = ws.traction("tool", behaviour="new tool")
    # Bob and Dan adopted on 1 January; their DMs both ways count, Bob -> Eve (no adopter)
    # and Dan -> Bob before adopting (December) do not
    assert list(got.periods["period_start"]) == [dt.date(2024, 1, 1)]
    w = got.periods.iloc[0]
    assert (w["participants"], w["acts"], w["two_way"], w["cross_boundary"]) == (2, 2, 1, 0)
    assert w["quality"] == 0.5 and w["groups_reached"] == 1


def test_channels_by_pattern_and_a_keyword_in_channel_names(small) -> None:
    with gs.open(small) as ws:
        by_pattern = ws.traction("proj", channels=["proj-*"])
        by_keyword = ws.traction("proj by keyword", keywords=["#proj"])
        with pytest.raises(ParameterError, match=r"--channel.*'nope-\*'"):
            ws.traction("nope", channels=["nope-*"])
    for got in (by_pattern, by_keyword):  # general's text names proj: not read
        w = got.periods.iloc[0]
        # two posts, one answered by someone else; Eve -> Cat one way, inside Sales
        assert (w["posts"], w["replies"], w["two_way"], w["cross_boundary"]) == (2, 0.5, 0, 0)
        assert w["participants"] == 3 and w["quality"] == pytest.approx(0.5 / 3)

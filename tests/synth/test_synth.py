"""Tests for the synthetic organisation (groundswell.synth, groundswell.synth.org)."""

from __future__ import annotations

import json
import re
import time

import networkx as nx
import numpy as np
import pandas as pd
import pytest

from groundswell.synth import (
    BOT_EMAIL,
    CHANNEL_KINDS,
    EVENT_COLUMNS,
    HR_COLUMNS,
    KINDS,
    SynthOrg,
    generate,
)
from groundswell.synth.chart import _LOCATIONS

N, WEEKS = 400, 4
TIE_KINDS = ["reply", "mention", "dm", "email", "meeting"]


@pytest.fixture(scope="module")
def org() -> SynthOrg:
    return generate(N, seed=7, weeks=WEEKS)


@pytest.fixture(scope="module")
def ties(org: SynthOrg) -> pd.DataFrame:
    """Directed actor->target pairs between employees (ids), broadcasts of >25 left out."""
    return _ties(org)


def _ties(org: SynthOrg) -> pd.DataFrame:
    people, ev = org.people, org.events
    ev = ev[ev["kind"].isin(TIE_KINDS) & (ev["targets"] != "")]
    targets = ev["targets"].str.split(";")
    ev = ev.assign(target=targets)[targets.str.len() <= 25].explode("target")
    email_to_id = pd.Series(people["employee_id"].to_numpy(), index=people["email"])
    dept = pd.Series(people["department"].to_numpy(), index=people["employee_id"])
    out = pd.DataFrame({
        "a": ev["actor"].astype(str).map(email_to_id).to_numpy(),
        "b": ev["target"].map(email_to_id).to_numpy(),
    }).dropna()  # fmt: skip
    return out.assign(da=out["a"].map(dept).to_numpy(), db=out["b"].map(dept).to_numpy())


def _distinct_contacts(ties: pd.DataFrame, people: pd.DataFrame) -> pd.Series:
    both = pd.concat([ties[["a", "b"]], ties[["b", "a"]].set_axis(["a", "b"], axis=1)])
    degree = both.drop_duplicates().groupby("a").size()
    return degree.reindex(people["employee_id"], fill_value=0)


# --------------------------------------------------------------------------- API


@pytest.mark.parametrize(
    "kwargs", [{"n_people": 49}, {"n_people": 100_001}, {"n_people": 200, "weeks": 0}]
)
def test_rejects_bad_arguments(kwargs: dict) -> None:
    with pytest.raises(ValueError, match=r"n_people|weeks"):
        generate(**kwargs)


def test_smallest_organisation_works() -> None:
    small = generate(50, seed=3, weeks=1)
    assert len(small.people) == 50
    assert small.people["manager_id"].eq("").sum() == 1
    assert len(small.events) > 50 * 20


def test_deterministic_for_a_seed() -> None:
    a, b = generate(250, seed=11, weeks=2), generate(250, seed=11, weeks=2)
    pd.testing.assert_frame_equal(a.people, b.people)
    pd.testing.assert_frame_equal(a.events, b.events)
    assert a.truth == b.truth
    c = generate(250, seed=12, weeks=2)
    assert not a.people.equals(c.people)
    assert len(a.events) != len(c.events) or not a.events.equals(c.events)


def test_columns_and_sizes(org: SynthOrg) -> None:
    assert list(org.people.columns) == HR_COLUMNS
    assert list(org.events.columns) == EVENT_COLUMNS
    assert len(org.people) == N
    per_person_week = len(org.events) / N / WEEKS
    assert 30 <= per_person_week <= 80
    assert str(org.events["timestamp"].dt.tz) == "UTC"
    assert org.events["is_bot"].dtype == bool and org.events["is_question"].dtype == bool
    json.dumps(org.truth)  # JSON-serialisable
    assert org.truth["n_people"] == N and org.truth["seed"] == 7


def test_volume_scales_linearly() -> None:
    small, big = generate(300, seed=1, weeks=2), generate(1200, seed=1, weeks=2)
    ratio = len(big.events) / len(small.events)
    assert 3.0 < ratio < 5.0


def test_generation_time_is_modest() -> None:
    started = time.perf_counter()
    big = generate(5000, seed=0, weeks=2)
    assert time.perf_counter() - started < 15
    assert len(big.people) == 5000 and len(big.events) > 300_000


# --------------------------------------------------------------------------- HR file


def test_hierarchy_is_a_tree(org: SynthOrg) -> None:
    people = org.people
    assert people["employee_id"].is_unique
    roots = people[people["manager_id"] == ""]
    assert len(roots) == 1 and roots["level"].iloc[0] == 1
    assert roots["employee_id"].iloc[0] == org.truth["ceo"]
    assert people.loc[people["manager_id"] != "", "manager_id"].isin(people["employee_id"]).all()
    tree = nx.DiGraph(list(zip(people["manager_id"], people["employee_id"], strict=True)))
    tree.remove_node("")
    assert nx.is_arborescence(tree)
    depth = nx.shortest_path_length(tree, roots["employee_id"].iloc[0])
    assert (people["employee_id"].map(depth) + 1 == people["level"]).all()


@pytest.mark.parametrize(("n", "low", "high"), [(50, 4, 4), (400, 5, 5), (3000, 5, 6)])
def test_depth_and_spans_are_realistic(n: int, low: int, high: int) -> None:
    people = generate(n, seed=2, weeks=1).people
    assert low <= people["level"].max() <= high
    spans = people[people["manager_id"] != ""].groupby("manager_id").size()
    if n >= 400:
        assert 4 <= spans.median() <= 10
        assert spans.between(2, 12).mean() > 0.9


def test_departments_teams_and_locations(org: SynthOrg) -> None:
    people, depts = org.people, org.truth["departments"]
    assert 6 <= len(depts) <= 10 and depts[0] == "Engineering"
    assert set(people["department"]) == {*depts, "Executive"}
    heads = people[people["level"] == 2]
    assert sorted(heads["department"]) == sorted(depts)
    assert people.groupby("team")["department"].nunique().max() == 1
    assert 3 <= people["location"].nunique() <= 6
    # departments are spread unevenly over the sites, and not all in the same way
    share = pd.crosstab(people["department"], people["location"], normalize="index")
    assert (share.max(axis=1) > 1 / share.shape[1]).all() and share.max(axis=1).mean() > 0.45
    assert share.idxmax(axis=1).nunique() >= 2


def test_identities(org: SynthOrg) -> None:
    people = org.people
    assert people["employee_id"].str.fullmatch(r"E\d{5}").all()
    assert people["email"].is_unique
    assert people["email"].str.fullmatch(r"[a-z]+\.[a-z]+\.\d+@example\.com").all()
    first_last = people["name"].str.lower().str.replace(" ", ".")
    assert (people["email"].str.rsplit(".", n=2).str[0] == first_last).all()
    for column in ("hire_date", "leave_date"):
        dates = people.loc[people[column] != "", column]
        assert dates.str.fullmatch(r"\d{4}-\d{2}-\d{2}").all()
    assert people["grade"].str.fullmatch(r"G\d+").all()
    assert people["cost_centre"].str.startswith("CC-").all()


def test_some_people_join_or_leave_during_the_period(org: SynthOrg) -> None:
    people, start = org.people, org.truth["period_start"][:10]
    leavers = people[people["leave_date"] != ""]
    assert 0 < len(leavers) < 0.1 * N
    assert (leavers["leave_date"] >= start).all()
    assert (people["hire_date"] >= start).sum() > 0


# --------------------------------------------------------------------------- events


def test_event_ids_and_vocabularies(org: SynthOrg) -> None:
    ev = org.events
    assert ev["event_id"].is_unique
    assert set(ev["kind"].astype(str)) == set(KINDS)
    assert set(ev["channel_kind"].astype(str)) == set(CHANNEL_KINDS)
    assert ev["timestamp"].is_monotonic_increasing


def test_actors_and_targets_are_known(org: SynthOrg) -> None:
    ev, hr = org.events, set(org.people["email"])
    actors = set(ev["actor"].astype(str))
    targets = set(ev.loc[ev["targets"] != "", "targets"].str.split(";").explode())
    externals = {a for a in actors | targets if not a.endswith("@example.com")}
    assert externals, "some external correspondents are expected"
    assert (actors | targets) <= hr | {BOT_EMAIL} | externals
    assert BOT_EMAIL in actors and BOT_EMAIL not in hr
    assert (ev["is_bot"] == (ev["actor"] == BOT_EMAIL)).all()
    assert set(ev.loc[ev["is_bot"], "kind"].astype(str)) == {"post", "mention"}
    pattern = "|".join(re.escape(e) for e in sorted(externals))
    external_rows = ev["actor"].astype(str).isin(externals) | ev["targets"].str.contains(pattern)
    assert set(ev.loc[external_rows, "kind"].astype(str)) == {"email"}


def test_timestamps_inside_period_and_mostly_office_hours(org: SynthOrg) -> None:
    ev, people = org.events, org.people
    start, end = pd.Timestamp(org.truth["period_start"]), pd.Timestamp(org.truth["period_end"])
    assert ev["timestamp"].min() >= start and ev["timestamp"].max() < end
    assert (ev["timestamp"].dt.day_of_week < 5).mean() > 0.85
    offsets = dict(_LOCATIONS)
    actor_offset = (
        ev["actor"]
        .astype(str)
        .map(dict(zip(people["email"], people["location"].map(offsets), strict=True)))
    )
    human = actor_offset.notna()
    local_hour = (ev.loc[human, "timestamp"].dt.hour + actor_offset[human]) % 24
    assert local_hour.between(7, 19).mean() > 0.8


def test_no_events_outside_employment(org: SynthOrg) -> None:
    people, ev = org.people, org.events
    by_email = people.set_index("email")
    actor = ev["actor"].astype(str)
    known = actor.isin(by_email.index)
    hire = pd.to_datetime(actor[known].map(by_email["hire_date"]), utc=True)
    leave = pd.to_datetime(actor[known].map(by_email["leave_date"]).replace("", None), utc=True)
    ts = ev.loc[known, "timestamp"]
    assert (ts >= hire).all()
    assert (leave.isna() | (ts < leave)).all()
    # leavers were active before leaving
    leavers = people.loc[people["leave_date"] != "", "email"]
    assert actor.isin(leavers).any()


def test_threads_replies_and_reactions(org: SynthOrg) -> None:
    ev = org.events.set_index("event_id", drop=False)
    children = ev[ev["kind"].isin(["reply", "reaction"])]
    assert (children["parent"] != "").all()
    parents = ev.loc[children["parent"]]
    assert (parents["timestamp"].to_numpy() < children["timestamp"].to_numpy()).all()
    # a reply or reaction targets the author of the message it answers
    assert (children["targets"].to_numpy() == parents["actor"].astype(str).to_numpy()).all()
    assert (children["thread"].to_numpy() == parents["thread"].to_numpy()).all()
    assert (ev.loc[~ev["kind"].isin(["reply", "reaction"]), "parent"] == "").all()
    assert ev.loc[ev["is_question"], "kind"].eq("post").all()
    questions = ev[ev["is_question"]]
    answered = children.loc[children["kind"] == "reply", "thread"].unique()
    assert questions["event_id"].isin(answered).mean() > 0.7


def test_kind_specific_shapes(org: SynthOrg) -> None:
    ev = org.events
    n_targets = ev["targets"].str.count(";") + (ev["targets"] != "").astype(int)
    kind = ev["kind"].astype(str)
    assert n_targets[kind == "meeting"].between(2, 8).all()
    assert n_targets[kind == "dm"].between(1, 3).all()
    emails = ev[kind == "email"]
    n_email = n_targets[kind == "email"]
    broadcast = n_email > 25
    assert n_email[~broadcast].between(1, 5).all()
    assert broadcast.any() and emails.loc[broadcast, "channel_kind"].eq("list").all()
    leaders = set(org.people.loc[org.people["level"] <= 2, "email"])
    assert emails.loc[broadcast, "actor"].astype(str).isin(leaders).all()
    announcements = ev[(ev["channel"] == "announcements") & (kind == "post")]
    assert len(announcements) > 0 and (announcements["targets"] == "").all()
    assert announcements["actor"].astype(str).isin(leaders).all()
    assert (ev.loc[kind == "mention", "targets"] != "").all()
    assert ev.loc[kind == "dm", "channel_kind"].isin(["dm", "group_dm"]).all()


def test_channel_families(org: SynthOrg) -> None:
    ev, people = org.events, org.people
    channel = ev["channel"].astype(str)
    assert channel.str.endswith("-team").any() and channel.str.endswith("-general").any()
    dept_of = dict(zip(people["email"], people["department"], strict=True))
    cop = ev[ev["channel_kind"] == "community"]
    assert cop["channel"].astype(str).str.startswith("cop-").all()
    cop_depts = cop.groupby("channel", observed=True)["actor"].agg(
        lambda a: len({dept_of[x] for x in a.astype(str)})
    )
    assert (cop_depts >= 3).all()  # communities of practice span several departments
    # a team channel is the team's own: its posts come overwhelmingly from one HR team
    team_of = dict(zip(people["email"], people["team"], strict=True))
    posts = ev[channel.str.endswith("-team") & (ev["kind"] == "post")]
    posters = posts["actor"].astype(str).map(team_of)
    top = posters.groupby(posts["channel"].astype(str)).agg(lambda t: t.value_counts().iloc[0])
    assert top.sum() / len(posts) > 0.8


def test_ties_mostly_inside_team_then_department(org: SynthOrg, ties: pd.DataFrame) -> None:
    people = org.people.set_index("employee_id")
    truth = org.truth
    special = {h["employee_id"] for h in truth["hidden_influencers"]}
    special |= {b["employee_id"] for b in truth["brokers"]}
    special |= {truth["bottleneck_manager"]["employee_id"]}
    special |= set(people.index[people["level"] <= 2])
    ties = ties[~ties["a"].isin(special) & ~ties["b"].isin(special)]  # ordinary people
    manager, team = people["manager_id"], people["team"]
    a, b = ties["a"], ties["b"]
    same_team = (
        (team[a].to_numpy() == team[b].to_numpy())
        | (manager[a].to_numpy() == b.to_numpy())
        | (manager[b].to_numpy() == a.to_numpy())
    )
    same_dept = ties["da"].to_numpy() == ties["db"].to_numpy()
    team_share = same_team.mean()
    dept_share = (same_dept & ~same_team).mean()
    cross_share = (~same_dept).mean()
    assert team_share > 0.5
    assert team_share > dept_share > cross_share
    assert cross_share < 0.2


def test_community_detection_broadly_recovers_departments(ties: pd.DataFrame) -> None:
    graph = nx.Graph()
    weights = ties.groupby(["a", "b"]).size()
    for (a, b), w in weights.items():
        old = graph.get_edge_data(a, b, {"weight": 0})["weight"]
        graph.add_edge(a, b, weight=old + w)
    communities = nx.community.louvain_communities(graph, weight="weight", seed=1)
    dept = dict(zip(ties["a"], ties["da"], strict=False)) | dict(
        zip(ties["b"], ties["db"], strict=False)
    )
    majority = sum(pd.Series([dept[v] for v in c]).value_counts().iloc[0] for c in communities)
    assert majority / graph.number_of_nodes() > 0.85


# --------------------------------------------------------------------------- planted structure


def test_siloed_department_keeps_to_itself(org: SynthOrg, ties: pd.DataFrame) -> None:
    siloed = org.truth["siloed_department"]
    shares = {}
    for d in org.truth["departments"]:
        involved = ties[(ties["da"] == d) | (ties["db"] == d)]
        shares[d] = (involved["da"] != involved["db"]).mean()
    others = np.median([v for d, v in shares.items() if d != siloed])
    assert shares[siloed] < 0.2 * others
    assert shares[siloed] < 0.05


def test_bottleneck_manager_is_the_only_door(org: SynthOrg, ties: pd.DataFrame) -> None:
    planted = org.truth["bottleneck_manager"]
    team, boss = set(planted["team_members"]), planted["employee_id"]
    people = org.people.set_index("employee_id")
    assert len(team) >= 3 and (people.loc[list(team), "manager_id"] == boss).all()
    involved = ties[ties["a"].isin(team) | ties["b"].isin(team)]
    inside = team | {boss}
    outside = ~(involved["a"].isin(inside) & involved["b"].isin(inside))
    assert len(involved) > 100 and outside.sum() == 0
    contacts = _distinct_contacts(ties, org.people)
    assert contacts[boss] > 2 * contacts[list(team)].max()
    assert contacts[boss] > contacts.median()


def test_hidden_influencers_reach_far_from_the_bottom(org: SynthOrg, ties: pd.DataFrame) -> None:
    people = org.people.set_index("employee_id")
    planted = [h["employee_id"] for h in org.truth["hidden_influencers"]]
    assert len(planted) == 3
    contacts = _distinct_contacts(ties, org.people)
    assert (contacts[planted] >= contacts.quantile(0.95)).all()
    managers = set(people["manager_id"])
    bottom = people.groupby("department")["level"].max()
    for i in planted:
        assert i not in managers
        assert people.loc[i, "level"] >= bottom[people.loc[i, "department"]] - 1
        reached = set(ties.loc[ties["a"] == i, "db"]) | set(ties.loc[ties["b"] == i, "da"])
        assert len(reached) >= 4  # ties across several departments
    email = people["email"]
    replies = org.events[org.events["kind"] == "reply"]["targets"].value_counts()
    received = replies.reindex(email, fill_value=0)
    assert (received[email[planted]] >= received.quantile(0.95)).all()
    cops = org.events[org.events["channel_kind"] == "community"]
    for i in planted:
        active_in = cops.loc[cops["actor"] == email[i], "channel"].nunique()
        assert active_in == cops["channel"].nunique()


def test_brokers_carry_the_bridge(org: SynthOrg, ties: pd.DataFrame) -> None:
    assert len(org.truth["brokers"]) >= 2
    for broker in org.truth["brokers"]:
        a, b = broker["bridges"]
        person = broker["employee_id"]
        assert org.people.set_index("employee_id").loc[person, "department"] == a
        cross = ties[
            ((ties["da"] == a) & (ties["db"] == b)) | ((ties["da"] == b) & (ties["db"] == a))
        ]
        via = (cross["a"] == person) | (cross["b"] == person)
        assert len(cross) > 20 and via.mean() > 0.8


# --------------------------------------------------------------------------- files


def test_write_round_trip(org: SynthOrg, tmp_path) -> None:
    paths = org.write(tmp_path / "out")
    assert {p.name for p in paths.values()} == {"hris.csv", "events.parquet", "truth.json"}
    hris = pd.read_csv(paths["hris"], dtype=str, keep_default_na=False)
    hris["level"] = hris["level"].astype(np.int64)
    pd.testing.assert_frame_equal(hris, org.people)
    pd.testing.assert_frame_equal(pd.read_parquet(paths["events"]), org.events)
    assert json.loads(paths["truth"].read_text()) == org.truth


def test_write_events_csv(tmp_path) -> None:
    small = generate(60, seed=5, weeks=1)
    path = small.write(tmp_path, events_format="csv")["events"]
    back = pd.read_csv(path, dtype=str, keep_default_na=False)
    assert list(back.columns) == EVENT_COLUMNS and len(back) == len(small.events)
    stamps = pd.to_datetime(back["timestamp"], utc=True)
    assert (stamps.to_numpy() == small.events["timestamp"].to_numpy()).all()
    expected = small.events.drop(columns="timestamp").astype(str)
    expected[["is_bot", "is_question"]] = expected[["is_bot", "is_question"]].apply(
        lambda s: s.str.lower()
    )
    pd.testing.assert_frame_equal(back.drop(columns="timestamp"), expected, check_dtype=False)
    with pytest.raises(ValueError, match="events_format"):
        small.write(tmp_path, events_format="xlsx")


@pytest.mark.parametrize("n", [50, 60, 80])
def test_small_organisations_plant_everything(n: int) -> None:
    # 60 people with seed 1 once left a broker's department with nobody free to plant
    for seed in range(10):
        org = generate(n, seed=seed, weeks=1)
        truth = org.truth
        assert len(truth["brokers"]) >= 2 and len(truth["hidden_influencers"]) == 3
        planted = {b["employee_id"] for b in truth["brokers"]} | {
            h["employee_id"] for h in truth["hidden_influencers"]
        }
        assert planted <= set(org.people["employee_id"])

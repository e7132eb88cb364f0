"""The synthetic organisation written as a Slack export (groundswell.synth.slack_export).

The layout and keys are compared with the real samples in the shared data folder when they
are present (read there, never copied); everything else is checked on a small export.
"""

from __future__ import annotations

import json
import re
import zipfile
from collections import Counter
from pathlib import Path

import pandas as pd
import pytest

from groundswell import synth
from groundswell.synth.slack_export import (
    DROPPED_KINDS,
    SLACK_KINDS,
    dropped_events,
    slack_ground_truth,
    write_slack_export,
)
from tests.conftest import SHARED_DATA

SAMPLES = SHARED_DATA / "slack-export"
VIEWER = SAMPLES / "slack-export-viewer-testarchive" / "unzipped"
SLACKDUMP = SAMPLES / "slackdump-fixture" / "unzipped"
LISTINGS = ["channels.json", "dms.json", "groups.json", "integration_logs.json", "mpims.json"]
DAY = re.compile(r"\d{4}-\d{2}-\d{2}\.json")
MENTION = re.compile(r"<@(U\d+)>")


@pytest.fixture(scope="module")
def org() -> synth.SynthOrg:
    return synth.generate(220, seed=7, weeks=2)


@pytest.fixture(scope="module")
def export(org, tmp_path_factory) -> Path:
    return write_slack_export(org, tmp_path_factory.mktemp("slack") / "export")


@pytest.fixture(scope="module")
def zipped(org, tmp_path_factory) -> Path:
    return write_slack_export(org, tmp_path_factory.mktemp("slack") / "export", zip=True)


@pytest.fixture(scope="module")
def loaded(export) -> dict:
    """The export read back: listings, users, and folder -> list of (day, messages)."""
    out = {name: json.loads((export / name).read_text()) for name in [*LISTINGS, "users.json"]}
    out["folders"] = {
        d.name: [(f.name, json.loads(f.read_text())) for f in sorted(d.iterdir())]
        for d in sorted(export.iterdir())
        if d.is_dir()
    }
    return out


def _messages(loaded: dict):
    for folder, days in loaded["folders"].items():
        for day, msgs in days:
            for msg in msgs:
                yield folder, day, msg


def _common_keys(records: list[dict]) -> set[str]:
    return set.intersection(*(set(r) for r in records))


# --------------------------------------------------------------------------- layout


def test_layout(export, loaded):
    top = {p.name for p in export.iterdir() if p.is_file()}
    assert top == {*LISTINGS, "users.json"}
    listed = {c["name"] for c in loaded["channels.json"] + loaded["groups.json"]}
    listed |= {c["id"] for c in loaded["dms.json"]} | {c["name"] for c in loaded["mpims.json"]}
    assert set(loaded["folders"]) == listed  # every conversation has messages, and vice versa
    for days in loaded["folders"].values():
        assert days and all(DAY.fullmatch(day) and msgs for day, msgs in days)
    assert loaded["integration_logs.json"] == []


def test_keys_match_the_viewer_sample(loaded):
    if not VIEWER.is_dir():
        pytest.skip("slack-export-viewer test archive not present")
    real_users = json.loads((VIEWER / "users.json").read_text())
    ours = loaded["users.json"]
    assert _common_keys(real_users) <= _common_keys(ours)
    assert _common_keys([u["profile"] for u in real_users]) <= _common_keys(
        [u["profile"] for u in ours]
    )
    real_channels = json.loads((VIEWER / "channels.json").read_text())
    for listing in ("channels.json", "groups.json", "mpims.json"):
        assert _common_keys(real_channels) <= _common_keys(loaded[listing])
    real = [m for f in sorted(VIEWER.glob("*/*.json")) for m in json.loads(f.read_text())]
    plain = [m for m in real if "subtype" not in m]
    bots = [m for m in real if m.get("subtype") == "bot_message"]
    ours = [m for _, _, m in _messages(loaded)]
    assert _common_keys(plain) <= _common_keys([m for m in ours if "subtype" not in m])
    assert _common_keys(bots) - {"attachments"} <= _common_keys(
        [m for m in ours if m.get("subtype") == "bot_message"]
    )
    real_reaction = next(r for m in real for r in m.get("reactions", []))
    ours_reaction = next(r for m in ours for r in m.get("reactions", []))
    assert set(real_reaction) == set(ours_reaction)


def test_thread_keys_match_the_slackdump_sample(loaded):
    if not SLACKDUMP.is_dir():
        pytest.skip("slackdump fixture not present")
    real = [m for f in sorted(SLACKDUMP.glob("*/*.json")) for m in json.loads(f.read_text())]
    real_roots = [m for m in real if m.get("reply_count") and m.get("subtype") is None]
    real_replies = [m for m in real if "thread_ts" in m and m["thread_ts"] != m["ts"]]
    ours = [m for _, _, m in _messages(loaded)]
    roots = [m for m in ours if "reply_count" in m]
    replies = [m for m in ours if "parent_user_id" in m]
    keep = {"thread_ts", "reply_count", "reply_users", "reply_users_count", "replies"}
    keep |= {"latest_reply", "parent_user_id", "type", "user", "text", "ts", "blocks"}
    assert _common_keys(real_roots) & keep <= _common_keys(roots)
    assert _common_keys(real_replies) & keep <= _common_keys(replies)
    assert set(real_roots[0]["replies"][0]) == set(roots[0]["replies"][0])
    for name in ("dms.json", "mpims.json", "groups.json"):  # the listings exist there too
        assert isinstance(json.loads((SLACKDUMP / name).read_text()), list)


# --------------------------------------------------------------------------- content


def test_users(org, loaded):
    users = loaded["users.json"]
    people = org.people
    assert len(users) == len(people) + 1
    assert [u["id"] for u in users] == [f"U{k:07d}" for k in range(1, len(users) + 1)]
    assert [u["profile"]["email"] for u in users[:-1]] == people["email"].tolist()
    assert [u["profile"]["title"] for u in users[:-1]] == people["title"].tolist()
    assert [u["real_name"] for u in users[:-1]] == people["name"].tolist()
    assert [u["deleted"] for u in users[:-1]] == (people["leave_date"] != "").tolist()
    assert sum(u["deleted"] for u in users) > 0
    bot = users[-1]
    assert bot["is_bot"] and bot["profile"]["bot_id"] and bot["profile"]["email"] == synth.BOT_EMAIL
    assert not any(u["is_bot"] for u in users[:-1])
    owners = [u["profile"]["email"] for u in users if u["is_primary_owner"]]
    ceo = people.loc[people["employee_id"] == org.truth["ceo"], "email"].tolist()
    assert owners == ceo


def test_ts_unique_sorted_and_filed_by_day(loaded):
    for folder, days in loaded["folders"].items():
        seen = []
        for day, msgs in days:
            for m in msgs:
                sec, _, micro = m["ts"].partition(".")
                assert len(micro) == 6 and sec.isdigit() and micro.isdigit()
                assert pd.Timestamp(int(sec), unit="s").strftime("%Y-%m-%d.json") == day
                seen.append((int(sec), int(micro)))
        assert seen == sorted(seen), folder
        assert len(set(seen)) == len(seen), folder


def test_messages(org, loaded):
    bot_id = loaded["users.json"][-1]["id"]
    ours = [m for _, _, m in _messages(loaded)]
    assert all(m["type"] == "message" and m["text"] and m["blocks"] for m in ours)
    bots = [m for m in ours if m.get("subtype") == "bot_message"]
    assert bots and all(m["bot_id"] and m["user"] == bot_id for m in bots)
    assert all(m["user"] != bot_id for m in ours if "subtype" not in m)
    ev = org.events
    chat_messages = ev["kind"].isin(["post", "reply", "mention", "dm"])
    assert len(ours) == chat_messages.sum()
    assert len(bots) == (ev["is_bot"] & chat_messages).sum()
    asked = sum(m["text"].endswith("?") for m in ours)
    assert asked == ev["is_question"].sum() > 0
    assert all("?" not in m["text"] for m in ours if not m["text"].endswith("?"))


def test_threads(loaded):
    n_replies = 0
    for folder, days in loaded["folders"].items():
        msgs = {m["ts"]: m for _, ms in days for m in ms}
        counts = Counter()
        for m in msgs.values():
            if "parent_user_id" in m:
                root = msgs[m["thread_ts"]]  # the root is in the same conversation
                assert root["thread_ts"] == root["ts"] != m["ts"]
                assert m["parent_user_id"] == root["user"]
                assert {"user": m["user"], "ts": m["ts"]} in root["replies"]
                counts[root["ts"]] += 1
                n_replies += 1
        for ts, k in counts.items():
            root = msgs[ts]
            assert root["reply_count"] == len(root["replies"]) == k, folder
            assert root["latest_reply"] == max(r["ts"] for r in root["replies"])
            assert root["reply_users"] == list(dict.fromkeys(r["user"] for r in root["replies"]))
            assert root["reply_users_count"] == len(root["reply_users"])
        assert sum("reply_count" in m for m in msgs.values()) == len(counts)
    assert n_replies > 0


def test_mentions_and_reactions_name_known_members(loaded):
    ids = {u["id"] for u in loaded["users.json"]}
    members = {
        c["name"]: set(c["members"]) for c in loaded["channels.json"] + loaded["groups.json"]
    }
    n_mentions = n_reactions = 0
    for folder, _, m in _messages(loaded):
        assert m["user"] in ids
        in_text = MENTION.findall(m["text"])
        elements = [e for b in m["blocks"] for s in b["elements"] for e in s["elements"]]
        in_blocks = [e["user_id"] for e in elements if e["type"] == "user"]
        assert in_text == in_blocks and set(in_text) <= ids
        n_mentions += len(in_text)
        for r in m.get("reactions", []):
            assert r["count"] == len(r["users"]) == len(set(r["users"])) > 0
            assert set(r["users"]) <= ids
            n_reactions += r["count"]
        if folder in members:
            assert {m["user"], *in_text} | {
                u for r in m.get("reactions", []) for u in r["users"]
            } <= (members[folder])
    assert n_mentions > 0 and n_reactions > 0


def test_dm_conversations(org, loaded):
    ids = {u["id"] for u in loaded["users.json"]}
    dms, mpims = loaded["dms.json"], loaded["mpims.json"]
    assert dms and mpims
    assert all(len(c["members"]) == 2 for c in dms)
    assert all(len(c["members"]) >= 3 for c in mpims)
    sets = [frozenset(c["members"]) for c in dms + mpims]
    assert len(set(sets)) == len(sets)  # one conversation per member set
    assert all(c["name"].startswith("mpdm-") for c in mpims)
    for conv, key in [(c, c["id"]) for c in dms] + [(c, c["name"]) for c in mpims]:
        assert set(conv["members"]) <= ids
        authors = {m["user"] for _, ms in loaded["folders"][key] for m in ms}
        assert authors <= set(conv["members"])
    n_dm = sum(len(ms) for c in dms for _, ms in loaded["folders"][c["id"]])
    n_dm += sum(len(ms) for c in mpims for _, ms in loaded["folders"][c["name"]])
    assert n_dm == (org.events["kind"] == "dm").sum()


def test_channel_listings(org, loaded):
    ev = org.events
    kinds = ev[ev["kind"].isin(["post", "mention"])].groupby("channel", observed=True)
    kind_of = kinds["channel_kind"].first().astype(str)
    public = {c["name"] for c in loaded["channels.json"]}
    private = {c["name"] for c in loaded["groups.json"]}
    assert public == set(kind_of[kind_of.isin(["public", "community"])].index)
    assert private == set(kind_of[kind_of == "private"].index)
    ids = [
        c["id"]
        for k in ("channels.json", "groups.json", "dms.json", "mpims.json")
        for c in loaded[k]
    ]
    assert len(ids) == len(set(ids))


# --------------------------------------------------------------------------- files


def test_zip_holds_the_same_files(export, zipped):
    path = zipped
    assert path.name == "export.zip" and not path.with_suffix("").exists()
    files = {p.relative_to(export).as_posix(): p.read_bytes() for p in export.rglob("*.json")}
    with zipfile.ZipFile(path) as zf:
        names = zf.namelist()
        dirs = {n for n in names if n.endswith("/")}
        assert dirs == {p.name + "/" for p in export.iterdir() if p.is_dir()}
        assert {n: zf.read(n) for n in names if n not in dirs} == files


def test_deterministic(export, tmp_path):
    again = write_slack_export(synth.generate(220, seed=7, weeks=2), tmp_path / "again")
    first = {p.relative_to(export): p.read_bytes() for p in export.rglob("*.json")}
    assert {p.relative_to(again): p.read_bytes() for p in again.rglob("*.json")} == first
    other = write_slack_export(synth.generate(220, seed=8, weeks=2), tmp_path / "other")
    assert (other / "users.json").read_bytes() != (export / "users.json").read_bytes()


def test_zip_is_byte_identical_across_runs(org, zipped, tmp_path):
    again = write_slack_export(org, tmp_path / "again.zip", zip=True)
    assert again == tmp_path / "again.zip"  # a name ending in .zip is used as it is
    assert again.read_bytes() == zipped.read_bytes()


def test_refuses_to_overwrite(export, tmp_path):
    org = synth.generate(50, seed=1, weeks=1)
    with pytest.raises(FileExistsError):
        write_slack_export(org, export)
    other = tmp_path / "notes"
    other.mkdir()
    (other / "keep.txt").write_text("mine")
    with pytest.raises(FileExistsError, match="does not look like a Slack export"):
        write_slack_export(org, other, overwrite=True)
    assert (other / "keep.txt").read_text() == "mine"
    target = write_slack_export(org, tmp_path / "x")
    (target / "stale").mkdir()
    assert write_slack_export(org, target, overwrite=True) == target
    assert not (target / "stale").exists()
    write_slack_export(org, tmp_path / "y", zip=True)
    with pytest.raises(FileExistsError):
        write_slack_export(org, tmp_path / "y", zip=True)


# --------------------------------------------------------------------------- ground truth


def test_ground_truth_counts_agree_with_the_synth(org):
    ev = org.events
    gt = slack_ground_truth(org)
    assert list(gt.columns[:4]) == ["actor_email", "target_email", "kind", "timestamp"]
    n_targets = ev["targets"].str.count(";").add(1).where(ev["targets"] != "", 0)
    expected = n_targets.groupby(ev["kind"].astype(str)).sum()
    got = gt["kind"].value_counts()
    for kind in ("reply", "mention", "reaction", "dm"):
        assert got[kind] == expected[kind] > 0, kind
    assert set(got.index) == {"reply", "mention", "reaction", "dm"}
    dropped = dropped_events(org)
    assert set(DROPPED_KINDS) | set(SLACK_KINDS) == set(ev["kind"].astype(str))
    assert dropped == Counter({k: int((ev["kind"] == k).sum()) for k in DROPPED_KINDS})
    assert (gt["actor_email"] != gt["target_email"]).all()
    assert str(gt["timestamp"].dt.tz) == "UTC"
    assert gt["is_bot"].sum() == (gt["actor_email"] == synth.BOT_EMAIL).sum() > 0


def test_distinct_ground_truth_keeps_one_reaction_per_message_and_reactor(org, loaded):
    gt = slack_ground_truth(org)
    one = slack_ground_truth(org, distinct=True)
    key = ["channel", "ts", "actor_email", "target_email", "kind"]
    assert not one.duplicated(key).any()
    assert len(one) == len(gt.drop_duplicates(key)) < len(gt)
    assert (one["kind"] != "reaction").sum() == (gt["kind"] != "reaction").sum()
    # in the files: a reactor listed under several emoji of one message
    pairs = Counter(
        (folder, m["ts"], u) for folder, _, m in _messages(loaded)
        for r in m.get("reactions", []) for u in r["users"]
    )  # fmt: skip
    assert sum(pairs.values()) - len(pairs) == len(gt) - len(one)


def test_ground_truth_is_what_the_export_encodes(loaded, org):
    """Read the interactions back from the files by Slack's rules; they are the ground truth."""
    email = {u["id"]: u["profile"]["email"] for u in loaded["users.json"]}
    members = {c["id"]: c["members"] for c in loaded["dms.json"]}
    members |= {c["name"]: c["members"] for c in loaded["mpims.json"]}
    rows = []

    def add(actor, target, kind, ts):
        sec, _, micro = ts.partition(".")
        rows.append((email[actor], email[target], kind, int(sec) * 1_000_000 + int(micro)))

    for folder, _, m in _messages(loaded):
        if folder in members:
            for other in members[folder]:
                if other != m["user"]:
                    add(m["user"], other, "dm", m["ts"])
        if "parent_user_id" in m:
            add(m["user"], m["parent_user_id"], "reply", m["ts"])
        for target in MENTION.findall(m["text"]):
            add(m["user"], target, "mention", m["ts"])
        for r in m.get("reactions", []):
            for who in r["users"]:
                add(who, m["user"], "reaction", m["ts"])
    read = pd.DataFrame(rows, columns=["actor_email", "target_email", "kind", "us"])
    read["timestamp"] = pd.to_datetime(read.pop("us"), unit="us", utc=True)
    cols = ["actor_email", "target_email", "kind", "timestamp"]
    gt = slack_ground_truth(org)[cols]
    assert len(read) == len(gt)
    pd.testing.assert_frame_equal(
        read.sort_values(cols).reset_index(drop=True),
        gt.sort_values(cols).reset_index(drop=True),
        check_dtype=False,
    )

from __future__ import annotations

import json
import shutil

import orjson
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import groundswell as gs
from groundswell.errors import InputError
from groundswell.ingest import teams
from tests.conftest import TEST_DATA, ingests_or_fails_cleanly, snapshot, write_csv

EXPORT = TEST_DATA / "teams" / "export"
ANN = "8ea0e38b-efb3-4757-924a-5f94061cf8c2"
BOB = "1fb8890f-423e-4154-8fbf-db6d23c4f1a0"
CAT = "5b2d6a5f-1f44-4a8e-9a5f-1c2d3e4f5a6b"
DAN = "d1a2b3c4-d5e6-4f70-8192-a3b4c5d6e7f8"
EVE = "e0e0e0e0-1111-4222-8333-944445555666"
BOT = "a1b2c3d4-0000-4000-8000-000000000001"
GENERAL = "19:4a95f7d8db4c4e7fae857bcebe0623e6@thread.tacv2"


def msg(mid: str, user: str, ts: str, **extra: object) -> dict[str, object]:
    """A minimal channel chatMessage in General."""
    return {
        "id": mid,
        "messageType": "message",
        "createdDateTime": ts,
        "from": {"user": {"id": user, "userIdentityType": "aadUser"}},
        "body": {"contentType": "text", "content": "hi"},
        "channelIdentity": {"teamId": "t", "channelId": GENERAL},
        **extra,
    }


def ints(ws: gs.Workspace) -> set[tuple[str, str, str]]:
    inter = ws.query("SELECT actor_id, target_id, kind FROM interactions")
    return set(inter.itertuples(index=False, name=None))


def test_fixture_export_becomes_messages_ties_channels_and_people(ws) -> None:
    s = teams.ingest(ws, EXPORT)
    assert (s.rows_read, s.messages, s.interactions, s.people) == (18, 11, 11, 5)
    assert s.skipped == {
        "same message listed twice (latest version kept)": 1,
        "deleted message": 1,
        "no sender (system event without initiator)": 1,
    }
    assert any("1 replies answer a message" in w for w in s.warnings)
    assert any("1 chats without a member list" in w for w in s.warnings)
    p = ws.pseudonymiser.person
    assert ints(ws) == {
        (p(ANN), p(BOB), "mention"),  # root post mentions Bob
        (p(BOB), p(ANN), "reply"),  # nested reply (listed twice, kept once)
        (p(CAT), p(ANN), "reply"),  # JSON Lines reply
        (p(CAT), p(ANN), "reaction"),  # Ann's self-reaction makes nothing
        (p(BOT), p(ANN), "mention"),  # bot post: kept, is_bot
        (p(EVE), p(DAN), "reply"),  # reply to a deleted message still reaches its author
        (p(BOB), p(CAT), "mention"),  # private channel; the @channel mention makes nothing
        (p(ANN), p(BOB), "dm"),  # group chat with members
        (p(ANN), p(CAT), "dm"),
        (p(DAN), p(BOB), "dm"),  # one-on-one chat: members from its id
        (p(CAT), p(ANN), "mention"),  # meeting chat without members: mentions only
    }
    inter = ws.query("SELECT * FROM interactions")
    assert inter.loc[inter["is_bot"], "actor_id"].tolist() == [p(BOT)]
    reaction = inter[inter["kind"] == "reaction"].iloc[0]
    assert reaction["ts"] == pd.Timestamp("2024-03-04T09:30:00Z")  # the reaction's own time
    assert set(inter.loc[inter["kind"] == "dm", "n_recipients"]) == {1, 2}


def test_messages_threads_system_and_questions(ws) -> None:
    teams.ingest(ws, EXPORT)
    m = ws.query("SELECT * FROM messages").set_index("message_id")
    mid = ws.pseudonymiser.message
    root = m.loc[mid(f"teams:{GENERAL}/1709542800000")]
    reply = m.loc[mid(f"teams:{GENERAL}/1709543100000")]
    assert root["kind"] == "post" and root["is_question"] and pd.isna(root["parent_id"])
    assert reply["kind"] == "reply" and reply["parent_id"] == root.name
    assert reply["thread_id"] == root["thread_id"] == root.name
    system = m.loc[mid(f"teams:{GENERAL}/1709550000000")]
    assert system["kind"] == "post" and system["is_bot"] and system["n_recipients"] == 0
    assert system["author_id"] == ws.pseudonymiser.person(ANN)  # the event's initiator
    assert mid(f"teams:{GENERAL}/1709553600000") not in m.index  # deleted
    # a URL's query string is not a question
    pricing = m[m["channel_id"] == ws.pseudonymiser.channel(
        "teams:19:0d3f2c1e5b7a4e8c9d1f2a3b4c5d6e7f@thread.tacv2")]  # fmt: skip
    assert not pricing["is_question"].any()
    assert m["text"].isna().all()


def test_channels_kinds_names_and_creation(ws) -> None:
    teams.ingest(ws, EXPORT)
    ch = ws.query("SELECT * FROM channels")
    assert sorted(ch["kind"]) == ["dm", "group_dm", "meeting", "private", "public"]
    general = ch.set_index("kind").loc["public"]
    assert general["name"] == "General"
    assert general["created_at"] == pd.Timestamp("2024-01-10T08:00:00Z")
    assert ch.loc[ch["kind"] != "public", "name"].isna().all()


def test_people_emails_aliases_and_externals(ws) -> None:
    teams.ingest(ws, EXPORT)
    p = ws.pseudonymiser.person
    people = ws.query("SELECT * FROM people").set_index("person_id")
    assert set(people.index) == {p("ann@x.com"), p("bob@x.com"), p("cat@x.com"), p(DAN), p(EVE)}
    assert not people.loc[p(EVE), "is_internal"] and people.loc[p(DAN), "is_internal"]
    assert people["display_name"].isna().all()  # pseudonymous workspace
    aliases = ws.query("SELECT alias_id, person_id FROM aliases")
    assert set(aliases.itertuples(index=False, name=None)) == {
        (p(ANN), p("ann@x.com")), (p(BOB), p("bob@x.com")), (p(CAT), p("cat@x.com")),
    }  # fmt: skip
    dump = ws.query("SELECT * FROM messages").to_string() + people.to_string()
    assert ANN not in dump and "Ann Archer" not in dump


def test_identified_mode_content_and_hr_links(tmp_path, hr_file) -> None:
    with gs.init(tmp_path / "w", identified=True, store_content=True) as ws:
        ws.ingest_orgchart(hr_file)
        teams.ingest(ws, EXPORT)
        names = set(ws.query("SELECT display_name FROM people")["display_name"].dropna())
        assert {"Ann Archer", "Dan Dale", "Eve East (Partner)"} <= names
        texts = set(ws.query("SELECT text FROM messages")["text"].dropna())
        assert "I do (edited)." in texts  # the latest version, tags stripped
        # Ann's AAD id -> ann@x.com -> HR id E1: one person
        alias = ws.query("SELECT person_id FROM aliases WHERE alias_id = ?",
                         [ws.pseudonymiser.person(ANN)])  # fmt: skip
        assert alias["person_id"].tolist() == [ws.pseudonymiser.person("E1")]
        hr = ws.query(
            "SELECT title FROM people WHERE person_id = ?", [ws.pseudonymiser.person("E1")]
        )
        assert hr["title"].tolist() == ["CEO"]  # HR wins: fill mode never overwrites


def test_internal_domains_decide_for_known_emails(tmp_path) -> None:
    w = gs.init(tmp_path / "w")
    (tmp_path / "w" / "groundswell.toml").write_text(
        (tmp_path / "w" / "groundswell.toml")
        .read_text()
        .replace("internal_domains = []", 'internal_domains = ["y.com"]')
    )
    w.close()
    with gs.open(tmp_path / "w") as ws:
        teams.ingest(ws, EXPORT)
        people = ws.query("SELECT * FROM people").set_index("person_id")
        assert not people.loc[ws.pseudonymiser.person("ann@x.com"), "is_internal"]
        assert people.loc[ws.pseudonymiser.person(DAN), "is_internal"]  # no email: the source


@pytest.mark.parametrize("shape", ["array", "jsonl", "envelope", "single", "pages"])
def test_file_shapes(ws, tmp_path, shape) -> None:
    a = msg("1", ANN, "2024-01-01T10:00:00Z")
    b = msg("2", BOB, "2024-01-01T10:05:00Z", replyToId="1")
    f = tmp_path / "m.json"
    if shape == "array":
        f.write_bytes(orjson.dumps([a, b]))
    elif shape == "jsonl":
        f.write_text(json.dumps(a) + "\n\n" + json.dumps(b) + "\n")
    elif shape == "envelope":
        f.write_bytes(orjson.dumps({"@odata.nextLink": "x", "value": [a, b]}))
    elif shape == "pages":
        f.write_bytes(orjson.dumps([{"value": [a]}, {"value": [b]}]))
    else:
        f.write_bytes(orjson.dumps({**a, "replies": [b]}))
    s = teams.ingest(ws, f)
    assert (s.messages, s.interactions) == (2, 1)


def test_reply_to_a_message_of_an_earlier_ingest(ws, tmp_path) -> None:
    (tmp_path / "a.json").write_bytes(orjson.dumps([msg("1", ANN, "2024-01-01T10:00:00Z")]))
    (tmp_path / "b.json").write_bytes(
        orjson.dumps([msg("2", BOB, "2024-01-01T10:05:00Z", replyToId="1")])
    )
    teams.ingest(ws, tmp_path / "a.json")
    s = teams.ingest(ws, tmp_path / "b.json")
    assert s.interactions == 1 and not s.warnings
    p = ws.pseudonymiser.person
    assert ints(ws) == {(p(BOB), p(ANN), "reply")}


def test_idempotent_same_folder_and_overlap(ws, tmp_path) -> None:
    teams.ingest(ws, EXPORT)
    before = snapshot(ws)
    assert teams.ingest(ws, EXPORT).already_ingested
    assert snapshot(ws) == before
    # one file of the export again, as its own source: nothing new
    s = teams.ingest(ws, EXPORT / "general_replies.jsonl")
    assert (s.messages, s.interactions) == (0, 0)
    assert s.skipped["already in the workspace"] == 4
    assert ws.counts()["messages"] == 11


def test_failure_half_way_leaves_the_workspace_unchanged(ws, monkeypatch) -> None:
    from groundswell.ingest import common

    teams.ingest(ws, EXPORT / "chat_messages.jsonl")
    before = snapshot(ws)

    def boom(*a, **k):
        raise RuntimeError("disk full")

    monkeypatch.setattr(common, "record_source", boom)
    with pytest.raises(RuntimeError):
        teams.ingest(ws, EXPORT)
    assert snapshot(ws) == before


def test_dry_run_summarises_exactly_and_writes_nothing(ws) -> None:
    before = snapshot(ws)
    dry = teams.ingest(ws, EXPORT, dry_run=True)
    assert snapshot(ws) == before and dry.dry_run
    real = teams.ingest(ws, EXPORT)
    assert (dry.messages, dry.interactions, dry.people) == (
        real.messages, real.interactions, real.people,
    )  # fmt: skip


@pytest.mark.parametrize(
    ("content", "where", "words"),
    [
        (b'[{"id": "1", "createdDateTime": "2024-01-01T00:00:00Z",', "m.json, line 1", "malformed"),
        (
            b'{"id": "1", "createdDateTime": "2024-01-01T00:00:00Z"}\n{"id": 2,,}\n',
            "m.json, line 2",
            "JSON Lines",
        ),
        (b'{"value": [1]}', "m.json.value[0]", "not a JSON object"),
        (b'[{"id": "1", "messageType": "message"}]', "m.json[0].createdDateTime", "missing"),
        (
            b'[{"id": "1", "createdDateTime": "yesterday", "from": null}]',
            "m.json[0].createdDateTime",
            "unparseable",
        ),
        (b'[{"id": "", "createdDateTime": "2024-01-01T00:00:00Z"}]', "m.json[0].id", "id"),
        (
            b'[{"id": "1", "createdDateTime": "2024-01-01T00:00:00Z", "from": "ann"}]',
            "m.json[0].from",
            "not an object",
        ),
        (
            b'[{"id": "1", "createdDateTime": "2024-01-01T00:00:00Z", "mentions": {}}]',
            "m.json[0].mentions",
            "not an array",
        ),
        (
            b'{"id":"1","createdDateTime":"2024-01-01T00:00:00Z","reactions":[{"createdDateTime":'
            b'"soon","user":{"user":{"id":"u"}}}],"from":{"user":{"id":"a"}}}\n',
            "m.json.reactions[0].createdDateTime",
            "unparseable",
        ),
        (b'[{"displayName": "x", "id": "1"}]', "m.json[0]", "not a chatMessage"),
        (
            b'[{"id": "1", "createdDateTime": "2024-01-01T00:00:00Z", "replies": [3]}]',
            "m.json[0].replies[0]",
            "not a JSON object",
        ),
        (b"\xff\xfe[]", "m.json", "malformed"),
    ],
)
def test_malformed_input_names_file_and_record(ws, tmp_path, content, where, words) -> None:
    f = tmp_path / "m.json"
    f.write_bytes(content)
    before = snapshot(ws)
    with pytest.raises(InputError) as err:
        teams.ingest(ws, f)
    assert where in str(err.value) and words in str(err.value)
    assert snapshot(ws) == before


def test_missing_paths_and_empty_folders(ws, tmp_path) -> None:
    with pytest.raises(InputError, match="not found"):
        teams.ingest(ws, tmp_path / "nope")
    write_csv(tmp_path / "x.csv", ["a"], [["1"]])
    with pytest.raises(InputError, match="no JSON files"):
        teams.ingest(ws, tmp_path)
    (tmp_path / "empty.json").write_text("  \n")
    before = snapshot(ws)
    with pytest.raises(InputError, match="nothing to ingest: no chatMessage"):
        teams.ingest(ws, tmp_path / "empty.json")  # was a warning, and a source with nothing
    assert snapshot(ws) == before


def _corrupt(data: bytes, kind: str, pos: int, byte: int) -> bytes:
    if not data:
        return data
    i = pos % len(data)
    if kind == "truncate":
        return data[:i]
    if kind == "flip":
        return data[:i] + bytes([byte]) + data[i + 1 :]
    # delete a key: drop the text from a quote to the next comma
    start = data.find(b'"', i)
    end = data.find(b",", start + 1)
    return data if start < 0 or end < 0 else data[:start] + data[end + 1 :]


def test_random_corruptions_ingest_cleanly_or_raise_input_error(tmp_path) -> None:
    """Truncations, byte flips and deleted keys/columns: a clean ingest or an InputError that
    leaves the workspace as it was — never another exception. One workspace for all examples
    (a failed ingest must leave it unchanged; a clean one may add to it)."""
    ws = gs.init(tmp_path / "w")
    counter = iter(range(10**6))

    @settings(max_examples=30, deadline=None)
    @given(
        name=st.sampled_from(sorted(p.name for p in EXPORT.iterdir())),
        kind=st.sampled_from(["truncate", "flip", "delete"]),
        pos=st.integers(min_value=0, max_value=10**6),
        byte=st.integers(min_value=0, max_value=255),
    )
    def check(name: str, kind: str, pos: int, byte: int) -> None:
        export = tmp_path / f"export{next(counter)}"
        shutil.copytree(EXPORT, export)
        f = export / name
        f.write_bytes(_corrupt(f.read_bytes(), kind, pos, byte))
        ingests_or_fails_cleanly(ws, lambda: teams.ingest(ws, export))

    try:
        check()
    finally:
        ws.close()


def test_large_input_is_fast(ws, tmp_path) -> None:
    import time

    n = 20_000
    rows = [
        msg(str(i), f"user-{i % 500}", f"2024-01-01T{i // 3600 % 24:02d}:{i // 60 % 60:02d}:00Z",
            replyToId=str(i - 1) if i % 3 else None,
            mentions=[{"mentioned": {"user": {"id": f"user-{(i * 7) % 500}"}}}])
        for i in range(n)
    ]  # fmt: skip
    f = tmp_path / "big.jsonl"
    f.write_bytes(b"\n".join(orjson.dumps(r) for r in rows))
    t = time.process_time()
    s = teams.ingest(ws, f)
    cpu = time.process_time() - t
    assert s.messages == n
    # a guard against a row-by-row reader, not a timing (speed lives in bench/): CPU time of
    # this process, which a loaded machine does not stretch the way it stretches wall time
    # (20,000 messages took 10+ s of wall time with eight jobs on two cores)
    assert cpu < 10, cpu

"""The Slack export reader, on the two real samples in shared/data and on small exports
written here from Slack's documented export format (one feature each)."""

from __future__ import annotations

import json
import shutil
import zipfile
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import groundswell as gs
from groundswell.errors import InputError
from groundswell.ingest import slack
from tests.conftest import SHARED_DATA, ingests_or_fails_cleanly, snapshot

VIEWER = SHARED_DATA / "slack-export" / "slack-export-viewer-testarchive"
SLACKDUMP = SHARED_DATA / "slack-export" / "slackdump-fixture"  # AGPL: read in place only

T0 = 1_700_000_000  # 2023-11-14T22:13:20Z


def ts(seconds: float) -> str:
    return f"{T0 + seconds:.6f}"


def user(uid: str, email: str | None = None, **extra: Any) -> dict[str, Any]:
    profile: dict[str, Any] = {"real_name": f"Name {uid}", "title": extra.pop("title", "")}
    if email:
        profile["email"] = email
    if "bot_id" in extra:
        profile["bot_id"] = extra.pop("bot_id")
    return {
        "id": uid,
        "team_id": extra.pop("team_id", "T1"),
        "name": uid.lower(),
        "real_name": f"Name {uid}",
        "deleted": False,
        "is_bot": False,
        "profile": profile,
        **extra,
    }


def msg(uid: str | None, seconds: float, text: str = "hi", **extra: Any) -> dict[str, Any]:
    m: dict[str, Any] = {"type": "message", "text": text, "ts": ts(seconds), **extra}
    if uid is not None:
        m["user"] = uid
    return m


USERS = [
    user("U1", "ann@x.com", title="CEO"),
    user("U2", "bob@x.com"),
    user("U3"),
    user("U4", "dan@x.com", deleted=True),
    user("U5", "guest@y.com", is_restricted=True),
    user("UB", is_bot=True, bot_id="B9"),
]


def base_export() -> dict[str, Any]:
    """Files of a small full export: name -> JSON value."""
    return {
        "users.json": USERS,
        "channels.json": [
            {"id": "C1", "name": "general", "created": T0 - 86400, "members": ["U1", "U2", "U3"]}
        ],
        "groups.json": [
            {"id": "G1", "name": "secret-plans", "created": T0 - 3600, "members": ["U1", "U2"]}
        ],
        "dms.json": [{"id": "D1", "created": T0, "members": ["U1", "U2"]}],
        "mpims.json": [
            {"id": "G2", "name": "mpdm-u1--u2--u3-1", "created": T0, "members": ["U1", "U2", "U3"]}
        ],
        "general/2023-11-14.json": [
            msg("U1", 0, "Who owns the build?", thread_ts=ts(0), reply_count=2),
            msg("U2", 60, "me", thread_ts=ts(0), parent_user_id="U1"),
            msg("U3", 120, "and me", thread_ts=ts(0)),  # no parent_user_id: root author
            msg(
                "U1",
                180,
                "<@U2> and <@U3|cat> please look",
                reactions=[{"name": "+1", "users": ["U2", "U3", "U1"], "count": 3}],
            ),
            msg(
                "U2",
                240,
                "see the doc",
                blocks=[
                    {
                        "type": "rich_text",
                        "elements": [
                            {
                                "type": "rich_text_section",
                                "elements": [
                                    {"type": "text", "text": "ping "},
                                    {"type": "user", "user_id": "U4"},
                                ],
                            }
                        ],
                    }
                ],
            ),
            msg("U3", 300, "<@U3> has joined the channel", subtype="channel_join"),
            msg(None, 360, "deployed <@U1>", subtype="bot_message", bot_id="B9"),
            msg(None, 420, "build green", subtype="bot_message", bot_id="B7", username="ci"),
            msg("U4", 480, "bye", edited={"user": "U4", "ts": ts(490)}),
            msg("U9", 540, "who am I"),  # not in users.json
        ],
        "secret-plans/2023-11-14.json": [msg("U1", 10, "private"), msg("U2", 20, "ok")],
        "D1/2023-11-14.json": [msg("U1", 30, "psst"), msg("U2", 40, "what?")],
        "mpdm-u1--u2--u3-1/2023-11-15.json": [msg("U3", 86400, "all three")],
    }


def write_export(root: Path, files: dict[str, Any], *, as_zip: bool = False) -> Path:
    if as_zip:
        out = root.with_suffix(".zip")
        with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
            for name, value in files.items():
                zf.writestr(name, value if isinstance(value, bytes) else json.dumps(value))
        return out
    for name, value in files.items():
        f = root / name
        f.parent.mkdir(parents=True, exist_ok=True)
        f.write_bytes(value if isinstance(value, bytes) else json.dumps(value).encode())
    return root


def inter_set(ws: gs.Workspace, kind: str | None = None) -> set[tuple[str, str, str]]:
    df = ws.query("SELECT actor_id, target_id, kind FROM interactions")
    p = ws.pseudonymiser.person
    names = {p(u): u for u in ["U1", "U2", "U3", "U4", "U5", "U9", "UB", "B7"]}
    out = {(names.get(a, a), names.get(t, t), k) for a, t, k in df.itertuples(index=False)}
    return {x for x in out if kind is None or x[2] == kind}


# -- real samples ------------------------------------------------------------------------------
def _need(folder: Path) -> None:
    if not folder.exists():
        pytest.skip(f"{folder} is absent")


def test_viewer_archive_counts(ws) -> None:
    _need(VIEWER)
    s = slack.ingest(ws, VIEWER / "testarchive.zip")
    assert (s.rows_read, s.messages) == (158, 158)
    m = ws.query("SELECT * FROM messages")
    assert int(m["is_bot"].sum()) == 94 + 8 + 3  # bot_message, channel_join, bot_add
    assert m["thread_id"].isna().all() and (m["kind"] == "post").all()
    humans = m.loc[~m["is_bot"], "author_id"].nunique()
    assert humans == 4
    inter = ws.query("SELECT * FROM interactions")
    assert (inter["kind"] == "reaction").sum() == 1
    chans = ws.query("SELECT name, kind FROM channels ORDER BY name")
    assert chans.values.tolist() == [["enrique", "public"], ["traveling-sailor", "public"]]
    people = ws.query("SELECT * FROM people")
    assert people["display_name"].isna().all()  # not identified
    # the unpacked folder holds the same messages: nothing new
    before = ws.counts()
    s2 = slack.ingest(ws, VIEWER / "unzipped")
    assert (s2.messages, s2.interactions, s2.people) == (0, 0, 0)
    after = ws.counts()
    assert {k: v for k, v in after.items() if k != "sources"} == {
        k: v for k, v in before.items() if k != "sources"
    }


def test_slackdump_fixture_threads_and_tombstone(ws) -> None:
    _need(SLACKDUMP)
    s = slack.ingest(ws, SLACKDUMP / "source_export.zip")
    assert (s.rows_read, s.messages) == (16, 16)
    m = ws.query("SELECT * FROM messages")
    assert m["thread_id"].notna().sum() == 7
    roots = m[m["thread_id"].notna() & (m["kind"] == "post")]
    assert len(roots) == 3 and (m["kind"] == "reply").sum() == 4
    assert set(m.loc[m["kind"] == "reply", "parent_id"]) <= set(roots["message_id"])
    assert int(m["is_bot"].sum()) >= 2  # the tombstone, the channel_join, a bot
    inter = ws.query("SELECT * FROM interactions")
    assert set(inter["kind"]) == {"reply"} and len(inter) == 3
    assert ws.counts()["people"] == 10
    again = slack.ingest(ws, SLACKDUMP / "unzipped")
    assert again.messages == 0 and again.interactions == 0


# -- features ------------------------------------------------------------------------------------
def test_full_export_features(ws, tmp_path) -> None:
    f = write_export(tmp_path / "exp", base_export())
    s = slack.ingest(ws, f)
    assert s.rows_read == 15 and s.messages == 15
    p = ws.pseudonymiser
    m = ws.query("SELECT * FROM messages").set_index("message_id")
    root = p.message(f"C1:{ts(0)}")
    reply = m.loc[p.message(f"C1:{ts(60)}")]
    assert reply["kind"] == "reply" and reply["parent_id"] == root and reply["thread_id"] == root
    assert m.loc[root, "kind"] == "post" and m.loc[root, "thread_id"] == root
    assert m.loc[root, "is_question"] and not reply["is_question"]
    assert m.loc[p.message(f"C1:{ts(300)}"), "is_bot"]  # channel_join
    assert m.loc[p.message(f"C1:{ts(360)}"), "is_bot"]
    assert m["text"].isna().all()
    assert m.loc[p.message(f"C1:{ts(0)}"), "ts"].timestamp() == T0

    assert inter_set(ws, "reply") == {("U2", "U1", "reply"), ("U3", "U1", "reply")}
    assert inter_set(ws, "mention") == {
        ("U1", "U2", "mention"),
        ("U1", "U3", "mention"),  # text, old <@U|name> form too
        ("U2", "U4", "mention"),  # from blocks
        ("UB", "U1", "mention"),  # a bot user's message, attributed via profile.bot_id
    }
    assert inter_set(ws, "reaction") == {("U2", "U1", "reaction"), ("U3", "U1", "reaction")}
    assert inter_set(ws, "dm") == {
        ("U1", "U2", "dm"),
        ("U2", "U1", "dm"),
        ("U3", "U1", "dm"),
        ("U3", "U2", "dm"),
    }
    inter = ws.query("SELECT * FROM interactions")
    react = inter[inter["kind"] == "reaction"]
    assert set(react["message_id"]) == {p.message(f"C1:{ts(180)}")}
    assert (react["ts"].map(lambda x: x.timestamp()) == T0 + 180).all()
    assert inter.loc[inter["actor_id"] == p.person("UB"), "is_bot"].all()
    # the mention message counts two recipients; the group DM two
    assert set(inter.loc[inter["kind"] == "mention", "n_recipients"]) == {1, 2}

    chans = ws.query("SELECT * FROM channels").set_index("kind")
    assert chans.loc["public", "name"] == "general"
    for kind in ("private", "dm", "group_dm"):
        assert chans.loc[kind, "name"] is None or chans.loc[kind, "name"] != chans.loc[kind, "name"]
    assert chans.loc["public", "created_at"].timestamp() == T0 - 86400

    people = ws.query("SELECT * FROM people").set_index("person_id")
    ann = people.loc[p.person("ann@x.com")]
    assert ann["is_internal"] and ann["title"] == "CEO"
    assert json.loads(people.loc[p.person("dan@x.com"), "attrs"])["deleted"] is True
    assert not people.loc[p.person("guest@y.com"), "is_internal"]
    assert not people.loc[p.person("UB"), "is_internal"]
    assert json.loads(people.loc[p.person("U9"), "attrs"]) == {"unknown": True}
    assert json.loads(people.loc[p.person("B7"), "attrs"]) == {"is_bot": True}
    assert any("not in users.json" in w for w in s.warnings)
    assert any("edited" in w for w in s.warnings)
    aliases = ws.query("SELECT * FROM aliases").set_index("alias_id")["person_id"]
    assert aliases[p.person("U1")] == p.person("ann@x.com")
    dump = (
        ws.query("SELECT * FROM people").to_string() + ws.query("SELECT * FROM aliases").to_string()
    )
    assert "ann@x.com" not in dump and "Name U1" not in dump


def test_identified_and_content(tmp_path) -> None:
    f = write_export(tmp_path / "exp", base_export())
    with gs.init(tmp_path / "w", identified=True, store_content=True) as ws:
        slack.ingest(ws, f)
        assert "Name U1" in set(ws.query("SELECT display_name FROM people")["display_name"])
        assert "psst" in set(ws.query("SELECT text FROM messages")["text"])


def test_zip_and_folder_give_the_same_rows(ws, tmp_path) -> None:
    files = base_export()
    z = write_export(tmp_path / "exp", files, as_zip=True)
    d = write_export(tmp_path / "exp", files)
    slack.ingest(ws, z)
    before = snapshot(ws)
    assert slack.ingest(ws, z).already_ingested
    assert snapshot(ws) == before
    s = slack.ingest(ws, d)
    assert (s.messages, s.interactions, s.people) == (0, 0, 0)
    after = snapshot(ws)
    assert {k: v for k, v in after.items() if k != "sources"} == {
        k: v for k, v in before.items() if k != "sources"
    }


def test_grid_two_teams_and_org_layout(ws, tmp_path) -> None:
    users = [user("W1", "a@org.com", team_id="T1"), user("W2", "b@org.com", team_id="T2")]
    files = {
        "org_users.json": users,
        "dms.json": [{"id": "D7", "created": T0, "members": ["W1", "W2"]}],
        "D7/2023-11-14.json": [msg("W1", 0, "cross-team hello")],
        "T1/channels.json": [{"id": "C1", "name": "general", "created": T0}],
        "T1/general/2023-11-14.json": [msg("W1", 10, "hi <@W2>")],
        "T2/channels.json": [{"id": "C2", "name": "general", "created": T0}],
        "T2/general/2023-11-14.json": [msg("W2", 20, "hello <@W1>")],
        "T2/general/attachments/2023-11-14.json": [{"not": "a message"}],
    }
    s = slack.ingest(ws, write_export(tmp_path / "grid", files, as_zip=True))
    assert s.messages == 3
    assert ws.counts()["channels"] == 3  # two channels named general are two channels
    p = ws.pseudonymiser
    teams = {json.loads(a)["slack_team_id"] for a in ws.query("SELECT attrs FROM people")["attrs"]}
    assert teams == {"T1", "T2"}
    assert len(ws.query("SELECT * FROM interactions WHERE kind = 'mention'")) == 2
    dm = ws.query("SELECT * FROM interactions WHERE kind = 'dm'")
    assert dm[["actor_id", "target_id"]].values.tolist() == [[p.person("W1"), p.person("W2")]]


def test_unlisted_folder_is_read_with_a_guessed_kind(ws, tmp_path) -> None:
    files = {
        "users.json": USERS,
        "channels.json": [],
        "D0ABCDEFG/2023-11-14.json": [msg("U1", 0), msg("U2", 1)],
    }
    s = slack.ingest(ws, write_export(tmp_path / "e", files))
    assert s.messages == 2 and any("no conversation list" in w for w in s.warnings)
    assert ws.query("SELECT kind FROM channels")["kind"].tolist() == ["dm"]
    assert len(ws.query("SELECT * FROM interactions WHERE kind = 'dm'")) == 2


def test_reply_to_a_root_ingested_earlier(ws, tmp_path) -> None:
    first = {
        "users.json": USERS,
        "channels.json": [{"id": "C1", "name": "g"}],
        "g/2023-11-14.json": [msg("U1", 0, "q", thread_ts=ts(0))],
    }
    second = {
        "users.json": USERS,
        "channels.json": [{"id": "C1", "name": "g"}],
        "g/2023-11-15.json": [msg("U2", 86400, "a", thread_ts=ts(0))],
    }
    slack.ingest(ws, write_export(tmp_path / "a", first))
    slack.ingest(ws, write_export(tmp_path / "b", second))
    assert inter_set(ws) == {("U2", "U1", "reply")}


# -- atomicity, dry run --------------------------------------------------------------------------
def test_failure_half_way_leaves_the_workspace_unchanged(ws, tmp_path, monkeypatch) -> None:
    from groundswell.ingest import common

    files = base_export()
    slack.ingest(
        ws, write_export(tmp_path / "a", {k: files[k] for k in ("users.json", "channels.json")})
    )
    before = snapshot(ws)

    def boom(*a, **k):
        raise KeyboardInterrupt

    monkeypatch.setattr(common, "record_source", boom)
    with pytest.raises(KeyboardInterrupt):
        slack.ingest(ws, write_export(tmp_path / "b", files))
    assert snapshot(ws) == before


def test_dry_run_summarises_exactly_and_writes_nothing(ws, tmp_path) -> None:
    f = write_export(tmp_path / "exp", base_export())
    before = snapshot(ws)
    dry = slack.ingest(ws, f, dry_run=True)
    assert snapshot(ws) == before and dry.dry_run
    real = slack.ingest(ws, f)
    assert (dry.messages, dry.interactions, dry.people) == (
        real.messages,
        real.interactions,
        real.people,
    )


# -- bad input -----------------------------------------------------------------------------------
def test_not_a_slack_export(ws, tmp_path) -> None:
    (tmp_path / "x").mkdir()
    (tmp_path / "x" / "notes.txt").write_text("hello")
    with pytest.raises(InputError, match=r"not a Slack export.*users\.json.*channels\.json"):
        slack.ingest(ws, tmp_path / "x")
    (tmp_path / "y.zip").write_bytes(b"PK\x03\x04 not really")
    with pytest.raises(InputError, match="not a readable zip"):
        slack.ingest(ws, tmp_path / "y.zip")
    with pytest.raises(InputError, match="file not found"):
        slack.ingest(ws, tmp_path / "none.zip")


@pytest.mark.parametrize(
    ("name", "value", "match"),
    [
        ("general/2023-11-14.json", b'[{"ts": "1.0",', r"general/2023-11-14\.json.*invalid JSON"),
        ("general/2023-11-14.json", {"ts": "1"}, r"general/2023-11-14\.json is not a JSON array"),
        (
            "general/2023-11-14.json",
            [msg("U1", 0), {"user": "U1", "text": "x"}],
            r"general/2023-11-14\.json\[1\]\.ts is missing",
        ),
        (
            "general/2023-11-14.json",
            [msg("U1", 0, ts="soon")],
            r"general/2023-11-14\.json\[0\]\.ts is not a Slack timestamp",
        ),
        ("general/2023-11-14.json", [msg(None, 0, user=["U1"])], r"\[0\]\.user is not"),
        # text where the reactors' list belongs was read letter by letter, each letter a person
        (
            "general/2023-11-14.json",
            [msg("U1", 0), msg("U2", 1, reactions=[{"name": "+1", "users": "U3"}])],
            r"general/2023-11-14\.json\[1\]\.reactions is not a list of reactions",
        ),
        (
            "general/2023-11-14.json",
            [msg("U1", 0, reactions=[["+1", "U2"]])],
            r"\[0\]\.reactions is not a list of reactions",
        ),
        ("general/2023-11-14.json", [msg("U1", 0, reactions="+1")], r"\[0\]\.reactions is not"),
        # nested deeper than msgspec goes, in a field the reader skips: a RecursionError's
        # traceback reached the user
        (
            "general/2023-11-14.json",
            b'[{"type": "message", "user": "U1", "ts": "1700000000.1", "x": '
            + b"[" * 3000
            + b"]" * 3000
            + b"}]",
            r"general/2023-11-14\.json, line 1: invalid JSON: depth limit exceeded",
        ),
        ("users.json", [{"name": "x"}], r"users\.json\[0\]\.id is missing"),
        ("channels.json", {"id": "C1"}, r"channels\.json is not a JSON array"),
    ],
)
def test_malformed_input_names_file_and_record(ws, tmp_path, name, value, match) -> None:
    files = base_export()
    files[name] = value
    before = snapshot(ws)
    with pytest.raises(InputError, match=match):
        slack.ingest(ws, write_export(tmp_path / "e", files))
    assert snapshot(ws) == before


def test_truncated_zip(ws, tmp_path) -> None:
    z = write_export(tmp_path / "e", base_export(), as_zip=True)
    data = z.read_bytes()
    for cut in (len(data) // 2, len(data) - 30):
        z.write_bytes(data[:cut])
        with pytest.raises(InputError):
            slack.ingest(ws, z)
    assert ws.counts()["sources"] == 0


def _sample_files() -> dict[str, bytes]:
    return {k: json.dumps(v).encode() for k, v in base_export().items()}


def _delete_key(value: Any, key: str) -> Any:
    if isinstance(value, dict):
        return {k: _delete_key(v, key) for k, v in value.items() if k != key}
    if isinstance(value, list):
        return [_delete_key(v, key) for v in value]
    return value


@settings(
    max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(data=st.data())
def test_random_corruption_is_a_clean_ingest_or_an_input_error(tmp_path_factory, data) -> None:
    files = _sample_files()
    how = data.draw(st.sampled_from(["truncate_zip", "flip_bytes", "delete_key"]))
    folder = tmp_path_factory.mktemp("c")
    if how == "delete_key":
        name = data.draw(st.sampled_from(sorted(files)))
        key = data.draw(
            st.sampled_from(
                [
                    "ts",
                    "user",
                    "id",
                    "members",
                    "thread_ts",
                    "users",
                    "profile",
                    "blocks",
                    "type",
                    "text",
                    "reactions",
                ]
            )
        )
        files[name] = json.dumps(_delete_key(json.loads(files[name]), key)).encode()
        path = write_export(folder / "e", files, as_zip=data.draw(st.booleans()))
    elif how == "flip_bytes":
        name = data.draw(st.sampled_from(sorted(files)))
        raw = bytearray(files[name])
        for _ in range(data.draw(st.integers(1, 4))):
            i = data.draw(st.integers(0, len(raw) - 1))
            raw[i] = data.draw(st.integers(0, 255))
        files[name] = bytes(raw)
        path = write_export(folder / "e", files)
    else:
        z = write_export(folder / "e", files, as_zip=True)
        raw = z.read_bytes()
        z.write_bytes(raw[: data.draw(st.integers(0, len(raw) - 1))])
        path = z
    with gs.init(folder / "ws") as ws:
        ingests_or_fails_cleanly(ws, lambda: slack.ingest(ws, path))
    shutil.rmtree(folder, ignore_errors=True)

"""The Slack reader's fast path (day files parsed into typed structs with msgspec, zip
members inflated with ISA-L) against its oracle, the general path (every day file parsed
as plain JSON with orjson, as the reader did before): same key, same export, so the stored
rows must be identical. The export is hand-made: non-ASCII names and channel names, a
Japanese-locale workspace (full-width question mark, time zone), threads with and without
parent_user_id, edits, reactions, rich-text mentions, a file comment, bots, DMs, and a few
day files of unusual shape that only the general path reads."""

from __future__ import annotations

import json
import shutil
import zipfile
from pathlib import Path
from typing import Any

import pytest

import groundswell as gs
from groundswell.errors import InputError
from groundswell.ingest import slack
from groundswell.ingest.slack import messages
from tests.conftest import SHARED_DATA

T0 = 1_700_000_000
TABLES = ("people", "aliases", "channels", "messages", "interactions")


def ts(seconds: float) -> str:
    return f"{T0 + seconds:.6f}"


def msg(uid: str | None, seconds: float, text: str = "hi", **extra: Any) -> dict[str, Any]:
    m: dict[str, Any] = {"type": "message", "text": text, "ts": ts(seconds), **extra}
    if uid is not None:
        m["user"] = uid
    return m


def rich(*users: str) -> list[dict[str, Any]]:
    els: list[dict[str, Any]] = [{"type": "text", "text": "ping "}]
    els += [{"type": "user", "user_id": u} for u in users]
    return [{"type": "rich_text", "elements": [{"type": "rich_text_section", "elements": els}]}]


def user(uid: str, name: str, email: str | None = None, **extra: Any) -> dict[str, Any]:
    profile: dict[str, Any] = {"real_name": name, "title": extra.pop("title", "")}
    if email:
        profile["email"] = email
    if "bot_id" in extra:
        profile["bot_id"] = extra.pop("bot_id")
    return {
        "id": uid,
        "team_id": "T1",
        "name": uid.lower(),
        "real_name": name,
        "tz": "Asia/Tokyo",
        "deleted": False,
        "is_bot": False,
        "profile": profile,
        **extra,
    }


def regional_export() -> dict[str, Any]:
    """A small export of a Japanese and European team, every reader feature in it."""
    users = [
        user("U1", "Zoë Müller-Łukasiewicz", "zoe@ex.jp", title="Directrice générale"),
        user("U2", "山田 太郎", "taro@ex.jp", title="エンジニア"),
        user("U3", "Ørjan Ødegård"),
        user("U4", "Ирина Петрова", "irina@ex.jp", deleted=True),
        user("U5", "Guest Ğüneş", "guest@other.tr", is_restricted=True),
        user("UB", "Déploiement", is_bot=True, bot_id="B9"),
    ]
    day = "2023-11-14"
    return {
        "users.json": users,
        "channels.json": [
            {"id": "C1", "name": "café-équipe", "created": T0 - 86400, "members": ["U1", "U2"]},
            {"id": "C2", "name": "開発", "created": T0 - 86400, "members": ["U2", "U3"]},
        ],
        "groups.json": [{"id": "G1", "name": "secret", "created": T0, "members": ["U1", "U2"]}],
        "dms.json": [{"id": "D1", "created": T0, "members": ["U1", "U2"]}],
        "mpims.json": [
            {"id": "G2", "name": "mpdm-u1--u2--u3-1", "created": T0, "members": ["U1", "U2", "U3"]}
        ],
        f"café-équipe/{day}.json": [
            msg("U1", 0, "Qui s'occupe du build ?", thread_ts=ts(0), reply_count=2),
            msg("U2", 60, "私です", thread_ts=ts(0), parent_user_id="U1"),
            msg("U3", 120, "moi aussi", thread_ts=ts(0)),  # the root's author is found
            msg(
                "U1",
                180,
                "<@U2> et <@U3|ørjan> regardez",
                reactions=[{"name": "+1", "users": ["U2", "U3", "U1"], "count": 3}],
                edited={"user": "U1", "ts": ts(200)},
            ),
            msg("U2", 240, "見てください", blocks=rich("U4", "U3")),
            msg("U3", 300, "<@U3> a rejoint", subtype="channel_join"),
            msg(None, 360, "déployé <@U1>", subtype="bot_message", bot_id="B9"),
            msg(None, 420, "build vert", subtype="bot_message", bot_id="B7", username="ci"),
            msg("U4", 480, "до свидания", edited=None),
            msg("U9", 540, "qui suis-je"),  # not in users.json
            msg(None, 560, "commentaire", subtype="file_comment", comment={"user": "U2"}),
            msg("U2", 600, "reply", thread_ts=ts(5000), parent_user_id="U7"),
        ],
        f"開発/{day}.json": [
            msg("U2", 10, "レビューお願いします？", thread_ts=ts(10)),
            msg("U3", 20, "はい?", thread_ts=ts(10), blocks=rich("U2")),
            msg("U2", 30, "ok", reactions=[{"name": "pray", "users": ["U3", 7]}]),
            msg("U3", 40, "", blocks=[{"type": "section", "text": {"type": "mrkdwn"}}]),
        ],
        f"secret/{day}.json": [msg("U1", 11, "privé"), msg("U2", 21, "d'accord")],
        f"D1/{day}.json": [msg("U1", 31, "psst"), msg("U2", 41, "quoi ?")],
        "mpdm-u1--u2--u3-1/2023-11-15.json": [msg("U3", 86400, "tous les trois")],
        # shapes only the general path reads: a numeric ts, a number as subtype
        "secret/2023-11-16.json": [
            {"type": "message", "user": "U1", "text": "a", "ts": T0 + 2 * 86400},
            msg("U2", 2 * 86400 + 5, "b", subtype=7),
        ],
    }


def write(root: Path, files: dict[str, Any], *, as_zip: bool) -> Path:
    if as_zip:
        out = root.with_suffix(".zip")
        with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
            for name, value in files.items():
                zf.writestr(name, json.dumps(value, ensure_ascii=False).encode())
        return out
    for name, value in files.items():
        f = root / name
        f.parent.mkdir(parents=True, exist_ok=True)
        f.write_bytes(json.dumps(value, ensure_ascii=False).encode())
    return root


def twin_workspaces(tmp_path: Path) -> tuple[Path, Path]:
    """Two empty workspaces with the same key (so the same pseudonyms)."""
    a = tmp_path / "fast"
    gs.init(a).close()
    b = tmp_path / "general"
    shutil.copytree(a, b)
    return a, b


def rows(folder: Path) -> dict[str, list[tuple]]:
    ws = gs.open(folder)
    try:
        return {
            t: [
                tuple(r)
                for r in ws.query(f"SELECT * EXCLUDE (source_id) FROM {t} ORDER BY ALL")
                .astype(object)
                .itertuples(index=False)
            ]
            for t in TABLES
        }
    finally:
        ws.close()


def ingest_both(tmp_path: Path, export: Path, monkeypatch: pytest.MonkeyPatch) -> tuple:
    fast, general = twin_workspaces(tmp_path)
    calls: list[str] = []
    original = messages._Reader._day_general

    def counted(self: messages._Reader, name: str, *a: Any) -> None:
        calls.append(name)
        original(self, name, *a)

    with monkeypatch.context() as m:
        m.setattr(messages._Reader, "_day_general", counted)
        ws = gs.open(fast)
        s_fast = slack.ingest(ws, export)
        ws.close()
    fast_calls = list(calls)

    def refuse(raw: bytes) -> Any:
        raise ValueError("general path only")

    with monkeypatch.context() as m:
        m.setattr(messages, "_DECODE", refuse)
        ws = gs.open(general)
        s_general = slack.ingest(ws, export)
        ws.close()
    return rows(fast), rows(general), s_fast, s_general, fast_calls


@pytest.mark.parametrize(("as_zip", "batch"), [(False, 20_000), (True, 20_000), (True, 3)])
def test_fast_path_stores_what_the_general_path_stores(
    tmp_path, monkeypatch, as_zip, batch
) -> None:
    """Batches of 3 messages: day files gathered several at a time, one batch cut by the
    file only the general path reads, and every file kept in its place."""
    monkeypatch.setattr(messages, "BATCH", batch)
    export = write(tmp_path / "export", regional_export(), as_zip=as_zip)
    fast, general, s_fast, s_general, calls = ingest_both(tmp_path, export, monkeypatch)
    assert fast == general
    assert (s_fast.messages, s_fast.interactions) == (s_general.messages, s_general.interactions)
    assert s_fast.warnings == s_general.warnings
    assert dict(s_fast.skipped) == dict(s_general.skipped)
    # the regular day files took the fast path, the odd one the general path
    assert calls == ["secret/2023-11-16.json"]
    # and the export says what was planted: spot checks against the hand-made file
    assert s_fast.messages == 23
    kinds = {r[3] for r in fast["interactions"]}
    assert kinds == {"reply", "mention", "reaction", "dm"}
    assert any("edited" in w and w.startswith("2 ") for w in s_fast.warnings)


@pytest.mark.parametrize(
    "name",
    ["slack-export-viewer-testarchive/unzipped", "slackdump-fixture/unzipped"],
)
def test_fast_path_on_the_real_samples(tmp_path, monkeypatch, name) -> None:
    folder = SHARED_DATA / "slack-export" / name
    if not folder.exists():
        pytest.skip(f"{folder} not present")
    fast, general, s_fast, _, _ = ingest_both(tmp_path, folder, monkeypatch)
    assert fast == general
    assert s_fast.messages > 0


def test_damaged_member_is_one_input_error(tmp_path) -> None:
    """A deflated member whose bytes were altered: ISA-L's failure is named like zlib's."""
    export = write(tmp_path / "export", regional_export(), as_zip=True)
    data = bytearray(export.read_bytes())
    with zipfile.ZipFile(export) as zf:
        info = zf.getinfo("secret/2023-11-14.json")
    at = info.header_offset + 30 + len(info.filename.encode()) + len(info.extra)
    for k in range(at + 2, at + 6):
        data[k] ^= 0xFF
    export.write_bytes(bytes(data))
    ws = gs.init(tmp_path / "ws")
    try:
        with pytest.raises(InputError, match=r"secret/2023-11-14\.json.*(damaged|read)"):
            slack.ingest(ws, export)
    finally:
        ws.close()


@pytest.mark.parametrize("batch", [20_000, 3])
def test_nan_timestamp_is_one_input_error(tmp_path, monkeypatch, batch) -> None:
    """A "nan" ts between good ones: the least and greatest of a day file's times do not
    see it, so a check on them alone let it through to a NOT NULL constraint's traceback.
    Read in a batch of day files or alone, it is named, and nothing is written."""
    monkeypatch.setattr(messages, "BATCH", batch)
    files = regional_export()
    files["開発/2023-11-14.json"][1]["ts"] = "nan"
    export = write(tmp_path / "export", files, as_zip=False)
    ws = gs.init(tmp_path / "ws")
    try:
        with pytest.raises(InputError, match=r"開発/2023-11-14\.json\[1\]\.ts .*found 'nan'"):
            slack.ingest(ws, export)
        assert ws.query("SELECT count(*) AS n FROM messages")["n"].iloc[0] == 0
        assert ws.query("SELECT count(*) AS n FROM sources")["n"].iloc[0] == 0
    finally:
        ws.close()


def go_json(value: Any) -> bytes:
    """JSON as Go's encoding/json writes it by default, as slackdump's exports are written:
    "<", ">" and "&" escaped as \\u003c, \\u003e and \\u0026 (they occur only inside
    strings), other text as UTF-8, indented by two spaces."""
    text = json.dumps(value, ensure_ascii=False, indent=2)
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026").encode()


@pytest.mark.parametrize("path", ["fast", "general"])
def test_mentions_escaped_in_the_json_are_read(tmp_path, monkeypatch, path) -> None:
    """A text mention written "\\u003c@U2\\u003e" is the mention "<@U2>": the export written
    as Go writes JSON stores what the same export written plainly stores, by either path."""
    files = regional_export()
    files["secret/2023-11-14.json"].append(msg("U1", 51, "merci <@U2> & <@U3|ørjan>"))
    plain = write(tmp_path / "plain", files, as_zip=False)
    escaped = tmp_path / "escaped"
    for name, value in files.items():
        f = escaped / name
        f.parent.mkdir(parents=True, exist_ok=True)
        f.write_bytes(go_json(value))
    assert b"<@" not in (escaped / "secret/2023-11-14.json").read_bytes()
    if path == "general":

        def refuse(raw: bytes) -> Any:
            raise ValueError("general path only")

        monkeypatch.setattr(messages, "_DECODE", refuse)
    a, b = twin_workspaces(tmp_path)
    for folder, export in ((a, plain), (b, escaped)):
        ws = gs.open(folder)
        slack.ingest(ws, export)
        ws.close()
    got, want = rows(b), rows(a)
    assert got == want
    # the planted text mentions are there: two in café-équipe's day (U1 -> U2, U3), the
    # bot's one, and the two of the message added above
    mentions = [r for r in got["interactions"] if r[3] == "mention"]
    assert len(mentions) >= 5

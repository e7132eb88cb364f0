from __future__ import annotations

import copy
import io
import re
import shutil

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import groundswell as gs
from groundswell.config import Settings
from groundswell.errors import InputError
from groundswell.ingest import email
from groundswell.ingest.common import IngestSummary
from tests.conftest import SHARED_DATA, TEST_DATA, ingests_or_fails_cleanly, snapshot

PERCEVAL = SHARED_DATA / "mbox-perceval"
MBOX = TEST_DATA / "email" / "acme.mbox"
MAILDIR = TEST_DATA / "email" / "maildir"


def configure(ws: gs.Workspace, domains: list[str], *, identified: bool = False) -> None:
    raw = copy.deepcopy(ws.settings.raw)
    raw["ingest"]["internal_domains"] = domains
    raw["privacy"]["identified"] = identified
    ws.settings = Settings(raw)


def edges(ws: gs.Workspace) -> set[tuple[str, str, str]]:
    df = ws.query("SELECT actor_id, target_id, kind FROM interactions")
    return set(df.itertuples(index=False, name=None))


def provenance_counts() -> dict[str, tuple[int, int]]:
    """file stem -> (messages, messages with In-Reply-To) as PROVENANCE.md states them."""
    text = (PERCEVAL / "PROVENANCE.md").read_text()
    block = text[text.index("Messages counted") :].split("\n- ")[0]
    return {
        name: (int(n), int(r or 0))
        for name, n, r in re.findall(r"(\w+) (\d+)(?: \((\d+)\))?", block)
        if name.startswith(("mbox_", "pipermail_"))
    }


# ---------------------------------------------------------------------------- real samples


@pytest.mark.skipif(not PERCEVAL.exists(), reason="shared mbox-perceval data absent")
def test_perceval_samples_split_as_provenance_counts() -> None:
    expected = provenance_counts()
    assert len(expected) == 10
    for stem, (n, replies) in expected.items():
        f = PERCEVAL / f"{stem}.mbox"
        s = IngestSummary(str(f), "email", None)
        msgs = list(email.read_messages(f, s, want_body=False))
        assert len(msgs) == n, stem
        assert sum("in-reply-to" in m.headers for m in msgs) == replies, stem


@pytest.mark.skipif(not PERCEVAL.exists(), reason="shared mbox-perceval data absent")
def test_perceval_folder_ingests_despite_broken_encodings(ws) -> None:
    s = email.ingest(ws, PERCEVAL)
    assert s.rows_read == 22  # the sum of PROVENANCE.md's counts
    # mbox_no_fields: one message without Date, one with a blank Date; one Message-ID
    # repeated inside it and once more in mbox_single
    assert s.skipped == {"no Date": 2, "duplicate Message-ID in the input": 2}
    assert s.messages == 18 and s.interactions > 0
    assert any("not mail" in w for w in s.warnings)  # PROVENANCE.md itself
    p = ws.pseudonymiser.person
    got = edges(ws)
    # pipermail munging "andy at example.com" read as an address; the reply chain links
    assert (p("jgb@example.com"), p("andy@example.com"), "reply") in got
    assert (p("andy@example.com"), p("jgb@example.com"), "reply") in got
    chans = ws.query("SELECT name, kind FROM channels")
    assert set(chans["name"]) >= {"desktop-devel-list.gnome.org", "platform-swt-dev.eclipse.org"}
    assert set(chans["kind"]) == {"list"}
    dump = ws.query("SELECT * FROM messages").to_string()
    assert "example.com" not in dump and "Protocol Buffers" not in dump


@pytest.mark.skipif(not PERCEVAL.exists(), reason="shared mbox-perceval data absent")
@pytest.mark.parametrize("name", ["mbox_iso8859_encoding.mbox", "mbox_unixfrom_encoding.mbox"])
def test_samples_that_break_the_mailbox_module_read_here(ws, name) -> None:
    s = email.ingest(ws, PERCEVAL / name)
    assert (s.rows_read, s.messages) == (1, 1)


# ---------------------------------------------------------------------------- fixtures


def test_fixture_mbox_messages_interactions_and_skips(ws) -> None:
    s = email.ingest(ws, MBOX)
    assert s.rows_read == 11
    assert s.skipped == {
        "no Date": 1,
        "unparseable Date": 1,
        "duplicate Message-ID in the input": 1,
        "no From address": 1,
    }
    assert s.messages == 7
    p = ws.pseudonymiser.person
    assert edges(ws) == {
        (p("ann@acme.com"), p("bob@acme.com"), "email_to"),
        (p("ann@acme.com"), p("cat@acme.com"), "email_cc"),
        (p("ann@acme.com"), p("dan@acme.com"), "email_cc"),  # Bcc weighs as a Cc
        (p("bob@acme.com"), p("ann@acme.com"), "email_to"),
        (p("bob@acme.com"), p("ann@acme.com"), "reply"),  # In-Reply-To
        (p("cat@acme.com"), p("bob@acme.com"), "email_to"),  # unknown charset in the name
        (p("cat@acme.com"), p("bob@acme.com"), "reply"),  # last References id
        (p("eve@partner.org"), p("ann@acme.com"), "email_to"),  # list address dropped
        (p("ann@acme.com"), p("eve@partner.org"), "email_to"),  # no Message-ID
        (p("mailer-daemon@acme.com"), p("ann@acme.com"), "email_to"),
        (p("fay@acme.com"), p("ann@acme.com"), "email_to"),
    }
    m = ws.pseudonymiser.message
    msgs = ws.query("SELECT * FROM messages").set_index("message_id")
    assert msgs.loc[m("m1@acme.com"), "n_recipients"] == 3
    assert str(msgs.loc[m("m1@acme.com"), "ts"]) == "2024-03-04 08:00:00+00:00"
    assert msgs.loc[m("m3@acme.com"), "parent_id"] == m("m2@acme.com")
    assert msgs.loc[m("m3@acme.com"), "thread_id"] == m("m1@acme.com")
    assert msgs.loc[m("m2@acme.com"), "thread_id"] == m("m1@acme.com")
    assert msgs.loc[m("m1@acme.com"), "thread_id"] == m("m1@acme.com")
    assert msgs.loc[m("m10@acme.com"), "parent_id"] == m("gone@acme.com")  # kept, no reply
    assert bool(msgs.loc[m("bounce1@acme.com"), "is_bot"])
    assert msgs["is_bot"].sum() == 1 and set(msgs["kind"]) == {"email"}
    assert msgs["text"].isna().all()
    chan = ws.query("SELECT * FROM channels")
    assert chan[["name", "kind"]].values.tolist() == [["partners.acme.com", "list"]]
    assert msgs.loc[m("m4@partner.org"), "channel_id"] == chan["channel_id"][0]
    assert ws.counts()["people"] == 0  # no internal domains: no people rows
    dump = (
        ws.query("SELECT * FROM messages").to_string() + ws.query("FROM interactions").to_string()
    )
    assert "acme" not in dump and "Build plan" not in dump


def test_internal_domains_make_internal_and_external_people(ws) -> None:
    configure(ws, ["acme.com"])
    s = email.ingest(ws, MBOX)
    people = ws.query("SELECT person_id, is_internal, display_name FROM people")
    p = ws.pseudonymiser.person
    internal = dict(zip(people["person_id"], people["is_internal"], strict=True))
    assert internal[p("ann@acme.com")] and not internal[p("eve@partner.org")]
    assert len(internal) == s.people == 7  # ann bob cat dan eve mailer-daemon fay
    assert people["display_name"].isna().all()  # not identified


def test_subdomains_count_as_internal_and_names_only_when_identified(ws) -> None:
    configure(ws, ["partner.org", "acme.com"], identified=True)
    email.ingest(ws, MBOX)
    people = ws.query("SELECT * FROM people").set_index("person_id")
    p = ws.pseudonymiser.person
    assert people["is_internal"].all()
    assert people.loc[p("cat@acme.com"), "display_name"] == "Cat Côle"  # RFC 2047, first seen
    assert people.loc[p("bob@acme.com"), "display_name"] == "=?x-unknown?q?B=F6b?="  # kept raw
    block = email.parse_header_block(b'From: "C\xf4le, Cat" <cat@acme.com>\nX-Other: 1')
    assert block == {"from": ['"Côle, Cat" <cat@acme.com>']}  # Latin-1 8-bit bytes
    assert people.loc[p("ann@acme.com"), "display_name"] == "Ann Archer"
    mask = email.is_internal(
        __import__("pandas").Series(["a@eu.acme.com", "b@notacme.com"]), ["acme.com"]
    )
    assert mask.tolist() == [True, False]


def test_maildir_reads_cur_and_new_not_tmp_and_links_replies(ws) -> None:
    s = email.ingest(ws, MAILDIR)
    assert (s.rows_read, s.messages) == (2, 2)
    p = ws.pseudonymiser.person
    assert (p("bob@acme.com"), p("ann@acme.com"), "reply") in edges(ws)
    assert len(edges(ws)) == 4


def test_reply_links_to_a_parent_already_in_the_workspace(ws, tmp_path) -> None:
    first = tmp_path / "one.mbox"
    first.write_bytes(MBOX.read_bytes().split(b"\nFrom bob@acme.com")[0])
    email.ingest(ws, first)
    s = email.ingest(ws, MBOX)
    assert s.skipped["already in the workspace"] == 1
    p = ws.pseudonymiser.person
    assert (p("bob@acme.com"), p("ann@acme.com"), "reply") in edges(ws)


def test_folder_of_mbox_files_and_maildir(ws, tmp_path) -> None:
    shutil.copy(MBOX, tmp_path / "a.mbox")
    shutil.copytree(MAILDIR, tmp_path / "box")
    (tmp_path / "notes.txt").write_text("just notes, no mail\n")
    s = email.ingest(ws, tmp_path)
    assert s.messages == 9 and any("not mail" in w for w in s.warnings)


def test_content_only_when_switched_on(tmp_path) -> None:
    with gs.init(tmp_path / "c", store_content=True) as ws:
        email.ingest(ws, MBOX)
        text = ws.query(
            "SELECT text FROM messages WHERE message_id = ?",
            [ws.pseudonymiser.message("m1@acme.com")],
        )["text"][0]
        assert "From the start we said so." in text  # mboxrd unquoted
        assert "From the team, with thanks" in text  # a body line, not a separator


def test_single_message_file_without_from_line(ws, tmp_path) -> None:
    f = tmp_path / "one.eml"
    f.write_bytes(
        b"From: a@x.com\r\nTo: b@x.com\r\nDate: Mon, 4 Mar 2024 09:00:00 +0000\r\n\r\nhi\r\n"
    )
    s = email.ingest(ws, f)
    assert (s.messages, s.interactions) == (1, 1)


def test_splitter_is_the_same_at_any_chunk_size(monkeypatch) -> None:
    data = MBOX.read_bytes().replace(b"\n", b"\r\n")

    def split() -> list[tuple[str, dict, bytes | None]]:
        return [(m.where, m.headers, m.body) for m in email.split_mbox(io.BytesIO(data), "x", True)]

    whole = split()
    monkeypatch.setattr(email, "CHUNK", 7)
    assert len(whole) == 11 and split() == whole
    assert [w.split("line ")[1] for w, _, _ in whole][:3] == ["1", "15", "26"]
    assert whole[0][2].startswith(b"Hello all,\r\n>From the start")


def test_memory_stays_flat_with_big_bodies(monkeypatch) -> None:
    big = b"x" * 200 + b"\n"
    msg = b"From a@x.com Mon Mar  4 08:00:00 2024\nFrom: a@x.com\nDate: Mon, 4 Mar 2024\n\n"
    data = (msg + big * 5000 + b"\n") * 3  # three messages of 1 MB each
    monkeypatch.setattr(email, "CHUNK", 4096)
    sizes = []
    more = email._Stream.more

    def spy(self, keep_from):
        sizes.append(len(self.buf))
        return more(self, keep_from)

    monkeypatch.setattr(email._Stream, "more", spy)
    assert len(list(email.split_mbox(io.BytesIO(data), "x"))) == 3
    assert max(sizes) < 3 * 4096


def test_garbage_before_the_first_from_line_is_skipped(ws, tmp_path) -> None:
    f = tmp_path / "x.mbox"
    f.write_bytes(b"garbage line\n\n" + MBOX.read_bytes())
    s = email.ingest(ws, f)
    assert s.messages == 7 and s.skipped["text before the first 'From ' line"] == 1


def test_bad_inputs_raise_input_errors(ws, tmp_path) -> None:
    with pytest.raises(InputError, match="file not found"):
        email.ingest(ws, tmp_path / "none.mbox")
    (tmp_path / "empty").mkdir()
    with pytest.raises(InputError, match="no files"):
        email.ingest(ws, tmp_path / "empty")
    f = tmp_path / "pic.mbox"
    f.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00binary")
    with pytest.raises(InputError, match=r"pic.mbox, line 1: no mail message found"):
        email.ingest(ws, f)


def test_idempotent_atomic_and_dry_run(ws, monkeypatch) -> None:
    before = snapshot(ws)
    dry = email.ingest(ws, MBOX, dry_run=True)
    assert dry.dry_run and snapshot(ws) == before
    real = email.ingest(ws, MBOX)
    assert (dry.messages, dry.interactions, dry.people) == (
        real.messages,
        real.interactions,
        real.people,
    )
    after = snapshot(ws)
    assert email.ingest(ws, MBOX).already_ingested and snapshot(ws) == after

    from groundswell.ingest import common

    def boom(*a, **k):
        raise KeyboardInterrupt

    monkeypatch.setattr(common, "record_source", boom)
    with pytest.raises(KeyboardInterrupt):
        email.ingest(ws, MAILDIR)
    assert snapshot(ws) == after


# ----------------------------------------------------------------------- random corruption

SAMPLE = MBOX.read_bytes()


@st.composite
def corrupted(draw: st.DrawFn) -> bytes:
    data = bytearray(SAMPLE)
    for _ in range(draw(st.integers(1, 6))):
        op = draw(st.sampled_from(["truncate", "flip", "delete_line", "insert"]))
        if not data:
            break
        i = draw(st.integers(0, len(data) - 1))
        if op == "truncate":
            del data[i:]
        elif op == "flip":
            data[i] = draw(st.integers(0, 255))
        elif op == "delete_line":
            j = data.find(b"\n", i)
            del data[i : j if j >= 0 else len(data)]
        else:
            data[i:i] = draw(st.sampled_from([b"\nFrom x 10:00\n", b"\n\n", b"=?", b"<", b"\r"]))
    return bytes(data)


@pytest.fixture(scope="module")
def shared_ws(tmp_path_factory):
    folder = tmp_path_factory.mktemp("corrupt")
    with gs.init(folder / "ws") as ws:
        yield ws


@settings(
    max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(data=corrupted())
def test_corruptions_ingest_cleanly_or_raise_input_error(shared_ws, data) -> None:
    f = shared_ws.folder.parent / "x.mbox"
    f.write_bytes(data)
    ingests_or_fails_cleanly(shared_ws, lambda: email.ingest(shared_ws, f))

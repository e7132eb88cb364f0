"""The email reader writes a batch of messages at a time (``email.BATCH_MESSAGES``) inside
one transaction: what it stores must not depend on the batch size, a failure in a later
batch must leave the workspace as it was, and a reply whose parent comes further on in the
input must find it. The oracle is the same input read as one batch (and hand-read values of
tests/data/email/regional.mbox)."""

from __future__ import annotations

import copy
import shutil
from pathlib import Path

import pandas as pd
import pytest

import groundswell as gs
from groundswell.config import Settings
from groundswell.errors import InputError
from groundswell.ingest import email
from tests.conftest import SHARED_DATA, TEST_DATA, snapshot

PERCEVAL = SHARED_DATA / "mbox-perceval"
MBOX = TEST_DATA / "email" / "acme.mbox"
MAILDIR = TEST_DATA / "email" / "maildir"
REGIONAL = TEST_DATA / "email" / "regional.mbox"
TABLES = ("people", "channels", "messages", "interactions", "sources")


def _open(template: Path, to: Path, domains: list[str], cap: int | None = None) -> gs.Workspace:
    """A copy of ``template`` (the same pseudonym key), identified, with ``domains``."""
    shutil.copytree(template, to)
    ws = gs.open(to)
    raw = copy.deepcopy(ws.settings.raw)
    raw["ingest"]["internal_domains"] = domains
    raw["privacy"]["identified"] = True
    if cap is not None:
        raw["ingest"]["max_recipients"] = cap
    ws.settings = Settings(raw)
    return ws


def _stored(ws: gs.Workspace) -> dict[str, list[list[str]]]:
    out = {}
    for t in TABLES:
        drop = " EXCLUDE (ingested_at)" if t == "sources" else ""
        df = ws.query(f"SELECT *{drop} FROM {t} ORDER BY ALL")
        out[t] = [[str(v) for v in row] for row in df.itertuples(index=False)]
    return out


def _ingest_all(
    ws: gs.Workspace, inputs: list[Path], batch: int, monkeypatch: pytest.MonkeyPatch
) -> list[tuple[object, ...]]:
    monkeypatch.setattr(email, "BATCH_MESSAGES", batch)
    sums = []
    for f in inputs:
        s = email.ingest(ws, f)
        sums.append((s.rows_read, s.messages, s.interactions, s.people, s.skipped, s.warnings))
    return sums


CASES = {
    "fixtures": ([MBOX, MAILDIR, REGIONAL], ["acme.com", "societe.fr"], None),
    "capped": ([REGIONAL, MBOX], ["acme.com"], 1),
    "perceval": (
        [PERCEVAL, *sorted(PERCEVAL.glob("*.mbox"), reverse=True)] if PERCEVAL.exists() else [],
        ["example.com"],
        None,
    ),
}


@pytest.mark.parametrize("case", list(CASES))
def test_same_rows_at_any_batch_size(case, tmp_path, monkeypatch) -> None:
    inputs, domains, cap = CASES[case]
    if not inputs:
        pytest.skip("shared mbox-perceval data absent")
    gs.init(tmp_path / "template", identified=True).close()
    results = {}
    for size in (10**6, 1, 2, 5):
        ws = _open(tmp_path / "template", tmp_path / f"ws{size}", domains, cap)
        sums = _ingest_all(ws, inputs, size, monkeypatch)
        results[size] = (sums, _stored(ws))
        ws.close()
    one_batch = results.pop(10**6)
    assert sum(len(v) for v in one_batch[1].values()) > 10  # something was stored
    for size, got in results.items():
        assert got[0] == one_batch[0], size  # the summaries, skips and warnings
        assert got[1] == one_batch[1], size  # every stored row


def test_regional_names_dates_late_parents_and_a_broken_message(tmp_path, monkeypatch) -> None:
    gs.init(tmp_path / "template", identified=True).close()
    ws = _open(tmp_path / "template", tmp_path / "ws", ["societe.fr"])
    monkeypatch.setattr(email, "BATCH_MESSAGES", 2)
    s = email.ingest(ws, REGIONAL)
    assert (s.rows_read, s.messages, s.people) == (7, 5, 4)
    assert s.skipped == {"no From address": 1, "duplicate Message-ID in the input": 1}
    p, m = ws.pseudonymiser.person, ws.pseudonymiser.message
    jose, fr, jue, yam = (
        p(a)
        for a in ("jose@empresa.es", "francoise@societe.fr", "juergen@firma.de", "yamada@kaisha.jp")
    )
    people = ws.query("SELECT person_id, display_name, is_internal FROM people")
    assert dict(zip(people["person_id"], people["display_name"], strict=True)) == {
        jose: "José Múñoz",
        fr: "Françoise Léger",  # Q-encoded ISO-8859-1 in a To, then Latin-1 bytes in a From
        jue: "Jürgen Müller",
        yam: "山田太郎",  # Juergen@Firma.DE is juergen@firma.de
    }
    assert people.set_index("person_id").loc[fr, "is_internal"]
    inter = ws.query("SELECT actor_id, target_id, kind, n_recipients FROM interactions")
    got = {(a, t, k): n for a, t, k, n in inter.itertuples(index=False)}
    assert got == {
        (yam, jue, "email_to"): 2,  # the reply to a later message adds its author...
        (yam, jose, "reply"): 2,  # ...found once the whole file is written
        (jose, fr, "email_to"): 1,  # a reply whose parent comes next...
        (jose, fr, "reply"): 1,  # ...to someone already in its To: still one recipient
        (fr, jose, "email_to"): 3,
        (fr, jue, "email_to"): 3,
        (fr, yam, "email_cc"): 3,
        (jue, fr, "email_to"): 2,
        (jue, jose, "email_cc"): 2,
        (jue, jose, "reply"): 2,  # by References only: the last id, r2, is the parent
    }
    msgs = ws.query("SELECT * FROM messages").set_index("message_id")
    assert msgs.loc[m("r2@empresa.es"), "parent_id"] == m("r1@societe.fr")
    assert msgs.loc[m("r5@kaisha.jp"), "parent_id"] == m("r2@empresa.es")
    assert msgs.loc[m("r3@firma.de"), "parent_id"] == m("r2@empresa.es")
    ts = {k: str(v) for k, v in msgs["ts"].items()}
    assert ts[m("r1@societe.fr")] == "2026-03-02 07:00:00+00:00"  # "02 Mar 2026 08:00 +0100"
    assert ts[m("r5@kaisha.jp")] == "2026-03-01 23:00:00+00:00"  # +0900
    assert ts[m("r4@kaisha.jp")] == "2026-03-05 12:00:00+00:00"  # "5 Mar 26 07:00:00 EST"
    assert msgs.loc[m("r4@kaisha.jp"), "n_recipients"] == 0  # only the list's own address
    chan = ws.query("SELECT name, kind, created_at FROM channels")
    assert chan[["name", "kind"]].values.tolist() == [["team.lists.example.org", "list"]]
    ws.close()


def test_a_damaged_message_after_written_batches_rolls_everything_back(
    ws, tmp_path, monkeypatch
) -> None:
    email.ingest(ws, MBOX)
    before = snapshot(ws)
    good = REGIONAL.read_bytes()
    bad = tmp_path / "bad.mbox"
    cut = good.index(b"From yamada@kaisha.jp Thu")  # the sixth message
    bad.write_bytes(good[:cut] + good[cut:].replace(b"Subject:", b"Sub\x00ject:", 1))
    line = good[:cut].count(b"\n") + 1
    monkeypatch.setattr(email, "BATCH_MESSAGES", 2)  # two batches written before it
    with pytest.raises(InputError) as err:
        email.ingest(ws, bad)
    text = str(err.value)
    assert "bad.mbox" in text and "NUL" in text and f"line {line + 4}" in text, text
    assert snapshot(ws) == before


def test_duplicates_across_batches_and_of_messages_held_before(ws, tmp_path, monkeypatch) -> None:
    email.ingest(ws, MAILDIR)  # two messages
    held = sorted((MAILDIR / "cur").iterdir())[0].read_bytes()
    twice = tmp_path / "twice.mbox"
    env = b"From someone@acme.com Mon Mar  4 12:00:00 2024\n"
    twice.write_bytes(env + held + b"\n" + MBOX.read_bytes() + b"\n" + env + held)
    monkeypatch.setattr(email, "BATCH_MESSAGES", 1)
    s = email.ingest(ws, twice)
    assert s.skipped["already in the workspace"] == 1
    assert s.skipped["duplicate Message-ID in the input"] == 2  # acme's own, and the copy
    n = ws.query("SELECT count(*) AS n FROM messages")["n"][0]
    assert n == 2 + 7
    assert pd.Series(ws.query("SELECT message_id FROM messages")["message_id"]).is_unique

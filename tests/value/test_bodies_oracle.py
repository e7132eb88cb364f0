"""My network's person views (``person_value.body``) against the plain formulation: each
person's body a dict (their next steps, bridges, persona history, questions) encoded by
``json.dumps(sort_keys=True)`` — the bodies :func:`groundswell.value.my_network.parts`
makes encode each kind of row once and join the parts, and must give the same text byte
for byte: people with alike rows, missing values of every kind, -0.0, text that is not
ASCII, people without a maturity row or a persona history, parts of a few people."""

from __future__ import annotations

import json
import math

import numpy as np
import pandas as pd
import pytest

from groundswell.value import maturity
from groundswell.value import my_network as personal

LIMITS = {"connect": 0.4, "share": 0.5, "solve": 0.7, "innovate": 0.15, "lead_change": 0.4}
AVAILABLE = {"responded": False, "beyond": False}


def _table(rng: np.random.Generator, ids: list[str]) -> pd.DataFrame:
    """A maturity table's person scale for ``ids``: rows drawn from a few kinds of counts,
    so that many people's rows are alike."""
    kinds = []
    for _ in range(6):
        kinds.append({c: int(rng.integers(0, 6)) for c in maturity.COUNTS})
    kinds.append({c: 0 for c in maturity.COUNTS})
    counts = pd.DataFrame([kinds[int(rng.integers(0, len(kinds)))] for _ in ids])
    # and some rows of their own
    own = rng.random(len(ids)) < 0.3
    for c in maturity.COUNTS:
        counts.loc[own, c] = rng.integers(0, 30, int(own.sum()))
    scored = maturity.scores(counts, AVAILABLE, LIMITS)
    scored.insert(0, "group", ids)
    scored.insert(0, "scale", "person")
    return scored


def _expected(
    table: pd.DataFrame,
    index: pd.Index,
    held: dict[int, list[list[object]]],
    names: list[str],
    personas: pd.DataFrame | None,
    tallies: tuple[dict, dict, dict],
) -> list[str]:
    """Every person's body as one dict, encoded as a whole (the plain formulation)."""
    persons = table[table["scale"] == "person"].set_index("group")
    rows = {pid: row.to_dict() for pid, row in persons.iterrows()}
    windows = personas.attrs["windows"] if personas is not None else []
    n_asked, n_answered, n_given = tallies
    out = []
    for i, pid in enumerate(index.tolist()):
        body: dict[str, object] = {}
        if pid in rows:
            body.update(personal.next_steps(rows[pid], AVAILABLE, LIMITS))
        body["bridges"] = [
            {"departments": [names[a], names[b]], "people": n} for a, b, n in held.get(i, [])
        ]
        if personas is not None:
            hist = personas.loc[pid].tolist() if pid in personas.index else [None] * len(windows)
            body["personas"] = [
                {"start": s, "end": e, "persona": None if pd.isna(v) else str(v)}
                for (s, e), v in zip(windows, hist, strict=True)
            ]
        body["questions"] = {
            "asked": int(n_asked.get(pid, 0)),
            "asked_answered": int(n_answered.get(pid, 0)),
            "answers_given": int(n_given.get(pid, 0)),
        }
        out.append(json.dumps(body, sort_keys=True))
    return out


@pytest.mark.parametrize(
    ("seed", "with_personas", "size"), [(1, True, 7), (2, False, 50), (3, True, 1000)]
)
def test_bodies_are_the_plain_encoding_byte_for_byte(seed, with_personas, size) -> None:
    rng = np.random.default_rng(seed)
    n = 120
    ids = [f"p{k:03d}" for k in range(n)]
    table = _table(rng, ids[: n - 15])  # the last 15: tied, but no maturity row
    # a few values no count gives: -0.0 and a missing indicator on an alike row
    first = table.index[:3]
    table.loc[first[0], "across"] = -0.0
    table.loc[first[1:], "open"] = math.nan
    table.attrs = {"available": AVAILABLE, "thresholds": LIMITS}
    a, b = rng.integers(0, n, 90), rng.integers(0, n, 90)
    ties = pd.DataFrame({"actor_id": [ids[x] for x in a], "target_id": [ids[x] for x in b]})
    depts = ["Sales", "Ventes é", "R&D", None, *(f"D{k}" for k in range(12))]
    people = pd.DataFrame(
        {"department": [depts[int(rng.integers(0, len(depts)))] for _ in ids]},
        index=pd.Index(ids),
    )
    channel_members = pd.DataFrame({"person_id": ids[:40], "group": ["c1", "c2"] * 20})
    qs = pd.DataFrame(
        {
            "question_id": ["q1", "q2", "q3"],
            "asker": [ids[0], ids[1], ids[0]],
            "answered": [True, False, True],
        }
    )
    ans = pd.DataFrame({"question_id": ["q1", "q3", "q3"], "answerer": [ids[2], ids[2], ids[5]]})
    personas = None
    if with_personas:
        kinds = ["observer", "connector", None, math.nan, "broker"]
        who = ids[10:100]
        personas = pd.DataFrame(
            {
                f"2024-0{m}-01": [kinds[int(rng.integers(0, len(kinds)))] for _ in who]
                for m in range(1, 5)
            },
            index=pd.Index(who),
        )
        personas.attrs["windows"] = [(f"2024-0{m}-01", f"2024-0{m + 1}-01") for m in range(1, 5)]
    _, bodies = personal.parts(
        1, table, ties, people, channel_members, (qs, ans), pd.Index([]), personas, size=size
    )
    got = pd.concat(list(bodies), ignore_index=True)
    # the plain formulation, from the same pieces parts() builds them from
    index = pd.Index(sorted(set(ids[: n - 15]) | set(ties["actor_id"]) | set(ties["target_id"])))
    directed = personal.contact_matrix(ties, index)
    codes, dept_names = pd.factorize(people["department"].reindex(index))
    held = personal.bridges(directed, np.asarray(codes, dtype=np.int64))
    assert held  # some people bridge departments
    tallies = personal._question_tallies(qs, ans)
    want = _expected(table, index, held, [str(x) for x in dept_names], personas, tallies)
    assert got["person_id"].tolist() == index.tolist()
    assert got["body"].tolist() == want
    assert '"across": -0.0' in got["body"].iloc[index.get_loc(table["group"].iloc[0])]


def test_alike_rows_share_a_code_and_missing_kinds_do_not() -> None:
    frame = pd.DataFrame(
        {
            "stage": pd.Series(["none", None, math.nan, "none", None], dtype=object),
            "score": [0.5, 0.5, 0.5, 0.5, 0.5],
        }
    )
    codes = personal._row_groups(frame)
    assert codes[0] == codes[3] and codes[1] == codes[4]
    assert len({codes[0], codes[1], codes[2]}) == 3
    # -0.0 is not 0.0 in JSON: every row its own code
    signed = pd.DataFrame({"x": [0.0, -0.0, 0.0]})
    assert personal._row_groups(signed).tolist() == [0, 1, 2]
    # 1 and True are alike to a hash, not to str()
    mixed = pd.DataFrame({"x": np.array([1, True, 1], dtype=object)})
    assert len(set(personal._row_groups(mixed).tolist())) == 3

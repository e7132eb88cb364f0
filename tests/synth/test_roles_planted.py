"""Roles are different people (issue 19, point 5): the synthetic organisation plants a few
distinct people for each role (synth/plants_roles.py) and the analysis must find them.

Per role, over the planted people only:
- recall = planted people of the role who are in its list / planted people of the role;
- precision = planted people of the role in its list / planted people (of any role) in it.
Precision over the planted people measures what the issue asks: a role list does not pick
the people planted for *another* role (a list also holds natural members of the synthetic
organisation, whom no truth labels). The overlap between the lists is measured too.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

import groundswell as gs
from groundswell import synth
from groundswell.analysis.roles import SHARES, multiple, overlap
from groundswell.synth import plants_roles

#: roles whose measured value misses 0.8 on this organisation (none today; notes/brokers19.md
#: says how the broker and activist plants were made to create only their own behaviour):
#: strict, so the day one passes the mark must go
SHORT: dict[tuple[str, str], str] = {}


@pytest.fixture(scope="module")
def planted(tmp_path_factory):
    folder = tmp_path_factory.mktemp("roles")
    org = plants_roles.plant(synth.generate(600, seed=3, weeks=6), seed=3)
    files = org.write(folder / "data")
    gs.init(folder / "ws").close()
    (folder / "ws" / "secret.key").write_text("ab" * 32 + "\n")  # repeatable pseudonyms
    ws = gs.open(folder / "ws")
    ws.ingest_orgchart(files["hris"])
    ws.ingest_events(files["events"])
    run = ws.analyze()
    truth = {
        role: {ws.pseudonymiser.person(e) for e in ids}
        for role, ids in org.truth["roles"]["people"].items()
    }
    yield truth, run
    ws.close()


def _measure(truth, held, role: str) -> tuple[float, float]:
    mine = truth[role]
    listed = set(held.index[held[role]])
    anyone = set().union(*truth.values())
    recall = len(listed & mine) / len(mine)
    precision = len(listed & mine) / len(listed & anyone) if listed & anyone else 1.0
    return recall, precision


def _case(role: str, kind: str):
    why = SHORT.get((role, kind))
    marks = [pytest.mark.xfail(reason=why, strict=True)] if why else []
    return pytest.param(role, kind, marks=marks, id=f"{role}-{kind}")


@pytest.mark.parametrize(
    ("role", "kind"),
    [_case(r, k) for r in plants_roles.PLANTED_ROLES for k in ("recall", "precision")],
)
def test_each_role_finds_its_planted_people(planted, role: str, kind: str) -> None:
    truth, run = planted
    assert len(truth[role]) >= 3  # several distinct people were planted
    recall, precision = _measure(truth, run.roles(), role)
    assert (recall if kind == "recall" else precision) >= 0.8


def test_lists_are_exact_shares_and_mostly_different_people(planted) -> None:
    truth, run = planted
    held = run.roles()
    n = len(held)
    for role in SHARES:
        assert held[role].sum() <= math.ceil(SHARES[role] * n)
    assert held["hub"].sum() == math.ceil(0.05 * n)
    # no two planted roles share a person (the plants are distinct people)
    people = [p for s in truth.values() for p in s]
    assert len(people) == len(set(people))
    # the lists overlap little: Jaccard of every two ranked lists, the mean below 0.1
    ov = overlap(held[list(SHARES)])
    off = ov.where(~np.eye(len(ov), dtype=bool)).stack()
    assert off.mean() < 0.1 and off.max() < 0.3
    # and the stored overlap is the one the report and the findings read
    stored = run.role_overlap()
    common = [c for c in ov.columns if c in stored.columns]
    assert np.allclose(stored.loc[common, common].to_numpy(), ov.loc[common, common].to_numpy())
    # few people hold several ranked roles: no one holds more than four
    assert multiple(held).max() <= 4

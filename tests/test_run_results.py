"""Results computed once by analyze, stored and read (issue 14, point 2): the group-to-group
ties, the role overlap and the shadow organisation.

Expected values come from the analysis functions themselves run on the run's graph
(:func:`groundswell.analysis.formal.group_matrix`, :func:`~groundswell.analysis.roles.overlap`,
:func:`~groundswell.analysis.formal.hidden_influencers`): what is stored and read back must
equal what the report and the dashboard computed before they read it.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import groundswell as gs
from groundswell import synth
from groundswell.analysis import formal
from groundswell.analysis.roles import overlap
from groundswell.errors import OutdatedRunError, ParameterError
from groundswell.privacy import SUPPRESSED
from groundswell.report import sections
from tests._small_groups import COMPLEMENTARY, SMALL, build

FINDINGS = (
    "hidden_influencer", "informal_leader", "bottleneck_manager", "key_person",
    "manager_far_from_team",
)  # fmt: skip


@pytest.fixture(scope="module")
def small(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The small-groups workspace (departments of 1 to 4 people), analysed."""
    return build(tmp_path_factory.mktemp("results_small"))


@pytest.fixture(scope="module")
def org(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A synthetic organisation of 120 people with hidden influencers and key people."""
    folder = tmp_path_factory.mktemp("results_org")
    files = synth.generate(120, seed=3, weeks=4).write(folder / "data")
    with gs.init(folder / "ws") as ws:
        ws.ingest_orgchart(files["hris"])
        ws.ingest_events(files["events"])
        ws.analyze()
    return folder / "ws"


@pytest.mark.parametrize("attribute", ["department", "team", "location"])
def test_stored_group_ties_equal_the_matrix_of_the_graph(small: Path, attribute: str) -> None:
    with gs.open(small) as ws:
        run = ws.run()
        people = run.people()
        for k in (5, 9):  # the workspace's minimum, and a larger one as the report may ask
            got = run.group_ties(attribute, min_group_size=k)
            ref = formal.group_matrix(
                run.graph(), people[attribute], normalize=True, min_group_size=k
            )
            assert list(got.index) == list(ref.index) and list(got.columns) == list(ref.columns)
            np.testing.assert_allclose(got.to_numpy(), ref.to_numpy(), rtol=1e-12, equal_nan=True)
            counts = run.group_ties(attribute, weighted=False, normalize=False, min_group_size=k)
            ref = formal.group_matrix(
                run.graph(), people[attribute], weighted=False, min_group_size=k
            )
            np.testing.assert_allclose(counts.to_numpy(), ref.to_numpy(), equal_nan=True)
        # no group the gate suppresses is named, with one another or by subtraction
        hidden = SMALL[attribute] | COMPLEMENTARY.get(attribute, set())
        got = run.group_ties(attribute)
        assert not hidden & set(got.index) and SUPPRESSED in got.index
        stored = set(
            ws.query("SELECT from_group FROM group_ties WHERE attribute = ?", [attribute])[
                "from_group"
            ]
        )
        assert hidden <= stored  # stored as computed; the gate applies when read


def test_stored_role_overlap_equals_the_overlap_of_the_roles(org: Path) -> None:
    with gs.open(org) as ws:
        run = ws.run()
        ref = overlap(run.roles())
        got = run.role_overlap()
        assert len(got) >= 3
        pd.testing.assert_frame_equal(got, ref, check_names=False)
        # the report's role section shows the stored table, figure for figure
        people = run.people()
        labels = {p: p for p in people.index}
        ctx = sections.roles_context(run, people, labels, people["department"].astype(str))
        assert ctx["overlap_rows"] == [
            (r.replace("_", " "), [sections.fmt(v) for v in ref.loc[r]]) for r in ref.index
        ]


def test_the_shadow_organisation_is_stored_with_its_evidence(org: Path) -> None:
    with gs.open(org) as ws:
        run = ws.run()
        table = run.shadow()
        flagged = ws.query(
            "SELECT name, person_id FROM person_roles WHERE run_id = ? AND kind = 'finding'",
            [run.run_id],
        )
        assert set(zip(table["finding"], table["person_id"], strict=True)) == set(
            zip(flagged["name"], flagged["person_id"], strict=True)
        )
        assert {"hidden_influencer", "key_person"} <= set(table["finding"])
        assert list(dict.fromkeys(table["finding"])) == [
            f for f in FINDINGS if f in set(table["finding"])
        ]
        # hidden influencers: the rule's own frame, strongest first, with its figures
        people = run.people()
        hr = ws.query("SELECT person_id, department, level, manager_id FROM people")
        table_in = hr.set_index("person_id").reindex(run.graph().nodes).join(people["pagerank"])
        ref = formal.hidden_influencers(table_in)  # as analyze called it
        hi = table[table["finding"] == "hidden_influencer"]
        assert list(hi["person_id"]) == list(ref.index) and list(hi["rank"]) == [
            *range(1, len(ref) + 1)
        ]
        for r in hi.itertuples():
            assert r.evidence["score"] == pytest.approx(ref.at[r.person_id, "score"])
            assert "department" not in r.evidence  # group labels only through the gate
            assert r.department == people.at[r.person_id, "department"]
        # the people holding each finding, as the CLI's --role asks for them
        for finding in FINDINGS:
            expected = set(table.loc[table["finding"] == finding, "person_id"])
            assert set(run.holding(finding)) == expected
        assert set(run.holding("hub")) == set(run.roles().query("hub").index)
        with pytest.raises(ParameterError, match=r"'role'.*hidden_influencer.*got 'wizard'"):
            run.holding("wizard")


def test_shadow_departments_go_through_the_gate(small: Path) -> None:
    with gs.open(small) as ws:
        table = ws.run().shadow()
    assert not SMALL["department"] & set(table["department"].astype(str))


def test_a_run_made_before_the_result_tables_says_to_analyze_again(
    small: Path, tmp_path: Path
) -> None:
    folder = tmp_path / "old"
    shutil.copytree(small, folder)
    with gs.open(folder) as ws:  # what migrating a 0.3 workspace leaves: no stored results
        run_id = ws.run().run_id
        ws.con.execute("UPDATE runs SET stored_results = false")
        for table in ("group_ties", "role_overlap", "shadow"):
            ws.con.execute(f"DELETE FROM {table}")
        run = ws.run()
        for read in (run.shadow, run.role_overlap, run.group_ties):
            with pytest.raises(OutdatedRunError, match=f"run {run_id} .*re-run analyze"):
                read()
        with pytest.raises(OutdatedRunError, match="re-run analyze"):  # the report, too
            ws.report(folder / "old.html")
    with gs.open(folder) as ws:
        ws.analyze("2024-03-01:2024-03-31")  # the next run has them
        assert len(ws.run().group_ties()) > 0


def test_a_remembering_run_reads_the_same_tables_and_hands_out_copies(org: Path) -> None:
    """``Run.remember`` (what analyze's findings read through) gives exactly what reading the
    store gives, and a caller changing its copy changes nobody else's."""
    with gs.open(org) as ws:
        plain = ws.run()
        kept = ws.run().remember()
        for _ in range(2):  # the first read fills the memory, the second reads from it
            pd.testing.assert_frame_equal(kept.people(), plain.people())
            pd.testing.assert_frame_equal(kept._people_unsuppressed(), plain._people_unsuppressed())
            pd.testing.assert_frame_equal(kept.ties(), plain.ties())
            pd.testing.assert_frame_equal(kept.roles(), plain.roles())
            pd.testing.assert_frame_equal(kept.shadow(), plain.shadow())
            pd.testing.assert_series_equal(kept.communities(), plain.communities())
        mine = kept.people()
        mine["department"] = "changed"
        mine.drop(mine.index[:5], inplace=True)
        ties = kept.ties()
        ties["weight"] *= 0  # this caller's frame, not the run's memory
        pd.testing.assert_frame_equal(kept.people(), plain.people())
        pd.testing.assert_frame_equal(kept.ties(), plain.ties())
        assert kept.people(arrow=True).equals(plain.people(arrow=True))
        kept.forget()
        assert kept._memory is None


def test_remembering_forgets_after_the_block_even_on_an_error(org: Path) -> None:
    """``Run.remembering`` (what analyze's findings and a report render use) keeps tables only
    inside its block, forgets them when the block fails, and leaves a run that already
    remembered as it was."""
    with gs.open(org) as ws:
        run = ws.run()
        with run.remembering():
            run.people()
            assert run._memory is not None and "gated" in run._memory
        assert run._memory is None
        with pytest.raises(RuntimeError), run.remembering():
            run.ties()
            raise RuntimeError("a failing step")
        assert run._memory is None
        run.remember()
        with run.remembering():
            run.roles()
        assert run._memory is not None and "roles" in run._memory
        run.forget()

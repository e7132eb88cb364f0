"""Synthetic organisation -> Slack export -> Slack reader -> the interactions the generator
recorded, exactly (a round trip through the real export format)."""

from __future__ import annotations

import pandas as pd
import pytest

import groundswell as gs
from groundswell import synth
from groundswell.ingest import slack
from groundswell.synth.slack_export import slack_ground_truth, write_slack_export


@pytest.mark.parametrize("as_zip", [True, False], ids=["zip", "folder"])
def test_round_trip_gives_the_generators_interactions(tmp_path, as_zip) -> None:
    org = synth.generate(220, seed=11, weeks=2)
    export = write_slack_export(org, tmp_path / "slack", zip=as_zip)
    truth = slack_ground_truth(org, distinct=True)
    with gs.init(tmp_path / "ws") as ws:
        s = slack.ingest(ws, export)
        assert s.messages == s.rows_read > 0 and s.interactions == len(truth)
        p = ws.pseudonymiser.person
        got = ws.query(
            "SELECT coalesce(a1.person_id, i.actor_id) AS actor, "
            "coalesce(a2.person_id, i.target_id) AS target, i.kind FROM interactions i "
            "LEFT JOIN aliases a1 ON a1.alias_id = i.actor_id "
            "LEFT JOIN aliases a2 ON a2.alias_id = i.target_id"
        )
        expected = pd.DataFrame(
            {
                "actor": p_many(p, truth["actor_email"]),
                "target": p_many(p, truth["target_email"]),
                "kind": truth["kind"].to_numpy(),
            }
        )
        assert len(got) == len(expected)
        key = ["actor", "target", "kind"]
        g = got.groupby(key).size().sort_index()
        e = expected.groupby(key).size().sort_index()
        pd.testing.assert_series_equal(g, e, check_names=False)


def p_many(person, emails: pd.Series) -> list[str]:
    return [person(e) for e in emails]

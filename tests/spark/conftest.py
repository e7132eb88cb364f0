"""Shared set-up of the engine tests: a small synthetic organisation in a workspace, its
Parquet lake, and a local Spark session (skipped with the reason when Spark cannot start)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

import groundswell as gs
from groundswell.engines import export_lake
from groundswell.ingest.batch import append_interactions
from groundswell.synth import generate


def synth_workspace(folder: Path, n_people: int = 200, seed: int = 3, weeks: int = 3):
    """A workspace with the synthetic organisation (org chart + events), plus a few
    collaboration rows and survey nominations so every layer has ties."""
    files = generate(n_people, seed=seed, weeks=weeks).write(folder / "org")
    ws = gs.init(folder / "ws")
    ws.ingest_orgchart(files["hris"])
    ws.ingest_events(files["events"])
    append_interactions(
        ws.con,
        "SELECT ts, actor_id, target_id, "
        "CASE WHEN i % 2 = 0 THEN 'collaboration' ELSE 'survey:advice' END, "
        "'x' || i::VARCHAR, n_recipients, false, 0.1 + (i % 7) / 3.0, 99 FROM "
        "(SELECT *, row_number() OVER (ORDER BY message_id, actor_id, target_id) AS i "
        " FROM interactions WHERE kind = 'dm') WHERE i % 5 = 0",
    )
    return ws


def dyadic(rules, layers: tuple[str, ...]) -> bool:
    """Whether every weight is a sum of dyadic numbers (kind weights 1, 0.5, 0.25 and event
    weights 1, no decay, no collaboration scores): then any order of addition is exact."""
    return rules.decay_half_life_days == 0 and set(layers) <= {"digital", "formal"}


def canonical(df: pd.DataFrame) -> pd.DataFrame:
    """A tie table in a fixed row order with UTC periods, to compare engines."""
    df = df.copy()
    if "period" in df:
        df["period"] = pd.to_datetime(df["period"], utc=True)
    keys = [c for c in ("layer", "actor_id", "target_id", "period") if c in df]
    for c in ("actor_id", "target_id", "layer"):
        df[c] = df[c].astype(str)
    return df.sort_values(keys).reset_index(drop=True)


def assert_same_ties(a: pd.DataFrame, b: pd.DataFrame, *, exact: bool) -> None:
    """The same ties (pairs, layers, periods, counts) and weights equal, exactly when the
    sums are of dyadic numbers, else to 1e-12 relative (the engines add in another order)."""
    a, b = canonical(a), canonical(b)
    assert len(a) > 0
    keys = [c for c in ("actor_id", "target_id", "layer", "period", "n") if c in a]
    assert list(a.columns) == list(b.columns)
    pd.testing.assert_frame_equal(a[keys], b[keys], check_dtype=False)
    if exact:
        assert (a["weight"].to_numpy() == b["weight"].to_numpy()).all()
    else:
        pd.testing.assert_series_equal(a["weight"], b["weight"], rtol=1e-12, atol=0)


@pytest.fixture(scope="module")
def org(tmp_path_factory: pytest.TempPathFactory):
    """(workspace, lake folder) of the synthetic organisation, shared by a module."""
    folder = tmp_path_factory.mktemp("org")
    ws = synth_workspace(folder)
    export_lake(ws, folder / "lake")
    yield ws, folder / "lake"
    ws.close()


@pytest.fixture(scope="module")
def spark():
    """A local Spark session (2 threads, 2 shuffle partitions, no UI, bound to 127.0.0.1),
    stopped at the end of the module."""
    from groundswell.engines.spark import java_problem, spark_session

    problem = java_problem()
    if problem:
        pytest.skip(f"Spark cannot run here: {problem}")
    session = spark_session("local[2]", shuffle_partitions=2)
    yield session
    session.stop()

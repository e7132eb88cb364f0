"""PySpark and pandas 3 (issue 21, point 4): importing and using the Spark engine shows no
"PySpark does not yet fully support pandas" FutureWarning. Run in a fresh interpreter with
Python's default filters (pytest's would hide it), since PySpark checks once per process."""

from __future__ import annotations

import subprocess
import sys

import pytest

SCRIPT = """
import sys, warnings
with warnings.catch_warnings(record=True) as caught:  # the filters as a user has them
    import groundswell.engines.spark as engine
    if "--unfiltered" in sys.argv:  # the check that this test can fail
        warnings.filters[:] = [f for f in warnings.filters if "PySpark" not in str(f[1])]
    spark = engine.spark_session("local[1]", shuffle_partitions=1)
    try:
        rows = spark.createDataFrame([(1, "a")], "n INT, s STRING").collect()
        assert rows[0][0] == 1
    finally:
        spark.stop()
import pandas
assert int(pandas.__version__.split(".")[0]) >= 3, pandas.__version__
# PySpark ran its pandas version check (the one that warns) in this process
assert "pyspark.testing.utils" in sys.modules
print("\\n".join(f"{w.category.__name__}: {w.message}" for w in caught) or "no warning")
"""


def _run(*args: str) -> str:
    done = subprocess.run(
        [sys.executable, "-c", SCRIPT, *args], capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return done.stdout


def test_importing_and_starting_the_spark_engine_warns_nothing() -> None:
    from groundswell.engines.spark import java_problem

    if problem := java_problem():
        pytest.skip(f"Spark cannot run here: {problem}")
    assert "does not yet fully support pandas" not in _run()
    # without the engine's filter, PySpark's notice is there to be caught
    assert "does not yet fully support pandas" in _run("--unfiltered")

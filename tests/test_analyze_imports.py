"""``groundswell analyze`` imports igraph without matplotlib (issue 20, point 1): igraph
loads ``matplotlib.pyplot`` for its own plotting when matplotlib is installed, most of the
second its import takes, and groundswell never plots with igraph."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

SRC = str(Path(__file__).resolve().parent.parent / "src")

CHECK = """
import importlib.util, sys
from groundswell.cli.analyse import igraph_without_matplotlib
igraph_without_matplotlib()
assert "igraph" in sys.modules
assert not any(m == "matplotlib" or m.startswith("matplotlib.") for m in sys.modules), \\
    sorted(m for m in sys.modules if m.startswith("matplotlib"))
import igraph
g = igraph.Graph(n=3, edges=[(0, 1), (1, 2)], directed=True)
assert [round(x, 6) for x in g.pagerank()] == [round(x, 6) for x in g.pagerank()]
assert g.coreness() == [1, 1, 1]
if importlib.util.find_spec("matplotlib") is not None:
    import matplotlib  # importable as usual afterwards
    assert matplotlib.__version__
print("ok")
"""


def test_analyze_imports_igraph_without_matplotlib() -> None:
    env = dict(os.environ, PYTHONPATH=SRC)
    out = subprocess.run(
        [sys.executable, "-c", CHECK], env=env, capture_output=True, text=True, check=False
    )
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "ok"


def test_nothing_changes_when_igraph_is_already_loaded() -> None:
    code = (
        "import sys, igraph\n"
        "from groundswell.cli.analyse import igraph_without_matplotlib\n"
        "before = set(sys.modules)\n"
        "igraph_without_matplotlib()\n"
        "assert 'matplotlib' not in sys.modules or sys.modules['matplotlib'] is not None\n"
        "assert set(sys.modules) == before\n"
        "print('ok')\n"
    )
    env = dict(os.environ, PYTHONPATH=SRC)
    out = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=False
    )
    assert out.returncode == 0, out.stderr


#: loaded by nothing a small ``analyze`` computes (issue 20, point 1): SciPy's graph routines
#: bring its sparse and dense linear algebra (igraph gives the same distances and parts), and
#: a workspace with no closed survey reads no survey
NOT_LOADED = (
    "scipy.sparse.csgraph",
    "scipy.sparse.linalg",
    "scipy.linalg",
    "groundswell.survey.record",
    "groundswell.survey.following",
    "groundswell.ingest.survey",
    "numba",
)

SMALL_ANALYZE = """
import sys
from pathlib import Path
import groundswell as gs
from groundswell.synth import generate
folder = Path(sys.argv[1])
files = generate(50, seed=2, weeks=2).write(folder / "org")
with gs.init(folder / "ws") as ws:
    ws.ingest_orgchart(files["hris"])
    ws.ingest_events(files["events"])
before = set(sys.modules)
from groundswell.cli import main
sys.argv = ["groundswell", "analyze", str(folder / "ws")]
try:
    main(end_at_once=False)  # the process goes on: the modules are listed below
except SystemExit as exc:
    assert not exc.code, exc.code
loaded = set(sys.modules) - before
print("\\n".join(sorted(loaded)))
"""


def test_a_small_analyze_loads_no_scipy_graph_routines_nor_survey_modules(
    tmp_path: Path,
) -> None:
    env = dict(os.environ, PYTHONPATH=SRC)
    out = subprocess.run(
        [sys.executable, "-c", SMALL_ANALYZE, str(tmp_path)],
        env=env, capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert out.returncode == 0, out.stderr
    loaded = set(out.stdout.split())
    assert "groundswell.pipeline" in loaded
    assert "groundswell.survey.comparison" in loaded  # the closed surveys were asked for
    assert not [m for m in NOT_LOADED if m in loaded or any(x.startswith(m + ".") for x in loaded)]

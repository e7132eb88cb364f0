"""The gallery (gallery/): what groundswell makes of a small synthetic organisation, each
figure with the code that drew it, run at every build — so the gallery cannot drift from the
library. The organisation is :func:`groundswell.synth.generate`'s (150 people, 4 weeks); the
report is the real ``groundswell report``, the exports the real ``Run.export``."""

from __future__ import annotations

import io
import tempfile
import textwrap
import warnings
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
# raised inside DuckDB's own DataFrame conversion, not by groundswell (as in pyproject.toml)
warnings.filterwarnings("ignore", "The inplace keyword in DataFrame.drop is deprecated")
import matplotlib.pyplot as plt  # noqa: E402
import mkdocs_gen_files  # noqa: E402

import groundswell as gs  # noqa: E402
from groundswell.synth import generate  # noqa: E402

#: (file stem, title, what it shows, the code: it has ``run`` and ``plt`` and draws one figure)
EXAMPLES = [
    (
        "map",
        "The network, laid out as the report draws it",
        "Each dot a person at the position analyze stored (`run.layout()`), coloured by the "
        "community Leiden found (`run.people()['community']`); each line a tie.",
        """
        people, layout, ties = run.people(), run.layout(), run.ties()
        xy = layout.reindex(people.index)
        fig, ax = plt.subplots(figsize=(7, 6))
        src, dst = xy.loc[ties["actor_id"]].to_numpy(), xy.loc[ties["target_id"]].to_numpy()
        for (x0, y0), (x1, y1) in zip(src, dst):
            ax.plot([x0, x1], [y0, y1], color="#bbb", lw=0.2, zorder=1)
        codes = people["community"].astype("category").cat.codes
        ax.scatter(xy["x"], xy["y"], c=codes, cmap="tab10", s=12 + 400 * people["pagerank"],
                   zorder=2)
        ax.set_axis_off()
        ax.set_title("communities; size = PageRank")
        """,
    ),
    (
        "ei",
        "Who keeps to themselves: the E-I index by department",
        "`run.groups('department')`: -1 when every tie stays inside the department, +1 when "
        "every tie leaves it; the bar's colour marks a silo (below its random baseline). "
        "Departments too small to show are merged into one (suppressed) row, with no figure.",
        """
        groups = run.groups("department").dropna(subset=["ei"])
        fig, ax = plt.subplots(figsize=(7, 3.5))
        colours = ["#c0392b" if silo else "#2e86c1" for silo in groups["silo"]]
        ax.barh(groups.index, groups["ei"], color=colours)
        ax.scatter(groups["baseline_ei"], groups.index, color="black", marker="|", s=200,
                   label="random baseline")
        ax.axvline(0, color="grey", lw=0.5)
        ax.set_xlim(-1, 1)
        ax.set_xlabel("E-I index (red: silo)")
        ax.legend(loc="lower right")
        """,
    ),
    (
        "pagerank",
        "Influence and rank: PageRank by level",
        "`run.people()` has every measure as a column (docs/metrics.md); here PageRank against "
        "the level in the org chart, brokers marked by their boolean `role_broker` column.",
        """
        people = run.people()
        fig, ax = plt.subplots(figsize=(7, 3.5))
        other = people[~people["role_broker"]]
        brokers = people[people["role_broker"]]
        ax.scatter(other["level"], other["pagerank"], s=10, color="#999", label="others")
        ax.scatter(brokers["level"], brokers["pagerank"], s=18, color="#d35400",
                   label="brokers")
        ax.set_xlabel("level")
        ax.set_ylabel("PageRank")
        ax.legend()
        """,
    ),
    (
        "flow",
        "Departments and communities",
        "`run.department_flow()`: how many people of each department sit in each community, "
        "through the privacy gate (cells too small to show are blank).",
        """
        flow = run.department_flow()
        fig, ax = plt.subplots(figsize=(7, 3.5))
        im = ax.imshow(flow.to_numpy(dtype=float), cmap="Blues")
        ax.set_xticks(range(flow.shape[1]), [str(c) for c in flow.columns])
        ax.set_yticks(range(flow.shape[0]), [str(r) for r in flow.index])
        ax.set_xlabel("community")
        fig.colorbar(im, ax=ax, label="people")
        """,
    ),
]


def build() -> None:
    with tempfile.TemporaryDirectory(prefix="gs-gallery-") as tmp:
        folder = Path(tmp)
        files = generate(150, seed=1, weeks=4).write(folder / "org")
        with gs.init(folder / "ws") as ws:
            ws.ingest_orgchart(files["hris"])
            ws.ingest_events(files["events"])
            run = ws.analyze()
            page = [
                "# Gallery\n",
                "What groundswell makes of a synthetic organisation of 150 people "
                f"(`groundswell.synth.generate(150, seed=1, weeks=4)`; {run.summary['ties']:,} "
                f"ties in the window {run.window}), redrawn at every build of this site by the "
                "code under each figure. `ws`, `run` and `plt` are a workspace, "
                "`ws.analyze()`'s run and `matplotlib.pyplot`; the notebook "
                "`examples/quickstart.ipynb` walks through the same steps.\n",
                "## The report\n",
                "[The HTML report of this organisation](report.html) "
                "(`groundswell report WS -o report.html`): one self-contained file, the "
                "network map included.\n",
            ]
            html = ws.report(folder / "report.html", run_id=run.run_id)
            with mkdocs_gen_files.open("gallery/report.html", "wb") as fh:
                fh.write(html.read_bytes())
            for stem, title, text, code in EXAMPLES:
                code = textwrap.dedent(code).strip()
                exec(code, {"run": run, "plt": plt})  # our own examples, shown as run
                fig = plt.gcf()
                fig.tight_layout()
                buf = io.BytesIO()
                fig.savefig(buf, format="png", dpi=110)
                plt.close("all")
                with mkdocs_gen_files.open(f"gallery/{stem}.png", "wb") as fh:
                    fh.write(buf.getvalue())
                page += [f"## {title}\n", text + "\n", f"![{title}]({stem}.png)\n"]
                page.append(f"```python\n{code}\n```\n")
            export = run.export(folder / "network.gexf")
            with mkdocs_gen_files.open("gallery/network.gexf", "wb") as fh:
                fh.write(export.read_bytes())
            page += [
                "## For Gephi\n",
                "[network.gexf](network.gexf): `run.export('network.gexf')` (or `groundswell "
                "export WS -o network.gexf`): every person with department, team, community, "
                "persona, roles and measures, every tie with its layer, weight and type, laid "
                "out as above. See [the command reference](../cli.md#groundswell-export).\n",
            ]
    with mkdocs_gen_files.open("gallery/index.md", "w") as fh:
        fh.write("\n".join(page))


build()

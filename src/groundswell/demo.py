"""`groundswell demo`: the whole flow on the built-in synthetic organisation."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

from groundswell import synth, workspace


def run_demo(
    folder: Path,
    *,
    n_people: int = 1000,
    seed: int = 0,
    progress: bool = False,
    say: Callable[[str], None] = print,
) -> Path:
    """Generate, ingest, analyse, report; returns the path of ``folder/report.html``.

    The demo workspace (``folder/workspace``) is recreated on every call.
    """
    folder = Path(folder)
    data, ws_dir = folder / "data", folder / "workspace"
    if ws_dir.exists():
        shutil.rmtree(ws_dir)
    say(f"generating a synthetic organisation of {n_people:,} people (seed {seed})")
    org = synth.generate(n_people, seed=seed)
    files = org.write(data)
    with workspace.init(ws_dir) as ws:
        for line in ws.ingest_orgchart(files["hris"], progress=progress).lines():
            say(line)
        for line in ws.ingest_events(files["events"], progress=progress).lines():
            say(line)
        run = ws.analyze(progress=progress)
        s = run.summary
        say(
            f"run {run.run_id}: window {run.window}, {s['people']:,} people, {s['ties']:,} ties, "
            f"{s['communities']} communities (NMI with departments {s['nmi_departments']:.2f})"
        )
        return ws.report(folder / "report.html", run_id=run.run_id)

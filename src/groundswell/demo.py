"""`groundswell demo`: the whole flow on the built-in synthetic organisation.

The organisation is written in the formats users bring — an HR file, a Slack export of its
chat, and a generic events file of its email and meetings (which Slack does not carry) — and
read back through the same readers a user's own exports go through.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

from groundswell import synth, workspace
from groundswell.synth_slack import DROPPED_KINDS, write_slack_export


def run_demo(
    folder: Path,
    *,
    n_people: int = 1000,
    seed: int = 0,
    progress: bool = False,
    say: Callable[[str], None] = print,
) -> Path:
    """Generate, ingest, analyse, report; returns the path of ``folder/report.html``.

    The demo's data and workspace (``folder/data``, ``folder/workspace``) are recreated on
    every call.
    """
    folder = Path(folder)
    data, ws_dir = folder / "data", folder / "workspace"
    for old in (data, ws_dir):
        if old.exists():
            shutil.rmtree(old)
    say(f"generating a synthetic organisation of {n_people:,} people (seed {seed})")
    org = synth.generate(n_people, seed=seed)
    not_chat = org.events[org.events["kind"].isin(DROPPED_KINDS)].reset_index(drop=True)
    files = synth.SynthOrg(org.people, not_chat, org.truth).write(data)
    slack_zip = write_slack_export(org, data / "slack-export", zip=True)
    with workspace.init(ws_dir) as ws:
        for line in ws.ingest_orgchart(files["hris"], progress=progress).lines():
            say(line)
        for line in ws.ingest("slack", slack_zip, progress=progress).lines():
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

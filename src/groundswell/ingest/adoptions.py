"""Adoptions: who took up which new way of working, and when (to close the champion loop).

One row per person and behaviour. Recognised fields (column names compared case- and
punctuation-insensitively; ``mapping`` or ``[mapping.adoptions]`` in groundswell.toml names
other columns):

==========  =================================================  ===============================
field       meaning                                            recognised column names
==========  =================================================  ===============================
person      who adopted: any identifier (HR id, email, chat)   person_id, employee, user, email
behaviour   what they took up (a tool, a practice)             behavior, practice, change, tool
date        when they first did (a date or time: readers.md)   timestamp, ts, adopted, adopted_at
==========  =================================================  ===============================

``person`` and ``date`` are required; ``behaviour`` is required unless the ``behaviour`` option
names the one behaviour of the whole file. Identifiers are pseudonymised as the source gives
them; aliases (an HR file mapping emails to employee ids) resolve them to people when the
adoption is compared with a champion plan.

A person adopts a behaviour once: when the file lists the same person and behaviour several
times the earliest date is kept ("repeat of an adoption": the others are skipped), and an
adoption already in the workspace is kept as it is (ingesting the same file, or a later
extract that repeats earlier rows, adds nothing). Skipped, with a reason: rows without a person
("no person"). Errors (naming the line): an unreadable or empty date, a behaviour with no
letter or digit. Any other column is ignored.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from groundswell.errors import InputError
from groundswell.ingest import batch, common
from groundswell.progress import steps

if TYPE_CHECKING:
    from groundswell.store import Store

KIND = "adoptions"

FIELDS: dict[str, tuple[str, ...]] = {
    "person": ("personid", "employee", "employeeid", "user", "userid", "email", "who"),
    "behaviour": ("behavior", "practice", "change", "tool", "feature", "habit"),
    "date": ("timestamp", "ts", "time", "adopted", "adoptedat", "adoptedon", "firstused"),
}


def ingest(
    ws: Store,
    path: Path,
    *,
    mapping: dict[str, str] | None = None,
    behaviour: str | None = None,
    delimiter: str | None = None,
    encoding: str | None = None,
    progress: bool = False,
    dry_run: bool = False,
) -> common.IngestSummary:
    """Load adoptions (person, behaviour, date); one transaction.

    Parameters
    ----------
    ws
        The workspace written to.
    path
        The adoptions (.csv, .tsv, .xlsx or .parquet), one row per person and behaviour.
    mapping
        Canonical field -> column of the file, over ``[mapping.adoptions]`` in the settings.
    behaviour
        The behaviour of every row, for a file without a behaviour column.
    delimiter, encoding
        The CSV's delimiter and encoding, when not as detected (:mod:`.tables`).
    progress
        Show a progress bar on a terminal.
    dry_run
        Read, check and summarise; write nothing.
    """
    path = Path(path)
    with steps(3, enabled=progress) as bar:
        mapping = {**ws.settings.mapping("adoptions"), **(mapping or {})}
        bar.step("reading the file")
        opened = common.open_table(
            ws,
            path,
            KIND,
            {"mapping": mapping, "behaviour": behaviour},
            each="adoption",
            delimiter=delimiter,
            encoding=encoding,
        )
        if isinstance(opened, common.IngestSummary):
            return opened
        df, summary = opened.df, opened.summary
        cols = common.columns_or_option(
            path,
            list(df.columns),
            FIELDS,
            ("person", "date", "behaviour"),
            mapping,
            field="behaviour",
            option=behaviour,
        )
        person = common.text_column(df, cols["person"])
        if "behaviour" in cols:
            what = common.text_column(df, cols["behaviour"])
        else:
            what = pd.Series([behaviour] * len(df), dtype="string")
        no_person = (person == "").to_numpy()
        summary.skipped["no person"] += int(no_person.sum())
        ok = ~no_person
        bad = ok & ~what.str.contains(r"[A-Za-z0-9]", regex=True).fillna(False).to_numpy()
        if bad.any():
            k = int(np.flatnonzero(bad)[0])
            raise InputError(
                path,
                "a behaviour without letters or digits",
                expected="a behaviour such as 'uses the new expense tool'",
                found=what.iloc[k],
                **common.locate(path, k),
            )
        ts, _ = common.dated_column(
            path,
            df[cols["date"]],
            "date",
            summary,
            ws.settings,
            bounds=common.date_bounds(ws.settings),
            needed=ok,
            empty=("empty adoption date", "the date the person first adopted the behaviour"),
        )

        bar.step("pseudonymising")
        frame = pd.DataFrame(
            {
                "person_id": ws.pseudonymiser.people(person[ok]),
                "behaviour": what[ok].str.strip().to_numpy(dtype=object),
                "ts": ts[ok].array,
            }
        ).sort_values("ts", kind="stable")
        repeat = frame.duplicated(["person_id", "behaviour"]).to_numpy()
        summary.skipped["repeat of an adoption"] += int(repeat.sum())
        summary.skipped = +summary.skipped
        frame = frame[~repeat].reset_index(drop=True)
        summary.people = int(frame["person_id"].nunique())

        bar.step("storing")
        out = batch.Batch(adoptions=frame)
        return batch.write(ws, out, summary, opened.sha, opened.options, dry_run=dry_run)

"""Adoptions: who took up which new way of working, and when (to close the champion loop).

One row per person and behaviour. Recognised fields (column names compared case- and
punctuation-insensitively; ``mapping`` or ``[mapping.adoptions]`` in groundswell.toml names
other columns):

==========  =================================================  ===============================
field       meaning                                            recognised column names
==========  =================================================  ===============================
person      who adopted: any identifier (HR id, email, chat)   person_id, employee, user, email
behaviour   what they took up (a tool, a practice)             behavior, practice, change, tool
date        when they first did (ISO 8601 date or time)        timestamp, ts, adopted, adopted_at
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
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from groundswell.errors import InputError
from groundswell.ingest import batch, common, damage
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
    progress: bool = False,
    dry_run: bool = False,
) -> common.IngestSummary:
    """Load adoptions (person, behaviour, date); one transaction.

    Parameters
    ----------
    ws
        The workspace written to.
    path
        The adoptions (.csv, .tsv or .parquet), one row per person and behaviour.
    mapping
        Canonical field -> column of the file, over ``[mapping.adoptions]`` in the settings.
    behaviour
        The behaviour of every row, for a file without a behaviour column.
    progress
        Show a progress bar on a terminal.
    dry_run
        Read, check and summarise; write nothing.
    """
    path = Path(path)
    with steps(3, enabled=progress) as bar:
        mapping = {**ws.settings.mapping("adoptions"), **(mapping or {})}
        options: dict[str, Any] = {"mapping": mapping, "behaviour": behaviour}
        sha = common.sha256_file(path) if path.is_file() else ""
        bar.step("reading the file")
        notes: list[str] = []  # warnings about the file itself
        df = common.read_table(path, notes=notes).reset_index(drop=True)
        damage.require_rows(path, len(df), each="adoption")
        if (seen := common.earlier_ingest(ws, KIND, path, sha, options)) is not None:
            return seen
        cols = common.columns_or_option(
            path,
            list(df.columns),
            FIELDS,
            ("person", "date", "behaviour"),
            mapping,
            field="behaviour",
            option=behaviour,
        )
        summary = common.IngestSummary(str(path), KIND, None, rows_read=len(df), warnings=notes)
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
        ts = _dates(path, df, cols["date"], ok, common.date_bounds(ws.settings))

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
        return batch.write(ws, batch.Batch(adoptions=frame), summary, sha, options, dry_run=dry_run)


def _dates(
    path: Path, df: pd.DataFrame, col: str, ok: np.ndarray, bounds: common.DateBounds
) -> pd.Series:
    """Adoption times (UTC); an empty or unreadable cell on a kept row, or a date outside
    ``bounds``, is an error."""
    values = df[col]
    if pd.api.types.is_datetime64_any_dtype(values):
        ts = values.dt.tz_localize("UTC") if values.dt.tz is None else values.dt.tz_convert("UTC")
        common.check_dates(ts, bounds, path, "date")
    else:
        ts = common.parse_dates(path, values, "date", utc_time=True, bounds=bounds)
    ts = ts.astype("datetime64[ns, UTC]").reset_index(drop=True)
    missing = ts.isna().to_numpy() & ok
    if missing.any():
        k = int(np.flatnonzero(missing)[0])
        raise InputError(
            path,
            "empty adoption date",
            expected="the date the person first adopted the behaviour (ISO 8601)",
            **common.locate(path, k),
        )
    return ts

"""Outcomes: results the organisation already measures, to set against the network.

One row per subject, measure and date. A subject is a person or a group (a team or a
department). Recognised fields (column names compared case- and punctuation-insensitively;
``mapping`` or ``[mapping.outcomes]`` in groundswell.toml names other columns):

==========  =====================================================  ============================
field       meaning                                                recognised column names
==========  =====================================================  ============================
person      whose result: an HR id, an email or a name             person_id, employee, email
team        a team's result (a row without a person)               team, squad
department  a department's result (a row without person or team)   department, dept, division
measure     what was measured ("sales against target")             metric, kpi, outcome
value       the figure (a number; decimal commas are read)         score, result, amount
date        when it was measured (a date or time: readers.md)      timestamp, period, as_of
target      what was expected, when the source has it (optional)   goal, quota, plan
tag         the channel or community the figure is credited to     channel, community, project
==========  =====================================================  ============================

``value``, ``date`` and a subject (one of ``person``, ``team``, ``department``) are required;
``measure`` unless the ``measure`` option names the one measure of the whole file.

People are resolved as :func:`groundswell.identity.resolve` resolves them, all at once: an
identifier is pseudonymised with the workspace key; a pseudonym of someone in the workspace is
theirs, an email the org chart links to a person is that person's, and otherwise a name is
looked up among the sealed identities (two people of the same name are an error naming the
line). An identifier that names nobody yet is kept under its pseudonym (an org chart read
later may name it) and counted in a warning. A group is matched to the org chart's spelling
of it, case ignored.

The same subject, measure and date twice in one file is an error naming both lines; a figure
already in the workspace for the same subject, measure and date is replaced (a corrected
extract). Skipped, with a reason: rows with no subject ("no person or group"), rows with an
empty value ("no value"). Errors (naming the line): a value or target that is not a number,
an unreadable or empty date, a measure with no letter or digit.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from groundswell.errors import InputError
from groundswell.ingest import batch, common
from groundswell.ingest.tables import decimal_commas
from groundswell.privacy import normalise_identifier
from groundswell.progress import steps

if TYPE_CHECKING:
    from groundswell.store import Store

__all__ = ["COLUMNS", "FIELDS", "KIND", "ingest"]

KIND = "outcomes"

FIELDS: dict[str, tuple[str, ...]] = {
    "person": (
        "personid", "employee", "employeeid", "hrid", "email", "user", "userid", "name",
        "who", "person_name",
    ),
    "team": ("teamname", "squad", "unit"),
    "department": ("dept", "departmentname", "division", "function"),
    "measure": ("metric", "kpi", "outcome", "indicator", "measurename"),
    "value": ("score", "result", "amount", "actual", "figure"),
    "date": ("timestamp", "ts", "time", "period", "asof", "measuredat", "measuredon", "month"),
    "target": ("goal", "quota", "plan", "objective"),
    "tag": ("channel", "community", "project", "initiative"),
}  # fmt: skip

#: the columns of the ``outcomes`` table written (``source_id`` last, by the writer)
COLUMNS = ["subject_kind", "subject", "measure", "ts", "value", "target", "tag"]
KEY = ["subject_kind", "subject", "measure", "ts"]


def ingest(
    ws: Store,
    path: Path,
    *,
    mapping: dict[str, str] | None = None,
    measure: str | None = None,
    delimiter: str | None = None,
    encoding: str | None = None,
    progress: bool = False,
    dry_run: bool = False,
) -> common.IngestSummary:
    """Load outcomes (subject, measure, value, date; target and tag optional); one transaction.

    Parameters
    ----------
    ws
        The workspace written to.
    path
        The outcomes (.csv, .tsv, .xlsx or .parquet), one row per subject, measure and date.
    mapping
        Canonical field -> column of the file, over ``[mapping.outcomes]`` in the settings.
    measure
        The measure of every row, for a file without a measure column.
    delimiter, encoding
        The CSV's delimiter and encoding, when not as detected (:mod:`.tables`).
    progress
        Show a progress bar on a terminal.
    dry_run
        Read, check and summarise; write nothing.
    """
    path = Path(path)
    with steps(3, enabled=progress) as bar:
        mapping = {**ws.settings.mapping(KIND), **(mapping or {})}
        bar.step("reading the file")
        opened = common.open_table(
            ws,
            path,
            KIND,
            {"mapping": mapping, "measure": measure},
            each="outcome",
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
            ("value", "date", "measure"),
            mapping,
            field="measure",
            option=measure,
        )
        if not {"person", "team", "department"} & set(cols):
            raise InputError(
                path,
                "no column says whose result each row is",
                expected="a person (HR id, email or name), team or department column, or a "
                "mapping such as --map person=YourColumn",
                found=list(df.columns),
            )
        person = common.text_column(df, cols.get("person"))
        team = common.text_column(df, cols.get("team"))
        dept = common.text_column(df, cols.get("department"))
        kind = np.select(
            [(person != "").to_numpy(), (team != "").to_numpy(), (dept != "").to_numpy()],
            ["person", "team", "department"],
            default="",
        )
        if "measure" in cols:
            what = common.text_column(df, cols["measure"])
        else:
            what = pd.Series([str(measure).strip()] * len(df), dtype="string")
        values, empty = _numbers(path, df, cols["value"], "value", kind != "")
        no_subject = kind == ""
        summary.skipped["no person or group"] += int(no_subject.sum())
        summary.skipped["no value"] += int((~no_subject & empty).sum())
        ok = ~no_subject & ~empty
        bad = ok & ~what.str.contains(r"[A-Za-z0-9]", regex=True).fillna(False).to_numpy()
        if bad.any():
            k = int(np.flatnonzero(bad)[0])
            raise InputError(
                path,
                "a measure without letters or digits",
                expected="a measure such as 'sales against target'",
                found=what.iloc[k],
                **common.locate(path, k),
            )
        target = (
            _numbers(path, df, cols["target"], "target", ok)[0]
            if "target" in cols
            else np.full(len(df), np.nan)
        )
        ts, _ = common.dated_column(
            path,
            df[cols["date"]],
            "date",
            summary,
            ws.settings,
            bounds=common.date_bounds(ws.settings),
            needed=ok,
            empty=("empty outcome date", "the date the result was measured"),
        )

        bar.step("pseudonymising")
        subject = np.where(kind == "person", "", np.where(kind == "team", team, dept)).astype(
            object
        )
        rows = np.flatnonzero(ok)
        is_person = ok & (kind == "person")
        if is_person.any():
            subject[is_person] = _people(ws, path, person[is_person], is_person, summary)
        for group, values_of in (("team", team), ("department", dept)):
            mine = ok & (kind == group)
            if mine.any():
                subject[mine] = _groups(ws, group, values_of[mine], summary)
        tag = common.text_column(df, cols.get("tag"))
        frame = pd.DataFrame(
            {
                "subject_kind": kind[ok],
                "subject": subject[ok],
                "measure": what[ok].str.strip().to_numpy(dtype=object),
                "ts": ts[ok].array,
                "value": values[ok],
                "target": target[ok],
                "tag": common.or_none(tag[ok].to_numpy() != "", tag[ok].to_numpy(dtype=object)),
            }
        )
        twice = frame.duplicated(KEY, keep=False).to_numpy()
        if twice.any():
            where = rows[twice]
            first = frame[twice].iloc[0]
            lines = [common.locate(path, int(p))["line"] for p in where[:4]]
            raise InputError(
                path,
                f"two figures of {first['measure']!r} for the same {first['subject_kind']} "
                f"on the same date ({common.locate(path, int(where[0]))['unit']}s {lines})",
                expected="one value per subject, measure and date",
                found=list(frame.loc[twice, "value"].iloc[:2]),
            )
        summary.skipped = +summary.skipped
        summary.people = int(frame.loc[frame["subject_kind"] == "person", "subject"].nunique())

        bar.step("storing")
        with batch.writing(ws, summary, opened.sha, opened.options, dry_run=dry_run) as con:
            outcome_frame = frame  # noqa: F841  (read by DuckDB by name)
            keys = " AND ".join(f"o.{k} = f.{k}" for k in KEY)
            con.execute(
                f"DELETE FROM outcomes o WHERE EXISTS (SELECT 1 FROM outcome_frame f WHERE {keys})"
            )
            sid = int(summary.source_id or 0)  # set by batch.writing
            summary.outcomes = batch.insert(con, "outcomes", frame[COLUMNS], sid, KEY)
        return summary


def _numbers(
    path: Path, df: pd.DataFrame, col: str, name: str, needed: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """A column of figures as floats (decimal commas read) and where it was empty; a cell
    that is no number where ``needed`` is an InputError naming its line."""
    values = df[col]
    if pd.api.types.is_numeric_dtype(values) and not pd.api.types.is_bool_dtype(values):
        num = values.astype("float64").to_numpy()
        return num, np.isnan(num)
    text = values.astype("string").fillna("").str.strip()
    empty = (text == "").to_numpy()
    clean = _decimal_marks(text.str.replace(r"[\s\u00a0'%]", "", regex=True))
    num = pd.to_numeric(clean.where(~empty), errors="coerce").astype("float64").to_numpy()
    bad = needed & ~empty & ~np.isfinite(num)
    if bad.any():
        k = int(np.flatnonzero(bad)[0])
        raise InputError(
            path,
            f"unreadable {name}",
            expected="a number such as 12.5 or 12,5 (or an empty cell)",
            found=values.iloc[k],
            **common.locate(path, k),
        )
    return num, empty


_EUROPEAN = r"[+-]?(?:\d{1,3}(?:\.\d{3})+|\d+)(?:,\d+)?"
_ENGLISH = r"[+-]?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?"


def _decimal_marks(text: pd.Series) -> pd.Series:
    """Figures as text with the column's decimal mark made a point and its thousands marks
    removed, decided for the whole column: every value written ``1.234,5`` or ``12,5`` (and
    one comma at least) is European; every value written ``1,234.5`` or ``12.5`` is
    English; any other column is left to :func:`~groundswell.ingest.tables.decimal_commas`."""
    filled = text.fillna("")
    values = filled[filled != ""]
    if not len(values):
        return text
    if bool(values.str.fullmatch(_EUROPEAN).all()) and bool(values.str.contains(",").any()):
        return text.str.replace(".", "", regex=False).str.replace(",", ".", regex=False)
    if bool(values.str.fullmatch(_ENGLISH).all()):
        return text.str.replace(",", "", regex=False)
    return decimal_commas(text)


def _people(
    ws: Store,
    path: Path,
    raw: pd.Series,
    mask: np.ndarray,
    summary: common.IngestSummary,
) -> np.ndarray:
    """Each raw identifier's person, as :func:`groundswell.identity.resolve` finds them (all at
    once): a pseudonym in ``people``, else an alias's person, else a sealed name."""
    from groundswell.identity import directory

    pseudo = ws.pseudonymiser.people(raw)
    known = set(ws.query("SELECT person_id FROM people")["person_id"])
    aliases = dict(ws.con.execute("SELECT alias_id, person_id FROM aliases").fetchall())
    out = np.array(
        [p if p in known else aliases.get(p, "") for p in pseudo], dtype=object
    )  # one dict look-up per row, no query
    missing = out == ""
    if missing.any() and (ws.has_key or ws.settings.identified):
        table = directory(ws)
        named = table["name"].dropna().map(lambda n: normalise_identifier(str(n)))
        counts = named.value_counts()
        by_name = {n: p for p, n in named.items()}
        wanted = raw[missing].map(normalise_identifier).to_numpy()
        positions = np.flatnonzero(mask)[missing]
        for i, name in enumerate(wanted):
            if counts.get(name, 0) > 1:
                raise InputError(
                    path,
                    f"{counts[name]} people are called {raw[missing].iloc[i]!r}",
                    expected="an HR id or email for a name that several people share",
                    **common.locate(path, int(positions[i])),
                )
        out[missing] = [by_name.get(n, "") for n in wanted]
    left = out == ""
    if left.any():
        summary.warnings.append(
            f"{int(left.sum()):,} rows name someone not in the workspace (e.g. line "
            f"{common.locate(path, int(np.flatnonzero(mask)[left][0]))['line']}): kept under "
            "their pseudonym; they count once an org chart lists them"
        )
        out[left] = pseudo[left]
    return out


def _groups(ws: Store, kind: str, raw: pd.Series, summary: common.IngestSummary) -> np.ndarray:
    """Each group name as the org chart spells it (case ignored), or as given when the org
    chart has no such group (counted in a warning)."""
    column = "team" if kind == "team" else "department"
    names = ws.query(f"SELECT DISTINCT {column} AS g FROM people WHERE {column} IS NOT NULL")["g"]
    spelled = {str(n).strip().lower(): str(n) for n in names}
    out = np.array([spelled.get(r.lower(), r) for r in raw], dtype=object)
    unknown = sorted({r for r in raw if r.lower() not in spelled})
    if unknown:
        summary.warnings.append(
            f"{len(unknown)} {kind}s are not in the org chart (e.g. {unknown[0]!r}): kept as given"
        )
    return out

"""Microsoft Viva Insights query exports (CSV or Parquet): one reader, three query types.

The type of a file is decided from its columns; ``ingest viva`` takes any of them.

**Person-to-person query** (``PrimaryCollaborator_PersonId``, ``SecondaryCollaborator_PersonId``,
``MetricDate``, tie scores, ``PrimaryCollaborator_<attr>`` / ``SecondaryCollaborator_<attr>``)
    Each row becomes one message and one directed interaction primary -> secondary of kind
    ``collaboration`` at ``MetricDate`` (midnight UTC). Its weight is the row's strong tie score
    (``Strong_tie_score`` / ``StrongTieScore``) when the file has that column, else 1.0; a row with
    an empty score is skipped ("no strong tie score"), a score of 0 is skipped ("strong tie score
    0: no tie"), a negative or non-numeric score is an error. The message id is a keyed hash of
    (primary, secondary, MetricDate as ISO date), so the same row in a later export adds nothing.
    Read but not stored (the schema has no place for figures about a pair): the diverse tie score
    and both tie types, and any other unprefixed column.

**Person query** (``PersonId``, ``MetricDate``, weekly metrics, HR attributes)
    Every numeric column becomes rows of ``person_metrics`` (person_id, period_start = MetricDate,
    metric = the column name as exported, value); empty and ``NA`` cells are no figure and are not
    stored. A column is an HR attribute when its name is a known Viva attribute
    (:data:`KNOWN_ATTRIBUTES`), when it is named in the ``attributes`` option, or when any of its
    values is not a number; every other column is a metric.

**Group-to-group query** (``PrimaryCollaborator_<attr>`` / ``SecondaryCollaborator_<attr>``, or
the older ``TimeInvestors_<attr>`` / ``Collaborators_<attr>``, ``MetricDate`` and metrics)
    Every metric cell becomes a row of ``group_metrics`` (attribute, group_a = the time investors'
    group, group_b = the collaborators' group, period_start, metric, value). ``Within Group`` /
    ``Collaborators_within_group`` as group_b is stored as group_a itself (time a group invests in
    itself); other values (``Unclassified Collaborators``, ``Other_collaborators``) are kept as
    exported. ``<side>_GroupSize`` columns become the metric ``GroupSize`` of that group alone
    (group_b = ''). Every other column must be numeric.

People (person-to-person and person queries; ``people_mode="fill"``, so an HR file always wins):
one row per PersonId seen, ``is_internal`` true (a Viva PersonId is a measured employee), no
display name (the exports are de-identified). HR attributes are joined to people by PersonId,
never by row position: every (PersonId, attribute, value) is collected from every row (both
sides of a person-to-person row); when one person has different values, the value of the latest
MetricDate is kept (ties broken by the value, so the outcome does not depend on row order) and a
warning names an example. Every attribute goes into ``attrs`` (JSON); recognised names also fill
the canonical fields (compared case- and punctuation-insensitively, first match wins):

==========  ==================================================================================
field       attribute names
==========  ==================================================================================
department  Organization, Organisation, Department, Dept, Division, Org
team        Team, TeamName, GroupName, Group, SubOrganization, SubOrg, Unit
title       Title, JobTitle, FunctionType, Function, JobFunction, Role
level       Level, JobLevel, ManagementLevel, Layer — only values ``3``, ``L3`` or ``Level3``
            (1 = top; in the vivainsights sample Level1 is exactly LevelDesignation Executive)
location    Region, Location, Country, Office, Site, City, Workplace
manager_id  ManagerId, SupervisorId (pseudonymised like every person id)
==========  ==================================================================================

``LevelDesignation``, ``SupervisorIndicator``, ``HireDate`` and the rest stay in ``attrs`` only.

Dates: ``MetricDate`` (or ``Date`` in older exports) is ISO (``2023-01-08``) or slash-separated
(``1/8/2023``); a time part (``00:00``) is ignored. The format is decided once per file: a file
mixing ISO and slash dates is an error. For slash dates, a first field above 12 means
day/month/year and a second field above 12 means month/day/year (both in one file is an error).
When no value decides, the calendar does: Viva's MetricDate starts a week (a Sunday) or a month
(the 1st), so the reading under which every date is a Sunday or every date a 1st is taken; if
both or neither fit, month/day/year (the US export default). An inferred format is reported as
a warning; ``date_format`` ("iso", "mdy", "dmy") overrides the inference.

Not read: person-to-group and meeting queries (an error says so).
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from groundswell.errors import InputError
from groundswell.ingest import batch, common
from groundswell.progress import steps

if TYPE_CHECKING:
    from groundswell.privacy import Pseudonymiser
    from groundswell.workspace import Workspace

KIND = "viva"
INTERACTION_KIND = "collaboration"
DATE_FORMATS = ("auto", "iso", "mdy", "dmy")
MISSING = {"", "na", "nan", "null", "none", "n/a", "#n/a"}

P2P, PERSON, G2G = "person-to-person", "person", "group-to-group"
#: (time investor prefix, collaborator prefix) of the two generations of group-to-group query
G2G_PREFIXES = (
    ("primarycollaborator_", "secondarycollaborator_"),
    ("timeinvestors_", "collaborators_"),
)
WITHIN_GROUP = {"withingroup", "collaboratorswithingroup"}

#: Person-query columns that are HR attributes even when their values look numeric.
KNOWN_ATTRIBUTES = {
    "organization", "organisation", "functiontype", "leveldesignation", "level", "layer",
    "supervisorindicator", "region", "location", "country", "timezone", "hiredate", "managerid",
    "supervisorid", "department", "team", "groupname", "groupnum", "domain", "populationtype",
    "onsitedays", "numberofdirects", "isactive", "hrattribute",
}  # fmt: skip

#: canonical people field -> attribute names (squashed), first found wins
PEOPLE_FIELDS: dict[str, tuple[str, ...]] = {
    "department": ("organization", "organisation", "department", "dept", "division", "org"),
    "team": ("team", "teamname", "groupname", "group", "suborganization", "suborg", "unit"),
    "title": ("title", "jobtitle", "functiontype", "function", "jobfunction", "role"),
    "level": ("level", "joblevel", "managementlevel", "layer"),
    "location": ("region", "location", "country", "office", "site", "city", "workplace"),
    "manager_id": ("managerid", "supervisorid"),
}

EXPECTED = (
    "a Viva Insights query export: a person-to-person query (PrimaryCollaborator_PersonId, "
    "SecondaryCollaborator_PersonId, MetricDate, tie scores), a person query (PersonId, "
    "MetricDate, metrics and HR attributes) or a group-to-group query "
    "(PrimaryCollaborator_<attribute> and SecondaryCollaborator_<attribute>, or "
    "TimeInvestors_<attribute> and Collaborators_<attribute>; MetricDate; metrics)"
)


def _squash(name: str) -> str:
    return re.sub(r"[^a-z0-9]", "", str(name).lower())


def ingest(
    ws: Workspace,
    path: Path,
    *,
    date_format: str = "auto",
    attributes: list[str] | tuple[str, ...] | None = None,
    progress: bool = False,
    dry_run: bool = False,
) -> common.IngestSummary:
    """Load a Viva Insights person-to-person, person or group-to-group query; one transaction.

    Parameters
    ----------
    ws
        The workspace written to.
    path
        The query export (.csv or .parquet).
    date_format
        "auto" (default: decided per file, see the module docstring), "iso", "mdy" or "dmy".
    attributes
        Person query only: columns to treat as HR attributes even if their values are numbers.
    progress
        Show a progress bar on a terminal.
    dry_run
        Read, check and summarise; write nothing.

    Returns
    -------
    IngestSummary
        What was read, added and skipped.
    """
    path = Path(path)
    if date_format not in DATE_FORMATS:
        raise InputError(path, f"unknown date_format {date_format!r}", expected=str(DATE_FORMATS))
    with steps(4, enabled=progress) as bar:
        options: dict[str, Any] = {
            "date_format": date_format,
            "attributes": sorted(attributes or []),
        }
        sha = common.sha256_file(path) if path.is_file() else ""
        bar.step("reading the file")
        df = common.read_table(path).reset_index(drop=True)
        seen = common.already_ingested(ws, KIND, sha, options)
        if seen is not None:
            return common.IngestSummary(str(path), KIND, seen, already_ingested=True)
        columns = list(df.columns)
        query = detect(path, columns)
        date_col = _find(columns, "metricdate", "date")
        if date_col is None:
            raise InputError(
                path,
                f"a {query} query without a MetricDate column",
                expected="a column MetricDate (or Date in older exports)",
                found=columns[:20],
            )
        summary = common.IngestSummary(str(path), KIND, None, rows_read=len(df))
        dates, note = parse_metric_dates(path, df[date_col], date_format)
        if note:
            summary.warnings.append(note)
        bar.step("pseudonymising")
        if query == P2P:
            out = _person_to_person(ws, path, df, date_col, dates, summary)
        elif query == PERSON:
            out = _person_query(ws, path, df, date_col, dates, summary, attributes or ())
        else:
            out = _group_to_group(path, df, date_col, dates, summary)
        summary.skipped = +summary.skipped  # drop zero counts
        bar.step("storing")
        return batch.write(ws, out, summary, sha, options, dry_run=dry_run)


# -- which query -----------------------------------------------------------------------------------


def _find(columns: list[str], *names: str) -> str | None:
    by = {_squash(c): c for c in columns}
    for n in names:
        if n in by:
            return by[n]
    return None


def detect(path: Path, columns: list[str]) -> str:
    """The query type of a file from its column names (P2P, PERSON or G2G); InputError if none."""
    low = [c.lower() for c in columns]
    p_id = "primarycollaborator_personid" in low
    s_id = "secondarycollaborator_personid" in low
    if p_id and s_id:
        return P2P
    if p_id or s_id:
        raise InputError(
            path,
            "this looks like a person-to-group query (a PersonId on one side only), "
            "which groundswell does not read",
            expected=EXPECTED,
            found=columns[:20],
        )
    for a, b in G2G_PREFIXES:
        if any(c.startswith(a) for c in low) and any(c.startswith(b) for c in low):
            return G2G
    squashed = {_squash(c) for c in columns}
    if "meetingid" in squashed:
        raise InputError(
            path,
            "this looks like a meeting query, which groundswell does not read",
            expected=EXPECTED,
            found=columns[:20],
        )
    if "personid" in squashed:
        return PERSON
    raise InputError(
        path, "not a Viva Insights query this reader knows", expected=EXPECTED, found=columns[:20]
    )


# -- dates -----------------------------------------------------------------------------------------

_ISO = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})(?:[ T]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?$")
_SLASH = re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4})(?: \d{1,2}:\d{2}(?::\d{2})?(?: ?[AaPp][Mm])?)?$")


def parse_metric_dates(
    path: Path, values: pd.Series, date_format: str = "auto"
) -> tuple[pd.Series, str | None]:
    """Parse a MetricDate column into dates (datetime64, midnight), deciding the format per file.

    Returns the dates and a note when the format was inferred rather than certain. Raises
    InputError for an empty or unreadable date, a mix of ISO and slash dates, a slash column
    that reads as day/month on one line and month/day on another, or an impossible date.
    """
    if pd.api.types.is_datetime64_any_dtype(values):
        out = pd.to_datetime(values)
        if getattr(out.dt, "tz", None) is not None:
            out = out.dt.tz_convert("UTC").dt.tz_localize(None)
        if out.isna().any():
            k = int(np.flatnonzero(out.isna().to_numpy())[0])
            raise InputError(path, "empty MetricDate", expected="a date", **common.locate(path, k))
        return out.dt.normalize(), None
    text = values.astype("string").fillna("").str.strip()
    codes, uniques = pd.factorize(text)
    uniq = pd.Series(np.asarray(uniques, dtype=object), dtype="string")

    def first_line(mask_u: np.ndarray) -> dict[str, Any]:
        k = int(np.flatnonzero(mask_u[codes])[0])
        return common.locate(path, k)

    def found(mask_u: np.ndarray) -> str:
        return str(uniq[int(np.flatnonzero(mask_u)[0])])

    empty = (uniq == "").to_numpy()
    if empty.any():
        raise InputError(
            path, "empty MetricDate", expected="a date on every row", **first_line(empty)
        )
    iso = uniq.str.extract(_ISO).astype("Float64")
    slash = uniq.str.extract(_SLASH).astype("Float64")
    is_iso = iso[0].notna().to_numpy()
    is_slash = slash[0].notna().to_numpy()
    neither = ~(is_iso | is_slash)
    if neither.any():
        raise InputError(
            path,
            "unreadable MetricDate",
            expected="a date such as 2023-01-08 or 1/8/2023",
            found=found(neither),
            **first_line(neither),
        )
    note = None
    if is_iso.any() and is_slash.any():
        a, b = first_line(is_iso), first_line(is_slash)
        raise InputError(
            path,
            f"mixed date formats: line {a['line']} has an ISO date ({found(is_iso)!r}) and "
            f"line {b['line']} a slash date ({found(is_slash)!r})",
            expected="one date format in the whole file",
        )
    if is_iso.all():
        if date_format in ("mdy", "dmy"):
            raise InputError(
                path,
                f"date_format={date_format} but the dates are ISO",
                expected="date_format iso or auto",
                found=found(is_iso),
                **first_line(is_iso),
            )
        year, month, day = iso[0], iso[1], iso[2]
    else:
        if date_format == "iso":
            raise InputError(
                path,
                "date_format=iso but the dates are slash-separated",
                expected="an ISO date such as 2023-01-08",
                found=found(is_slash),
                **first_line(is_slash),
            )
        f1, f2, year = slash[0], slash[1], slash[2]
        over1, over2 = (f1 > 12).to_numpy(), (f2 > 12).to_numpy()
        if date_format == "auto":
            if over1.any() and over2.any():
                a, b = first_line(over1), first_line(over2)
                raise InputError(
                    path,
                    f"ambiguous dates: line {a['line']} ({found(over1)!r}) reads only as "
                    f"day/month/year and line {b['line']} ({found(over2)!r}) only as "
                    "month/day/year",
                    expected="one date order in the whole file (or pass date_format mdy/dmy)",
                )
            if over1.any():
                fmt = "dmy"
            elif over2.any():
                fmt = "mdy"
            else:
                fmt, note = _by_calendar(f1, f2, year)
                note = f"{path}: {note}"
        else:
            fmt = date_format
        month, day = (f1, f2) if fmt == "mdy" else (f2, f1)
    parsed = pd.to_datetime(
        pd.DataFrame({"year": year, "month": month, "day": day}).astype("float64"),
        errors="coerce",
    )
    bad = parsed.isna().to_numpy()
    if bad.any():
        raise InputError(
            path,
            "impossible MetricDate",
            expected="a real calendar date"
            + ("" if is_iso.all() else f" read as {'month/day' if month is f1 else 'day/month'}"),
            found=found(bad),
            **first_line(bad),
        )
    return pd.Series(parsed.to_numpy()[codes], index=values.index), note


def _by_calendar(f1: pd.Series, f2: pd.Series, year: pd.Series) -> tuple[str, str]:
    """Choose m/d/Y or d/m/Y when no field exceeds 12: Viva periods start on a Sunday (week)
    or on the 1st (month)."""

    def fits(month: pd.Series, day: pd.Series) -> bool:
        d = pd.to_datetime(
            pd.DataFrame({"year": year, "month": month, "day": day}).astype("float64"),
            errors="coerce",
        )
        if d.isna().any():
            return False
        return bool((d.dt.day_of_week == 6).all() or (d.dt.day == 1).all())

    mdy, dmy = fits(f1, f2), fits(f2, f1)
    if dmy and not mdy:
        return "dmy", (
            "MetricDate read as day/month/year: every date is then the start of a week "
            "(Sunday) or a month, and not so as month/day/year; pass date_format=mdy if wrong"
        )
    why = "either" if mdy and dmy else "no"
    return "mdy", (
        f"MetricDate read as month/day/year ({why} reading is decided by the values); "
        "pass date_format=dmy if the file is day/month/year"
    )


# -- values ----------------------------------------------------------------------------------------


def _numbers(
    path: Path, df: pd.DataFrame, col: str, *, strict: bool = True
) -> tuple[np.ndarray, np.ndarray]:
    """A column as floats (NaN for missing) and the mask of unreadable cells.

    With ``strict``, an unreadable cell is an InputError naming its line.
    """
    values = df[col]
    if pd.api.types.is_numeric_dtype(values) and not pd.api.types.is_bool_dtype(values):
        return values.astype("float64").to_numpy(), np.zeros(len(values), dtype=bool)
    text = values.astype("string").fillna("").str.strip()
    missing = text.str.lower().isin(MISSING).to_numpy()
    num = pd.to_numeric(text.where(~missing), errors="coerce").astype("float64").to_numpy()
    bad = np.isnan(num) & ~missing
    if strict and bad.any():
        k = int(np.flatnonzero(bad)[0])
        raise InputError(
            path,
            f"{col} is not a number",
            expected="a number (or an empty cell)",
            found=values.iloc[k],
            **common.locate(path, k),
        )
    return num, bad


# -- people ----------------------------------------------------------------------------------------


def _people(
    path: Path,
    pseudo: Pseudonymiser,
    ids: np.ndarray,
    long: pd.DataFrame,
) -> tuple[pd.DataFrame, str | None]:
    """People rows for the pseudonymised ``ids`` with attributes from ``long``.

    ``long`` has columns person_id (pseudonym), date, pos (0-based row), attr, value. Returns
    the frame and a warning when a person has conflicting values of an attribute.
    """
    long = long[long["value"] != ""]
    warning = None
    if len(long):
        n_values = long.groupby(["person_id", "attr"], sort=False)["value"].nunique()
        clash = n_values[n_values > 1]
        if len(clash):
            pid, attr = clash.index[0]
            ex = long[(long["person_id"] == pid) & (long["attr"] == attr)].sort_values("pos")
            ex = ex.drop_duplicates("value").head(2)
            lines = [common.locate(path, int(p))["line"] for p in ex["pos"]]
            n_people = clash.index.get_level_values(0).nunique()
            warning = (
                f"{path}: {n_people} people have differing values of an HR attribute "
                f"(e.g. {attr} {ex['value'].iloc[0]!r} on line {lines[0]} and "
                f"{ex['value'].iloc[1]!r} on line {lines[1]} for the same PersonId); "
                "the value of the latest MetricDate is kept"
            )
        long = long.sort_values(["person_id", "attr", "date", "value"], kind="stable")
        long = long.drop_duplicates(["person_id", "attr"], keep="last")
        wide = long.pivot(index="person_id", columns="attr", values="value")
    else:
        wide = pd.DataFrame(index=pd.Index([], name="person_id"))
    uniq = pd.unique(ids)
    wide = wide.reindex(uniq)
    frame = pd.DataFrame({"person_id": uniq})
    frame["display_name"] = None
    frame["is_internal"] = True
    by = {_squash(c): c for c in wide.columns}
    for fieldname, names in PEOPLE_FIELDS.items():
        col = next((by[n] for n in names if n in by), None)
        values = wide[col] if col is not None else pd.Series(None, index=wide.index, dtype=object)
        values = values.to_numpy(dtype=object)
        if fieldname == "level":
            lv = (
                pd.Series(values, dtype="string")
                .str.extract(r"^\s*(?:[Ll](?:evel)?\s*)?(\d{1,3})\s*$")[0]
                .astype("Float64")
            )
            lv = lv.where(lv >= 1)
            frame["level"] = lv.astype("Int64").to_numpy()
        elif fieldname == "manager_id":
            has = pd.notna(values) & (values != "")
            mgr = np.full(len(values), None, dtype=object)
            if has.any():
                mgr[has] = pseudo.people(values[has].astype(str))
            frame["manager_id"] = mgr
        else:
            frame[fieldname] = np.where(pd.isna(values), None, values)
    cols = list(wide.columns)
    if cols:
        records = wide.to_dict(orient="records")
        frame["attrs"] = [
            json.dumps({k: v for k, v in r.items() if isinstance(v, str)}, ensure_ascii=False)
            if any(isinstance(v, str) for v in r.values())
            else None
            for r in records
        ]
    else:
        frame["attrs"] = None
    frame["hire_date"] = pd.NaT
    frame["leave_date"] = pd.NaT
    return frame, warning


def _side_attrs(columns: list[str], prefix: str) -> dict[str, str]:
    """HR attribute name -> column for one side of a person-to-person query."""
    out = {}
    for c in columns:
        if c.lower().startswith(prefix) and c.lower() != prefix + "personid":
            out[c[len(prefix) :]] = c
    return out


# -- person-to-person ------------------------------------------------------------------------------


def _person_to_person(
    ws: Workspace,
    path: Path,
    df: pd.DataFrame,
    date_col: str,
    dates: pd.Series,
    summary: common.IngestSummary,
) -> batch.Batch:
    pseudo = ws.pseudonymiser
    columns = list(df.columns)
    p_col = _find(columns, "primarycollaboratorpersonid")
    s_col = _find(columns, "secondarycollaboratorpersonid")
    assert p_col is not None and s_col is not None  # detect() saw them
    prim = common.text_column(df, p_col)
    sec = common.text_column(df, s_col)
    no_p, no_s = (prim == "").to_numpy(), (sec == "").to_numpy()
    summary.skipped["no PrimaryCollaborator_PersonId"] += int(no_p.sum())
    summary.skipped["no SecondaryCollaborator_PersonId"] += int((no_s & ~no_p).sum())
    ok = ~(no_p | no_s)

    score_col = _find(columns, "strongtiescore")
    if score_col is not None:
        score, _ = _numbers(path, df, score_col)
        neg = score < 0
        if neg.any():
            k = int(np.flatnonzero(neg)[0])
            raise InputError(
                path,
                f"negative {score_col}",
                expected="a score >= 0",
                found=df[score_col].iloc[k],
                **common.locate(path, k),
            )
        no_score = np.isnan(score) & ok
        summary.skipped["no strong tie score"] += int(no_score.sum())
        zero = (score == 0) & ok
        summary.skipped["strong tie score 0: no tie"] += int(zero.sum())
        ok &= ~(no_score | zero)
        weight = score
    else:
        weight = np.ones(len(df))

    p_norm = prim.str.lower().to_numpy()
    s_norm = sec.str.lower().to_numpy()
    self_tie = (p_norm == s_norm) & ok
    summary.skipped["collaboration with oneself"] += int(self_tie.sum())
    ok &= ~self_tie
    day = dates.dt.strftime("%Y-%m-%d").to_numpy(dtype=object)
    key = pd.Series(
        "p2p\x1f" + p_norm.astype(object) + "\x1f" + s_norm.astype(object) + "\x1f" + day
    )
    # among the rows kept so far, every repeat of a key after its first
    dup = ok & pd.Series(np.where(ok, key, None)).duplicated().to_numpy()
    summary.skipped["duplicate pair and MetricDate in the file"] += int(dup.sum())
    ok &= ~dup

    ids = pseudo.people(pd.concat([prim, sec], ignore_index=True))
    p_id, s_id = ids[: len(df)], ids[len(df) :]
    ts = pd.to_datetime(dates).dt.tz_localize("UTC")
    messages = pd.DataFrame(
        {
            "message_id": pseudo.messages(key[ok]),
            "channel_id": None,
            "thread_id": None,
            "parent_id": None,
            "author_id": p_id[ok],
            "ts": ts[ok].array,
            "kind": INTERACTION_KIND,
            "n_recipients": 1,
            "is_question": False,
            "is_bot": False,
            "text": None,
        }
    )
    targets = pd.DataFrame(
        {"message_id": messages["message_id"], "target_id": s_id[ok], "kind": INTERACTION_KIND}
    )
    inter = batch.interactions(messages, targets)
    w = pd.Series(weight[ok], index=messages["message_id"].to_numpy())
    inter["weight"] = inter["message_id"].map(w).astype("float64").to_numpy()

    # people: every PersonId on a row with ids, attributes joined by id from both sides
    has_ids = ~(no_p | no_s)
    pos = np.arange(len(df))
    parts = []
    for prefix, pid in (("primarycollaborator_", p_id), ("secondarycollaborator_", s_id)):
        attrs = _side_attrs(columns, prefix)
        for name, col in attrs.items():
            parts.append(
                pd.DataFrame(
                    {
                        "person_id": pid[has_ids],
                        "date": dates.to_numpy()[has_ids],
                        "pos": pos[has_ids],
                        "attr": name,
                        "value": common.text_column(df, col).to_numpy()[has_ids],
                    }
                )
            )
    long = pd.concat(parts, ignore_index=True) if parts else _empty_long()
    people, warning = _people(path, pseudo, np.concatenate([p_id[has_ids], s_id[has_ids]]), long)
    if warning:
        summary.warnings.append(warning)
    return batch.Batch(people=people, messages=messages, interactions=inter, people_mode="fill")


def _empty_long() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "person_id": pd.Series([], dtype=object),
            "date": pd.Series([], dtype="datetime64[ns]"),
            "pos": pd.Series([], dtype=np.int64),
            "attr": pd.Series([], dtype=object),
            "value": pd.Series([], dtype=object),
        }
    )


# -- person query ----------------------------------------------------------------------------------


def _person_query(
    ws: Workspace,
    path: Path,
    df: pd.DataFrame,
    date_col: str,
    dates: pd.Series,
    summary: common.IngestSummary,
    attributes: list[str] | tuple[str, ...],
) -> batch.Batch:
    pseudo = ws.pseudonymiser
    columns = list(df.columns)
    unknown = sorted(set(attributes) - set(columns))
    if unknown:
        raise InputError(
            path,
            f"the attributes option names columns the file does not have: {unknown}",
            expected=f"columns among {columns[:20]}",
        )
    id_col = _find(columns, "personid")
    assert id_col is not None
    pid_raw = common.text_column(df, id_col)
    no_id = (pid_raw == "").to_numpy()
    summary.skipped["no PersonId"] += int(no_id.sum())
    ok = ~no_id
    key = pid_raw.str.lower() + "\x1f" + dates.dt.strftime("%Y-%m-%d")
    dup = ok & pd.Series(key.where(ok)).duplicated().to_numpy() & key.notna().to_numpy()
    summary.skipped["duplicate PersonId and MetricDate in the file"] += int(dup.sum())
    ok &= ~dup

    forced = set(attributes)
    metric_cols: list[str] = []
    metric_vals: list[np.ndarray] = []
    attr_cols: list[str] = []
    for c in columns:
        if c in (id_col, date_col):
            continue
        if c in forced or _squash(c) in KNOWN_ATTRIBUTES:
            attr_cols.append(c)
            continue
        num, bad = _numbers(path, df, c, strict=False)
        if bad.any():
            attr_cols.append(c)
        else:
            metric_cols.append(c)
            metric_vals.append(num)

    pid = pseudo.people(pid_raw)
    period = dates.dt.date.to_numpy()
    if metric_cols:
        mat = np.column_stack(metric_vals)[ok]
        has = ~np.isnan(mat)
        rows, cols = np.nonzero(has)
        metrics = pd.DataFrame(
            {
                "person_id": pid[ok][rows],
                "period_start": period[ok][rows],
                "metric": np.asarray(metric_cols, dtype=object)[cols],
                "value": mat[rows, cols],
            }
        )
    else:
        metrics = pd.DataFrame(columns=["person_id", "period_start", "metric", "value"])

    pos = np.arange(len(df))
    parts = [
        pd.DataFrame(
            {
                "person_id": pid[ok],
                "date": dates.to_numpy()[ok],
                "pos": pos[ok],
                "attr": c,
                "value": common.text_column(df, c).to_numpy()[ok],
            }
        )
        for c in attr_cols
    ]
    long = pd.concat(parts, ignore_index=True) if parts else _empty_long()
    if len(long):
        long = long[~long["value"].str.lower().isin(MISSING)]
    people, warning = _people(path, pseudo, pid[ok], long)
    if warning:
        summary.warnings.append(warning)
    return batch.Batch(people=people, people_mode="fill", person_metrics=metrics)


# -- group-to-group --------------------------------------------------------------------------------


def _group_to_group(
    path: Path,
    df: pd.DataFrame,
    date_col: str,
    dates: pd.Series,
    summary: common.IngestSummary,
) -> batch.Batch:
    columns = list(df.columns)
    low = [c.lower() for c in columns]
    pa, pb = next(
        (a, b)
        for a, b in G2G_PREFIXES
        if any(c.startswith(a) for c in low) and any(c.startswith(b) for c in low)
    )

    def side(prefix: str) -> tuple[str, str | None]:
        cols = [c for c in columns if c.lower().startswith(prefix)]
        size = [c for c in cols if _squash(c[len(prefix) :]) == "groupsize"]
        groups = [c for c in cols if c not in size]
        if len(groups) != 1:
            raise InputError(
                path,
                f"a group-to-group query needs exactly one {prefix}<attribute> column",
                expected=f"one grouping column such as {prefix}Organization",
                found=groups or cols,
            )
        return groups[0], (size[0] if size else None)

    (ga_col, gsa_col), (gb_col, gsb_col) = side(pa), side(pb)
    attr_a, attr_b = ga_col[len(pa) :], gb_col[len(pb) :]
    attribute = attr_a if attr_a.lower() == attr_b.lower() else f"{attr_a}/{attr_b}"
    a = common.text_column(df, ga_col)
    b = common.text_column(df, gb_col)
    b = b.mask(b.map(_squash).isin(WITHIN_GROUP), a)
    no_group = ((a == "") | (b == "")).to_numpy()
    summary.skipped["no group"] += int(no_group.sum())
    ok = ~no_group
    key = a + "\x1f" + b + "\x1f" + dates.dt.strftime("%Y-%m-%d")
    dup = ok & pd.Series(key.where(ok)).duplicated().to_numpy() & key.notna().to_numpy()
    summary.skipped["duplicate groups and MetricDate in the file"] += int(dup.sum())
    ok &= ~dup

    metric_cols = [c for c in columns if c not in (ga_col, gb_col, gsa_col, gsb_col, date_col)]
    period = dates.dt.date.to_numpy()
    parts = []
    if metric_cols:
        mat = np.column_stack([_numbers(path, df, c)[0] for c in metric_cols])[ok]
        rows, cols = np.nonzero(~np.isnan(mat))
        parts.append(
            pd.DataFrame(
                {
                    "group_a": a.to_numpy()[ok][rows],
                    "group_b": b.to_numpy()[ok][rows],
                    "period_start": period[ok][rows],
                    "metric": np.asarray(metric_cols, dtype=object)[cols],
                    "value": mat[rows, cols],
                }
            )
        )
    sizes = []
    for size_col, group in ((gsa_col, a), (gsb_col, b)):
        if size_col is None:
            continue
        num = _numbers(path, df, size_col)[0]
        keep = ok & ~np.isnan(num)
        sizes.append(
            pd.DataFrame(
                {
                    "group_a": group.to_numpy()[keep],
                    "group_b": "",
                    "period_start": period[keep],
                    "metric": "GroupSize",
                    "value": num[keep],
                }
            )
        )
    if sizes:
        s = pd.concat(sizes, ignore_index=True)
        n = s.groupby(["group_a", "period_start"])["value"].nunique()
        if (n > 1).any():
            g, d = n[n > 1].index[0]
            summary.warnings.append(
                f"{path}: {int((n > 1).sum())} groups have differing GroupSize values on one "
                f"MetricDate (e.g. {g!r} on {d}); the largest is kept"
            )
        s = s.sort_values("value").drop_duplicates(["group_a", "period_start"], keep="last")
        parts.append(s)
    cols_out = ["attribute", "group_a", "group_b", "period_start", "metric", "value"]
    metrics = (
        pd.concat(parts, ignore_index=True).assign(attribute=attribute)[cols_out]
        if parts
        else pd.DataFrame(columns=cols_out)
    )
    return batch.Batch(group_metrics=metrics)

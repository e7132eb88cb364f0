"""The HR org chart: who is who, who reports to whom.

One row per employee. Recognised fields (any other column is kept in ``attrs``):

==============  ==========================================  ==============================
field           meaning                                     recognised column names
==============  ==========================================  ==============================
employee_id     the HR id (required)                        EmployeeID, PersonId, id, ...
manager_id      the manager's employee_id                   ManagerId, SupervisorId, ...
name            display name, kept only in identified mode  Name, FullName, DisplayName
email           another identifier of the same person       Email, Mail, EmailAddress
department      formal unit                                 Department, Dept, Division
team            smaller formal unit                         Team, Group, Unit
title, level    job title; level 1 = top (else computed)    Title, JobTitle / Level
location        site or country                             Location, Office, Site, Country
hire_date       first day (any date format: readers.md)     HireDate, StartDate
leave_date      last day, empty if still employed           LeaveDate, TerminationDate
==============  ==========================================  ==============================

Checks: duplicate ids and reporting cycles are errors (the hierarchy would be ambiguous);
managers missing from the file are reported and treated as roots; dates and levels must parse.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from groundswell import identity
from groundswell.errors import InputError
from groundswell.ingest import batch, common, personal
from groundswell.progress import steps

if TYPE_CHECKING:
    from groundswell.store import Store

FIELDS: dict[str, tuple[str, ...]] = {
    "employee_id": (
        "employeeid", "personid", "empid", "employee", "workerid", "id", "hrid",
        "employeenumber", "personalnummer", "persnr", "mitarbeiterid", "mitarbeiternummer",
    ),
    "manager_id": (
        "managerid", "supervisorid", "manager", "supervisor", "reportsto", "bossid",
        "vorgesetzter", "vorgesetzterid", "vorgesetzte", "fuehrungskraft", "managerpersonalnummer",
    ),
    "name": ("fullname", "displayname", "employeename", "vollstaendigername"),
    **personal.NAME_FIELDS,
    "email": ("mail", "emailaddress", "workemail", "upn", "userprincipalname", "emailadresse"),
    "department": (
        "dept", "division", "function", "organization", "organisation", "abteilung",
        "bereich", "organisationseinheit",
    ),
    "team": ("group", "unit", "subteam", "gruppe"),
    "title": ("jobtitle", "position", "role", "stelle", "stellenbezeichnung", "berufsbezeichnung"),
    "level": ("grade_level", "joblevel", "layer", "managementlevel", "ebene", "hierarchieebene"),
    "location": ("office", "site", "country", "city", "workplace", "standort", "land", "ort"),
    "hire_date": ("hiredate", "startdate", "datehired", "joined", "eintrittsdatum", "eintritt"),
    "leave_date": (
        "leavedate", "terminationdate", "enddate", "exitdate", "austrittsdatum", "austritt",
    ),
    "relation": ("relationship", "relationtype", "contacttype", "partytype", "beziehung"),
}  # fmt: skip

#: the values of a relation column, as stored (``people.relation``), and whether they are
#: inside the organisation; the keys are the values recognised (lower case)
RELATIONS: dict[str, tuple[str, bool]] = {
    **dict.fromkeys(("employee", "staff", "internal", "mitarbeiter", "intern", "angestellt",
                     "angestellter", "angestellte"), ("employee", True)),
    **dict.fromkeys(("contractor", "freelancer", "temp", "temporary"), ("contractor", True)),
    **dict.fromkeys(("customer", "client", "kunde"), ("customer", False)),
    **dict.fromkeys(("supplier", "vendor", "lieferant"), ("supplier", False)),
    **dict.fromkeys(("partner",), ("partner", False)),
    **dict.fromkeys(("external", "extern", "externe", "guest", "gast"), ("external", False)),
}  # fmt: skip


def hierarchy_levels(ids: np.ndarray, managers: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Depth in the reporting tree (1 = a root) for every person, and who sits in a cycle.

    ``managers`` holds each person's manager id, or '' for a root. A manager missing from
    ``ids`` makes the person a root. Returns (levels, in_cycle); levels are 0 for people in
    or under a reporting cycle. Runs in O(n log n) array steps (pointer doubling), no loop
    per person.
    """
    n = len(ids)
    index = pd.Index(ids)
    parent = index.get_indexer(managers)  # -1 when missing or ''
    self_idx = np.arange(n)
    parent = np.where(parent < 0, self_idx, parent)  # roots point to themselves
    is_root = parent == self_idx
    # pointer doubling: after k rounds, anc = ancestor 2^k steps up (or a root)
    anc = parent.copy()
    for _ in range(max(1, int(np.ceil(np.log2(n + 1))) + 1)):
        anc = anc[anc]
    in_cycle = ~is_root[anc]
    # depth by breadth-first layers from the roots (one array step per level)
    levels = np.zeros(n, dtype=np.int64)
    levels[is_root] = 1
    frontier = is_root.copy()
    depth = 1
    while frontier.any():
        depth += 1
        child = (~is_root) & frontier[parent] & (levels == 0)
        levels[child] = depth
        frontier = child
    return levels, in_cycle


def ingest(
    ws: Store,
    path: Path,
    *,
    mapping: dict[str, str] | None = None,
    delimiter: str | None = None,
    encoding: str | None = None,
    progress: bool = False,
    dry_run: bool = False,
) -> common.IngestSummary:
    """Load an org chart into ``people`` (upserting) and ``aliases``; one transaction.

    The file is a CSV of any dialect (its ``delimiter`` and ``encoding`` detected unless
    given), an Excel workbook or Parquet (:mod:`groundswell.ingest.tables`); dates in any
    format, decided per column (:mod:`groundswell.ingest.date_formats`). With ``dry_run`` the
    file is read, checked and summarised, and nothing is written.
    """
    with steps(3, enabled=progress) as bar:
        mapping = {**ws.settings.mapping("orgchart"), **(mapping or {})}
        bar.step("reading the file")
        opened = common.open_table(
            ws,
            path,
            "orgchart",
            {"mapping": mapping},
            each="employee",
            delimiter=delimiter,
            encoding=encoding,
        )
        if isinstance(opened, common.IngestSummary):
            return opened
        df, summary = opened.df, opened.summary
        cols = common.resolve_columns(path, list(df.columns), FIELDS, ("employee_id",), mapping)
        hr_bounds = common.date_bounds(ws.settings, "hr")
        # each date column read one way, from all its values (rows without an id too)
        dates: dict[str, pd.Series] = {}
        for f in ("hire_date", "leave_date"):
            if f in cols:
                dates[f], _ = common.dated_column(
                    path, df[cols[f]], f, summary, ws.settings, bounds=hr_bounds, utc_time=False
                )

        emp = common.text_column(df, cols["employee_id"])
        keep = emp != ""
        summary.skipped["no employee id"] += int((~keep).sum())
        df, emp = df[keep.to_numpy()], emp[keep]
        positions = np.flatnonzero(keep.to_numpy())  # original row of each kept record

        norm = emp.str.lower().to_numpy()
        dup = pd.Series(norm).duplicated(keep=False).to_numpy()
        if dup.any():
            where = positions[dup][:6]
            first = common.locate(path, int(where[0]))
            raise InputError(
                path,
                f"duplicate employee id {emp.iloc[int(np.flatnonzero(dup)[0])]!r} "
                f"(records at {first['unit']}s "
                f"{[common.locate(path, int(p))['line'] for p in where]})",
                expected="each employee_id once",
            )

        mgr = common.text_column(df, cols.get("manager_id"))
        mgr_norm = mgr.str.lower().to_numpy()
        levels, in_cycle = hierarchy_levels(norm, mgr_norm)
        if in_cycle.any():
            k = int(np.flatnonzero(in_cycle)[0])
            raise InputError(
                path,
                f"reporting cycle: employee {emp.iloc[k]!r} is their own manager's manager "
                f"({int(in_cycle.sum())} people in or under cycles)",
                expected="a reporting tree with no loops",
                **common.locate(path, int(positions[k])),
            )
        known = pd.Index(norm)
        missing_mgr = (mgr_norm != "") & (known.get_indexer(mgr_norm) < 0)
        if missing_mgr.any():
            lines = [common.locate(path, int(p))["line"] for p in positions[missing_mgr][:5]]
            summary.warnings.append(
                f"{int(missing_mgr.sum())} people have a manager who is not in the file "
                f"(e.g. lines {lines}); they are treated as the top of their branch"
            )

        bar.step("pseudonymising")
        frame = pd.DataFrame(index=range(len(df)))
        pseudo = ws.pseudonymiser
        frame["person_id"] = pseudo.people(emp)
        names = _names(df, cols)
        frame["display_name"] = (
            names.replace("", None).to_numpy()
            if ws.settings.identified and names is not None
            else None
        )
        frame["is_internal"], frame["relation"] = _relations(
            path, df, cols.get("relation"), positions
        )
        for f in ("department", "team", "title", "location"):
            frame[f] = common.text_column(df, cols.get(f)).replace("", None).to_numpy()
        frame["level"] = _levels(path, df, cols.get("level"), levels, positions)
        frame["manager_id"] = common.or_none(mgr.to_numpy() != "", pseudo.people(mgr))
        for f in ("hire_date", "leave_date"):
            if f in cols:
                frame[f] = dates[f].to_numpy()[positions]
            else:
                frame[f] = pd.NaT
        used = set(cols.values())
        extra = [c for c in df.columns if c not in used]
        attrs = df[extra].reset_index(drop=True)
        if extra and not ws.settings.identified:
            known = [*(names if names is not None else []), *emp]
            if "email" in cols:
                known += list(common.text_column(df, cols["email"]))
            screened = personal.screen(attrs, extra, known)
            for col in screened.pseudonymised:
                attrs[col] = personal.pseudonymise_emails(attrs[col], pseudo.people)
            attrs = attrs.drop(columns=list(screened.dropped))
            summary.warnings += screened.notes()
        frame["attrs"] = (
            [json.dumps(r, ensure_ascii=False) for r in attrs.to_dict(orient="records")]
            if len(attrs.columns)
            else None
        )
        aliases = pd.DataFrame()
        if "email" in cols:
            mail = common.text_column(df, cols["email"]).to_numpy()
            has = mail != ""
            aliases = pd.DataFrame(
                {
                    "alias_id": pseudo.people(mail[has]),
                    "person_id": frame["person_id"].to_numpy()[has],
                }
            ).drop_duplicates("alias_id")

        bar.step("storing")
        out = batch.Batch(people=frame, aliases=aliases, people_mode="upsert")
        done = batch.write(ws, out, summary, opened.sha, opened.options, dry_run=dry_run)
        if not dry_run:  # who each pseudonym is, sealed under the key (groundswell.identity)
            email = common.text_column(df, cols.get("email")) if "email" in cols else None
            identity.store_identities(
                ws,
                frame["person_id"],
                emp,
                email if email is not None else [None] * len(frame),
                names if names is not None else [None] * len(frame),
            )
        return done


def _names(df: pd.DataFrame, cols: dict[str, str]) -> pd.Series | None:
    """The display name of every row, composed from the name columns found (see
    :func:`groundswell.ingest.personal.display_names`); a ``Name`` column beside a first
    name and no last name is the family name (``Vorname`` / ``Name``)."""
    got = {
        f: common.text_column(df, cols[f]).reset_index(drop=True)
        for f in ("name", "first_name", "last_name", "preferred_name")
        if f in cols
    }
    plain = "name" in cols and personal.squash(cols["name"]) == "name"
    if plain and "first_name" in got and "last_name" not in got:
        got["last_name"] = got.pop("name")
    return personal.display_names(
        got.get("name"), got.get("first_name"), got.get("last_name"), got.get("preferred_name")
    )


def _relations(
    path: Path, df: pd.DataFrame, col: str | None, positions: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """``is_internal`` and ``relation`` of every row from the relation column (all internal,
    relation unknown, without one); an unknown value is an error naming its line."""
    n = len(df)
    if col is None:
        return np.ones(n, dtype=bool), np.array([None] * n, dtype=object)
    text = common.text_column(df, col).str.lower().to_numpy(dtype=object)
    known = np.array([t == "" or t in RELATIONS for t in text])
    if not known.all():
        k = int(np.flatnonzero(~known)[0])
        raise InputError(
            path,
            f"unknown relation in column {col!r}",
            expected="employee, contractor, customer, supplier, partner or external",
            found=df[col].iloc[k],
            **common.locate(path, int(positions[k])),
        )
    relation = np.array([RELATIONS[t][0] if t else None for t in text], dtype=object)
    internal = np.array([RELATIONS[t][1] if t else True for t in text], dtype=bool)
    return internal, relation


def _levels(
    path: Path, df: pd.DataFrame, col: str | None, computed: np.ndarray, positions: np.ndarray
) -> np.ndarray:
    if col is None:
        return computed
    text = common.text_column(df, col)
    num = pd.to_numeric(text.replace("", None), errors="coerce")
    bad = num.isna().to_numpy() & (text != "").to_numpy()
    bad |= (num.fillna(1) < 1).to_numpy() | (num.fillna(1) % 1 != 0).to_numpy()
    if bad.any():
        k = int(np.flatnonzero(bad)[0])
        raise InputError(
            path,
            "unparseable level",
            expected="a whole number >= 1 (1 = top)",
            found=text.iloc[k],
            **common.locate(path, int(positions[k])),
        )
    return np.where(num.isna(), computed, num.fillna(0)).astype(np.int64)

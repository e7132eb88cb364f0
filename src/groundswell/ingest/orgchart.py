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
hire_date       first day (ISO date)                        HireDate, StartDate
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

from groundswell.errors import InputError
from groundswell.ingest import batch, common, damage
from groundswell.progress import steps

if TYPE_CHECKING:
    from groundswell.store import Store

FIELDS: dict[str, tuple[str, ...]] = {
    "employee_id": ("employeeid", "personid", "empid", "employee", "workerid", "id", "hrid"),
    "manager_id": ("managerid", "supervisorid", "manager", "supervisor", "reportsto", "bossid"),
    "name": ("fullname", "displayname", "employeename"),
    "email": ("mail", "emailaddress", "workemail", "upn", "userprincipalname"),
    "department": ("dept", "division", "function", "organization", "organisation"),
    "team": ("group", "unit", "subteam"),
    "title": ("jobtitle", "position", "role"),
    "level": ("grade_level", "joblevel", "layer", "managementlevel"),
    "location": ("office", "site", "country", "city", "workplace"),
    "hire_date": ("hiredate", "startdate", "datehired", "joined"),
    "leave_date": ("leavedate", "terminationdate", "enddate", "exitdate"),
}


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
    progress: bool = False,
    dry_run: bool = False,
) -> common.IngestSummary:
    """Load an org chart into ``people`` (upserting) and ``aliases``; one transaction.

    With ``dry_run`` the file is read, checked and summarised, and nothing is written.
    """
    with steps(3, enabled=progress) as bar:
        mapping = {**ws.settings.mapping("orgchart"), **(mapping or {})}
        options = {"mapping": mapping}
        sha = common.sha256_file(path) if path.is_file() else ""
        bar.step("reading the file")
        notes: list[str] = []  # warnings about the file itself
        df = common.read_table(path, notes=notes)
        damage.require_rows(path, len(df), each="employee")
        if (seen := common.earlier_ingest(ws, "orgchart", path, sha, options)) is not None:
            return seen
        cols = common.resolve_columns(path, list(df.columns), FIELDS, ("employee_id",), mapping)
        summary = common.IngestSummary(
            str(path), "orgchart", None, rows_read=len(df), warnings=notes
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
        frame["display_name"] = (
            common.text_column(df, cols.get("name")).replace("", None).to_numpy()
            if ws.settings.identified
            else None
        )
        frame["is_internal"] = True
        for f in ("department", "team", "title", "location"):
            frame[f] = common.text_column(df, cols.get(f)).replace("", None).to_numpy()
        frame["level"] = _levels(path, df, cols.get("level"), levels, positions)
        frame["manager_id"] = common.or_none(mgr.to_numpy() != "", pseudo.people(mgr))
        hr_bounds = common.date_bounds(ws.settings, "hr")
        for f in ("hire_date", "leave_date"):
            if f in cols:
                frame[f] = _dates(path, df[cols[f]], f, positions, hr_bounds).to_numpy()
            else:
                frame[f] = pd.NaT
        used = set(cols.values())
        extra = [c for c in df.columns if c not in used]
        frame["attrs"] = (
            [json.dumps(r, ensure_ascii=False) for r in df[extra].to_dict(orient="records")]
            if extra
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
        return batch.write(ws, out, summary, sha, options, dry_run=dry_run)


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


def _dates(
    path: Path, values: pd.Series, name: str, positions: np.ndarray, bounds: common.DateBounds
) -> pd.Series:
    try:
        return common.parse_dates(path, values.reset_index(drop=True), name, bounds=bounds)
    except InputError as exc:  # re-point the line at the original record
        if exc.line is not None:
            pos = exc.line - common.locate(path, 0)["line"]
            raise InputError(
                path,
                exc.problem,
                expected=exc.expected,
                found=exc.found,
                **common.locate(path, int(positions[pos])),
            ) from None
        raise

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

from pathlib import Path
from typing import TYPE_CHECKING, Any

from groundswell.errors import InputError
from groundswell.ingest import batch, common
from groundswell.ingest.viva.dates import parse_metric_dates
from groundswell.ingest.viva.people_rows import PEOPLE_FIELDS
from groundswell.ingest.viva.query import (
    EXPECTED,
    G2G,
    G2G_PREFIXES,
    MISSING,
    P2P,
    PERSON,
    _find,
    detect,
)
from groundswell.ingest.viva.readers import (
    INTERACTION_KIND,
    KNOWN_ATTRIBUTES,
    WITHIN_GROUP,
    _group_to_group,
    _person_query,
    _person_to_person,
)
from groundswell.progress import steps

if TYPE_CHECKING:
    from groundswell.store import Store

__all__ = [
    "DATE_FORMATS",
    "EXPECTED",
    "G2G",
    "G2G_PREFIXES",
    "INTERACTION_KIND",
    "KIND",
    "KNOWN_ATTRIBUTES",
    "MISSING",
    "P2P",
    "PEOPLE_FIELDS",
    "PERSON",
    "WITHIN_GROUP",
    "detect",
    "ingest",
    "parse_metric_dates",
]

KIND = "viva"
DATE_FORMATS = ("auto", "iso", "mdy", "dmy")


def ingest(
    ws: Store,
    path: Path,
    *,
    date_format: str = "auto",
    attributes: list[str] | tuple[str, ...] | None = None,
    delimiter: str | None = None,
    encoding: str | None = None,
    progress: bool = False,
    dry_run: bool = False,
) -> common.IngestSummary:
    """Load a Viva Insights person-to-person, person or group-to-group query; one transaction.

    Parameters
    ----------
    ws
        The workspace written to.
    path
        The query export (.csv, .xlsx or .parquet).
    date_format
        "auto" (default: decided per file, see the module docstring), "iso", "mdy" or "dmy".
    attributes
        Person query only: columns to treat as HR attributes even if their values are numbers.
    delimiter, encoding
        The CSV's delimiter and encoding, when not as detected (:mod:`..tables`).
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
        bar.step("reading the file")
        opened = common.open_table(
            ws,
            path,
            KIND,
            options,
            each="person (or pair, or group) and week",
            delimiter=delimiter,
            encoding=encoding,
        )
        if isinstance(opened, common.IngestSummary):
            return opened
        df, summary = opened.df, opened.summary
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
        decision: dict[str, str] = {}
        dates, note = parse_metric_dates(
            path,
            df[date_col],
            date_format,
            bounds=common.date_bounds(ws.settings),
            decision=decision,
        )
        if decision:
            summary.read["dates"] = {"MetricDate": {"column": date_col, **decision}}
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
        return batch.write(ws, out, summary, opened.sha, opened.options, dry_run=dry_run)
